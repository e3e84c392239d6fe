"""Making a commitment of an approved application: all lines or none, never over-committed.

Each line is converted to the programme's currency (`rates`) and both amounts are kept. Creating a
commitment is the hot path under concurrency, so the balance rows are locked as late as possible: the
reference data is checked from the in-process copy (`references`), then, once the answer is known, the
INSERTs of the commitment, its lines and its ledger entries, the idempotency answer and last one
conditional UPDATE per fund in fund order (`committed += x` only where `available >= x`), which takes
the row lock held to the commit (`repository.finish_commitment`: on PostgreSQL one
statement when the commitment takes one fund). No row updated means no room: the transaction rolls back
and the 409 names what is available. Reading and listing commitments is `reads.py`; releases and
payments against one are in `releases.py`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget.commitments import repository as writes
from services.budget.commitments.reads import commitment_view
from services.budget.commitments.references import Snapshot
from services.budget.errors import (
    CommitmentExists,
    ProjectCommitmentByApplicationOnly,
    ReserveNotCommittable,
)
from services.budget.ledger import entries as ledger_entries
from services.budget.ledger.balances import insufficient
from services.budget.programmes import unknown
from services.budget.rates.conversion import Conversion, month_of, to_programme_currency
from shared.auth import Principal
from shared.clients.catalogue import CatalogueClient
from shared.idempotency import Recording
from shared.money import Money
from shared.problems import FieldError, Unprocessable
from shared.schemas import budget as wire


async def check_call(catalogue: CatalogueClient, body: wire.CommitmentRequest) -> None:
    """A commitment naming a call names one the catalogue has, of the same programme (422 otherwise)."""
    if body.call_id is None:
        return
    call = await catalogue.call(body.call_id)
    if call is None or call.programme != body.programme:
        why = "the catalogue has no such call" if call is None else f"a call of {call.programme}"
        raise unknown("call_id", f"call {body.call_id}: {why}")


@dataclass(frozen=True)
class Prepared:
    """A commitment checked and answered but not (or not wholly) written: `take_room` must run before the
    commit, as the transaction's last statements, given the idempotency answer's `Recording`: it writes
    the commitment (unless written already: an application version's, under its savepoint), records the
    answer and takes the balances, so the balance rows are locked only from there to the commit. It raises
    the 409 (and the transaction rolls back) when a fund lacks room. An existing commitment asked again
    has no `take_room`."""

    commitment: wire.Commitment
    created: bool
    take_room: Callable[[Recording], Awaitable[None]] | None = None


async def create_commitment(
    session: AsyncSession,
    body: wire.CommitmentRequest,
    *,
    caller: Principal,
    application_services: Sequence[str],
    now: dt.datetime,
    rate_zone: ZoneInfo,
    references: Snapshot,
) -> Prepared:
    """Commit all lines or none; 409 naming fund, priority, asked and available when a fund lacks room
    (raised by `Prepared.take_room`). Returns the commitment and whether it is made now: an application
    version that already has an active commitment gets that one back, whoever asks (its business key)."""
    funds = sorted({ln.fund for ln in body.lines})
    ref = references.reference(body.programme, body.priority, body.specific_objective, funds)
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
    if ref.funds_projects:
        _require_application(body, caller, application_services)
    code, currency = body.programme, ref.currency
    month = month_of(now, rate_zone)
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

    if body.application_version is not None:
        existing = await repo.active_commitment_of(session, code, body.application_id, body.application_version)
        if existing is not None:
            lines = (await repo.lines(session, [existing.id]))[existing.id]
            return Prepared(_same_commitment(existing, lines, body), created=False)

    commitment_id = uuid.uuid4()
    document = {
        "id": commitment_id,
        "programme": code,
        "application_id": body.application_id,
        "application_version": body.application_version,
        "priority": body.priority,
        "specific_objective": body.specific_objective,
        "call_id": body.call_id,
        "reference": body.reference,
        "currency": currency,
        "status": "active",
        "month": month,
        "created_by": caller.sub,
        "created_at": now,
    }
    line_rows = [
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
    ]
    entries = [
        ledger_entries.entry(
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
            actor=caller.sub,
            now=now,
            month=month,
        )
        for line, conv in zip(body.lines, conversions, strict=True)
    ]
    inserts: writes.Inserts | None = (document, line_rows, entries)
    if body.application_version is not None:
        inserts = None
        try:
            async with session.begin_nested():
                await writes.insert_commitment(session, document, line_rows, entries)
        except IntegrityError:
            # The same version committed concurrently (the active-version index): that one is the answer.
            existing = await repo.active_commitment_of(session, code, body.application_id, body.application_version)
            if existing is None:
                raise
            lines = (await repo.lines(session, [existing.id]))[existing.id]
            return Prepared(_same_commitment(existing, lines, body), created=False)

    async def take_room(recording: Recording) -> None:
        # The inserts (unless made above), the answer, then each fund only if it has room; the balance
        # rows stay locked from here to the commit, reached in arrival order (`finish_commitment`).
        short = await writes.finish_commitment(session, inserts, recording, code, body.priority, needed)
        if short is not None:
            available = await repo.available(session, code, body.priority, short)
            raise insufficient(
                short, body.priority, needed[short], available, currency, field=f"lines.{first_line[short]}.amount"
            )

    zero = Money.zero(currency)
    made = wire.Commitment(
        id=commitment_id,
        programme=code,
        application_id=body.application_id,
        application_version=body.application_version,
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
                held=zero,
            )
            for line, conv in zip(body.lines, conversions, strict=True)
        ],
    )
    return Prepared(made, created=True, take_room=take_room)


def _require_application(body: wire.CommitmentRequest, caller: Principal, services: Sequence[str]) -> None:
    """A priority with specific objectives funds projects: its commitments are made for an approved
    application version, by the applications service's own credentials (the call, when named, is
    checked against the catalogue by `check_call`)."""
    if caller.sub not in services:
        raise ProjectCommitmentByApplicationOnly(
            f"priority {body.priority} funds projects: its money is committed when an officer approves the "
            "application in the applications service, which then asks the budget itself; an officer may "
            "commit directly only on a priority without specific objectives (technical assistance)"
        )
    if body.application_version is None:
        raise Unprocessable(
            "a project commitment names the approved application version",
            errors=[FieldError(field="application_version", message="required on a priority with specific objectives")],
        )


def _same_commitment(c: m.Commitment, lines: list[m.CommitmentLine], body: wire.CommitmentRequest) -> wire.Commitment:
    """The existing commitment of the application version; 409 if it was made for other amounts."""
    asked = sorted((ln.fund, ln.amount.currency, ln.amount.amount) for ln in body.lines)
    held = sorted((ln.fund, ln.currency, ln.amount) for ln in lines)
    if asked != held:
        raise CommitmentExists(
            f"application {c.application_id} version {c.application_version} already has the active "
            f"commitment {c.id} with other amounts",
            commitment=str(c.id),
        )
    return commitment_view(c, lines)
