"""Change requests of a contracted project, through the API of the applications service with the real
eligibility, catalogue and budget apps in-process (SQLite and PostgreSQL): a reallocation within the
programme's flexibility is notified and applied without a decision; a time extension and a new Norwegian
partner, open side by side, are decided and make the next approved versions, the NO-STATE commitment rising
by exactly the new partner's state funding; a report made before keeps its version; an increase the fund has
no room for is refused with the budget's figures and changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ADMIN,
    ALICE,
    OLGA,
    PROGRAMME,
    assessed,
    create,
    decided,
    delivered,
    editing,
    key,
    local_date,
    open_call,
)
from services.applications.tests.project_support import (
    NILS,
    SVEA,
    P,
    certified_report,
    contract_body,
    eur,
    line,
    nok,
    register_controllers,
    two_owner_body,
)
from services.budget.tests.helpers import OFFICER
from shared.clock import FixedClock
from shared.problems import UpstreamError
from tests.receiver import Receiver, receiving

pytestmark = pytest.mark.usefixtures("backend")
C = "/v1/change-requests"
T = "se.interreg.change-request."
STEPS = ["created", "submitted", "checked", "assessed", "approved"]


def body(call_id: str) -> dict[str, Any]:
    """Two owners over 24 months; the Swedish side in real costs only (no flat rate on staff), its equipment
    90,000.00 EUR of 600,000.00."""
    out = two_owner_body(call_id)
    start = local_date() + dt.timedelta(days=90)
    out["start_date"], out["end_date"] = start.isoformat(), (start + dt.timedelta(days=729)).isoformat()
    out["partners"][0]["budget"] = [
        {"category": "staff", "amount": eur("400000.00")},
        {"category": "travel-accommodation", "amount": eur("20000.00")},
        {"category": "external-expertise", "amount": eur("80000.00")},
        {"category": "equipment", "amount": eur("90000.00")},
        {"category": "infrastructure-works", "amount": eur("10000.00")},
    ]
    return out


async def contracted(client: httpx.AsyncClient, app: FastAPI, catalogue: httpx.AsyncClient) -> str:
    aid: str = (await create(client, body(await open_call(catalogue)), ALICE))["id"]
    assert (await assessed(client, app, aid))["status"] == "eligible"
    assert (await decided(client, app, aid, {"decision": "approved"}))["commitment_status"] == "active"
    await register_controllers(client)
    r = await client.put(f"{P}/{aid}/contract", json=contract_body(), headers=await editing(client, f"{P}/{aid}", OLGA))
    assert r.status_code == 200, r.text
    r = await client.post(f"{P}/{aid}/contracting", headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "contracted", r.text
    return aid


def new_partner(state: str) -> dict[str, Any]:
    """A Norwegian partner (not an owner) with NOK `2 × state` of staff costs, half of them state funds."""
    total = f"{Decimal(state) * 2:.2f}"
    return {
        "name": "Hedmark Kunnskapspark AS",
        "organisation_number": "938654321",
        "country": "NO",
        "organisation_type": "public-authority",
        "region": "NO020",
        "role": "partner",
        "budget": [{"category": "staff", "amount": nok(total)}],
        "financing": [{"source": "NO-STATE", "amount": nok(state)}, {"source": "own-public", "amount": nok(state)}],
    }


async def made(client: httpx.AsyncClient, aid: str, who: dict[str, str], change: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(f"{P}/{aid}/change-requests", json=change, headers={**who, **key()})
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"{C}/{r.json()['id']}"
    out: dict[str, Any] = r.json()
    return out


async def read(client: httpx.AsyncClient, cid: str, who: dict[str, str] = OLGA) -> dict[str, Any]:
    r = await client.get(f"{C}/{cid}", headers=who)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def step(client: httpx.AsyncClient, cid: str, what: str, who: dict[str, str], json: Any = None) -> dict[str, Any]:
    r = await client.post(f"{C}/{cid}/{what}", json=json, headers={**who, **key()})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def commitment(budget: httpx.AsyncClient, client: httpx.AsyncClient, aid: str) -> dict[str, Any]:
    cid = (await client.get(f"/v1/applications/{aid}", headers=OLGA)).json()["commitment_id"]
    r = await budget.get(f"/v1/commitments/{cid}", headers=OFFICER)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def consistent(client: httpx.AsyncClient) -> None:
    """The reconciler finds the applications and the budget agree (a version the budget never heard of, made
    by a change that raised nothing, keeps the commitment the application names)."""
    r = await client.get("/v1/reconciliation", params={"programme": PROGRAMME}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["differences"] == [], r.text


def held(c: dict[str, Any], fund: str, currency: str) -> Decimal:
    return sum(
        (
            Decimal(ln["amount"]["amount"])
            for ln in c["lines"]
            if ln["fund"] == fund and ln["amount"]["currency"] == currency
        ),
        Decimal(0),
    )


async def test_notified_reallocation_then_decided_extension_and_partner(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client, app = applications_client, applications_app
    aid = await contracted(client, app, catalogue_client)
    project = (await client.get(f"{P}/{aid}", headers=OLGA)).json()
    first = project["baseline_version"]
    r = await client.post(f"{P}/{aid}/partner-reports", json={"partner": 1, "period": 1}, headers={**SVEA, **key()})
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["baseline_version"] == first
    before = await commitment(budget_live_client, client, aid)

    # 1. 50,000.00 EUR from equipment to staff on the Swedish side: within the 10 % flexibility, notified.
    moved = await made(
        client,
        aid,
        SVEA,
        {
            "type": "budget-reallocation",
            "justification": "The test bench costs less; the staff time goes to the pilot.",
            "diff": {
                "budget": [
                    {"partner": 1, "category": "equipment", "amount": eur("40000.00")},
                    {"partner": 1, "category": "staff", "amount": eur("450000.00")},
                ]
            },
        },
    )
    assert moved["status"] == "draft" and moved["sides"] == ["SE"] and moved["base_version"] == first
    assert (await step(client, moved["id"], "submission", SVEA))["status"] == "submitted"
    await delivered(app)
    moved = await read(client, moved["id"])
    assert moved["status"] == "notified" and moved["decision"] is None, moved
    assert moved["flexibility"]["within"] is True and moved["flexibility"]["share"] == "0.10"
    assert moved["eligible"] is True and moved["version"] == first + 1
    assert (await client.get(f"{P}/{aid}", headers=OLGA)).json()["baseline_version"] == first + 1
    await consistent(client)

    # 2. Six months more and a Norwegian partner with NOK 200,000.00: two requests open side by side.
    end = dt.date.fromisoformat(body(str(project["id"]))["end_date"])
    extension = await made(
        client,
        aid,
        SVEA,
        {
            "type": "time-extension",
            "justification": "The pilot lines are delivered late.",
            "diff": {"end_date": (end + dt.timedelta(days=183)).isoformat()},
        },
    )
    assert extension["sides"] == ["SE", "NO"]
    partner = await made(
        client,
        aid,
        NILS,
        {
            "type": "partner-change",
            "justification": "The science park runs the Norwegian pilots.",
            "diff": {"partners_in": [new_partner("100000.00")]},
        },
    )
    assert partner["sides"] == ["NO"]
    conflicting = await client.post(
        f"{P}/{aid}/change-requests",
        json={"type": "time-extension", "justification": "x", "diff": {"end_date": end.isoformat()}},
        headers={**NILS, **key(), "Accept-Language": "sv"},
    )
    assert conflicting.status_code == 422, conflicting.text  # not after the approved end date
    assert conflicting.json()["errors"] == [
        {"field": "diff.end_date", "message": f"en förlängning slutar efter {end.isoformat()}"}
    ]
    conflicting = await client.post(
        f"{P}/{aid}/change-requests",
        json={
            "type": "time-extension",
            "justification": "x",
            "diff": {"end_date": (end + dt.timedelta(days=400)).isoformat()},
        },
        headers={**NILS, **key(), "Accept-Language": "sv"},
    )
    assert conflicting.status_code == 409, conflicting.text
    assert conflicting.headers["content-type"].startswith("application/problem+json")
    assert conflicting.headers["content-language"] == "sv"
    assert conflicting.json()["type"].endswith("/change-request-conflict")
    assert conflicting.json()["detail"].startswith("ändringsbegäran 2 ")
    assert conflicting.json()["title"] == "En annan öppen ändringsbegäran ändrar samma del"
    assert conflicting.json()["change_request"] == extension["id"] and conflicting.json()["parts"] == ["dates"]

    assert (await step(client, extension["id"], "submission", SVEA))["status"] == "draft"
    assert (await step(client, extension["id"], "submission", NILS))["status"] == "submitted"
    assert (await step(client, partner["id"], "submission", NILS))["status"] == "submitted"
    await delivered(app)
    for cid in (extension["id"], partner["id"]):
        checked = await read(client, cid)
        assert checked["status"] == "checked" and checked["eligible"] is True, checked
        assessment = {"recommendation": "approve", "comment": "Within the project's aims."}
        assert (await step(client, cid, "assessment", OLGA, assessment))["status"] == "assessed"

    decision = {"decision": "approved", "reason": "As assessed.", "committee_reference": "ÖK 2025-03-14 §7"}
    decided_ext = await step(client, extension["id"], "decision", OLGA, decision)
    assert decided_ext["status"] == "approved" and decided_ext["version"] == first + 2, decided_ext
    assert decided_ext["money"]["increase"] == [] and decided_ext["money"]["release"] == []
    await delivered(app)  # the partner change is checked again on the new version, its assessment kept
    assert (await read(client, partner["id"]))["status"] == "assessed"
    approving = await step(client, partner["id"], "decision", OLGA, decision)
    assert approving["status"] == "approving"
    assert approving["money"]["increase"] == [{"fund": "NO-STATE", "amount": nok("100000.00")}]
    assert approving["money"]["state"] == "pending"
    await delivered(app)
    partner = await read(client, partner["id"])
    assert partner["status"] == "approved" and partner["version"] == first + 3, partner
    assert partner["money"]["state"] == "accepted" and partner["eligible"] is True

    after = await commitment(budget_live_client, client, aid)
    assert held(after, "NO-STATE", "NOK") - held(before, "NO-STATE", "NOK") == Decimal("100000.00")
    assert held(after, "ERDF", "EUR") == held(before, "ERDF", "EUR")
    assert after["application_version"] == first + 3
    await consistent(client)

    project = (await client.get(f"{P}/{aid}", headers=OLGA)).json()
    assert project["baseline_version"] == first + 3
    # the final reporting period ended with the project: it moves with the extension, its deadline too
    final = project["periods"][-1]
    assert project["end_date"] == final["end"] == (end + dt.timedelta(days=183)).isoformat(), project
    assert final["deadline"] == (end + dt.timedelta(days=183 + 60)).isoformat()
    version = (await client.get(f"/v1/applications/{aid}/versions/{first + 3}", headers=OLGA)).json()
    content = version["content"]
    assert content["end_date"] == (end + dt.timedelta(days=183)).isoformat() and len(content["partners"]) == 3
    assert {b["category"]: b["amount"]["amount"] for b in content["partners"][0]["budget"]}["staff"] == "450000.00"
    # the partner the change added has no controller until an officer assigns one, on the contracted project
    assert [p["controller"] for p in project["partners"]] == ["karl", "nora", None]
    r = await client.put(
        f"{P}/{aid}/controllers/3", json={"controller": "nora"}, headers=await editing(client, f"{P}/{aid}", OLGA)
    )
    assert r.status_code == 200 and [p["controller"] for p in r.json()["partners"]] == ["karl", "nora", "nora"], r.text
    # the report made before the changes still names the version it was made under
    assert (await client.get(f"/v1/partner-reports/{report['id']}", headers=SVEA)).json()["baseline_version"] == first
    history = (await client.get(f"{P}/{aid}/history", headers=OLGA, params={"limit": 500})).json()["items"]
    reasons = [h["reason"] or "" for h in history if h["action"] == "change"]
    assert reasons == [
        f"approved version {first + n} (was {first + n - 1}) from change request {k} ({t})"
        for n, k, t in ((1, 1, "budget-reallocation"), (2, 2, "time-extension"), (3, 3, "partner-change"))
    ]


async def test_an_increase_without_room_is_refused_with_the_funds_figures(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client, app = applications_client, applications_app
    aid = await contracted(client, app, catalogue_client)
    first = (await client.get(f"{P}/{aid}", headers=OLGA)).json()["baseline_version"]
    before = await commitment(budget_live_client, client, aid)
    change = await made(
        client,
        aid,
        NILS,
        {
            "type": "partner-change",
            "justification": "A far larger Norwegian pilot.",
            "diff": {"partners_in": [new_partner("2000000000.00")]},
        },
    )
    await step(client, change["id"], "submission", NILS)
    await delivered(app)
    assert (await read(client, change["id"]))["status"] == "checked"
    await step(
        client, change["id"], "assessment", OLGA, {"recommendation": "approve", "comment": "If the budget has room."}
    )
    decision = {"decision": "approved", "reason": "As assessed."}
    assert (await step(client, change["id"], "decision", OLGA, decision))["status"] == "approving"
    await delivered(app)
    refused = await read(client, change["id"], NILS)
    assert refused["status"] == "assessed" and refused["version"] is None, refused
    assert refused["money"]["state"] == "refused"
    facts = refused["money"]["facts"]
    assert facts["fund"] == "NO-STATE" and facts["priority"] == "1", facts
    assert Decimal(facts["asked"]["amount"]) > Decimal(facts["available"]["amount"])
    assert (await client.get(f"{P}/{aid}", headers=OLGA)).json()["baseline_version"] == first
    assert await commitment(budget_live_client, client, aid) == before


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


async def test_a_decrease_is_released_in_the_programme_currency_and_each_step_is_an_event(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    client, app = applications_client, applications_app
    r = await client.post(
        "/v1/webhooks/subscriptions",
        json={"integrator": "jems-bridge", "url": receiver.url, "event_types": [T + s for s in STEPS]},
        headers={**ADMIN, **key()},
    )
    assert r.status_code == 201, r.text
    aid = await contracted(client, app, catalogue_client)
    before = await commitment(budget_live_client, client, aid)
    change = await made(
        client,
        aid,
        NILS,
        {
            "type": "budget-reallocation",
            "justification": "The municipality takes a larger share itself.",
            "diff": {
                "financing": [
                    {"partner": 2, "source": "NO-STATE", "amount": nok("1600000.00")},
                    {"partner": 2, "source": "own-public", "amount": nok("1700000.00")},
                ]
            },
        },
    )
    await step(client, change["id"], "submission", NILS)
    await delivered(app)
    checked = await read(client, change["id"])
    assert checked["status"] == "checked" and checked["flexibility"]["within"] is False, checked
    await step(client, change["id"], "assessment", OLGA, {"recommendation": "approve", "comment": "Less state money."})
    approved = await step(client, change["id"], "decision", OLGA, {"decision": "approved", "reason": "As assessed."})
    assert approved["status"] == "approved" and approved["money"]["increase"] == []
    assert approved["money"]["release"] == [{"fund": "NO-STATE", "amount": nok("50000.00")}]
    await delivered(app)
    after = await commitment(budget_live_client, client, aid)
    line = next(ln for ln in after["lines"] if ln["fund"] == "NO-STATE")
    released = Decimal(line["released"]["amount"])
    assert released == (Decimal("50000.00") / Decimal(line["rate"])).quantize(Decimal("0.01"))
    assert next(ln for ln in before["lines"] if ln["fund"] == "NO-STATE")["released"]["amount"] == "0.00"
    await consistent(client)  # the budget holds what the approved version asks, the change's release counted
    assert (await read(client, change["id"]))["version"] == approved["version"]
    await app.state.webhook_relay.drain()
    got = receiver.wait_for(len(STEPS))
    assert [g.event["type"].removeprefix(T) for g in got] == STEPS
    assert {g.event["subject"] for g in got} == {f"change-requests/{change['id']}"}
    assert got[-1].event["data"]["version"] == approved["version"]


async def decided_change(client: httpx.AsyncClient, app: FastAPI, cid: str, owner: dict[str, str]) -> dict[str, Any]:
    """Submitted by its one side's owner, checked, assessed and approved by an officer, the outbox delivered."""
    await step(client, cid, "submission", owner)
    await delivered(app)
    assert (await read(client, cid))["status"] == "checked"
    await step(client, cid, "assessment", OLGA, {"recommendation": "approve", "comment": "Fine."})
    await step(client, cid, "decision", OLGA, {"decision": "approved", "reason": "As assessed."})
    await delivered(app)
    return await read(client, cid)


async def test_a_partner_out_releases_its_state_funding(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client, app = applications_client, applications_app
    aid = await contracted(client, app, catalogue_client)
    come = {"type": "partner-change", "justification": "A pilot.", "diff": {"partners_in": [new_partner("100000.00")]}}
    joined = await decided_change(client, app, (await made(client, aid, NILS, come))["id"], NILS)
    assert joined["status"] == "approved", joined
    lead = {"type": "partner-change", "justification": "x", "diff": {"partners_out": [2]}}
    r = await client.post(f"{P}/{aid}/change-requests", json=lead, headers={**NILS, **key(), "Accept-Language": "nb"})
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "diff.partners_out.0", "message": "en prosjekteier (lead partner) blir værende"}
    ], r.text
    go = {"type": "partner-change", "justification": "The pilot is not needed.", "diff": {"partners_out": [3]}}
    left = await decided_change(client, app, (await made(client, aid, NILS, go))["id"], NILS)
    assert left["status"] == "approved" and left["version"] == joined["version"] + 1, left
    assert left["money"]["release"] == [{"fund": "NO-STATE", "amount": nok("100000.00")}]
    version = (await client.get(f"/v1/applications/{aid}/versions/{left['version']}", headers=OLGA)).json()
    assert [p["name"] for p in version["content"]["partners"]] == [
        p["name"] for p in body("00000000-0000-4000-8000-000000000000")["partners"]
    ]


async def test_a_report_made_before_a_change_claims_at_its_own_versions_co_financing(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client, app = applications_client, applications_app
    aid = await contracted(client, app, catalogue_client)
    se = await certified_report(client, aid, 1, 1, [line("staff", "10000.00", "EUR", 1)])
    no = await certified_report(client, aid, 2, 1, [line("staff", "20000.00", "NOK", 1)])
    r = await client.post(f"{P}/{aid}/project-reports", json={"period": 1}, headers={**SVEA, **key()})
    assert r.status_code == 201, r.text
    pr = r.json()
    less = {
        "type": "budget-reallocation",
        "justification": "Less state money.",
        "diff": {
            "financing": [
                {"partner": 2, "source": "NO-STATE", "amount": nok("1600000.00")},
                {"partner": 2, "source": "own-public", "amount": nok("1700000.00")},
            ]
        },
    }
    changed = await decided_change(client, app, (await made(client, aid, NILS, less))["id"], NILS)
    assert changed["status"] == "approved" and changed["version"] == pr["baseline_version"] + 1
    for rid, who in ((se, SVEA), (no, NILS)):
        r = await client.post(
            f"/v1/project-reports/{pr['id']}/submit", json={"partner_reports": [rid]}, headers={**who, **key()}
        )
        assert r.status_code == 200, r.text
    r = await client.post(f"/v1/project-reports/{pr['id']}/verification", headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["baseline_version"] == pr["baseline_version"], r.text
    await delivered(app)
    claims = {c["fund"]: c for c in (await client.get(f"{P}/{aid}/claims", headers=SVEA)).json()}
    # 20,000.00 certified with its 15 % office flat rate is 23,000.00; at version 1's 1,650,000 / 3,300,000 that
    # is 11,500.00 (version 2's 1,600,000 / 3,300,000 would claim 11,151.52)
    assert claims["NO-STATE"]["amount"] == nok("11500.00")
    # and each claim names that version, as the report does
    assert {c["application_version"] for c in claims.values()} == {pr["baseline_version"]}


async def test_the_budgets_answer_to_an_increase_lost_twice_raises_it_once(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    applications_clock: FixedClock,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The two services between their two steps: the budget raises the commitment and its answer never comes
    back (as when the applications service is killed after sending), then the budget is unreachable. The
    relay asks again under the same key until an answer arrives: raised once, and the services agree."""
    client, app = applications_client, applications_app
    aid = await contracted(client, app, catalogue_client)
    before = await commitment(budget_live_client, client, aid)
    change = await made(
        client,
        aid,
        NILS,
        {"type": "partner-change", "justification": "A pilot.", "diff": {"partners_in": [new_partner("100000.00")]}},
    )
    await step(client, change["id"], "submission", NILS)
    await delivered(app)
    await step(client, change["id"], "assessment", OLGA, {"recommendation": "approve", "comment": "Fine."})
    decision = {"decision": "approved", "reason": "As assessed."}
    assert (await step(client, change["id"], "decision", OLGA, decision))["status"] == "approving"

    budget = app.state.upstreams.budget
    real = type(budget).increase
    failures = ["answer lost", "unreachable"]

    async def flaky(self: Any, *args: Any, **kwargs: Any) -> Any:
        if failures and failures[0] == "answer lost":
            await real(self, *args, **kwargs)  # the budget does the work; its answer is lost
        if failures:
            raise UpstreamError(f"the budget: {failures.pop(0)}", service="budget")
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(type(budget), "increase", flaky)
    for _ in range(3):
        await delivered(app)
        applications_clock.advance(dt.timedelta(minutes=10))  # past the relay's back-off
    assert failures == []
    approved = await read(client, change["id"])
    assert approved["status"] == "approved" and approved["money"]["state"] == "accepted", approved
    after = await commitment(budget_live_client, client, aid)
    assert held(after, "NO-STATE", "NOK") - held(before, "NO-STATE", "NOK") == Decimal("100000.00")
    await consistent(client)
