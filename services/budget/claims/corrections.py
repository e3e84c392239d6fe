"""Financial corrections of paid claims: set off against the next claim, or recovered from the owner.

An officer records a correction on a **paid** claim: the amount found ineligible, in the claim's currency
(at most what the claim paid beside its other corrections: 422 naming `amount`), its typology, its origin
(first-level control, audit, the Commission), flags (fraud suspected, …), and its effect:

- `next-claim`: the correction is `open` until the next claim on the same commitment and fund is made;
  that claim's `deducted` holds it (`set-off`; oldest first, each wholly, while the deductions stay below
  what the claim asks, else it waits for a later claim), so the claim pays `amount − deducted`; what the
  set-off takes back is room again, so the claim's amount may exceed what remained by its deductions. Its
  confirmation posts, beside its `payment`, one `correction` entry (minus the correction) per correction
  set off, which become `settled`: paid falls by exactly the corrections.
- `recovery`: a recovery order with a due date; `settled` when the money comes back (`POST
  …/settlement`), which posts one `recovery` entry (minus the correction) on `paid`. The money is given
  back to the commitment (what remains to claim rises by it; on a released commitment it is released as
  well, so the fund's available figure rises). It frees money, so four eyes: another person than the
  officer who recorded it settles it (403 `four-eyes-settlement`).

In the programme's currency a correction counts at its claim's own proportion (`paid_programme ÷ amount`),
rounded once (`shared.money.round_minor`), so a correction of a whole claim takes back exactly what it
paid. Every correction is settled by the one ledger entry naming it (`ledger_entries.correction_id`,
unique); the reconciler compares the ledger's payments net of corrections with the claims' net of theirs.

Events (`services/budget/events.py`): `se.interreg.correction.recorded` at `record`, and
`se.interreg.correction.settled` at a set-off's settlement (the payment of its claim) and at a recovery's,
each in the transaction of its change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import events
from services.budget import models as m
from services.budget import repository as budget_repo
from services.budget.claims import repository as repo
from services.budget.commitments.reads import locked_commitment, status_of
from services.budget.errors import ClaimNotFound, CorrectionNotFound, CorrectionState, SamePersonSettles
from services.budget.ledger import entries as ledger_entries
from services.budget.rates.conversion import Conversion, month_of
from shared.money import Money, round_minor
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.problems import FieldError, Unprocessable
from shared.schemas import budget as wire


class CorrectionsAfter(Keyset):
    """Keyset of `GET /v1/corrections` (newest first)."""

    recorded_at: AwareDatetime
    id: uuid.UUID


def correction_view(c: m.Correction, programme_currency: str) -> wire.Correction:
    return wire.Correction(
        id=c.id,
        programme=c.programme,
        commitment_id=c.commitment_id,
        claim_id=c.claim_id,
        application_id=c.application_id,
        fund=c.fund,
        amount=Money.of(c.amount, c.currency),
        amount_programme=Money.of(c.amount_programme, programme_currency),
        typology=c.typology,
        origin=c.origin,  # the CHECK constraints keep origin, effect and status known
        flags=list(c.flags),
        description=c.description,
        effect=c.effect,
        due_date=c.due_date,
        status=c.status,
        set_off_claim_id=c.set_off_claim_id,
        recorded_by=c.recorded_by,
        recorded_at=c.recorded_at,
        settled_by=c.settled_by,
        settled_at=c.settled_at,
        received_on=c.received_on,
        reference=c.reference,
    )


def _invalid(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, errors=[FieldError(field=field, message=message)])


def in_programme(
    claim: m.PaymentClaim, amount: Decimal, earlier: Sequence[m.Correction], programme_currency: str
) -> Decimal:
    """A part of a paid claim in the programme's currency, at the claim's own proportion, rounded once; the
    part that completes the claim's corrections is what its payment posted less the `earlier` ones, so the
    corrections of a whole claim take back exactly what it paid, whatever their rounding."""
    paid = claim.paid_programme or Decimal(0)
    if sum((c.amount for c in earlier), amount) == claim.amount:
        return paid - sum((c.amount_programme for c in earlier), Decimal(0))
    return round_minor(amount * paid / claim.amount, programme_currency)


async def record(
    session: AsyncSession, claim_id: uuid.UUID, body: wire.CorrectionRequest, *, actor: str, now: dt.datetime
) -> wire.Correction:
    """A correction of a paid claim (201); 409 `correction-state` for a claim not paid (or a set-off on a
    released commitment, which no claim follows), 422 for an amount
    beyond what the claim paid beside its other corrections, a currency not the claim's, or a due date
    missing on a recovery (or given on a set-off)."""
    found = await repo.claim(session, claim_id)
    if found is None:
        raise ClaimNotFound(f"no payment claim {claim_id}")
    commitment, _ = await locked_commitment(session, found.commitment_id)
    claim = await repo.claim(session, claim_id, lock=True)
    assert claim is not None  # claims are never deleted
    if claim.status != "paid":
        raise CorrectionState(
            f"claim {claim.id} is {claim.status}: only a paid claim can be corrected",
            state=claim.status,
            claim_id=str(claim.id),
        )
    if body.amount.currency != claim.currency:
        raise _invalid("amount.currency", f"a correction of claim {claim.id} is in its currency {claim.currency}")
    if body.effect == "recovery" and body.due_date is None:
        raise _invalid("due_date", "a recovery order needs its due date")
    if body.effect == "next-claim" and body.due_date is not None:
        raise _invalid("due_date", "only a recovery order has a due date")
    if body.effect == "next-claim" and commitment.status == "released":
        raise CorrectionState(
            f"commitment {commitment.id} is released: no claim follows to set a correction off against; "
            "order its recovery",
            state=commitment.status,
            claim_id=str(claim.id),
        )
    earlier = await repo.corrections_of_claim(session, claim.id)
    corrected = sum((c.amount for c in earlier), Decimal(0))
    left = claim.amount - corrected
    if body.amount.amount > left:
        raise _invalid(
            "amount",
            f"claim {claim.id} paid {claim.amount} {claim.currency}, {corrected} {claim.currency} of it corrected "
            f"already: at most {left} {claim.currency} can be corrected",
        )
    correction = m.Correction(
        id=uuid.uuid4(),
        programme=claim.programme,
        commitment_id=claim.commitment_id,
        claim_id=claim.id,
        application_id=claim.application_id,
        fund=claim.fund,
        currency=claim.currency,
        amount=body.amount.amount,
        amount_programme=in_programme(claim, body.amount.amount, earlier, commitment.currency),
        typology=body.typology,
        origin=body.origin,
        flags=sorted(set(body.flags)),
        description=body.description,
        effect=body.effect,
        due_date=body.due_date,
        status="open",
        recorded_by=actor,
        recorded_at=now,
    )
    if correction.amount_programme <= 0:
        raise _invalid("amount", "the correction is less than a cent in the programme's currency")
    budget_repo.add(session, correction)
    await events.correction(session, correction, Money.of(correction.amount_programme, commitment.currency), at=now)
    await session.flush()
    return correction_view(correction, commitment.currency)


async def take_set_offs(session: AsyncSession, claim: m.PaymentClaim, free: Decimal) -> None:
    """At a claim's making, under its commitment's lock: the open corrections of its commitment and fund it
    sets off (oldest first, each wholly, while the deductions stay below what it asks). What they take back
    is room on the line again, so the claim's amount is what it asks capped by `free` (what remained to
    claim) plus its deductions: it pays at most `free`."""
    total = Decimal(0)
    for c in await repo.open_set_offs(session, claim.commitment_id, claim.fund, claim.currency):
        if total + c.amount < claim.asked:
            total += c.amount
            c.status, c.set_off_claim_id = "set-off", claim.id
    claim.deducted = total
    claim.amount = min(claim.asked, free + total)


def _entry(
    kind: ledger_entries.Kind,
    commitment: m.Commitment,
    c: m.Correction,
    amount: Decimal,
    reason: str,
    *,
    actor: str,
    now: dt.datetime,
    month: str,
) -> dict[str, Any]:
    """A ledger entry of a correction's settlement (`amount` signed, in the programme's currency)."""
    original = Money.of(-c.amount if amount < 0 else c.amount, c.currency)
    made = ledger_entries.entry(
        kind=kind,
        programme=commitment.programme,
        fund=c.fund,
        priority=commitment.priority,
        amount=amount,
        currency=commitment.currency,
        original=original,
        conversion=Conversion(amount, None, "identity" if c.currency == commitment.currency else "claim-proportion"),
        commitment_id=commitment.id,
        specific_objective=commitment.specific_objective,
        call_id=commitment.call_id,
        reason=reason,
        actor=actor,
        now=now,
        month=month,
    )
    return {**made, "claim_id": None, "correction_id": c.id if kind != "release" else None}


async def settle_set_offs(
    session: AsyncSession,
    claim: m.PaymentClaim,
    commitment: m.Commitment,
    *,
    actor: str,
    now: dt.datetime,
    month: str,
) -> tuple[Decimal, list[dict[str, Any]]]:
    """At a claim's payment: its set-off corrections settled; (their total in the programme's currency,
    their `correction` ledger entries)."""
    total, out = Decimal(0), []
    for c in await repo.set_off_against(session, claim.id):
        total += c.amount_programme
        reason = f"correction {c.id} ({c.typology}, {c.origin}) of claim {c.claim_id} set off on claim {claim.key}"
        out.append(_entry("correction", commitment, c, -c.amount_programme, reason, actor=actor, now=now, month=month))
        c.status, c.settled_by, c.settled_at = "settled", actor, now
        await events.correction(session, c, Money.of(c.amount_programme, commitment.currency), at=now)
    return total, out


def _give_back(lines: Sequence[m.CommitmentLine], c: m.Correction) -> None:
    """What came back leaves the paid of the fund's lines (last line first)."""
    left = c.amount_programme
    for ln in reversed([ln for ln in lines if ln.fund == c.fund and ln.currency == c.currency]):
        part = min(ln.paid, left)
        ln.paid -= part
        left -= part
    if left > 0:  # the lines paid less than the correction: only when their payments were corrected otherwise
        raise CorrectionState(
            f"the lines of {c.fund} on commitment {c.commitment_id} paid less than correction {c.id}",
            state=c.status,
            correction_id=str(c.id),
        )


async def settle(
    session: AsyncSession,
    correction_id: uuid.UUID,
    body: wire.SettlementRequest,
    *,
    actor: str,
    now: dt.datetime,
    rate_zone: ZoneInfo,
) -> wire.Correction:
    """An open recovery order settled: the money came back (another person than its recorder)."""
    found = await repo.correction(session, correction_id)
    if found is None:
        raise CorrectionNotFound(f"no correction {correction_id}")
    commitment, lines = await locked_commitment(session, found.commitment_id)
    c = await repo.correction(session, correction_id, lock=True)
    assert c is not None  # corrections are never deleted
    if c.effect != "recovery" or c.status != "open":
        raise CorrectionState(
            f"correction {c.id} is a {c.effect} correction that is {c.status}: only an open recovery order is "
            "settled by the money coming back",
            state=c.status,
            correction_id=str(c.id),
        )
    if c.recorded_by == actor:
        raise SamePersonSettles(
            f"correction {c.id} was recorded by {actor}: another person settles its recovery", correction_id=str(c.id)
        )
    was_released = commitment.status == "released"
    _give_back(lines, c)
    month = month_of(now, rate_zone)
    reason = f"recovery of correction {c.id} ({c.typology}, {c.origin}) of claim {c.claim_id}"
    entries = [_entry("recovery", commitment, c, -c.amount_programme, reason, actor=actor, now=now, month=month)]
    balances = await budget_repo.lock_balances(session, commitment.programme, [(c.fund, commitment.priority)])
    balance = balances[(c.fund, commitment.priority)]
    balance.paid -= c.amount_programme
    balance.recovered += c.amount_programme
    if was_released:  # nothing may remain on a released commitment: what came back is released too
        left = c.amount_programme
        for ln in [ln for ln in lines if ln.fund == c.fund and ln.currency == c.currency]:
            part = min(ln.remaining, left)
            ln.released += part
            left -= part
        balance.released += c.amount_programme
        entries.append(
            _entry(
                "release",
                commitment,
                c,
                c.amount_programme,
                f"{reason}: the commitment is released",
                actor=actor,
                now=now,
                month=month,
            )
        )
    await budget_repo.append_ledger(session, entries)
    c.status, c.settled_by, c.settled_at = "settled", actor, now
    c.received_on, c.reference = body.received_on, body.reference
    commitment.status = status_of(lines)
    await events.correction(session, c, Money.of(c.amount_programme, commitment.currency), at=now)
    await session.flush()
    return correction_view(c, commitment.currency)


async def _programme_currency(session: AsyncSession, programme: str) -> str:
    p = await budget_repo.programme(session, programme)
    assert p is not None  # a correction's programme is the synced programme of its commitment
    return p.currency


async def get(session: AsyncSession, correction_id: uuid.UUID) -> wire.Correction:
    c = await repo.correction(session, correction_id)
    if c is None:
        raise CorrectionNotFound(f"no correction {correction_id}")
    return correction_view(c, await _programme_currency(session, c.programme))


async def list_corrections(
    session: AsyncSession,
    params: PageParams,
    *,
    commitment_id: uuid.UUID | None,
    claim_id: uuid.UUID | None,
    status: str | None,
) -> Page[wire.Correction]:
    """Newest first, filtered by commitment, corrected claim and/or status."""
    after = params.after(CorrectionsAfter)
    rows = list(
        await repo.corrections(
            session,
            commitment_id=commitment_id,
            claim_id=claim_id,
            status=status,
            after=(after.recorded_at.astimezone(dt.UTC), after.id) if after else None,
            limit=params.limit + 1,
        )
    )
    currencies = {code: await _programme_currency(session, code) for code in {r.programme for r in rows}}
    return paginate(
        [correction_view(c, currencies[c.programme]) for c in rows],
        params,
        lambda c: CorrectionsAfter(recorded_at=c.recorded_at, id=c.id),
    )
