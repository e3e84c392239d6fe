"""The workflow through the HTTP API with the real catalogue, eligibility and budget apps in-process."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ADMIN,
    ALICE,
    ANNA,
    BOB,
    DOCUMENTED,
    OLGA,
    PROGRAMME,
    A,
    assess,
    assessed,
    budget_cell,
    create,
    decided,
    delivered,
    editing,
    gron,
    history,
    ineligible,
    key,
    local_date,
    on_reserve,
    open_call,
    record_session,
    reference,
    return_body,
    scores,
    submit,
)
from services.applications.workflow.transitions import Action, Status
from tests.harness import auth

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
async def client(applications_client: httpx.AsyncClient) -> httpx.AsyncClient:
    return applications_client


@pytest.fixture
def app(applications_app: FastAPI) -> FastAPI:
    return applications_app


@pytest.fixture
async def call_id(catalogue_client: httpx.AsyncClient) -> str:
    return await open_call(catalogue_client)


async def test_draft_to_approved_commits_the_budget(
    client: httpx.AsyncClient, app: FastAPI, budget_client: httpx.AsyncClient, call_id: str
) -> None:
    draft = await create(client, gron(call_id))
    aid = draft["id"]
    r = await submit(client, aid)
    assert r.status_code == 200, r.text
    answered = r.json()
    assert answered["status"] == "submitted" and answered["reference"] == reference(1) and answered["version"] == 1
    assert (await client.get(f"{A}/{aid}/eligibility", headers=ALICE)).status_code == 404  # the check is owed
    await delivered(app)
    current = (await client.get(f"{A}/{aid}", headers=ALICE)).json()
    assert current["status"] == "eligible", current
    assert current["reference"] == reference(1) and current["version"] == 1 and current["submitted_at"]
    entries = await history(client, aid)
    assert [(e["from_status"], e["to_status"], e["actor"], e["role"]) for e in entries] == [
        (None, "draft", "alice", "applicant"),
        ("draft", "submitted", "alice", "applicant"),
        ("submitted", "eligible", "system:eligibility", "system"),
    ]
    assert "no rule of severity error failed" in entries[2]["reason"]
    report = (await client.get(f"{A}/{aid}/eligibility", headers=ALICE)).json()
    assert report["eligible"] is True and report["rule_set"]["id"] == PROGRAMME

    erdf_before = Decimal(await budget_cell(budget_client, "ERDF", "1"))
    no_before = Decimal(await budget_cell(budget_client, "NO-STATE", "1"))
    decision = {"decision": "approved", "reason": "First on the reserve list."}
    # The committee put it on its reserve list; an officer approves the reserve project alone (the path
    # one application takes outside a session on a committee-only programme).
    await on_reserve(client, aid)
    # Two officers at once (different tokens and keys): one approval, one 409, and the money committed once.
    keys = [{**OLGA, **key()}, {**auth("officer", "otto"), **key()}]
    both = await asyncio.gather(*(client.post(f"{A}/{aid}/decision", json=decision, headers=h) for h in keys))
    assert sorted(r.status_code for r in both) == [200, 409], [r.text for r in both]
    winner = next(i for i, r in enumerate(both) if r.status_code == 200)
    r, headers = both[winner], keys[winner]
    answered = r.json()
    assert answered["status"] == "approved" and answered["commitment_status"] == "pending" and answered["decided_at"]
    assert answered["allowed_actions"] == ["terminate", "close"]  # the officer's; `revert` is an admin's
    replay = await client.post(f"{A}/{aid}/decision", json=decision, headers=headers)
    assert replay.status_code == 200 and replay.json() == answered
    await delivered(app)
    approved = (await client.get(f"{A}/{aid}", headers=OLGA)).json()
    assert approved["status"] == "approved" and approved["commitment_status"] == "active"
    assert approved["commitment_id"]

    assert Decimal(await budget_cell(budget_client, "ERDF", "1")) - erdf_before == Decimal("390000.00")
    assert Decimal(await budget_cell(budget_client, "NO-STATE", "1")) - no_before == Decimal("150000.00")
    commitment = (await budget_client.get(f"/v1/commitments/{approved['commitment_id']}", headers=OLGA)).json()
    assert commitment["application_id"] == aid and commitment["reference"] == approved["reference"]
    assert commitment["priority"] == "1" and commitment["specific_objective"] == "1B"
    assert commitment["call_id"] == call_id and commitment["status"] == "active"
    last = (await history(client, aid))[-1]
    assert (last["to_status"], last["actor"], last["role"], last["reason"]) == (
        "approved",
        "olga" if winner == 0 else "otto",
        "officer",
        "First on the reserve list.",
    )
    assert last["from_status"] == "reserve"


async def _reach(
    state: Status,
    client: httpx.AsyncClient,
    app: FastAPI,
    call_id: str,
    catalogue: httpx.AsyncClient | None = None,
    *,
    concept_note: bool = False,
) -> str:
    """An application in `state`, reached through the API (`submitted`: before the check is delivered;
    `invited`, or `concept_note`: a concept note of a step-1 call, which needs the catalogue)."""
    if state is Status.INVITED or concept_note:
        assert catalogue is not None
        call_id = await open_call(catalogue, concept_note=True)
    body = ineligible(call_id) if state is Status.INELIGIBLE else gron(call_id)
    aid: str = (await create(client, body))["id"]
    if state is Status.DRAFT:
        return aid
    if state is Status.WITHDRAWN:
        assert (await client.post(f"{A}/{aid}/withdraw", headers=ALICE)).status_code == 200
        return aid
    r = await submit(client, aid)
    assert r.status_code == 200, r.text
    if state is not Status.SUBMITTED:
        await delivered(app)
    if state in (Status.APPROVED, Status.REJECTED, Status.TERMINATED, Status.CLOSED):
        decision = "rejected" if state is Status.REJECTED else "approved"
        await decided(client, app, aid, {"decision": decision, "reason": "decided"})
    if state in (Status.TERMINATED, Status.CLOSED):
        path = "terminate" if state is Status.TERMINATED else "close"
        r = await client.post(f"{A}/{aid}/{path}", json={"reason": "ended"}, headers={**OLGA, **key()})
        assert r.status_code == 200, r.text
        await delivered(app)
    if state is Status.RETURNED:
        r = await client.post(f"{A}/{aid}/return", json=return_body(), headers={**OLGA, **key()})
        assert r.status_code == 200, r.text
    if state is Status.RESERVE:
        await assess(client, aid)
        r = await record_session(client, call_id, [{"application_id": aid, "decision": "reserve", "reserve_rank": 1}])
        assert r.status_code == 201, r.text
    if state is Status.INVITED:
        r = await client.post(f"{A}/{aid}/invite", headers={**OLGA, **key()})
        assert r.status_code == 200, r.text
    assert (await client.get(f"{A}/{aid}", headers=OLGA)).json()["status"] == state.value
    return aid


HTTP_ACTIONS = (
    Action.UPDATE,
    Action.SUBMIT,
    Action.APPROVE,
    Action.REJECT,
    Action.REOPEN,
    Action.WITHDRAW,
    Action.TERMINATE,
    Action.CLOSE,
    Action.RETURN,
    Action.ASSIGN,
    Action.DECLARE,
    Action.SCORE,
    Action.RESERVE,
    Action.REVERT,
    Action.INVITE,
)
"""Every action a person performs, each with its request (`http_request`); the service's own moves
(assessments, the budget's refusal) are reached through the outbox in the tests that deliver it."""


def http_request(action: Action, aid: str, body_of: dict[str, Any]) -> tuple[dict[str, str], str, str, Any]:
    """(who, method, path, body) of `action` on application `aid` (`body_of`: its content, and its call)."""
    if action in (Action.RESERVE, Action.APPROVE):  # Interreg Sverige–Norge approves in a committee session
        decision: dict[str, Any] = {"application_id": aid, "decision": "reserve", "reserve_rank": 1}
        if action is Action.APPROVE:
            decision = {"application_id": aid, "decision": "approved"}
        body = {
            "call_id": body_of["call_id"],
            "minutes_reference": "ÖK §1",
            "held_on": local_date().isoformat(),
            "decisions": [decision],
        }
        return OLGA, "POST", "/v1/committee/sessions", body
    who, path, body = {
        Action.UPDATE: (ALICE, "", body_of),
        Action.SUBMIT: (ALICE, "/submit", None),
        Action.REJECT: (OLGA, "/decision", {"decision": "rejected", "reason": "no"}),
        Action.REOPEN: (OLGA, "/reopen", {"reason": "complete it"}),
        Action.WITHDRAW: (ALICE, "/withdraw", None),
        Action.TERMINATE: (OLGA, "/terminate", {"reason": "ended"}),
        Action.CLOSE: (OLGA, "/close", {}),
        Action.RETURN: (OLGA, "/return", return_body()),
        Action.ASSIGN: (OLGA, "/assessors", {"assessors": ["anna"]}),
        Action.DECLARE: (ANNA, "/assessments/declaration", {"conflict_of_interest": False}),
        Action.SCORE: (ANNA, "/assessments/scores", scores(4)),
        Action.REVERT: (ADMIN, "/revert", {"reason": "the vote was void"}),
        Action.INVITE: (OLGA, "/invite", None),
    }[action]
    return who, "PUT" if action is Action.UPDATE else "POST", f"{A}/{aid}{path}", body


async def test_every_refused_transition_is_409(
    client: httpx.AsyncClient, app: FastAPI, call_id: str, catalogue_client: httpx.AsyncClient
) -> None:
    """Every (status, action) pair that the documented workflow does not list, through the HTTP API (one
    application per status; the pure table is parametrized pair by pair in test_workflow_table.py).
    `submitted` is found before the relay delivers the eligibility check (the test holds it back)."""
    for state in Status:
        await _refused_from(state, client, app, call_id, catalogue_client)


async def _refused_from(
    state: Status, client: httpx.AsyncClient, app: FastAPI, call_id: str, catalogue: httpx.AsyncClient
) -> None:
    aid = await _reach(state, client, app, call_id, catalogue)
    before = (await client.get(f"{A}/{aid}", headers=ALICE)).json()
    entries = await history(client, aid)
    refused = [a for a in HTTP_ACTIONS if (state.value, a.value) not in DOCUMENTED]
    assert refused
    content = {k: v for k, v in before.items() if k in gron(call_id)}
    for action in refused:
        who, method, path, body = http_request(action, aid, content)
        r = await client.request(
            method, path, json=body, headers={**(await editing(client, path, who) if method == "PUT" else who), **key()}
        )
        assert r.status_code == 409, (state, action, r.status_code, r.text)
        problem = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert problem["current_status"] == state.value and problem["attempted_transition"] == action.value
        assert state.value in problem["detail"] and action.value in problem["detail"]
    # Nothing moved.
    assert (await client.get(f"{A}/{aid}", headers=ALICE)).json() == before
    assert await history(client, aid) == entries


PREPARE: dict[Action, list[Action]] = {
    Action.DECLARE: [Action.ASSIGN],
    Action.SCORE: [Action.ASSIGN, Action.DECLARE],
}
"""What an assessor's move needs first (over HTTP too)."""


async def test_every_documented_transition_by_a_person_over_http(
    client: httpx.AsyncClient, app: FastAPI, call_id: str, catalogue_client: httpx.AsyncClient
) -> None:
    """Every documented move a person makes, from its status, through the HTTP API: the answer and the
    application read back are in the documented status, and a move of status is in the history. (The
    service's own moves: assess-eligible and assess-ineligible in test_draft_to_approved_commits_the_budget
    and test_submitted_versions_never_change, budget-refused in test_a_budget_refusal_returns_….)"""
    person = [(s, a, t) for (s, a), t in DOCUMENTED.items() if a in {x.value for x in HTTP_ACTIONS}]
    assert {a for _, a, _ in person} == {a.value for a in HTTP_ACTIONS}
    for state, action_name, target in person:
        action = Action(action_name)
        aid = await _reach(Status(state), client, app, call_id, catalogue_client, concept_note=action is Action.INVITE)
        if action is Action.RESERVE or (action is Action.APPROVE and state == Status.ELIGIBLE.value):
            await assess(client, aid)
        current = (await client.get(f"{A}/{aid}", headers=OLGA)).json()
        content = {k: v for k, v in current.items() if k in gron(call_id)}
        for step in PREPARE.get(action, []):
            who, method, path, body = http_request(step, aid, content)
            assert (
                await client.request(
                    method,
                    path,
                    json=body,
                    headers={**(await editing(client, path, who) if method == "PUT" else who), **key()},
                )
            ).status_code == 200
        who, method, path, body = http_request(action, aid, content)
        r = await client.request(
            method, path, json=body, headers={**(await editing(client, path, who) if method == "PUT" else who), **key()}
        )
        assert r.status_code in (200, 201), (state, action, r.status_code, r.text)
        after = (await client.get(f"{A}/{aid}", headers=OLGA)).json()
        assert after["status"] == target, (state, action, after["status"])
        if state != target:
            last = (await history(client, aid, OLGA))[-1]
            assert (last["from_status"], last["action"], last["to_status"]) == (state, action_name, target)


async def test_actions_of_the_other_kind_are_409_over_http(
    client: httpx.AsyncClient, app: FastAPI, call_id: str, catalogue_client: httpx.AsyncClient
) -> None:
    """A full application is never invited; a concept note is never approved, returned, assessed or put
    on the reserve list (409 naming the kind, nothing moves)."""
    full = await _reach(Status.ELIGIBLE, client, app, call_id)
    note = await _reach(Status.ELIGIBLE, client, app, call_id, catalogue_client, concept_note=True)
    note_out = (await client.get(f"{A}/{note}", headers=OLGA)).json()
    assert note_out["kind"] == "concept-note" and note_out["allowed_actions"] == ["reject", "invite"]
    full_out = (await client.get(f"{A}/{full}", headers=OLGA)).json()
    assert full_out["kind"] == "full" and "invite" not in full_out["allowed_actions"]
    cases = [(full, Action.INVITE, "full application")] + [
        (note, a, "concept note") for a in (Action.APPROVE, Action.RETURN, Action.ASSIGN, Action.RESERVE)
    ]
    for aid, action, kind in cases:
        before = (await client.get(f"{A}/{aid}", headers=OLGA)).json()
        content = {k: v for k, v in before.items() if k in gron(call_id)}
        who, method, path, body = http_request(action, aid, content)
        r = await client.request(
            method, path, json=body, headers={**(await editing(client, path, who) if method == "PUT" else who), **key()}
        )
        assert r.status_code == 409, (action, r.text)
        assert r.json()["attempted_transition"] == action.value and kind in r.json()["detail"]
        assert (await client.get(f"{A}/{aid}", headers=OLGA)).json() == before


async def test_submitting_outside_the_window_is_409_naming_it_and_stores_nothing(
    client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient, call_id: str
) -> None:
    calls = (await catalogue_client.get(f"/v1/programmes/{PROGRAMME}/calls", params={"limit": 100})).json()["items"]
    first_2022 = next(c for c in calls if c["number"] == "2022-1")
    planned = await open_call(catalogue_client, opens_in_days=10, closes_in_days=40)
    for closed_call, words in (
        (first_2022["id"], ("2022-05-15", "2022-06-15", "is closed")),
        (planned, ("has not opened yet",)),
    ):
        draft = await create(client, gron(closed_call))
        r = await submit(client, draft["id"])
        assert r.status_code == 409, r.text
        problem = r.json()
        assert problem["type"].endswith("/call-not-open") and problem["opens_at"]
        for word in words:
            assert word in problem["detail"], problem["detail"]
        assert (await client.get(f"{A}/{draft['id']}", headers=ALICE)).json() == draft
        versions = (await client.get(f"{A}/{draft['id']}/versions", headers=ALICE)).json()
        assert versions == {"items": [], "next_cursor": None}
        assert len(await history(client, draft["id"])) == 1
    # No reference was consumed: the next submission in the year is number 1.
    ok = await create(client, gron(call_id))
    assert (await submit(client, ok["id"])).json()["reference"] == reference(1)
    # A rolling call (no closing date) is open from its opening on.
    rolling = await open_call(catalogue_client, closes_in_days=None)
    aid = (await create(client, gron(rolling)))["id"]
    r = await submit(client, aid)
    assert r.status_code == 200 and r.json()["reference"] == reference(2), r.text


async def test_pre_check_changes_nothing_and_a_retried_submit_makes_one_version(
    client: httpx.AsyncClient, call_id: str
) -> None:
    draft = await create(client, ineligible(call_id))
    aid = draft["id"]
    r = await client.post(f"{A}/{aid}/pre-check", headers={**ALICE, "Accept-Language": "sv"})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["eligible"] is False and report["language"] == "sv"
    assert any(x["rule"] == "co-financing-se" and not x["passed"] for x in report["results"])
    assert (await client.get(f"{A}/{aid}", headers=ALICE)).json() == draft
    assert len(await history(client, aid)) == 1
    assert (await client.get(f"{A}/{aid}/eligibility", headers=ALICE)).status_code == 404
    assert (
        await client.put(f"{A}/{aid}", json=gron(call_id), headers=await editing(client, f"{A}/{aid}"))
    ).status_code == 200
    assert (await client.post(f"{A}/{aid}/pre-check", headers=OLGA)).json()["eligible"] is True

    same = key()
    first = await submit(client, aid, idempotency=same)
    again = await submit(client, aid, idempotency=same)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again.headers.get("idempotent-replayed") == "true"
    assert [e["to_status"] for e in await history(client, aid)].count("submitted") == 1
    assert len((await client.get(f"{A}/{aid}/versions", headers=ALICE)).json()["items"]) == 1
    other = await submit(client, aid)  # another key: a new request, refused by the workflow
    assert other.status_code == 409 and other.json()["current_status"] == "submitted"


async def test_concurrent_submissions_get_distinct_gap_free_references(
    backend: str, client: httpx.AsyncClient, call_id: str
) -> None:
    n = 50 if backend == "postgresql" else 12
    ids = [(await create(client, gron(call_id, acronym=f"R{i}")))["id"] for i in range(n)]
    # All at once: each service's connection pool queues what it cannot serve immediately.
    responses = await asyncio.gather(*(submit(client, aid) for aid in ids))
    assert [r.status_code for r in responses] == [200] * n, [r.text for r in responses if r.status_code != 200][:2]
    references = sorted(r.json()["reference"] for r in responses)
    assert references == [reference(i) for i in range(1, n + 1)]


async def test_submitted_versions_never_change(client: httpx.AsyncClient, app: FastAPI, call_id: str) -> None:
    aid = (await create(client, ineligible(call_id)))["id"]
    first = await assessed(client, app, aid)
    assert first["status"] == "ineligible" and first["version"] == 1
    reason = (await history(client, aid))[-1]
    assert reason["actor"] == "system:eligibility" and "co-financing-se" in reason["reason"]
    v1 = await client.get(f"{A}/{aid}/versions/1", headers=ALICE)
    report_v1 = await client.get(f"{A}/{aid}/eligibility", headers=ALICE)
    assert v1.status_code == 200 and json.loads(v1.content)["content"]["partners"][0]["financing"][0]["amount"] == {
        "amount": "420000.00",
        "currency": "EUR",
    }
    assert report_v1.json()["eligible"] is False

    assert (await client.post(f"{A}/{aid}/reopen", json={"reason": "x"}, headers=BOB)).status_code == 404
    r = await client.post(f"{A}/{aid}/reopen", json={"reason": "Lower the ERDF share to 65 %."}, headers=OLGA)
    assert r.status_code == 200 and r.json()["status"] == "draft"
    assert (
        await client.put(f"{A}/{aid}", json=gron(call_id), headers=await editing(client, f"{A}/{aid}"))
    ).status_code == 200
    assert (await client.get(f"{A}/{aid}/versions/1", headers=ALICE)).content == v1.content

    second = await assessed(client, app, aid)
    assert second["status"] == "eligible" and second["version"] == 2 and second["reference"] == first["reference"]
    assert (await client.get(f"{A}/{aid}/versions/1", headers=ALICE)).content == v1.content
    v2 = await client.get(f"{A}/{aid}/versions/2", headers=ALICE)
    assert json.loads(v2.content)["number"] == 2 and json.loads(v2.content)["reference"] == first["reference"]
    assert (await client.get(f"{A}/{aid}/eligibility", headers=ALICE)).json()["eligible"] is True

    r = await client.post(f"{A}/{aid}/decision", json={"decision": "rejected", "reason": "Out of money."}, headers=OLGA)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    listing = await client.get(f"{A}/{aid}/versions", headers=ALICE)
    assert listing.content == b'{"items":[' + v1.content + b"," + v2.content + b'],"next_cursor":null}'
    page = await client.get(f"{A}/{aid}/versions", params={"limit": 1}, headers=ALICE)
    assert json.loads(page.content)["items"][0]["number"] == 1 and json.loads(page.content)["next_cursor"]
    assert (await client.get(f"{A}/{aid}/versions/3", headers=ALICE)).status_code == 404
    assert [e["to_status"] for e in await history(client, aid)] == [
        "draft",
        "submitted",
        "ineligible",
        "draft",
        "submitted",
        "eligible",
        "rejected",
    ]


async def test_a_budget_refusal_returns_the_application_to_eligible(
    client: httpx.AsyncClient, app: FastAPI, budget_client: httpx.AsyncClient, call_id: str
) -> None:
    body = gron(call_id)
    lead = body["partners"][0]
    lead["budget"] = [{"category": "infrastructure-works", "amount": {"amount": "200000000.00", "currency": "EUR"}}]
    lead["financing"] = [
        {"source": "ERDF", "amount": {"amount": "130000000.00", "currency": "EUR"}},
        {"source": "own-public", "amount": {"amount": "70000000.00", "currency": "EUR"}},
    ]
    aid = (await create(client, body))["id"]
    eligible = await assessed(client, app, aid)
    assert eligible["status"] == "eligible", eligible
    before = await budget_cell(budget_client, "ERDF", "1")
    # On the reserve list (no money check there), then approved alone: the budget has the final word.
    await on_reserve(client, aid)
    after = await decided(client, app, aid, {"decision": "approved"})
    assert after["status"] == "eligible" and after["commitment_status"] == "refused" and after["commitment_id"] is None
    assert after["decided_at"] is None and "approve" in after["allowed_actions"]
    last = (await history(client, aid, OLGA))[-1]
    assert (last["from_status"], last["to_status"], last["action"], last["actor"]) == (
        "approved",
        "eligible",
        "budget-refused",
        "system:budget",
    )
    assert "ERDF" in last["reason"] and "130000000.00" in last["reason"]
    assert await budget_cell(budget_client, "ERDF", "1") == before


async def test_lists_filter_by_submission_date(client: httpx.AsyncClient, app: FastAPI, call_id: str) -> None:
    submitted = (await create(client, gron(call_id, acronym="S")))["id"]
    await create(client, gron(call_id, acronym="D"))
    assert (await assessed(client, app, submitted))["status"] == "eligible"
    today = local_date()

    async def acronyms(**params: str) -> list[str]:
        return [x["acronym"] for x in (await client.get(A, params=params, headers=OLGA)).json()["items"]]

    assert await acronyms(submitted_from=today.isoformat(), submitted_to=today.isoformat()) == ["S"]
    assert await acronyms(submitted_to=(today - dt.timedelta(days=1)).isoformat()) == []
    assert await acronyms(status="eligible") == ["S"]
    csv_text = (await client.get(f"{A}.csv", params={"status": "eligible"}, headers=OLGA)).text
    assert reference(1) in csv_text and ",S," in csv_text


async def test_a_joint_application_of_two_project_owners_commits_each_sides_money_against_its_fund(
    client: httpx.AsyncClient, app: FastAPI, budget_client: httpx.AsyncClient, call_id: str
) -> None:
    """Seed 001: «Det skal være to søkende parter i et Interreg-prosjekt: en fra Sverige og en fra Norge. De to
    prosjekteierne skal gjennomføre prosjektet i fellesskap, men hver for seg ha et eget ansvar for
    prosjektets budsjett og finansiering.» One application, both owners, and a second Norwegian partner."""
    body = gron(call_id)
    body["partners"][1]["role"] = "lead"  # Kongsvinger kommune: the Norwegian project owner
    body["partners"].append(
        {
            "name": "Høgskolen i Innlandet",
            "organisation_number": "918978283",
            "country": "NO",
            "organisation_type": "research-education",
            "region": "NO020",
            "role": "partner",
            "budget": [{"category": "staff", "amount": {"amount": "100000.00", "currency": "EUR"}}],
            "financing": [
                {"source": "NO-STATE", "amount": {"amount": "40000.00", "currency": "EUR"}},
                {"source": "own-public", "amount": {"amount": "60000.00", "currency": "EUR"}},
            ],
        }
    )
    draft = await create(client, body)
    assert [p["role"] for p in draft["partners"]] == ["lead", "lead", "partner"]
    assert (await assessed(client, app, draft["id"]))["status"] == "eligible"
    report = (await client.get(f"{A}/{draft['id']}/eligibility", headers=ALICE)).json()
    partnership = next(x for x in report["results"] if x["rule"] == "cross-border-partnership")
    assert partnership["facts"]["owners_per_country"] == {"NO": ["Kongsvinger kommune"], "SE": ["Region Värmland"]}

    erdf_before = Decimal(await budget_cell(budget_client, "ERDF", "1"))
    no_before = Decimal(await budget_cell(budget_client, "NO-STATE", "1"))
    decision = {"decision": "approved", "reason": "Both sides' financing is in place."}
    approved = await decided(client, app, draft["id"], decision)
    assert approved["commitment_status"] == "active"
    commitment = (await budget_client.get(f"/v1/commitments/{approved['commitment_id']}", headers=OLGA)).json()
    lines = {line["fund"]: line["amount"] for line in commitment["lines"]}
    assert lines == {
        "ERDF": {"amount": "390000.00", "currency": "EUR"},  # the Swedish side
        "NO-STATE": {"amount": "190000.00", "currency": "EUR"},  # the Norwegian side: 150,000 + 40,000
    }
    assert Decimal(await budget_cell(budget_client, "ERDF", "1")) - erdf_before == Decimal("390000.00")
    assert Decimal(await budget_cell(budget_client, "NO-STATE", "1")) - no_before == Decimal("190000.00")
