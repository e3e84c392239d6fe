"""Project reports, claims and closure through the API (SQLite and PostgreSQL): each owner submits its side
with its certified partner reports; the officer's verification owes one claim per fund in the same
transaction — ERDF in EUR (65 % of the Swedish certified expenditure at the stored rate), NO-STATE in NOK
(50 % of the Norwegian) — as `budget.claim` messages whose payload is the budget's `ClaimRequest`; closure
waits for the final period's verified report, then closes the application and owes the release."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from services.applications.models import outbox
from services.applications.tests.helpers import OLGA, key
from services.applications.tests.project_support import (
    NILS,
    SVEA,
    P,
    certified_report,
    contracted_project,
    line,
    set_rate,
)
from shared.money import round_minor
from shared.schemas.budget import ClaimRequest

pytestmark = pytest.mark.usefixtures("backend")
PR = "/v1/project-reports"


async def claim_messages(app: FastAPI, report_id: str) -> list[ClaimRequest]:
    """The claims the outbox owes for a project report, read as the budget will receive them."""
    from sqlalchemy import select

    async with app.state.db.sessionmaker() as session:
        rows = (await session.execute(select(outbox.c.kind, outbox.c.key, outbox.c.payload))).all()
    return [ClaimRequest.model_validate(p) for kind, k, p in rows if kind == "budget.claim" and report_id in k]


async def test_project_report_claims_and_closure(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client = applications_client
    aid = await contracted_project(client, applications_app, catalogue_client)
    await set_rate(budget_live_client, "SEK", "2025-03", "11.3")
    se = await certified_report(
        client, aid, 1, 1, [line("staff", "10000.00", "SEK", 1), line("equipment", "333.33", "SEK", 2)]
    )
    no = await certified_report(
        client, aid, 2, 1, [line("staff", "20000.00", "NOK", 1), line("travel-accommodation", "999.99", "NOK", 2)]
    )

    r = await client.post(
        f"{P}/{aid}/project-reports", json={"period": 1, "progress": "joint"}, headers={**SVEA, **key()}
    )
    assert r.status_code == 201, r.text
    pr = r.json()["id"]
    # The Norwegian owner cannot include the Swedish report; each owner submits its side.
    r = await client.post(f"{PR}/{pr}/submit", json={"partner_reports": [se]}, headers={**NILS, **key()})
    assert r.status_code == 409 and "not yours" in r.text, r.text
    r = await client.post(f"{PR}/{pr}/submit", json={"partner_reports": [se]}, headers={**SVEA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "draft" and list(r.json()["submitted"]) == ["SE"]
    assert (await client.post(f"{PR}/{pr}/verification", headers={**OLGA, **key()})).status_code == 409
    r = await client.post(f"{PR}/{pr}/submit", json={"partner_reports": [no]}, headers={**NILS, **key()})
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    assert (await client.post(f"{PR}/{pr}/verification", headers={**SVEA, **key()})).status_code == 403

    r = await client.post(f"{PR}/{pr}/verification", headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "verified", r.text
    # The reports name the approved version they were made under: the project's baseline.
    baseline = (await client.get(f"{P}/{aid}", headers=OLGA)).json()["baseline_version"]
    assert r.json()["baseline_version"] == baseline
    assert (await client.get(f"/v1/partner-reports/{se}", headers=OLGA)).json()["baseline_version"] == baseline
    claims = {c["fund"]: c for c in r.json()["claims"]}
    # Expected, from the lines: SEK staff 10,000.00 + its 15 % flat rate 1,500.00 + equipment 333.33.
    sek = Decimal("10000.00") + Decimal("1500.00") + Decimal("333.33")
    erdf = round_minor(Decimal("0.65") * round_minor(sek / Decimal("11.3"), "EUR"), "EUR")
    nok = Decimal("20000.00") + Decimal("3000.00") + Decimal("999.99")
    no_state = round_minor(Decimal("0.5") * nok, "NOK")
    assert claims["ERDF"]["amount"] == {"amount": str(erdf), "currency": "EUR"}
    assert claims["NO-STATE"]["amount"] == {"amount": str(no_state), "currency": "NOK"}
    assert {c["state"] for c in claims.values()} == {"pending"}
    sent = {c.fund: c for c in await claim_messages(applications_app, pr)}
    app = (await client.get(f"/v1/applications/{aid}", headers=OLGA)).json()
    assert sent["ERDF"].key == f"project-report:{pr}:ERDF" and str(sent["ERDF"].commitment_id) == app["commitment_id"]
    assert (sent["ERDF"].amount.amount, sent["ERDF"].co_financing_rate, sent["ERDF"].final) == (
        erdf,
        Decimal("0.65"),
        False,
    )
    assert (sent["NO-STATE"].amount.amount, sent["NO-STATE"].certified.amount) == (no_state, nok)
    # Included partner reports can no longer be reopened.
    assert (
        await client.post(f"/v1/partner-reports/{se}/reopen", json={"reason": "x"}, headers={**OLGA, **key()})
    ).status_code == 409

    # Closure waits for the final period's verified report.
    r = await client.post(f"{P}/{aid}/closure", headers={**OLGA, **key()})
    assert r.status_code == 409 and r.json()["type"].endswith("/final-report-not-verified"), r.text
    se2 = await certified_report(client, aid, 1, 2, [line("staff", "100.00", "SEK", 1)])
    no2 = await certified_report(client, aid, 2, 2, [line("staff", "100.00", "NOK", 1)])
    pr2 = (await client.post(f"{P}/{aid}/project-reports", json={"period": 2}, headers={**NILS, **key()})).json()["id"]
    for rid, who in ((se2, SVEA), (no2, NILS)):
        assert (
            await client.post(f"{PR}/{pr2}/submit", json={"partner_reports": [rid]}, headers={**who, **key()})
        ).status_code == 200
    final = (await client.post(f"{PR}/{pr2}/verification", headers={**OLGA, **key()})).json()
    assert final["final"] is True and {c["fund"] for c in final["claims"]} == {"ERDF", "NO-STATE"}
    assert all(c.final for c in await claim_messages(applications_app, pr2))
    r = await client.post(f"{P}/{aid}/closure", json={"reason": "final report verified"}, headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "closed", r.text
    app = (await client.get(f"/v1/applications/{aid}", headers=OLGA)).json()
    assert (app["status"], app["commitment_status"]) == ("closed", "releasing")
    history = (await client.get(f"{P}/{aid}/history", params={"limit": 500}, headers=OLGA)).json()["items"]
    assert history[-1]["action"] == "close"
    assert any(e["action"] == "verify" and "ERDF" in (e["reason"] or "") for e in history)
    assert any(e["action"] == "verify" and f"under version {baseline}" in (e["reason"] or "") for e in history)
