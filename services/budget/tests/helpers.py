"""Helpers of the budget tests: tokens, small programmes made in memory, request bodies."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from services.budget import repository
from services.budget.tests.fixtures import sync_definitions
from shared.money import Money
from shared.schemas import catalogue as cat
from tests.harness import auth

SE_NO = "interreg-se-no-2021-2027"
NMS = "erdf-norra-mellansverige-2021-2027"
NORDIC = "nordic-regional-action-plan-2021-2024"

ADMIN = auth("admin", "anna-admin")
OFFICER = auth("officer", "olga-officer")
APPLICATIONS = auth("officer", "service:applications")
"""The applications service's own token: the only caller that commits and releases a project's money."""
APPLICANT = auth("applicant", "arne-applicant")


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def amount(m: dict[str, Any]) -> Decimal:
    return Decimal(m["amount"])


def commitment(
    programme: str,
    priority: str,
    *lines: tuple[str, str, str],
    so: str | None = None,
    application_id: str | None = None,
    call_id: str | None = None,
    version: int | None = 1,
) -> dict[str, Any]:
    """A CommitmentRequest body (of an application's first version unless told); lines are (fund, amount, currency)."""
    return {
        "programme": programme,
        "application_id": application_id or str(uuid.uuid4()),
        "application_version": version,
        "priority": priority,
        "specific_objective": so,
        "call_id": call_id,
        "lines": [{"fund": f, "amount": money(a, c)} for f, a, c in lines],
    }


def cell(report: dict[str, Any], fund: str, priority: str, field: str) -> Decimal:
    for row in report["rows"]:
        if row["fund"] == fund and row["priority"] == priority:
            return amount(row[field])
    raise KeyError((fund, priority))


def make_programme(
    code: str,
    *,
    currency: str = "EUR",
    funds: dict[str, str],
    shares: dict[str, str | None],
    allocations: list[tuple[str, str, str]] | None = None,
    fixed: dict[str, str] | None = None,
    technical: tuple[str, ...] = (),
) -> tuple[cat.Programme, list[cat.Priority], list[cat.SpecificObjective]]:
    """An in-memory programme definition, as the catalogue would serve it. Each priority has one specific
    objective (`<code>A`: it funds projects) unless it is `technical` (none: technical assistance, which
    an officer commits directly)."""
    programme = cat.Programme(
        code=code,
        kind="interreg",
        name={"en": f"Test programme {code}"},
        currency=currency,
        period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2027, 12, 31),
        languages=["en"],
        funds=[cat.Fund(code=f, name={"en": f}, amount=Money.of(a, currency)) for f, a in funds.items()],
        fixed_exchange_rates=[
            cat.FixedExchangeRate(currency=c, units_per_eur=Decimal(r)) for c, r in (fixed or {}).items()
        ],
        allocations=[
            cat.Allocation(fund=f, priority=p, amount=Money.of(a, currency)) for f, p, a in (allocations or [])
        ],
    )
    priorities = [
        cat.Priority(
            code=p,
            name={"en": p},
            share=Decimal(sh) if sh is not None else None,
            specific_objectives=[] if p in technical else [f"{p}A"],
        )
        for p, sh in shares.items()
    ]
    objectives = [
        cat.SpecificObjective(code=f"{p}A", priority=p, title={"en": p}) for p in shares if p not in technical
    ]
    return programme, priorities, objectives


async def add_programme(app: FastAPI, code: str, **kwargs: Any) -> None:
    await sync_definitions(app, [make_programme(code, **kwargs)])


async def ledger_state(app: FastAPI, programme: str) -> tuple[int, list[tuple[Any, ...]]]:
    """(number of ledger entries, balances) of a programme, read through the repository."""
    async with app.state.db.sessionmaker() as session:
        n = await repository.ledger_count(session, programme)
        balances = await repository.balances(session, programme)
        rows = sorted((b.fund, b.priority, b.allocated, b.committed, b.released, b.paid) for b in balances)
    return n, rows


FIA = auth("finance", "fia-finance")
FRANK = auth("finance", "frank-finance")
"""Two finance officers: one authorises a claim's payment, the other confirms it (four eyes)."""


def claim_body(cid: str, fund: str, asked: str, currency: str = "EUR", **extra: Any) -> dict[str, Any]:
    """A ClaimRequest body on commitment `cid`, with its own key and project report unless told."""
    return {
        "key": extra.pop("key", f"project-report:{uuid.uuid4()}:{fund}"),
        "commitment_id": cid,
        "fund": fund,
        "amount": money(asked, currency),
        "certified": money(str(Decimal(asked) * 2), currency),
        "co_financing_rate": "0.50",
        "project_report_id": str(uuid.uuid4()),
        "period": 1,
        **extra,
    }


async def pay_by_claim(client: AsyncClient, cid: str, fund: str, asked: str, currency: str = "EUR") -> dict[str, Any]:
    """What a project's payment is: a claim (as the applications service sends it), authorised by Fia and
    confirmed by Frank. The paid claim."""
    r = await client.post("/v1/claims", json=claim_body(cid, fund, asked, currency), headers=APPLICATIONS)
    assert r.status_code == 201, r.text
    claim_id = r.json()["id"]
    r = await client.post(f"/v1/claims/{claim_id}/authorisation", headers={**FIA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "authorised", r.text
    r = await client.post(f"/v1/claims/{claim_id}/confirmation", headers={**FRANK, **key()})
    assert r.status_code == 200 and r.json()["status"] == "paid", r.text
    return dict(r.json())
