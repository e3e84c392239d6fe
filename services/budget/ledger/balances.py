"""The running sums per programme × fund × priority (`budget_balances`): how they are shown, the order
reports list them in, and the 409 when one lacks room.

`allocated`, gross `committed`, `released` and `paid` move in the same transaction as the ledger
entries that move them; reports show committed net of releases and
`available = allocated - (committed - released)`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget import schemas as s
from services.budget.errors import InsufficientFunds
from shared.money import Money
from shared.problems import FieldError

_LAST = 1_000_000  # position of a code the programme no longer lists: after every listed one


def balance_view(b: m.BudgetBalance) -> s.BalanceView:
    c = b.currency
    return s.BalanceView(
        fund=b.fund,
        priority=b.priority,
        allocated=Money.of(b.allocated, c),
        committed=Money.of(b.committed_net, c),
        paid=Money.of(b.paid, c),
        corrected=Money.of(b.corrected, c),
        recovered=Money.of(b.recovered, c),
        available=Money.of(b.available, c),
    )


def insufficient(
    fund: str, priority: str, asked: Decimal, available: Decimal, currency: str, *, field: str
) -> InsufficientFunds:
    """409 `insufficient-funds` naming fund, priority, asked and available (never negative)."""
    available = max(available, Decimal(0))
    message = f"{fund} in priority {priority}: asked {asked} {currency}, only {available} {currency} available"
    return InsufficientFunds(
        message,
        errors=[FieldError(field=field, message=message)],
        fund=fund,
        priority=priority,
        asked=Money.of(asked, currency),
        available=Money.of(available, currency),
    )


async def ordered_balances(
    session: AsyncSession, programme: str, *, priority_first: bool = False
) -> list[m.BudgetBalance]:
    """The programme's balances in the programme's order: by fund, then priority (each by its position
    in the programme), or by priority, then fund."""
    fund_pos = {f.code: f.position for f in await repo.funds(session, programme)}
    prio_pos = {p.code: p.position for p in await repo.priorities(session, programme)}

    def key(b: m.BudgetBalance) -> tuple[tuple[int, str], tuple[int, str]]:
        by_fund, by_priority = (fund_pos.get(b.fund, _LAST), b.fund), (prio_pos.get(b.priority, _LAST), b.priority)
        return (by_priority, by_fund) if priority_first else (by_fund, by_priority)

    return sorted(await repo.balances(session, programme), key=key)
