"""Decisions where the programme says, and reduced grants, through the API with the real catalogue,
eligibility and budget in-process: Interreg Sverige–Norge approves only through its committee (the
catalogue's `decisions: committee-only`), a programme that allows direct decisions still holds the
assessment thresholds, and a committee may grant less than asked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ALICE,
    OLGA,
    PROGRAMME,
    A,
    assess,
    assessed,
    budget_cell,
    create,
    delivered,
    gron,
    key,
    open_call,
    record_session,
)
from services.catalogue.datafiles.loader import load_files
from services.catalogue.tests.fixtures import NOW as CATALOGUE_NOW
from services.catalogue.tests.fixtures import programme_files
from shared.clock import FixedClock

pytestmark = pytest.mark.usefixtures("backend")


def _problem(r: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["type"].endswith(f"/{slug}"), body
    return body


async def test_a_direct_approval_on_interreg_sverige_norge_points_to_the_committee(
    applications_app: FastAPI, applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    client = applications_client
    call_id = await open_call(catalogue_client)
    aid = (await create(client, gron(call_id)))["id"]
    assert (await assessed(client, applications_app, aid))["status"] == "eligible"
    await assess(client, aid)  # assessed well above the thresholds: still the committee's to approve
    before = (await client.get(f"{A}/{aid}", headers=OLGA)).json()

    r = await client.post(f"{A}/{aid}/decision", json={"decision": "approved"}, headers={**OLGA, **key()})
    problem = _problem(r, 409, "committee-decides")
    assert problem["programme"] == PROGRAMME and problem["committee_sessions"] == "/v1/committee/sessions"
    assert problem["ranking"] == f"/v1/committee/ranking?call_id={call_id}"
    assert "POST /v1/committee/sessions" in problem["detail"]
    assert (await client.get(f"{A}/{aid}", headers=OLGA)).json() == before

    # A rejection is an officer's on every programme; the approval is the session's.
    r = await record_session(client, call_id, [{"application_id": aid, "decision": "approved"}])
    assert r.status_code == 201, r.text
    assert (await client.get(f"{A}/{aid}", headers=OLGA)).json()["status"] == "approved"


async def _allow_direct_decisions(catalogue_app: FastAPI, clock: FixedClock) -> None:
    """The programme's data file loaded with `decisions: direct` (what `load-data` does with such a file),
    served once the catalogue re-reads its data version (within a second of its clock)."""
    se_no = next(f for f in programme_files() if f.code == PROGRAMME)
    sources = {**se_no.sources, "decisions": "test: a programme that allows direct decisions"}
    await load_files(
        catalogue_app.state.db,
        [se_no.model_copy(update={"decisions": "direct", "sources": sources})],
        now=CATALOGUE_NOW,
    )
    clock.advance(dt.timedelta(seconds=2))


async def test_where_direct_decisions_are_allowed_the_thresholds_hold(
    applications_app: FastAPI,
    applications_client: httpx.AsyncClient,
    catalogue_app: FastAPI,
    catalogue_clock: FixedClock,
    catalogue_client: httpx.AsyncClient,
) -> None:
    await _allow_direct_decisions(catalogue_app, catalogue_clock)
    assert (await catalogue_client.get(f"/v1/programmes/{PROGRAMME}")).json()["decisions"] == "direct"
    client = applications_client
    call_id = await open_call(catalogue_client)
    low, unscored, good = [(await create(client, gron(call_id, acronym=x)))["id"] for x in ("LOW", "UNS", "OK")]
    for aid in (low, unscored, good):
        assert (await assessed(client, applications_app, aid))["status"] == "eligible"
    await assess(client, low, {"anna": (2,), "per": (3,)})  # 2.50: below the minimum total of 3
    await assess(client, good)

    approve = {"decision": "approved", "reason": "Decided by the managing authority."}
    r = await client.post(f"{A}/{low}/decision", json=approve, headers={**OLGA, **key()})
    assert "relevance" in _problem(r, 409, "below-quality-threshold")["detail"]
    r = await client.post(f"{A}/{unscored}/decision", json=approve, headers={**OLGA, **key()})
    _problem(r, 409, "assessment-incomplete")
    assert {(await client.get(f"{A}/{x}", headers=OLGA)).json()["status"] for x in (low, unscored)} == {"eligible"}

    r = await client.post(f"{A}/{good}/decision", json=approve, headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    grant = (await client.get(f"{A}/{good}/grant", headers=ALICE)).json()
    assert grant["session_id"] is None and grant["reduced"] is False


async def test_a_session_grants_80_percent_of_the_erdf_asked(
    applications_app: FastAPI,
    applications_client: httpx.AsyncClient,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client = applications_client
    call_id = await open_call(catalogue_client)
    aid = (await create(client, gron(call_id)))["id"]
    assert (await assessed(client, applications_app, aid))["status"] == "eligible"
    await assess(client, aid)
    erdf_before = Decimal(await budget_cell(budget_live_client, "ERDF", "1"))
    no_before = Decimal(await budget_cell(budget_live_client, "NO-STATE", "1"))

    def reduced(amount: str, currency: str = "EUR", **extra: Any) -> list[dict[str, Any]]:
        line = {
            "organisation_number": "232100-0152",
            "fund": "ERDF",
            "amount": {"amount": amount, "currency": currency},
        }
        return [{"application_id": aid, "decision": "approved", "granted": [{**line, **extra}]}]

    # Never more than asked, in the currency asked, of a fund the partner asked for: 422, nothing recorded.
    for bad, text in (
        (reduced("390000.01"), "more than the 390000.00 EUR it asked"),
        (reduced("312000.00", "SEK"), "asked for ERDF in EUR, not SEK"),
        ([{**reduced("1.00")[0], "granted": reduced("1.00")[0]["granted"] * 2}], "each partner and fund"),
    ):
        r = await record_session(client, call_id, bad)
        assert r.status_code == 422 and text in r.text, r.text
    assert (await client.get(f"{A}/{aid}", headers=OLGA)).json()["status"] == "eligible"

    # 80 % of 390,000.00 EUR: 312,000.00 EUR; the 78,000.00 EUR more of the region's own public money.
    r = await record_session(client, call_id, reduced("312000.00"))
    assert r.status_code == 201, r.text
    await delivered(applications_app)
    approved = (await client.get(f"{A}/{aid}", headers=OLGA)).json()
    assert approved["status"] == "approved" and approved["commitment_status"] == "active"
    assert Decimal(await budget_cell(budget_live_client, "ERDF", "1")) - erdf_before == Decimal("312000.00")
    assert Decimal(await budget_cell(budget_live_client, "NO-STATE", "1")) - no_before == Decimal("150000.00")

    # The applicant sees what was granted against what was asked; the version itself never changes.
    grant = (await client.get(f"{A}/{aid}/grant", headers=ALICE)).json()
    assert grant["reduced"] is True and grant["version"] == 1 and grant["approval"] == 1
    assert [(x["partner"], x["fund"], x["asked"]["amount"], x["granted"]["amount"]) for x in grant["lines"]] == [
        ("Region Värmland", "ERDF", "390000.00", "312000.00"),
        ("Kongsvinger kommune", "NO-STATE", "150000.00", "150000.00"),
    ]
    version = (await client.get(f"{A}/{aid}/versions/1", headers=ALICE)).json()
    assert version["content"]["partners"][0]["financing"][0]["amount"]["amount"] == "390000.00"
    # The State-aid report counts the aid as granted.
    report = (await client.get("/v1/reports/state-aid", headers=OLGA)).json()
    assert report["rows"][0]["amount"] == {"amount": "312000.00", "currency": "EUR"}
    assert (await client.get(f"{A}/{aid}/grant", headers=OLGA)).json() == grant
