"""Partner reports through the API (SQLite and PostgreSQL): the owner of each side writes its partners'
reports; flat rates are computed from the declared base, never typed; totals are sums of the lines;
lines are keyset-paged; a CSV of 10,000 lines with one bad row is a 422 naming the row with nothing
stored, and without it imports in one request; submission stores the month's rate (a missing rate is a
409 naming the month, nothing changes) and freezes the lines; a controller of the other side gets 404."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import BOB, OLGA, key
from services.applications.tests.project_support import (
    KARL,
    NILS,
    NORA,
    SVEA,
    P,
    R,
    contracted_project,
    line,
    set_rate,
)

pytestmark = pytest.mark.usefixtures("backend")

CSV_HEADER = (
    "category,cost_option,invoice_number,invoice_date,payment_date,supplier,description,amount,currency,vat\r\n"
)


def csv_lines(n: int, *, bad_row: int | None = None) -> str:
    rows = [CSV_HEADER]
    for i in range(n):
        amount = "12.50" if (i + 2) != bad_row else "12.5O"
        rows.append(f"staff,,INV-{i:05d},2025-09-01,2025-09-10,Region Värmland,,{amount},SEK,\r\n")
    return "".join(rows)


async def test_partner_report_lines_totals_and_submission(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client = applications_client
    aid = await contracted_project(client, applications_app, catalogue_client)

    # The Norwegian owner may not write the Swedish partner's report; the Swedish owner does.
    r = await client.post(f"{P}/{aid}/partner-reports", json={"partner": 1, "period": 1}, headers={**NILS, **key()})
    assert r.status_code == 403, r.text
    r = await client.post(
        f"{P}/{aid}/partner-reports", json={"partner": 1, "period": 1, "progress": "started"}, headers={**SVEA, **key()}
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert (
        await client.post(f"{P}/{aid}/partner-reports", json={"partner": 1, "period": 1}, headers={**SVEA, **key()})
    ).status_code == 409

    for n, (category, amount, vat) in enumerate(
        [("staff", "10000.00", None), ("staff", "5000.00", None), ("travel-accommodation", "1250.00", "250.00")],
        start=1,
    ):
        r = await client.post(f"{R}/{rid}/lines", json=line(category, amount, "SEK", n, vat), headers={**SVEA, **key()})
        assert r.status_code == 201, r.text
    # Flat rates are computed, never typed: a line in the flat-rate category is refused.
    r = await client.post(
        f"{R}/{rid}/lines", json=line("office-administration", "99.00", "SEK", 9), headers={**SVEA, **key()}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "category", r.text

    totals = (await client.get(f"{R}/{rid}", headers=SVEA)).json()["totals"]
    assert len(totals) == 1
    sek = totals[0]
    assert sek["declared"] == {
        "staff": {"amount": "15000.00", "currency": "SEK"},
        "travel-accommodation": {"amount": "1000.00", "currency": "SEK"},
    }
    assert sek["flat_rates"][0]["declared"] == {"amount": "2250.00", "currency": "SEK"}  # 15 % of 15,000.00
    assert sek["declared_total"]["amount"] == "18250.00"

    # Lines paged by number; one deleted.
    page = (await client.get(f"{R}/{rid}/lines", params={"limit": 2}, headers=SVEA)).json()
    assert [x["number"] for x in page["items"]] == [1, 2] and page["next_cursor"]
    rest = (await client.get(f"{R}/{rid}/lines", params={"cursor": page["next_cursor"]}, headers=SVEA)).json()
    assert [x["number"] for x in rest["items"]] == [3] and rest["next_cursor"] is None
    assert (await client.delete(f"{R}/{rid}/lines/2", headers=SVEA)).status_code == 204
    assert (await client.delete(f"{R}/{rid}/lines/2", headers=SVEA)).status_code == 404

    # CSV: 10,000 lines with one bad row → 422 naming the row, nothing stored; without it, all imported.
    bad = await client.post(
        f"{R}/{rid}/lines/import",
        content=csv_lines(10_000, bad_row=7321),
        headers={**SVEA, **key(), "Content-Type": "text/csv"},
    )
    assert bad.status_code == 422, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["row 7321.amount.amount"]
    assert (await client.get(f"{R}/{rid}", headers=SVEA)).json()["totals"][0]["lines"] == 2
    good = await client.post(
        f"{R}/{rid}/lines/import", content=csv_lines(10_000), headers={**SVEA, **key(), "Content-Type": "text/csv"}
    )
    assert good.status_code == 200, good.text
    assert good.json() == {"imported": 10_000, "first_number": 4, "last_number": 10_003}
    sek = (await client.get(f"{R}/{rid}", headers=SVEA)).json()["totals"][0]
    assert sek["lines"] == 10_002 and sek["declared"]["staff"]["amount"] == "135000.00"  # 10,000 + 125,000

    # The Norwegian controller never sees the Swedish partner's report.
    assert (await client.get(f"{R}/{rid}", headers=NORA)).status_code == 404
    assert (await client.get(f"{R}/{rid}/lines", headers=NORA)).status_code == 404
    assert (await client.get(f"{R}/{rid}", headers=BOB)).status_code == 404
    assert (await client.get(f"{R}/{rid}", headers=KARL)).status_code == 200

    # Submission: no SEK rate for March 2025 → 409 naming the month, nothing changes; then stored.
    r = await client.post(f"{R}/{rid}/submit", headers={**SVEA, **key()})
    assert r.status_code == 409 and r.json()["month"] == "2025-03", r.text
    assert (await client.get(f"{R}/{rid}", headers=SVEA)).json()["status"] == "draft"
    await set_rate(budget_live_client, "SEK", "2025-03", "11.2345")
    r = await client.post(f"{R}/{rid}/submit", headers={**SVEA, **key()})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["status"] == "submitted" and report["version"] == 1
    rate = report["rates"]["SEK"]
    assert (Decimal(rate["units_per_eur"]), rate["month"], rate["source"]) == (Decimal("11.2345"), "2025-03", "monthly")
    # The rate is the report's: a later change of the month's rate changes nothing.
    await set_rate(budget_live_client, "SEK", "2025-03", "12")
    assert (await client.get(f"{R}/{rid}", headers=SVEA)).json()["rates"]["SEK"] == rate
    # Submitted: immutable.
    r = await client.post(f"{R}/{rid}/lines", json=line("staff", "1.00", "SEK", 99), headers={**SVEA, **key()})
    assert r.status_code == 409, r.text
    assert (await client.delete(f"{R}/{rid}/lines/1", headers=SVEA)).status_code == 409


async def test_norwegian_side_reports_in_nok(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    client = applications_client
    aid = await contracted_project(client, applications_app, catalogue_client)
    r = await client.post(f"{P}/{aid}/partner-reports", json={"partner": 2, "period": 1}, headers={**NILS, **key()})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    r = await client.post(f"{R}/{rid}/lines", json=line("staff", "100.00", "SEK", 1), headers={**NILS, **key()})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount.currency"
    r = await client.post(f"{R}/{rid}/lines", json=line("staff", "1000.00", "NOK", 1), headers={**NILS, **key()})
    assert r.status_code == 201
    r = await client.post(f"{R}/{rid}/submit", headers={**NILS, **key()})
    assert r.status_code == 200 and r.json()["rates"] is None, r.text
    totals = r.json()["totals"][0]
    assert (totals["currency"], Decimal(totals["declared_total"]["amount"])) == ("NOK", Decimal("1150.00"))
    assert (await client.get(f"{R}/{rid}", headers=KARL)).status_code == 404
    assert (await client.get(f"{R}/{rid}", headers=OLGA)).status_code == 200
