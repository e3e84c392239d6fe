"""Reading commitments: one, a page of them (newest first), and one locked for a release or payment; how
a commitment is shown, with the status its lines give it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal

from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget.claims import repository as claims_repo
from services.budget.claims.room import held_per_line
from services.budget.errors import CommitmentNotFound
from shared.money import Money
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.schemas import budget as wire


class CommitmentsAfter(Keyset):
    """Keyset of `GET /v1/commitments` (newest first)."""

    created_at: AwareDatetime
    id: uuid.UUID


def status_of(lines: list[m.CommitmentLine]) -> str:
    """`active` until something is released; `released` once nothing remains, else `partially-released`."""
    released = sum((ln.released for ln in lines), Decimal(0))
    remaining = sum((ln.remaining for ln in lines), Decimal(0))
    if released == 0:
        return "active"
    return "released" if remaining == 0 else "partially-released"


def commitment_view(
    c: m.Commitment, lines: list[m.CommitmentLine], held: Mapping[int, Decimal] | None = None
) -> wire.Commitment:
    """The commitment as answered; `held`: what unpaid claims hold per line (`claims.room.held_per_line`)."""
    cur = c.currency
    held = held or {}
    return wire.Commitment(
        id=c.id,
        programme=c.programme,
        application_id=c.application_id,
        application_version=c.application_version,
        priority=c.priority,
        specific_objective=c.specific_objective,
        call_id=c.call_id,
        reference=c.reference,
        status=c.status,
        created_at=c.created_at,
        lines=[
            wire.CommitmentLine(
                fund=ln.fund,
                amount=Money.of(ln.amount, ln.currency),
                amount_programme=Money.of(ln.amount_programme, cur),
                rate=ln.rate,
                rate_source=ln.rate_source,
                released=Money.of(ln.released, cur),
                paid=Money.of(ln.paid, cur),
                held=Money.of(held.get(ln.line_no, Decimal(0)), cur),
            )
            for ln in lines
        ],
    )


async def holds(
    session: AsyncSession, commitments: Sequence[m.Commitment], lines: Mapping[uuid.UUID, list[m.CommitmentLine]]
) -> dict[uuid.UUID, dict[int, Decimal]]:
    """What unpaid claims hold per line of each project commitment (one query for all of them)."""
    ids = [c.id for c in commitments if c.application_version is not None]
    unpaid = await claims_repo.unpaid_claims_of(session, ids)
    by_id = {c.id: c for c in commitments}
    return {cid: held_per_line(lines[cid], claims, by_id[cid].currency) for cid, claims in unpaid.items() if claims}


async def get_commitment(session: AsyncSession, commitment_id: uuid.UUID) -> wire.Commitment:
    c = await repo.commitment(session, commitment_id)
    if c is None:
        raise CommitmentNotFound(
            {
                "sv": f"inget åtagande {commitment_id}",
                "nb": f"ingen forpliktelse {commitment_id}",
                "en": f"no commitment {commitment_id}",
            }
        )
    lines = await repo.lines(session, [c.id])
    return commitment_view(c, lines[c.id], (await holds(session, [c], lines)).get(c.id))


async def locked_commitment(
    session: AsyncSession, commitment_id: uuid.UUID
) -> tuple[m.Commitment, list[m.CommitmentLine]]:
    """The commitment, locked until the transaction ends, with its lines; 404 if there is none."""
    # The commitment row is locked before any balance row (every writer on an existing commitment does
    # the same), and creating a commitment locks no commitment row: no cycle, no deadlock.
    c = await repo.commitment(session, commitment_id, lock=True)
    if c is None:
        raise CommitmentNotFound(
            {
                "sv": f"inget åtagande {commitment_id}",
                "nb": f"ingen forpliktelse {commitment_id}",
                "en": f"no commitment {commitment_id}",
            }
        )
    return c, (await repo.lines(session, [c.id]))[c.id]


async def list_commitments(
    session: AsyncSession, params: PageParams, *, programme: str | None, application_id: str | None
) -> Page[wire.Commitment]:
    """Newest first, filtered by programme and/or application."""
    after = params.after(CommitmentsAfter)
    rows = await repo.commitments(
        session,
        programme=programme,
        application_id=application_id,
        # Stored instants are UTC (SQLite keeps their wall time only), so the keyset is compared in UTC.
        after=(after.created_at.astimezone(dt.UTC), after.id) if after else None,
        limit=params.limit + 1,
    )
    lines = await repo.lines(session, [c.id for c in rows])
    held = await holds(session, rows, lines)
    return paginate(
        [commitment_view(c, lines[c.id], held.get(c.id)) for c in rows],
        params,
        lambda c: CommitmentsAfter(created_at=c.created_at, id=c.id),
    )
