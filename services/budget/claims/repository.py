"""The SQL of payment claims, as module functions taking the session first. Never commits: the request's
session does."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import Commitment, LedgerEntry, PaymentClaim


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def claim(session: AsyncSession, claim_id: uuid.UUID, *, lock: bool = False) -> PaymentClaim | None:
    """One claim; `lock`: locked until the transaction ends (PostgreSQL; SQLite's writers take turns)."""
    q = select(PaymentClaim).where(PaymentClaim.id == claim_id).execution_options(populate_existing=True)
    if lock and _is_postgresql(session):
        q = q.with_for_update()
    return (await session.scalars(q)).one_or_none()


async def claim_by_key(session: AsyncSession, key: str) -> PaymentClaim | None:
    q = select(PaymentClaim).where(PaymentClaim.key == key).execution_options(populate_existing=True)
    return (await session.scalars(q)).one_or_none()


async def claims_of(session: AsyncSession, commitment_id: uuid.UUID) -> Sequence[PaymentClaim]:
    """Every claim on a commitment, oldest first."""
    q = (
        select(PaymentClaim)
        .where(PaymentClaim.commitment_id == commitment_id)
        .order_by(PaymentClaim.created_at, PaymentClaim.id)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(q)).all()


async def unpaid_claims_of(
    session: AsyncSession, commitment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PaymentClaim]]:
    """The submitted and authorised claims of each commitment, oldest first."""
    out: dict[uuid.UUID, list[PaymentClaim]] = {cid: [] for cid in commitment_ids}
    if not commitment_ids:
        return out
    q = (
        select(PaymentClaim)
        .where(PaymentClaim.commitment_id.in_(commitment_ids), PaymentClaim.status != "paid")
        .order_by(PaymentClaim.created_at, PaymentClaim.id)
    )
    for c in (await session.scalars(q)).all():
        out[c.commitment_id].append(c)
    return out


async def claims(
    session: AsyncSession,
    *,
    programme: str | None,
    commitment_id: uuid.UUID | None,
    status: str | None,
    fund: str | None,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[PaymentClaim]:
    """Newest first; keyset (created_at, id), created_at in UTC."""
    q = select(PaymentClaim)
    if programme:
        q = q.where(PaymentClaim.programme == programme)
    if commitment_id:
        q = q.where(PaymentClaim.commitment_id == commitment_id)
    if status:
        q = q.where(PaymentClaim.status == status)
    if fund:
        q = q.where(PaymentClaim.fund == fund)
    if after is not None:
        created, cid = after
        q = q.where(
            or_(PaymentClaim.created_at < created, and_(PaymentClaim.created_at == created, PaymentClaim.id < cid))
        )
    q = q.order_by(PaymentClaim.created_at.desc(), PaymentClaim.id.desc()).limit(limit)
    return (await session.scalars(q)).all()


async def project_ledger_paid(session: AsyncSession, programme: str) -> dict[tuple[uuid.UUID, str], Decimal]:
    """The ledger's payments per (project commitment, fund) of a programme, in the programme's currency."""
    q = (
        select(LedgerEntry.commitment_id, LedgerEntry.fund, func.sum(LedgerEntry.amount))
        .join(Commitment, Commitment.id == LedgerEntry.commitment_id)
        .where(
            LedgerEntry.programme == programme,
            LedgerEntry.kind == "payment",
            Commitment.application_version.is_not(None),
        )
        .group_by(LedgerEntry.commitment_id, LedgerEntry.fund)
    )
    return {(c, f): s or Decimal(0) for c, f, s in (await session.execute(q)).all() if c is not None}


async def paid_claims(session: AsyncSession, programme: str) -> dict[tuple[uuid.UUID, str], Decimal]:
    """What the paid claims of a programme paid per (commitment, fund), in the programme's currency."""
    q = (
        select(PaymentClaim.commitment_id, PaymentClaim.fund, func.sum(PaymentClaim.paid_programme))
        .where(PaymentClaim.programme == programme, PaymentClaim.status == "paid")
        .group_by(PaymentClaim.commitment_id, PaymentClaim.fund)
    )
    return {(c, f): s or Decimal(0) for c, f, s in (await session.execute(q)).all()}


async def claim_payment_count(session: AsyncSession, claim_id: uuid.UUID) -> int:
    """How many ledger entries pay the claim (0 or 1: the unique index allows no more)."""
    q = select(func.count()).select_from(LedgerEntry).where(LedgerEntry.claim_id == claim_id)
    return int(await session.scalar(q) or 0)


async def claim_counts(session: AsyncSession) -> dict[tuple[str, str, str], int]:
    """How many claims each (programme, fund, status) has (the metrics)."""
    q = select(PaymentClaim.programme, PaymentClaim.fund, PaymentClaim.status, func.count()).group_by(
        PaymentClaim.programme, PaymentClaim.fund, PaymentClaim.status
    )
    return {(p, f, s): int(n) for p, f, s, n in (await session.execute(q)).all()}
