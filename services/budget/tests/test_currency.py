"""Currencies: the programme's fixed rate wins, else the month's rate; a missing rate writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import FastAPI
from httpx import AsyncClient

from services.budget.tests.fixtures import THIS_MONTH
from services.budget.tests.helpers import (
    ADMIN,
    APPLICATIONS,
    NMS,
    NORDIC,
    SE_NO,
    cell,
    commitment,
    key,
    ledger_state,
    money,
)


async def test_nok_at_the_programmes_fixed_rate(budget_client: AsyncClient) -> None:
    rates = (await budget_client.get(f"/v1/programmes/{SE_NO}/fixed-rates")).json()["items"]
    assert [(r["currency"], r["units_per_eur"], r["source"]) for r in rates] == [("NOK", "10", "catalogue")]
    # A monthly NOK rate exists too, but the fixed programme rate wins
    await budget_client.put(f"/v1/exchange-rates/NOK/{THIS_MONTH}", json={"units_per_eur": "11.5"}, headers=ADMIN)
    body = commitment(SE_NO, "1", ("NO-STATE", "2500000.00", "NOK"), ("ERDF", "390000.00", "EUR"))
    r = await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    assert r.status_code == 201, r.text
    line = r.json()["lines"][0]
    assert line["amount"] == money("2500000.00", "NOK")
    assert line["amount_programme"] == money("250000.00")
    assert (line["rate"], line["rate_source"]) == ("10", "programme-fixed")
    report = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget")).json()
    assert cell(report, "NO-STATE", "1", "committed") == Decimal("250000.00")
    # An admin may override the fixed rate; sync keeps the override
    r = await budget_client.put(
        f"/v1/programmes/{SE_NO}/fixed-rates/NOK", json={"units_per_eur": "11.25"}, headers=ADMIN
    )
    assert r.status_code == 200 and r.json()["source"] == "admin"
    body = commitment(SE_NO, "1", ("NO-STATE", "1125.00", "NOK"))
    line = (await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})).json()["lines"][
        0
    ]
    assert line["amount_programme"] == money("100.00")


async def test_nok_at_the_months_rate_and_refused_without_one(budget_app: FastAPI, budget_client: AsyncClient) -> None:
    move = {
        "fund": "ERDF",
        "from_priority": "unallocated",
        "to_priority": "1",
        "amount": money("1000000.00"),
        "reason": "Open priority 1",
    }
    assert (
        await budget_client.post(f"/v1/programmes/{NMS}/reallocations", json=move, headers={**ADMIN, **key()})
    ).status_code == 201
    body = commitment(NMS, "1", ("ERDF", "100000.00", "EUR"), ("ERDF", "10000.00", "NOK"))
    before = await ledger_state(budget_app, NMS)
    r = await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    assert r.status_code == 422
    p = r.json()
    assert p["type"].endswith("/missing-exchange-rate")
    assert (p["currency"], p["month"]) == ("NOK", THIS_MONTH)
    assert "NOK" in p["detail"] and THIS_MONTH in p["detail"]
    assert p["errors"][0]["field"] == "lines.1.amount.currency"
    assert await ledger_state(budget_app, NMS) == before  # nothing written: ledger and balances as they were
    # A rate for another month does not help
    await budget_client.put("/v1/exchange-rates/NOK/2020-01", json={"units_per_eur": "10.1"}, headers=ADMIN)
    assert (
        await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    ).status_code == 422

    r = await budget_client.put(f"/v1/exchange-rates/NOK/{THIS_MONTH}", json={"units_per_eur": "11.5"}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["units_per_eur"] == "11.5"
    r = await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    assert r.status_code == 201, r.text
    line = r.json()["lines"][1]
    # 10,000.00 NOK / 11.5 = 869.5652… EUR -> 869.57 (half up)
    assert line["amount_programme"] == money("869.57")
    assert (line["rate"], line["rate_source"]) == ("11.5", "monthly")
    report = (await budget_client.get(f"/v1/programmes/{NMS}/budget")).json()
    assert cell(report, "ERDF", "1", "committed") == Decimal("100869.57")
    listed = (await budget_client.get("/v1/exchange-rates", params={"currency": "NOK"})).json()
    assert [(x["month"], x["units_per_eur"]) for x in listed["items"]] == [
        (THIS_MONTH, "11.5"),
        ("2020-01", "10.1"),
    ]


async def test_a_dkk_programme_converts_via_eur_with_one_rounding(budget_client: AsyncClient) -> None:
    month = THIS_MONTH
    for cur, rate in (("DKK", "7.4604"), ("NOK", "11.5")):
        await budget_client.put(f"/v1/exchange-rates/{cur}/{month}", json={"units_per_eur": rate}, headers=ADMIN)
    body = commitment(
        NORDIC, "1", ("Nordregio", "1000.00", "NOK"), ("Nordregio", "1000.00", "EUR"), ("Nordregio", "1000.00", "DKK")
    )
    r = await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    assert r.status_code == 201, r.text
    lines = r.json()["lines"]
    # 1000 / 11.5 * 7.4604 = 648.7304… -> 648.73 DKK; 1000 EUR * 7.4604 = 7460.40 DKK; DKK as it is
    assert [ln["amount_programme"] for ln in lines] == [
        money("648.73", "DKK"),
        money("7460.40", "DKK"),
        money("1000.00", "DKK"),
    ]
    assert [ln["rate_source"] for ln in lines] == ["monthly", "monthly", "identity"]
    report = (await budget_client.get(f"/v1/programmes/{NORDIC}/budget")).json()
    assert report["currency"] == "DKK"
    assert cell(report, "Nordregio", "1", "committed") == Decimal("9109.13")


async def test_rates_import_all_rows_or_none(budget_client: AsyncClient) -> None:
    headers = {**ADMIN, "Content-Type": "text/csv"}
    good = (
        "Country;Currency;ISO code;Rate per EUR\nNorway;Norwegian krone;NOK;11,6145\nSweden;Swedish krona;SEK;11,4780\n"
    )
    r = await budget_client.post(
        "/v1/exchange-rates/import", params={"month": "2024-05"}, content=good.encode(), headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 2 and r.json()["months"] == ["2024-05"]
    bad = "Country;Currency;ISO code;Rate per EUR\nDenmark;Danish krone;DKK;7,46\nNorway;Norwegian krone;NOK;n/a\n"
    r = await budget_client.post(
        "/v1/exchange-rates/import", params={"month": "2024-06"}, content=bad.encode(), headers=headers
    )
    assert r.status_code == 422 and "line 3" in r.json()["detail"] and r.json()["line"] == 3
    listed = (await budget_client.get("/v1/exchange-rates")).json()["items"]
    assert sorted((x["currency"], x["month"]) for x in listed) == [("NOK", "2024-05"), ("SEK", "2024-05")]
    r = await budget_client.post("/v1/exchange-rates/import", content=good.encode(), headers=headers)
    assert r.status_code == 422  # no month anywhere


async def test_the_rate_is_the_one_of_the_clocks_month_in_brussels(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    for month, rate in (("2024-05", "7"), ("2024-06", "8")):
        await budget_client.put(f"/v1/exchange-rates/DKK/{month}", json={"units_per_eur": rate}, headers=ADMIN)
    for at, expected in (
        (dt.datetime(2024, 5, 31, 21, 59, tzinfo=dt.UTC), "700.00"),  # 23:59 in Brussels: still May
        (dt.datetime(2024, 5, 31, 22, 0, tzinfo=dt.UTC), "800.00"),  # midnight in Brussels: June
    ):
        budget_app.state.clock.set(at)
        body = commitment(NORDIC, "1", ("Nordregio", "100.00", "EUR"))
        r = await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
        assert r.status_code == 201, r.text
        assert r.json()["lines"][0]["amount_programme"] == money(expected, "DKK")
        assert r.json()["created_at"] == at.isoformat().replace("+00:00", "Z")


async def test_a_rates_file_that_is_not_utf8_is_a_422(budget_client: AsyncClient) -> None:
    latin1 = "ISO code;Rate\nSEK;kr\xf6na\n".encode("latin-1")
    r = await budget_client.post(
        "/v1/exchange-rates/import",
        params={"month": "2024-07"},
        content=latin1,
        headers={**ADMIN, **key(), "Content-Type": "text/csv"},
    )
    assert r.status_code == 422 and r.json()["line"] == 2, r.text
    assert r.headers["content-type"] == "application/problem+json"
