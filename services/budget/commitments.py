"""Commitments of approved applications: made all lines or none, never over-committed, read and listed.

Each line is converted to the programme's currency (`rates`) and both amounts are kept. Creating a
commitment is the hot path under concurrency: one query for the reference data, the balance rows
locked in (fund, priority) order (`repository.lock_balance_values`), then plain INSERT/UPDATE
statements. Releases and payments against a commitment are in `releases.py`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal

from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import ledger
from services.budget import models as m
from services.budget import repository as repo
from services.budget.balances import insufficient
from services.budget.errors import CommitmentNotFound, ReserveNotCommittable
from services.budget.programmes import unknown
from services.budget.rates import Conversion, month_of, to_programme_currency
from shared.money import Money
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.problems import FieldError
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


def commitment_view(c: m.Commitment, lines: list[m.CommitmentLine]) -> wire.Commitment:
    cur = c.currency
    return wire.Commitment(
        id=c.id,
        programme=c.programme,
        application_id=c.application_id,
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
            )
            for ln in lines
        ],
    )


async def create_commitment(
    session: AsyncSession, body: wire.CommitmentRequest, *, actor: str, now: dt.datetime
) -> wire.Commitment:
    """Commit all lines or none; 409 naming fund, priority, asked and available when a fund lacks room."""
    ref = await repo.reference(
        session, body.programme, body.priority, body.specific_objective, sorted({ln.fund for ln in body.lines})
    )
    if ref.currency is None:
        raise unknown("programme", f"the budget has no programme {body.programme!r}")
    if body.priority == m.UNALLOCATED:
        raise ReserveNotCommittable(
            "the unallocated reserve cannot be committed against; an admin must reallocate it to a priority first",
            errors=[FieldError(field="priority", message="the unallocated reserve is not committable")],
        )
    if not ref.priority:
        raise unknown("priority", f"programme {body.programme} has no priority {body.priority!r}")
    if body.specific_objective is not None and ref.objective_priority != body.priority:
        raise unknown(
            "specific_objective",
            f"priority {body.priority} of {body.programme} has no specific objective {body.specific_objective!r}",
        )
    code, currency = body.programme, ref.currency
    month = month_of(now)
    conversions: list[Conversion] = []
    needed: dict[str, Decimal] = defaultdict(Decimal)
    first_line: dict[str, int] = {}
    for i, line in enumerate(body.lines):
        if line.fund not in ref.funds:
            raise unknown(f"lines.{i}.fund", f"programme {body.programme} has no fund {line.fund!r}")
        conv = await to_programme_currency(session, code, currency, line.amount, month, f"lines.{i}.amount.currency")
        conversions.append(conv)
        needed[line.fund] += conv.amount
        first_line.setdefault(line.fund, i)

    locked = await repo.lock_balance_values(session, code, body.priority, needed)
    for fund in sorted(needed):
        row = locked.get(fund)
        available = row[0] - (row[1] - row[2]) if row is not None else Decimal(0)
        if row is None or needed[fund] > available:
            raise insufficient(
                fund, body.priority, needed[fund], available, currency, field=f"lines.{first_line[fund]}.amount"
            )
    await repo.add_committed(session, code, body.priority, needed)

    commitment_id = uuid.uuid4()
    await repo.insert_commitment(
        session,
        {
            "id": commitment_id,
            "programme": code,
            "application_id": body.application_id,
            "priority": body.priority,
            "specific_objective": body.specific_objective,
            "call_id": body.call_id,
            "reference": body.reference,
            "currency": currency,
            "status": "active",
            "month": month,
            "created_by": actor,
            "created_at": now,
        },
        [
            {
                "commitment_id": commitment_id,
                "line_no": i,
                "fund": line.fund,
                "amount": line.amount.amount,
                "currency": line.amount.currency,
                "amount_programme": conv.amount,
                "rate": conv.rate,
                "rate_source": conv.source,
                "released": Decimal(0),
                "paid": Decimal(0),
            }
            for i, (line, conv) in enumerate(zip(body.lines, conversions, strict=True))
        ],
    )
    await repo.append_ledger(
        session,
        [
            ledger.entry(
                kind="commitment",
                programme=code,
                fund=line.fund,
                priority=body.priority,
                amount=conv.amount,
                currency=currency,
                original=line.amount,
                conversion=conv,
                commitment_id=commitment_id,
                specific_objective=body.specific_objective,
                call_id=body.call_id,
                reason=f"commitment for application {body.application_id}",
                actor=actor,
                now=now,
            )
            for line, conv in zip(body.lines, conversions, strict=True)
        ],
    )
    zero = Money.zero(currency)
    return wire.Commitment(
        id=commitment_id,
        programme=code,
        application_id=body.application_id,
        priority=body.priority,
        specific_objective=body.specific_objective,
        call_id=body.call_id,
        reference=body.reference,
        status="active",
        created_at=now,
        lines=[
            wire.CommitmentLine(
                fund=line.fund,
                amount=line.amount,
                amount_programme=Money.of(conv.amount, currency),
                rate=conv.rate,
                rate_source=conv.source,
                released=zero,
                paid=zero,
            )
            for line, conv in zip(body.lines, conversions, strict=True)
        ],
    )


async def get_commitment(session: AsyncSession, commitment_id: uuid.UUID) -> wire.Commitment:
    c = await repo.commitment(session, commitment_id)
    if c is None:
        raise CommitmentNotFound(f"no commitment {commitment_id}")
    return commitment_view(c, (await repo.lines(session, [c.id]))[c.id])


async def locked_commitment(
    session: AsyncSession, commitment_id: uuid.UUID
) -> tuple[m.Commitment, list[m.CommitmentLine]]:
    """The commitment, locked until the transaction ends, with its lines; 404 if there is none."""
    # The commitment row is locked before any balance row (every writer on an existing commitment does
    # the same), and creating a commitment locks no commitment row: no cycle, no deadlock.
    c = await repo.commitment(session, commitment_id, lock=True)
    if c is None:
        raise CommitmentNotFound(f"no commitment {commitment_id}")
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
    return paginate(
        [commitment_view(c, lines[c.id]) for c in rows],
        params,
        lambda c: CommitmentsAfter(created_at=c.created_at, id=c.id),
    )
