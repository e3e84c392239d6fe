"""Corrections of a project's paid claims, across the applications and budget services in-process (SQLite
and PostgreSQL): the period-1 claims of a verified project report are paid; an officer corrects the ERDF
claim by 12,345.67 EUR, set against the next claim, and orders the recovery of part of the NO-STATE claim;
the period-2 ERDF claim the outbox delivers is smaller by exactly that amount (as the project's owner reads
it too), paid rises by exactly what it pays; the recovery lowers paid when a second person settles it;
both reconcilers agree."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import ADMIN as ROOT
from services.applications.tests.helpers import OLGA, delivered, key
from services.applications.tests.project_support import (
    NILS,
    SVEA,
    P,
    certified_report,
    contracted_project,
    line,
    set_rate,
)
from services.budget.tests.helpers import ADMIN, FIA, FRANK, OFFICER, SE_NO, cell

pytestmark = pytest.mark.usefixtures("backend")
PR = "/v1/project-reports"
CORRECTION = Decimal("12345.67")


async def claims_of(app: FastAPI, client: httpx.AsyncClient, aid: str, period: int) -> dict[str, dict[str, Any]]:
    """The claims of the period's verified project report as the budget holds them, read by the owner."""
    await delivered(app)
    r = await client.get(f"{P}/{aid}/claims", headers=SVEA)
    assert r.status_code == 200, r.text
    return {c["fund"]: c for c in r.json() if c["period"] == period}


async def verified_period(client: httpx.AsyncClient, aid: str, period: int, se: str, no: str) -> None:
    pr = (await client.post(f"{P}/{aid}/project-reports", json={"period": period}, headers={**SVEA, **key()})).json()
    for rid, who in ((se, SVEA), (no, NILS)):
        r = await client.post(f"{PR}/{pr['id']}/submit", json={"partner_reports": [rid]}, headers={**who, **key()})
        assert r.status_code == 200, r.text
    r = await client.post(f"{PR}/{pr['id']}/verification", headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "verified", r.text


async def paid(budget: httpx.AsyncClient, claim_id: str) -> dict[str, Any]:
    assert (await budget.post(f"/v1/claims/{claim_id}/authorisation", headers={**FIA, **key()})).status_code == 200
    r = await budget.post(f"/v1/claims/{claim_id}/confirmation", headers={**FRANK, **key()})
    assert r.status_code == 200 and r.json()["status"] == "paid", r.text
    return dict(r.json())


async def paid_of(budget: httpx.AsyncClient, fund: str) -> Decimal:
    return cell((await budget.get(f"/v1/programmes/{SE_NO}/budget")).json(), fund, "1", "paid")


async def test_a_correction_set_against_the_next_claim_and_a_recovery(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client, budget = applications_client, budget_live_client
    aid = await contracted_project(client, applications_app, catalogue_client)
    await set_rate(budget, "SEK", "2025-03", "11.3")
    se = await certified_report(client, aid, 1, 1, [line("staff", "300000.00", "SEK", 1)])
    no = await certified_report(client, aid, 2, 1, [line("staff", "200000.00", "NOK", 1)])
    await verified_period(client, aid, 1, se, no)
    first = await claims_of(applications_app, client, aid, 1)
    assert {f: c["status"] for f, c in first.items()} == {"ERDF": "submitted", "NO-STATE": "submitted"}
    erdf1, no1 = await paid(budget, first["ERDF"]["id"]), await paid(budget, first["NO-STATE"]["id"])
    assert Decimal(erdf1["amount"]["amount"]) > CORRECTION

    # The officer corrects the ERDF claim (set against the next one) and orders a recovery on NO-STATE.
    audit = {
        "amount": {"amount": str(CORRECTION), "currency": "EUR"},
        "typology": "public-procurement",
        "origin": "audit",
        "effect": "next-claim",
    }
    r = await budget.post(f"/v1/claims/{erdf1['id']}/corrections", json=audit, headers={**OFFICER, **key()})
    assert r.status_code == 201, r.text
    order = {
        "amount": {"amount": "10000.00", "currency": "NOK"},
        "typology": "ineligible-cost",
        "origin": "control",
        "flags": ["fraud-suspected"],
        "effect": "recovery",
        "due_date": "2025-06-30",
    }
    r = await budget.post(f"/v1/claims/{no1['id']}/corrections", json=order, headers={**OFFICER, **key()})
    assert r.status_code == 201, r.text
    recovery = r.json()

    # Period 2: the ERDF claim the outbox delivers is smaller by exactly the correction.
    se2 = await certified_report(client, aid, 1, 2, [line("staff", "250000.00", "SEK", 1)])
    no2 = await certified_report(client, aid, 2, 2, [line("staff", "100.00", "NOK", 1)])
    await verified_period(client, aid, 2, se2, no2)
    second = await claims_of(applications_app, client, aid, 2)
    erdf2 = second["ERDF"]
    assert erdf2["deducted"] == {"amount": str(CORRECTION), "currency": "EUR"}
    assert Decimal(erdf2["payable"]["amount"]) == Decimal(erdf2["amount"]["amount"]) - CORRECTION
    assert second["NO-STATE"]["deducted"] is None  # a correction is set off on its own fund only
    before = await paid_of(budget, "ERDF")
    await paid(budget, erdf2["id"])
    assert await paid_of(budget, "ERDF") - before == Decimal(erdf2["payable"]["amount"])

    # The recovery lowers paid when the money comes back, settled by another person than its recorder.
    before = await paid_of(budget, "NO-STATE")
    body = {"received_on": "2025-06-20"}
    r = await budget.post(f"/v1/corrections/{recovery['id']}/settlement", json=body, headers={**OFFICER, **key()})
    assert r.status_code == 403
    r = await budget.post(f"/v1/corrections/{recovery['id']}/settlement", json=body, headers={**FIA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "settled", r.text
    assert before - await paid_of(budget, "NO-STATE") == Decimal(recovery["amount_programme"]["amount"])

    rec = (await budget.get(f"/v1/programmes/{SE_NO}/budget/reconcile", headers=ADMIN)).json()
    assert rec["consistent"] is True and rec["claim_differences"] == [], rec
    r = await client.get("/v1/reconciliation", params={"programme": SE_NO}, headers=ROOT)
    assert r.status_code == 200 and r.json()["consistent"] is True, r.text
