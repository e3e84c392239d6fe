"""Releases and payments against a commitment: never more than remains (committed − released − paid)
per fund.

Releases are stated in the programme's currency (what a commitment holds is its converted amount) and
give the money back to the priority; payments may be in any currency and convert at the payment's
month like a commitment.

A project's commitment (one with an `application_version`) is paid only through its payment claims
(`services/budget/claims`): its direct payment is a 409 `payments-through-claims`; the secretariat's own
commitments (technical assistance) keep the direct path. What a project's unpaid claims hold
(`claims.room.held_per_line`) is not released: "all that remains" releases committed − released − paid
− held, and the hold stays on the commitment until its claims are paid.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget import schemas as s
from services.budget.claims import repository as claims_repo
from services.budget.claims.room import held_per_line
from services.budget.commitments.reads import commitment_view, locked_commitment, status_of
from services.budget.errors import NothingToRelease, PaymentsThroughClaims, ProjectCommitmentByApplicationOnly
from services.budget.ledger import entries as ledger_entries
from services.budget.programmes import require_programme, unknown
from services.budget.rates.conversion import Conversion, month_of, to_programme_currency
from shared.money import Money
from shared.problems import FieldError, Unprocessable
from shared.schemas import budget as wire

Move = Literal["release", "payment"]


@dataclass(frozen=True)
class _Ask:
    fund: str
    original: Money
    conversion: Conversion  # its amount is in the programme's currency
    line: int | None  # index in the request, None for "all that remains"


def _room(ln: m.CommitmentLine, held: Mapping[int, Decimal]) -> Decimal:
    """What remains on a line beside what its unpaid claims hold."""
    return ln.remaining - held.get(ln.line_no, Decimal(0))


def take(
    lines: list[m.CommitmentLine], fund: str, amount: Decimal, held: Mapping[int, Decimal] | None = None
) -> list[tuple[m.CommitmentLine, Decimal]]:
    """Spread `amount` over the fund's lines in line order, each up to what remains on it (beside `held`)."""
    out = []
    for ln in lines:
        if ln.fund != fund or amount <= 0:
            continue
        part = min(_room(ln, held or {}), amount)
        if part > 0:
            out.append((ln, part))
            amount -= part
    return out


async def _asks(
    session: AsyncSession,
    c: m.Commitment,
    lines: list[m.CommitmentLine],
    kind: Move,
    requested: list[wire.CommitmentLineIn] | None,
    *,
    month: str,
    held: Mapping[int, Decimal],
) -> list[_Ask]:
    if requested is None:
        remaining: dict[str, Decimal] = defaultdict(Decimal)
        for ln in lines:
            remaining[ln.fund] += _room(ln, held)
        asks = [
            _Ask(fund, Money.of(amount, c.currency), Conversion(amount), None)
            for fund, amount in remaining.items()
            if amount > 0
        ]
        if not asks:
            raise NothingToRelease(f"nothing remains on commitment {c.id}", commitment=str(c.id))
        return asks
    programme = await require_programme(session, c.programme)
    out = []
    for i, line in enumerate(requested):
        if not any(ln.fund == line.fund for ln in lines):
            raise unknown(f"lines.{i}.fund", f"commitment {c.id} has no line for fund {line.fund!r}")
        if kind == "release":
            if line.amount.currency != c.currency:
                raise Unprocessable(
                    f"releases are in the programme's currency {c.currency}",
                    errors=[FieldError(field=f"lines.{i}.amount.currency", message=f"must be {c.currency}")],
                )
            conv = Conversion(line.amount.amount)
        else:
            conv = await to_programme_currency(
                session, programme.code, programme.currency, line.amount, month, f"lines.{i}.amount.currency"
            )
        out.append(_Ask(line.fund, line.amount, conv, i))
    return out


def _check_room(
    c: m.Commitment, lines: list[m.CommitmentLine], kind: Move, asks: list[_Ask], held: Mapping[int, Decimal]
) -> dict[str, Decimal]:
    """What each fund is asked for in all; 409 naming the fund when more than remains on it (beside `held`)."""
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    for ask in asks:
        wanted[ask.fund] += ask.conversion.amount
    for fund in sorted(wanted):
        left = sum((_room(ln, held) for ln in lines if ln.fund == fund), Decimal(0))
        if wanted[fund] > left:
            idx = next(a.line for a in asks if a.fund == fund)
            verb = "release" if kind == "release" else "pay"
            message = (
                f"cannot {verb} {wanted[fund]} {c.currency} of {fund}: only {left} {c.currency} remains "
                f"(committed − released − paid{' − held by unpaid claims' if held else ''})"
            )
            raise NothingToRelease(
                message,
                errors=[FieldError(field=f"lines.{idx}.amount" if idx is not None else "lines", message=message)],
                fund=fund,
                priority=c.priority,
                asked=Money.of(wanted[fund], c.currency),
                available=Money.of(left, c.currency),
            )
    return wanted


async def _move(
    session: AsyncSession,
    commitment_id: uuid.UUID,
    kind: Move,
    requested: list[wire.CommitmentLineIn] | None,
    *,
    reason: str | None,
    actor: str,
    now: dt.datetime,
    rate_zone: ZoneInfo,
    key: str | None = None,
    application_services: Sequence[str] | None = None,
) -> wire.Commitment:
    c, lines = await locked_commitment(session, commitment_id)
    if application_services is not None and c.application_version is not None and actor not in application_services:
        raise ProjectCommitmentByApplicationOnly(
            f"commitment {c.id} holds the money of application {c.application_id}: it is released when an officer "
            "terminates or closes the project in the applications service, never beside it"
        )
    if kind == "payment" and c.application_version is not None:
        raise PaymentsThroughClaims(
            f"commitment {c.id} holds the money of application {c.application_id}: a project is paid through "
            "its payment claims (POST /v1/claims, then authorisation and confirmation by two finance officers)",
            commitment=str(c.id),
            claims=f"/v1/claims?commitment_id={c.id}",
        )
    held: Mapping[int, Decimal] = {}
    if c.application_version is not None:
        held = held_per_line(lines, await claims_repo.claims_of(session, c.id), c.currency)
    if key is not None and await repo.move_applied(session, c.id, key):
        return commitment_view(c, lines, held)  # this keyed move was made already: nothing again
    if requested is None and kind == "release" and all(_room(ln, held) == 0 for ln in lines):
        return commitment_view(c, lines, held)  # all that remains is released already: nothing again
    month = month_of(now, rate_zone)
    asks = await _asks(session, c, lines, kind, requested, month=month, held=held)
    wanted = _check_room(c, lines, kind, asks, held)
    balances = await repo.lock_balances(session, c.programme, [(f, c.priority) for f in wanted])
    entries: list[ledger_entries.Entry] = []
    for ask in asks:
        amount = ask.conversion.amount
        for ln, part in take(lines, ask.fund, amount, held):
            if kind == "release":
                ln.released += part
            else:
                ln.paid += part
        b = balances[(ask.fund, c.priority)]
        if kind == "release":
            b.released += amount
        else:
            b.paid += amount
        entries.append(
            ledger_entries.entry(
                kind=kind,
                programme=c.programme,
                fund=ask.fund,
                priority=c.priority,
                amount=amount,
                currency=c.currency,
                original=ask.original,
                conversion=ask.conversion,
                commitment_id=c.id,
                specific_objective=c.specific_objective,
                call_id=c.call_id,
                reason=reason,
                actor=actor,
                now=now,
                month=month,
            )
        )
    c.status = status_of(lines)
    await repo.append_ledger(session, entries)
    if key is not None:
        repo.add(session, m.CommitmentMove(commitment_id=c.id, key=key, kind=kind, actor=actor, created_at=now))
    await session.flush()
    return commitment_view(c, lines, held)


async def release_commitment(
    session: AsyncSession,
    commitment_id: uuid.UUID,
    body: wire.ReleaseRequest,
    *,
    actor: str,
    application_services: Sequence[str],
    now: dt.datetime,
    rate_zone: ZoneInfo,
) -> wire.Commitment:
    """Give money back to the priority: all that remains, or per fund. Idempotent by business key: a
    release with a `key` already applied, or of "all that remains" when nothing remains, changes nothing.
    A project's commitment is released only by the applications service (termination, closure)."""
    return await _move(
        session,
        commitment_id,
        "release",
        body.lines,
        reason=body.reason,
        actor=actor,
        now=now,
        rate_zone=rate_zone,
        key=body.key,
        application_services=application_services,
    )


async def pay_commitment(
    session: AsyncSession,
    commitment_id: uuid.UUID,
    body: s.PaymentRequest,
    *,
    actor: str,
    now: dt.datetime,
    rate_zone: ZoneInfo,
) -> wire.Commitment:
    """Record payments against a commitment."""
    return await _move(
        session, commitment_id, "payment", body.lines, reason=body.note, actor=actor, now=now, rate_zone=rate_zone
    )
