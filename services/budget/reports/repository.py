"""The report queries of the budget service (sums over the ledger and the commitment lines): all their
SQL, as module functions taking the session first; they only read."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import Commitment, CommitmentLine, LedgerEntry


async def ledger_by_month(session: AsyncSession, programme: str) -> list[tuple[str, str, str, Decimal]]:
    """(month, fund, kind, sum) of commitments and releases."""
    q = (
        select(LedgerEntry.month, LedgerEntry.fund, LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.programme == programme, LedgerEntry.kind.in_(("commitment", "release")))
        .group_by(LedgerEntry.month, LedgerEntry.fund, LedgerEntry.kind)
    )
    return [(m, f, k, s) for m, f, k, s in (await session.execute(q)).all()]


async def _committed_by(session: AsyncSession, programme: str, *columns: Any) -> list[tuple[Any, ...]]:
    q = (
        select(
            *columns,
            CommitmentLine.fund,
            func.sum(CommitmentLine.amount_programme),
            func.sum(CommitmentLine.released),
            func.sum(CommitmentLine.paid),
        )
        .join(Commitment, Commitment.id == CommitmentLine.commitment_id)
        .where(Commitment.programme == programme)
        .group_by(*columns, CommitmentLine.fund)
    )
    return [tuple(r) for r in (await session.execute(q)).all()]


async def committed_by_specific_objective(
    session: AsyncSession, programme: str
) -> list[tuple[str | None, str, str, Decimal, Decimal, Decimal]]:
    """(specific objective, priority, fund, committed gross, released, paid) summed over commitment lines."""
    rows = await _committed_by(session, programme, Commitment.specific_objective, Commitment.priority)
    return [(so, p, f, a, r, pd) for so, p, f, a, r, pd in rows]


async def committed_by_call(
    session: AsyncSession, programme: str
) -> list[tuple[uuid.UUID | None, str, Decimal, Decimal, Decimal]]:
    """(call id, fund, committed gross, released, paid) summed over commitment lines."""
    rows = await _committed_by(session, programme, Commitment.call_id)
    return [(c, f, a, r, pd) for c, f, a, r, pd in rows]
