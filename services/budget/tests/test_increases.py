"""Increases of a project's commitment through the API (an approved change needs more money): each fund's
rise takes room in its priority, all funds or none; with no room it is a 409 with the fund's figures and
nothing changes; asked again by its key it changes nothing; the commitment names the new version."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from services.budget.tests.helpers import (
    APPLICATIONS,
    OFFICER,
    SE_NO,
    amount,
    cell,
    claim_body,
    key,
    ledger_state,
    money,
)
from services.budget.tests.test_claims import committed, reconciled, report

PROBLEM = "application/problem+json"


def increase(version: int, *lines: tuple[str, str, str], name: str = "1") -> dict[str, Any]:
    return {
        "key": f"change:test:{name}",
        "application_version": version,
        "reason": f"Change {name}",
        "lines": [{"fund": f, "amount": money(a, c)} for f, a, c in lines],
    }


async def test_an_increase_takes_room_names_the_new_version_and_is_made_once(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    c = await committed(budget_client, ("ERDF", "390000.00", "EUR"), ("NO-STATE", "2500000.00", "NOK"))
    cid, before = c["id"], await report(budget_client)
    body = increase(2, ("NO-STATE", "200000.00", "NOK"))
    r = await budget_client.post(f"/v1/commitments/{cid}/increases", json=body, headers=OFFICER)
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM  # only the applications service
    retry = {**APPLICATIONS, **key()}
    r = await budget_client.post(f"/v1/commitments/{cid}/increases", json=body, headers=retry)
    assert r.status_code == 200, r.text
    raised = r.json()
    assert raised["application_version"] == 2
    assert [(ln["fund"], ln["amount"], ln["amount_programme"]) for ln in raised["lines"]][-1] == (
        "NO-STATE",
        money("200000.00", "NOK"),
        money("20000.00"),  # at the programme's fixed 10.0000 NOK per EUR
    )
    after = await report(budget_client)
    assert cell(after, "NO-STATE", "1", "committed") - cell(before, "NO-STATE", "1", "committed") == Decimal("20000.00")
    assert cell(after, "ERDF", "1", "committed") == cell(before, "ERDF", "1", "committed")
    # Asked again (a retry of the outbox, or its key by anyone): unchanged.
    entries = (await ledger_state(budget_app, SE_NO))[0]
    again = await budget_client.post(f"/v1/commitments/{cid}/increases", json=body, headers={**APPLICATIONS, **key()})
    assert again.status_code == 200 and again.json() == raised
    assert (await ledger_state(budget_app, SE_NO))[0] == entries
    assert (await report(budget_client))["rows"] == after["rows"]
    # The rise can be claimed: 2 700 000 NOK in all.
    claim = await budget_client.post(
        "/v1/claims", json=claim_body(cid, "NO-STATE", "9000000.00", "NOK"), headers=APPLICATIONS
    )
    assert claim.status_code == 201 and claim.json()["amount"] == money("2700000.00", "NOK")
    # A later increase names a later version; an unknown fund is a 422 naming it.
    stale = increase(2, ("ERDF", "1.00", "EUR"), name="2")
    r = await budget_client.post(f"/v1/commitments/{cid}/increases", json=stale, headers=APPLICATIONS)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "application_version"
    r = await budget_client.post(
        f"/v1/commitments/{cid}/increases", json=increase(3, ("ESF", "1.00", "EUR"), name="3"), headers=APPLICATIONS
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines.0.fund"
    await reconciled(budget_client)


async def test_an_increase_with_no_room_is_refused_with_the_funds_figures_and_changes_nothing(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    c = await committed(budget_client, ("ERDF", "390000.00", "EUR"), ("NO-STATE", "2500000.00", "NOK"))
    cid, before = c["id"], await report(budget_client)
    entries = (await ledger_state(budget_app, SE_NO))[0]
    available = cell(before, "NO-STATE", "1", "available")
    too_much = str(available * 10 + Decimal("10.00"))  # NOK: 1.00 EUR more than is available
    body = increase(2, ("ERDF", "1000.00", "EUR"), ("NO-STATE", too_much, "NOK"))
    r = await budget_client.post(f"/v1/commitments/{cid}/increases", json=body, headers={**APPLICATIONS, **key()})
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM, r.text
    problem = r.json()
    assert problem["type"].endswith("/insufficient-funds")
    assert (problem["fund"], problem["priority"]) == ("NO-STATE", "1")
    assert amount(problem["asked"]) == available + Decimal("1.00") and amount(problem["available"]) == available
    assert problem["errors"][0]["field"] == "lines.1.amount"
    # Nothing changed: not the ERDF rise of the same request either, nor the commitment's version.
    assert (await report(budget_client))["rows"] == before["rows"]
    now = (await budget_client.get(f"/v1/commitments/{cid}", headers=OFFICER)).json()
    assert (now["application_version"], now["lines"], now["status"]) == (1, c["lines"], "active")
    assert (await ledger_state(budget_app, SE_NO))[0] == entries
    await reconciled(budget_client)
