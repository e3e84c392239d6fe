"""The budget and its drill-downs: per fund × priority, per specific objective, per call, and over time.

Committed is shown net of releases; `available = allocated − (committed − released)`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import schemas as s
from services.budget.ledger.balances import balance_view, ordered_balances
from services.budget.programmes import require_programme
from services.budget.reports import repository as report_repo
from shared.money import Money
from shared.schemas import budget as wire


async def budget_report(session: AsyncSession, programme_code: str) -> wire.BudgetReport:
    """One row per fund and priority, in the programme's order."""
    programme = await require_programme(session, programme_code)
    rows = [wire.BudgetRow(**balance_view(b).model_dump()) for b in await ordered_balances(session, programme.code)]
    return wire.BudgetReport(programme=programme.code, currency=programme.currency, rows=rows)


async def by_specific_objective(session: AsyncSession, programme_code: str) -> s.SpecificObjectiveReport:
    programme = await require_programme(session, programme_code)
    cur = programme.currency
    rows = [
        s.SpecificObjectiveRow(
            specific_objective=so,
            priority=prio,
            fund=fund,
            committed=Money.of(amt - rel, cur),
            paid=Money.of(paid, cur),
        )
        for so, prio, fund, amt, rel, paid in await report_repo.committed_by_specific_objective(session, programme.code)
    ]
    rows.sort(key=lambda r: (r.priority, r.specific_objective or "", r.fund))
    return s.SpecificObjectiveReport(programme=programme.code, currency=cur, rows=rows)


async def by_call(session: AsyncSession, programme_code: str) -> s.CallReport:
    programme = await require_programme(session, programme_code)
    cur = programme.currency
    rows = [
        s.CallRow(call_id=call, fund=fund, committed=Money.of(amt - rel, cur), paid=Money.of(paid, cur))
        for call, fund, amt, rel, paid in await report_repo.committed_by_call(session, programme.code)
    ]
    rows.sort(key=lambda r: (str(r.call_id or ""), r.fund))
    return s.CallReport(programme=programme.code, currency=cur, rows=rows)


async def timeseries(
    session: AsyncSession, programme_code: str, interval: Literal["month", "year"]
) -> s.TimeseriesReport:
    """Commitments and releases per period (the ledger's accounting month, or its year) and fund, whole:
    a report, not a list (at most 12 months × 7 years × the programme's funds); the sums come from the
    database grouped by month, so they are few."""
    programme = await require_programme(session, programme_code)
    cur = programme.currency
    sums: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: {"commitment": Decimal(0), "release": Decimal(0)}
    )
    for month, fund, kind, total in await report_repo.ledger_by_month(session, programme.code):
        period = month if interval == "month" else month[:4]
        sums[(period, fund)][kind] += total
    points = [
        s.TimeseriesPoint(
            period=period,
            fund=fund,
            committed=Money.of(sums[(period, fund)]["commitment"], cur),
            released=Money.of(sums[(period, fund)]["release"], cur),
            net=Money.of(sums[(period, fund)]["commitment"] - sums[(period, fund)]["release"], cur),
        )
        for period, fund in sorted(sums)
    ]
    return s.TimeseriesReport(programme=programme.code, currency=cur, interval=interval, points=points)
