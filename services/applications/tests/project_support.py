"""What the project-stage tests share: a project with a Swedish and a Norwegian owner (both lead
partners), approved through the API, its controllers, contract and the people who act on it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ADMIN,
    ALICE,
    OLGA,
    PROGRAMME,
    assessed,
    create,
    decided,
    editing,
    gron,
    key,
    local_date,
    open_call,
)
from tests.harness import auth

SE_ORG, NO_ORG = "232100-0152", "964950113"
SVEA = auth("applicant", "svea", org=SE_ORG)
"""The Swedish owner's person (Region Värmland)."""
NILS = auth("applicant", "nils", org=NO_ORG)
"""The Norwegian owner's person (Kongsvinger kommune)."""
KARL = auth("controller", "karl")
KERSTIN = auth("controller", "kerstin")
"""Two controllers of the Swedish central control: Karl controls, Kerstin issues the certificate."""
NORA = auth("controller", "nora")
"""A Norwegian controller approved nationally."""
FINN = auth("finance", "finn")
P = "/v1/projects"
R = "/v1/partner-reports"


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def nok(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "NOK"}


def two_owner_body(call_id: str) -> dict[str, Any]:
    """Grön industriväxt with both partners leads: Region Värmland in EUR (ERDF 65 %), Kongsvinger kommune in
    NOK (Norwegian state funds 50 %), each with office and administration at 15 % of staff costs."""
    body = gron(call_id)
    se, no = body["partners"]
    se["budget"] = [
        {"category": "staff", "amount": eur("400000.00")},
        {"category": "office-administration", "cost_option": "office-administration-15"},
        {"category": "travel-accommodation", "amount": eur("20000.00")},
        {"category": "external-expertise", "amount": eur("80000.00")},
        {"category": "equipment", "amount": eur("30000.00")},
        {"category": "infrastructure-works", "amount": eur("10000.00")},
    ]
    se["financing"] = [
        {"source": "ERDF", "amount": eur("390000.00")},
        {"source": "own-public", "amount": eur("210000.00")},
    ]
    no["role"] = "lead"
    no["budget"] = [
        {"category": "staff", "amount": nok("2000000.00")},
        {"category": "office-administration", "cost_option": "office-administration-15"},
        {"category": "travel-accommodation", "amount": nok("200000.00")},
        {"category": "external-expertise", "amount": nok("600000.00")},
        {"category": "equipment", "amount": nok("150000.00")},
        {"category": "infrastructure-works", "amount": nok("50000.00")},
    ]
    no["financing"] = [
        {"source": "NO-STATE", "amount": nok("1650000.00")},
        {"source": "own-public", "amount": nok("1650000.00")},
    ]
    return body


async def approved_project(client: httpx.AsyncClient, app: FastAPI, catalogue: httpx.AsyncClient) -> str:
    """A two-owner project approved by an officer, its commitment accepted by the budget."""
    call_id = await open_call(catalogue)
    aid: str = (await create(client, two_owner_body(call_id), ALICE))["id"]
    assert (await assessed(client, app, aid))["status"] == "eligible"
    after = await decided(client, app, aid, {"decision": "approved"})
    assert after["commitment_status"] == "active", after
    return aid


async def register_controllers(client: httpx.AsyncClient) -> None:
    for sub, name, country in (
        ("karl", "Tillväxtverket, central kontroll", "SE"),
        ("kerstin", "Tillväxtverket, central kontroll", "SE"),
        ("nora", "Revisjon Innlandet AS", "NO"),
    ):
        r = await client.post(
            f"/v1/programmes/{PROGRAMME}/controllers",
            json={"sub": sub, "name": name, "country": country},
            headers={**ADMIN, **key()},
        )
        assert r.status_code == 201, r.text


def contract_body(periods: int = 2) -> dict[str, Any]:
    start = local_date() + dt.timedelta(days=90)
    spans = []
    for n in range(1, periods + 1):
        s = start + dt.timedelta(days=365 * (n - 1))
        e = s + dt.timedelta(days=364)
        spans.append(
            {
                "number": n,
                "start": s.isoformat(),
                "end": e.isoformat(),
                "deadline": (e + dt.timedelta(days=60)).isoformat(),
                "kind": "both",
                "final": n == periods,
            }
        )
    return {
        "decision_date": local_date().isoformat(),
        "contract_date": (local_date() + dt.timedelta(days=14)).isoformat(),
        "start_date": spans[0]["start"],
        "end_date": spans[-1]["end"],
        "periods": spans,
        "owners": {
            "SE": {
                "contacts": [{"name": "Karin Berg", "email": "karin.berg@regionvarmland.se"}],
                "bank_account": {
                    "holder": "Region Värmland",
                    "iban": "SE45 5000 0000 0583 9825 7466",
                    "bic": "ESSESESS",
                },
            },
            "NO": {
                "contacts": [{"name": "Ola Nordmann", "email": "ola.nordmann@kongsvinger.kommune.no"}],
                "bank_account": {"holder": "Kongsvinger kommune", "account_number": "8601.11.17947"},
            },
        },
        "controllers": [{"partner": 1, "controller": "karl"}, {"partner": 2, "controller": "nora"}],
    }


async def contracted_project(client: httpx.AsyncClient, app: FastAPI, catalogue: httpx.AsyncClient) -> str:
    aid = await approved_project(client, app, catalogue)
    await register_controllers(client)
    r = await client.put(f"{P}/{aid}/contract", json=contract_body(), headers=await editing(client, f"{P}/{aid}", OLGA))
    assert r.status_code == 200, r.text
    r = await client.post(f"{P}/{aid}/contracting", headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "contracted", r.text
    return aid


async def set_rate(budget: httpx.AsyncClient, currency: str, month: str, units_per_eur: str) -> None:
    r = await budget.put(f"/v1/exchange-rates/{currency}/{month}", json={"units_per_eur": units_per_eur}, headers=ADMIN)
    assert r.status_code in (200, 201), r.text


def line(category: str, amount: str, currency: str, n: int, vat: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": category,
        "invoice_number": f"F-{n:05d}",
        "invoice_date": "2025-09-01",
        "payment_date": "2025-09-15",
        "supplier": f"Leverantör {n}",
        "description": f"line {n}",
        "amount": {"amount": amount, "currency": currency},
    }
    if vat is not None:
        body["vat"] = {"amount": vat, "currency": currency}
    return body


def dec(money: dict[str, str]) -> Decimal:
    return Decimal(money["amount"])


async def report_with_lines(
    client: httpx.AsyncClient, aid: str, partner: int, period: int, lines: list[dict[str, Any]]
) -> str:
    """The owner of the partner's side opens its report of `period` and enters `lines`."""
    who = SVEA if partner == 1 else NILS
    r = await client.post(
        f"{P}/{aid}/partner-reports",
        json={"partner": partner, "period": period, "progress": "work done"},
        headers={**who, **key()},
    )
    assert r.status_code == 201, r.text
    rid: str = r.json()["id"]
    for body in lines:
        r = await client.post(f"{R}/{rid}/lines", json=body, headers={**who, **key()})
        assert r.status_code == 201, r.text
    return rid


async def submitted(client: httpx.AsyncClient, rid: str, who: dict[str, str]) -> dict[str, Any]:
    r = await client.post(f"{R}/{rid}/submit", headers={**who, **key()})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def verified(
    client: httpx.AsyncClient, rid: str, number: int, body: dict[str, Any], who: dict[str, str]
) -> dict[str, Any]:
    r = await client.put(f"{R}/{rid}/lines/{number}/verification", json=body, headers=who)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def certified_report(
    client: httpx.AsyncClient, aid: str, partner: int, period: int, lines: list[dict[str, Any]]
) -> str:
    """A partner report with `lines`, submitted, every line certified in full by its controller, and the
    certificate issued by an officer."""
    owner, controller = (SVEA, KARL) if partner == 1 else (NILS, NORA)
    rid = await report_with_lines(client, aid, partner, period, lines)
    await submitted(client, rid, owner)
    assert (await client.post(f"{R}/{rid}/control", headers={**controller, **key()})).status_code == 200
    for n, body in enumerate(lines, start=1):
        amount = Decimal(body["amount"]["amount"]) - Decimal((body.get("vat") or {"amount": "0"})["amount"])
        await verified(
            client, rid, n, {"certified": {"amount": str(amount), "currency": body["amount"]["currency"]}}, controller
        )
    assert (await client.post(f"{R}/{rid}/control/completion", headers={**controller, **key()})).status_code == 200
    r = await client.post(f"{R}/{rid}/control/certificate", headers={**OLGA, **key()})
    assert r.status_code == 200, r.text
    return rid
