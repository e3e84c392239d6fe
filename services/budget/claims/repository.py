"""The SQL of payment claims, as module functions taking the session first. Never commits: the request's
session does."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import Commitment, Correction, LedgerEntry, PaymentClaim


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
    """The ledger's payments net of the corrections settled (set off or recovered) per (project
    commitment, fund) of a programme, in the programme's currency."""
    q = (
        select(LedgerEntry.commitment_id, LedgerEntry.fund, func.sum(LedgerEntry.amount))
        .join(Commitment, Commitment.id == LedgerEntry.commitment_id)
        .where(
            LedgerEntry.programme == programme,
            LedgerEntry.kind.in_(("payment", "correction", "recovery")),
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
    out = {(c, f): s or Decimal(0) for c, f, s in (await session.execute(q)).all()}
    settled = (
        select(Correction.commitment_id, Correction.fund, func.sum(Correction.amount_programme))
        .where(Correction.programme == programme, Correction.status == "settled")
        .group_by(Correction.commitment_id, Correction.fund)
    )
    for c, f, s in (await session.execute(settled)).all():
        out[(c, f)] = out.get((c, f), Decimal(0)) - (s or Decimal(0))
    return out


async def correction(session: AsyncSession, correction_id: uuid.UUID, *, lock: bool = False) -> Correction | None:
    q = select(Correction).where(Correction.id == correction_id).execution_options(populate_existing=True)
    if lock and _is_postgresql(session):
        q = q.with_for_update()
    return (await session.scalars(q)).one_or_none()


async def corrections_of_claim(session: AsyncSession, claim_id: uuid.UUID) -> Sequence[Correction]:
    q = select(Correction).where(Correction.claim_id == claim_id).execution_options(populate_existing=True)
    return (await session.scalars(q)).all()


async def open_set_offs(
    session: AsyncSession, commitment_id: uuid.UUID, fund: str, currency: str
) -> Sequence[Correction]:
    """The open corrections to set off against the next claim on a commitment's fund, oldest first."""
    q = (
        select(Correction)
        .where(
            Correction.commitment_id == commitment_id,
            Correction.fund == fund,
            Correction.currency == currency,
            Correction.effect == "next-claim",
            Correction.status == "open",
        )
        .order_by(Correction.recorded_at, Correction.id)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(q)).all()


async def set_off_against(session: AsyncSession, claim_id: uuid.UUID) -> Sequence[Correction]:
    """The corrections set off against a claim."""
    q = (
        select(Correction)
        .where(Correction.set_off_claim_id == claim_id)
        .order_by(Correction.recorded_at, Correction.id)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(q)).all()


async def corrections(
    session: AsyncSession,
    *,
    commitment_id: uuid.UUID | None,
    claim_id: uuid.UUID | None,
    status: str | None,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Correction]:
    """Newest first; keyset (recorded_at, id), recorded_at in UTC."""
    q = select(Correction)
    if commitment_id:
        q = q.where(Correction.commitment_id == commitment_id)
    if claim_id:
        q = q.where(Correction.claim_id == claim_id)
    if status:
        q = q.where(Correction.status == status)
    if after is not None:
        at, cid = after
        q = q.where(or_(Correction.recorded_at < at, and_(Correction.recorded_at == at, Correction.id < cid)))
    q = q.order_by(Correction.recorded_at.desc(), Correction.id.desc()).limit(limit)
    return (await session.scalars(q)).all()


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
