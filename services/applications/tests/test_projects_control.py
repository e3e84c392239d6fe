"""First-level control through the API (SQLite and PostgreSQL): only the partner's assigned controller
controls (others: 404); each line certified, deducted with a typology and a comment, or parked; completion
needs every line verified; the certificate needs a second person (the same subject: 403); reopening a
control is one explicit action whose reason is in the history; a parked line is carried into the partner's
next report."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import ADMIN, OLGA, PROGRAMME, key
from services.applications.tests.project_support import (
    KARL,
    KERSTIN,
    NILS,
    NORA,
    SVEA,
    P,
    R,
    contracted_project,
    line,
    nok,
    report_with_lines,
    set_rate,
    submitted,
    verified,
)
from shared.money import convert, round_minor
from tests.harness import auth

pytestmark = pytest.mark.usefixtures("backend")


def sek(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "SEK"}


async def test_control_of_a_swedish_partner_report(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client = applications_client
    aid = await contracted_project(client, applications_app, catalogue_client)
    await set_rate(budget_live_client, "SEK", "2025-03", "11.5")
    lines = [
        line("staff", "20000.00", "SEK", 1),
        line("staff", "3000.00", "SEK", 2),
        line("travel-accommodation", "1250.00", "SEK", 3, vat="250.00"),
        line("equipment", "4000.00", "SEK", 4),
    ]
    rid = await report_with_lines(client, aid, 1, 1, lines)
    assert (await client.post(f"{R}/{rid}/control", headers={**KARL, **key()})).status_code == 409  # a draft
    await submitted(client, rid, SVEA)

    # Only Karl, assigned to partner 1, controls it; Nora (NO) and Kerstin (SE, not assigned) see nothing.
    assert (await client.post(f"{R}/{rid}/control", headers={**NORA, **key()})).status_code == 404
    assert (await client.post(f"{R}/{rid}/control", headers={**KERSTIN, **key()})).status_code == 404
    assert (await client.post(f"{R}/{rid}/control", headers={**SVEA, **key()})).status_code == 403
    r = await client.post(f"{R}/{rid}/control", headers={**KARL, **key()})
    assert r.status_code == 200 and r.json()["status"] == "in-control", r.text

    await verified(client, rid, 1, {"certified": sek("20000.00")}, KARL)
    # A deduction needs its typology and comment; certified + deducted = declared.
    r = await client.put(f"{R}/{rid}/lines/2/verification", json={"certified": sek("2000.00")}, headers=KARL)
    assert r.status_code == 422, r.text
    r = await client.put(
        f"{R}/{rid}/lines/2/verification",
        json={
            "certified": sek("2000.00"),
            "deducted": sek("500.00"),
            "typology": "calculation-error",
            "comment": "hours",
        },
        headers=KARL,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "deducted"
    two = await verified(
        client,
        rid,
        2,
        {
            "certified": sek("2000.00"),
            "deducted": sek("1000.00"),
            "typology": "missing-supporting-documents",
            "comment": "no time sheet",
        },
        KARL,
    )
    assert (two["deducted"], two["typology"]) == (sek("1000.00"), "missing-supporting-documents")
    three = await verified(
        client, rid, 3, {"certified": sek("500.00"), "typology": "ineligible-cost", "comment": "first class"}, KARL
    )
    assert three["deducted"] == sek("500.00")  # declared 1,000.00 (VAT 250.00 not eligible) − 500.00
    r = await client.post(f"{R}/{rid}/control/completion", headers={**KARL, **key()})
    assert r.status_code == 409 and r.json()["first_unverified"] == [4], r.text
    await verified(client, rid, 4, {"parked": True, "comment": "delivered after the period"}, KARL)
    r = await client.post(f"{R}/{rid}/control/completion", headers={**KARL, **key()})
    assert r.status_code == 200 and r.json()["status"] == "control-completed", r.text

    # Four eyes: Karl cannot issue the certificate; Kerstin (SE) can, Nora (NO) cannot even see it.
    r = await client.post(f"{R}/{rid}/control/certificate", headers={**KARL, **key()})
    assert r.status_code == 403 and r.json()["type"].endswith("/four-eyes"), r.text
    assert (await client.post(f"{R}/{rid}/control/certificate", headers={**NORA, **key()})).status_code == 404
    r = await client.post(f"{R}/{rid}/control/certificate", headers={**KERSTIN, **key()})
    assert r.status_code == 200 and r.json()["status"] == "certified", r.text
    report = r.json()
    totals = report["totals"][0]
    assert totals["certified"] == {
        "equipment": sek("0.00"),
        "staff": sek("22000.00"),
        "travel-accommodation": sek("500.00"),
    }
    assert totals["deducted"] == sek("1500.00") and totals["parked"] == sek("4000.00")
    assert totals["flat_rates"][0]["certified"] == sek("3300.00")  # 15 % of the certified staff costs
    certified = Decimal("22000.00") + Decimal("500.00") + Decimal("3300.00")
    assert totals["certified_total"] == sek(str(certified))
    assert Decimal(report["certified_eur"]["amount"]) == convert(certified, units_per_eur=Decimal("11.5"))
    assert round_minor(certified / Decimal("11.5"), "EUR") == Decimal(report["certified_eur"]["amount"])

    # Reopening the control: one action, its reason in the history; then certified again by an officer.
    assert (await client.post(f"{R}/{rid}/reopen", json={"reason": "x"}, headers={**SVEA, **key()})).status_code == 403
    r = await client.post(
        f"{R}/{rid}/reopen", json={"reason": "line 2: the time sheet arrived"}, headers={**OLGA, **key()}
    )
    assert r.status_code == 200 and r.json()["status"] == "in-control", r.text
    await verified(client, rid, 2, {"certified": sek("3000.00")}, KARL)
    assert (await client.post(f"{R}/{rid}/control/completion", headers={**KARL, **key()})).status_code == 200
    r = await client.post(f"{R}/{rid}/control/certificate", headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["totals"][0]["deducted"] == sek("500.00")
    history = (await client.get(f"{P}/{aid}/history", params={"limit": 500}, headers=OLGA)).json()["items"]
    reopened = [e for e in history if e["action"] == "reopen-control"]
    assert [(e["reason"], e["from_status"], e["to_status"]) for e in reopened] == [
        ("line 2: the time sheet arrived", "certified", "in-control")
    ]

    # The parked line comes into the partner's next report, to be controlled again there.
    r = await client.post(f"{P}/{aid}/partner-reports", json={"partner": 1, "period": 2}, headers={**SVEA, **key()})
    assert r.status_code == 201, r.text
    carried = (await client.get(f"{R}/{r.json()['id']}/lines", headers=SVEA)).json()["items"]
    assert [(c["parked_from"], c["amount"], c["certified"]) for c in carried] == [(f"{rid}:4", sek("4000.00"), None)]


async def test_reopening_a_submitted_report_gives_it_back_to_its_owner(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
) -> None:
    client = applications_client
    aid = await contracted_project(client, applications_app, catalogue_client)
    rid = await report_with_lines(client, aid, 2, 1, [line("staff", "1000.00", "NOK", 1)])
    from services.applications.tests.project_support import NILS

    await submitted(client, rid, NILS)
    assert (
        await client.post(f"{R}/{rid}/reopen", json={"reason": "wrong period"}, headers={**KARL, **key()})
    ).status_code == 404
    r = await client.post(f"{R}/{rid}/reopen", json={"reason": "wrong invoice"}, headers={**NORA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "draft", r.text
    assert (
        await client.post(f"{R}/{rid}/lines", json=line("staff", "5.00", "NOK", 2), headers={**NILS, **key()})
    ).status_code == 201
    again = await submitted(client, rid, NILS)
    assert again["version"] == 2


async def test_a_controller_assigned_after_contracting_takes_over_the_partners_control(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    """The Norwegian partner's controller changes while its report is in control: an officer assigns the new
    one on the contracted project (If-Match), the report passes to her and the earlier one sees it no more;
    a wrong partner, a controller of the other country, no If-Match or an owner's request change nothing."""
    client = applications_client
    aid = await contracted_project(client, applications_app, catalogue_client)
    await set_rate(budget_live_client, "NOK", "2025-03", "11.5")
    r = await client.post(
        f"/v1/programmes/{PROGRAMME}/controllers",
        json={"sub": "nina", "name": "Revisjon Hedmark AS", "country": "NO"},
        headers={**ADMIN, **key()},
    )
    assert r.status_code == 201, r.text
    nina = auth("controller", "nina")
    rid = await report_with_lines(
        client, aid, 2, 1, [line("staff", "8000.00", "NOK", 1), line("staff", "900.00", "NOK", 2)]
    )
    await submitted(client, rid, NILS)
    assert (await client.post(f"{R}/{rid}/control", headers={**NORA, **key()})).status_code == 200
    await verified(client, rid, 1, {"certified": nok("8000.00")}, NORA)

    url = f"{P}/{aid}/controllers/2"
    before = await client.get(f"{P}/{aid}", headers=OLGA)
    etag = before.headers["etag"]
    refused = [
        (await client.put(url, json={"controller": "nina"}, headers=OLGA), 428, None),
        (await client.put(url, json={"controller": "karl"}, headers={**OLGA, "If-Match": etag}), 422, "controller"),
        (
            await client.put(
                f"{P}/{aid}/controllers/9", json={"controller": "nina"}, headers={**OLGA, "If-Match": etag}
            ),
            422,
            "path.partner",
        ),
        (await client.put(url, json={"controller": "nina"}, headers={**NILS, "If-Match": etag}), 403, None),
    ]
    for answer, status, field in refused:
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        if field:
            assert [e["field"] for e in answer.json()["errors"]] == [field], answer.text
    unchanged = await client.get(f"{P}/{aid}", headers=OLGA)
    assert unchanged.headers["etag"] == etag and unchanged.json()["partners"][1]["controller"] == "nora"

    r = await client.put(url, json={"controller": "nina"}, headers={**OLGA, "If-Match": etag})
    assert r.status_code == 200 and [p["controller"] for p in r.json()["partners"]] == ["karl", "nina"], r.text
    assert r.headers["etag"] != etag
    stale = await client.put(url, json={"controller": "nora"}, headers={**OLGA, "If-Match": etag})
    assert stale.status_code == 412, stale.text

    # Nora sees the report no more; Nina finishes the control where Nora left it.
    assert (await client.get(f"{R}/{rid}", headers=NORA)).status_code == 404
    r = await client.put(f"{R}/{rid}/lines/2/verification", json={"certified": nok("900.00")}, headers=NORA)
    assert r.status_code == 404, r.text
    assert (await client.get(f"{R}/{rid}", headers=nina)).json()["status"] == "in-control"
    await verified(client, rid, 2, {"certified": nok("900.00")}, nina)
    r = await client.post(f"{R}/{rid}/control/completion", headers={**nina, **key()})
    assert r.status_code == 200 and r.json()["status"] == "control-completed", r.text

    history = (await client.get(f"{P}/{aid}/history", params={"limit": 500}, headers=OLGA)).json()["items"]
    assigned = [h for h in history if h["action"] == "assign-controller"]
    assert [(h["actor"], h["reason"]) for h in assigned] == [("olga", "partner 2: controller nina (was nora)")]
