"""Reallocation: an admin moves part of a fund's allocation from one priority (or the `unallocated`
reserve) to another. The fund's total is unchanged; the ledger gets a minus entry on the source and a
plus entry on the target; never more than the source has available (allocated − committed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import repository as repo
from services.budget import schemas as s
from services.budget.ledger import entries as ledger_entries
from services.budget.ledger.balances import balance_view, insufficient
from services.budget.models import UNALLOCATED
from services.budget.programmes import require_fund, require_programme, unknown
from services.budget.rates.conversion import month_of
from shared.problems import FieldError, Unprocessable


async def reallocate(
    session: AsyncSession,
    programme_code: str,
    body: s.ReallocationRequest,
    *,
    actor: str,
    now: dt.datetime,
    rate_zone: ZoneInfo,
) -> s.Reallocation:
    """Move allocation between two priorities of one fund; 409 when the source lacks room."""
    programme = await require_programme(session, programme_code)
    await require_fund(session, programme.code, body.fund, field="fund")
    for field, code in (("from_priority", body.from_priority), ("to_priority", body.to_priority)):
        if code != UNALLOCATED and await repo.priority(session, programme.code, code) is None:
            raise unknown(field, f"programme {programme.code} has no priority {code!r}")
    if body.from_priority == body.to_priority:
        raise Unprocessable(
            "from_priority and to_priority are the same",
            errors=[FieldError(field="to_priority", message="must differ from from_priority")],
        )
    if body.amount.currency != programme.currency:
        raise Unprocessable(
            f"reallocations are in the programme's currency {programme.currency}",
            errors=[FieldError(field="amount.currency", message=f"must be {programme.currency}")],
        )
    await repo.ensure_balance(session, programme.code, body.fund, body.to_priority, programme.currency)
    balances = await repo.lock_balances(
        session, programme.code, [(body.fund, body.from_priority), (body.fund, body.to_priority)]
    )
    source = balances.get((body.fund, body.from_priority))
    target = balances[(body.fund, body.to_priority)]
    asked = body.amount.amount
    available = source.available if source is not None else Decimal(0)
    if source is None or asked > available:
        raise insufficient(body.fund, body.from_priority, asked, available, programme.currency, field="amount")
    source.allocated -= asked
    target.allocated += asked
    await repo.append_ledger(
        session,
        [
            ledger_entries.entry(
                kind="reallocation",
                programme=programme.code,
                fund=body.fund,
                priority=priority,
                amount=signed,
                currency=programme.currency,
                reason=body.reason,
                actor=actor,
                now=now,
                month=month_of(now, rate_zone),
            )
            for priority, signed in ((body.from_priority, -asked), (body.to_priority, asked))
        ],
    )
    await session.flush()
    return s.Reallocation(
        programme=programme.code,
        fund=body.fund,
        from_priority=body.from_priority,
        to_priority=body.to_priority,
        amount=body.amount,
        reason=body.reason,
        balances=[balance_view(source), balance_view(target)],
    )
