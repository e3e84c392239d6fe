"""Raising a project's commitment when an approved change of the project needs more money.

The applications service asks (its own token; 403 for anyone else), through its outbox, naming the new
approved version and what each fund rises by in the currency the project asked it in. Each rise is a
new line of the commitment (converted to the programme's currency as a commitment is: the programme's
fixed rate, else this month's), a `commitment` entry on the ledger, and room taken from the fund's
balance in the commitment's priority: all funds or none, 409 `insufficient-funds` naming fund, priority,
asked and available when one lacks room (the transaction rolls back: nothing changes). The commitment
then names the new version. Idempotent by business key (`key`, kept as a `commitment_moves` row): the
same key again answers the commitment unchanged, whoever asks. A decrease is a keyed release
(`POST …/release` with `lines`): the money goes back to the priority.

Lock order as every writer on an existing commitment: the commitment row, then the balance rows in fund
order (`commitments.repository.take_room`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget.claims import repository as claims_repo
from services.budget.claims.room import held_per_line
from services.budget.commitments import repository as writes
from services.budget.commitments.reads import commitment_view, locked_commitment
from services.budget.errors import (
    CommitmentExists,
    CommitmentReleased,
    NotAProjectCommitment,
    ProjectCommitmentByApplicationOnly,
)
from services.budget.ledger import entries as ledger_entries
from services.budget.ledger.balances import insufficient
from services.budget.programmes import unknown
from services.budget.rates.conversion import month_of, to_programme_currency
from shared.problems import FieldError, Unprocessable
from shared.schemas import budget as wire


async def increase(
    session: AsyncSession,
    commitment_id: uuid.UUID,
    body: wire.IncreaseRequest,
    *,
    actor: str,
    application_services: Sequence[str],
    now: dt.datetime,
    rate_zone: ZoneInfo,
) -> wire.Commitment:
    """The commitment raised by `body.lines` and naming `body.application_version`; see the module."""
    if actor not in application_services:
        raise ProjectCommitmentByApplicationOnly(
            "a project's commitment rises only when an officer approves a change of the project in the "
            "applications service, which then asks the budget itself"
        )
    c, lines = await locked_commitment(session, commitment_id)
    held = held_per_line(lines, await claims_repo.claims_of(session, c.id), c.currency)
    if await repo.move_applied(session, c.id, body.key):
        return commitment_view(c, lines, held)  # this increase was made already: nothing again
    if c.application_version is None:
        raise NotAProjectCommitment(
            f"commitment {c.id} is the secretariat's own: commit technical assistance anew instead",
            commitment=str(c.id),
        )
    if c.status == "released":
        raise CommitmentReleased(f"commitment {c.id} is released: it cannot rise", commitment=str(c.id))
    if body.application_version <= c.application_version:
        message = f"the commitment names version {c.application_version}: an increase names a later one"
        raise Unprocessable(message, errors=[FieldError(field="application_version", message=message)])
    other = await repo.active_commitment_of(session, c.programme, c.application_id, body.application_version)
    if other is not None:
        raise CommitmentExists(
            f"application {c.application_id} version {body.application_version} has the active commitment {other.id}",
            commitment=str(other.id),
        )
    month = month_of(now, rate_zone)
    needed: dict[str, Decimal] = defaultdict(Decimal)
    first_line: dict[str, int] = {}
    new_lines, entries = [], []
    for i, line in enumerate(body.lines):
        if not any(ln.fund == line.fund for ln in lines):
            raise unknown(f"lines.{i}.fund", f"commitment {c.id} has no line for fund {line.fund!r}")
        conv = await to_programme_currency(
            session, c.programme, c.currency, line.amount, month, f"lines.{i}.amount.currency"
        )
        needed[line.fund] += conv.amount
        first_line.setdefault(line.fund, i)
        new_lines.append(
            m.CommitmentLine(
                commitment_id=c.id,
                line_no=max(ln.line_no for ln in lines) + 1 + i,
                fund=line.fund,
                amount=line.amount.amount,
                currency=line.amount.currency,
                amount_programme=conv.amount,
                rate=conv.rate,
                rate_source=conv.source,
                released=Decimal(0),
                paid=Decimal(0),
            )
        )
        entries.append(
            ledger_entries.entry(
                kind="commitment",
                programme=c.programme,
                fund=line.fund,
                priority=c.priority,
                amount=conv.amount,
                currency=c.currency,
                original=line.amount,
                conversion=conv,
                commitment_id=c.id,
                specific_objective=c.specific_objective,
                call_id=c.call_id,
                reason=f"increase for application {c.application_id} version {body.application_version}: {body.reason}",
                actor=actor,
                now=now,
                month=month,
            )
        )
    short = await writes.take_room(session, c.programme, c.priority, needed)
    if short is not None:
        available = await repo.available(session, c.programme, c.priority, short)
        raise insufficient(
            short, c.priority, needed[short], available, c.currency, field=f"lines.{first_line[short]}.amount"
        )
    repo.add(session, *new_lines)
    await repo.append_ledger(session, entries)
    repo.add(session, m.CommitmentMove(commitment_id=c.id, key=body.key, kind="increase", actor=actor, created_at=now))
    c.application_version = body.application_version
    await session.flush()
    return commitment_view(c, [*lines, *new_lines], held)
