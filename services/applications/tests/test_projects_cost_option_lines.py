"""Lump sums and unit costs in partner reports through the API (SQLite and PostgreSQL): a line naming a
lump sum or unit cost of the approved budget gets its amount from the baseline — units × the unit amount
(rounded once, half up), or the lump sum — never typed (a typed amount is a 422 naming `amount`); a lump
sum is reported once; real costs in an option's category are refused; the lines count in the totals and
the flat rates as the others, and are converted at the rate stored with the report.

No programme ships a lump sum or a unit cost (the seeds define none), so the test loads the programme's
data file with two more options, as `make load-data` would after an admin added them."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI

from services.applications.tests.helpers import ALICE, OLGA, assessed, create, decided, editing, key, open_call
from services.applications.tests.project_support import (
    KARL,
    SVEA,
    P,
    R,
    contract_body,
    dec,
    eur,
    line,
    register_controllers,
    set_rate,
    two_owner_body,
    verified,
)
from services.catalogue.config import DATA_DIR
from services.catalogue.datafiles.format import read
from services.catalogue.datafiles.loader import load_files
from services.catalogue.tests.fixtures import NOW
from shared import yaml_files

pytestmark = pytest.mark.usefixtures("backend")
NAME = "interreg-se-no-2021-2027.yaml"
LEGAL = {"en": "Regulation (EU) 2021/1060 Art. 53(1)(b) and (c)"}
OPTIONS: list[dict[str, Any]] = [
    {
        "code": "preparation",
        "kind": "lump-sum",
        "category": "other-costs",
        "source": "outside the seeds: a test",
        "name": {"en": "Project preparation"},
        "legal_basis": LEGAL,
        "amounts": [{"amount": "10000.00", "currency": "EUR"}, {"amount": "110000.00", "currency": "NOK"}],
    },
    {
        "code": "participant-day",
        "kind": "unit-cost",
        "category": "external-expertise",
        "source": "outside the seeds: a test",
        "name": {"en": "Participant day"},
        "legal_basis": LEGAL,
        "amounts": [{"amount": "125.00", "currency": "EUR"}, {"amount": "1400.00", "currency": "NOK"}],
        "unit": {"en": "one participant day"},
    },
]


async def _with_options(catalogue_app: FastAPI, tmp_path: Path) -> None:
    data = copy.deepcopy(yaml_files.load((DATA_DIR / NAME).read_text(encoding="utf-8")))
    data["cost_options"] += OPTIONS
    path = tmp_path / NAME
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    await load_files(catalogue_app.state.db, [read(path)], now=NOW)


async def _contracted(client: httpx.AsyncClient, app: FastAPI, catalogue: httpx.AsyncClient) -> str:
    """The two-owner project whose Swedish partner budgets 640 participant days and the preparation."""
    body = two_owner_body(await open_call(catalogue))
    se = body["partners"][0]
    se["budget"] = [
        {"category": "staff", "amount": eur("400000.00")},
        {"category": "office-administration", "cost_option": "office-administration-15"},
        {"category": "travel-accommodation", "amount": eur("20000.00")},
        {"category": "external-expertise", "cost_option": "participant-day", "units": "640"},
        {"category": "equipment", "amount": eur("20000.00")},
        {"category": "infrastructure-works", "amount": eur("10000.00")},
        {"category": "other-costs", "cost_option": "preparation"},
    ]
    aid: str = (await create(client, body, ALICE))["id"]
    assert (await assessed(client, app, aid))["status"] == "eligible"
    assert (await decided(client, app, aid, {"decision": "approved"}))["commitment_status"] == "active"
    await register_controllers(client)
    assert (
        await client.put(f"{P}/{aid}/contract", json=contract_body(), headers=await editing(client, f"{P}/{aid}", OLGA))
    ).status_code == 200
    assert (await client.post(f"{P}/{aid}/contracting", headers={**OLGA, **key()})).status_code == 200
    return aid


def _option_line(code: str, category: str, n: int, **extra: Any) -> dict[str, Any]:
    return {
        "category": category,
        "cost_option": code,
        "invoice_number": f"DL-{n}",
        "invoice_date": "2025-09-30",
        "supplier": "Region Värmland",
        "description": "attendance lists",
        **extra,
    }


async def test_lump_sums_and_unit_costs_are_computed_from_the_approved_budget(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
    tmp_path: Path,
) -> None:
    client = applications_client
    await _with_options(catalogue_app, tmp_path)
    aid = await _contracted(client, applications_app, catalogue_client)
    r = await client.post(f"{P}/{aid}/partner-reports", json={"partner": 1, "period": 1}, headers={**SVEA, **key()})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]

    async def post(body: dict[str, Any]) -> httpx.Response:
        return await client.post(f"{R}/{rid}/lines", json=body, headers={**SVEA, **key()})

    # Units × the unit amount of the baseline, computed: 12.5 × 125.00 EUR.
    r = await post(_option_line("participant-day", "external-expertise", 1, units="12.5"))
    assert r.status_code == 201, r.text
    assert (r.json()["amount"], r.json()["units"], r.json()["declared"]) == (eur("1562.50"), "12.5", eur("1562.50"))
    # Typed amounts, missing units, VAT, the wrong category, real costs in the option's category: 422 each.
    for body, field in (
        (_option_line("participant-day", "external-expertise", 2, units="1", amount=eur("125.00")), "amount"),
        (_option_line("participant-day", "external-expertise", 2), "units"),
        (_option_line("participant-day", "external-expertise", 2, units="1", vat=eur("1.00")), "vat"),
        (_option_line("participant-day", "equipment", 2, units="1"), "category"),
        (_option_line("preparation", "other-costs", 2, units="1"), "units"),
        (line("external-expertise", "500.00", "EUR", 2), "category"),
        ({**line("staff", "500.00", "EUR", 2), "units": "2"}, "units"),
        ({k: v for k, v in line("staff", "500.00", "EUR", 2).items() if k != "amount"}, "amount"),
    ):
        r = await post(body)
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == [field], (field, r.text)
    # The lump sum once delivered: its amount, once.
    r = await post(_option_line("preparation", "other-costs", 3))
    assert r.status_code == 201 and r.json()["amount"] == eur("10000.00"), r.text
    r = await post(_option_line("preparation", "other-costs", 4))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cost_option", r.text
    assert "reported already" in r.json()["errors"][0]["message"]
    assert (await post(line("staff", "2000.00", "EUR", 5))).status_code == 201
    assert (await post(line("staff", "1000.00", "SEK", 6))).status_code == 201

    # CSV: an option row leaves amount and currency empty; 3.3333 × 125.00 = 416.6625 → 416.66 (half up).
    header = "category,cost_option,units,invoice_number,invoice_date,supplier,amount,currency,vat\r\n"
    day = "external-expertise,participant-day,3.3333,DL-7,2025-09-30,Region Värmland,,,\r\n"
    again = "other-costs,preparation,,DL-8,2025-09-30,Region Värmland,,,\r\n"
    typed = "external-expertise,participant-day,2,DL-9,2025-09-30,Region Värmland,250.00,EUR,\r\n"
    csv_headers = {**SVEA, **key(), "Content-Type": "text/csv"}
    r = await client.post(f"{R}/{rid}/lines/import", content=header + day + again + typed, headers=csv_headers)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["row 4.amount"]
    r = await client.post(f"{R}/{rid}/lines/import", content=header + day + again, headers={**csv_headers, **key()})
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["row 3.cost_option"], r.text
    r = await client.post(f"{R}/{rid}/lines/import", content=header + day, headers={**csv_headers, **key()})
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text

    totals = {t["currency"]: t for t in (await client.get(f"{R}/{rid}", headers=SVEA)).json()["totals"]}
    e = totals["EUR"]
    assert e["declared"] == {
        "external-expertise": eur("1979.16"),
        "other-costs": eur("10000.00"),
        "staff": eur("2000.00"),
    }
    assert e["flat_rates"][0]["declared"] == eur("300.00")  # 15 % of the staff costs, the options aside
    assert e["declared_total"] == eur("14279.16")

    # Converted as the others: the SEK line at the rate stored at the submission, the EUR lines as they are.
    r = await client.post(f"{R}/{rid}/submit", headers={**SVEA, **key()})
    assert r.status_code == 409, r.text
    await set_rate(budget_live_client, "SEK", r.json()["month"], "11.5")
    r = await client.post(f"{R}/{rid}/submit", headers={**SVEA, **key()})
    assert r.status_code == 200 and set(r.json()["rates"]) == {"SEK"}, r.text
    assert (await client.post(f"{R}/{rid}/control", headers={**KARL, **key()})).status_code == 200
    page = (await client.get(f"{R}/{rid}/lines", headers=KARL)).json()["items"]
    for ln in page:
        await verified(client, rid, ln["number"], {"certified": ln["declared"]}, KARL)
    report = (await client.get(f"{R}/{rid}", headers=OLGA)).json()
    # 14,279.16 EUR + (1,000.00 + 150.00) SEK / 11.5 = 14,279.16 + 100.00
    assert report["certified_eur"] == eur("14379.16")
    assert dec(report["totals"][1]["certified_total"]) == Decimal("1150.00")
