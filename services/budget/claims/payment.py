"""Authorising and confirming a claim's payment: four eyes, and paid exactly once.

A finance officer authorises a submitted claim; a different one (another `sub`: 403 otherwise) confirms
it, which posts the one `payment` ledger entry naming the claim against the project's commitment, in the
same transaction as the claim becomes `paid`, and one `correction` entry (negative) per correction of an
earlier claim set off against it (`corrections.settle_set_offs`): paid rises by `amount − deducted`. The claim is converted to the programme's currency as
every payment is (the programme's fixed rate, else the month's: `rates.conversion`), and never for more
than remains on its lines: a claim that empties its line pays exactly the line's programme remainder (no
cent left or overdrawn by the rounding of earlier claims), any other claim at most what remains beside
what the other unpaid claims hold (a claim's amount is held for it from the moment it is made).

Concurrency: a confirmation locks the commitment row first (as every writer on an existing commitment
does), then the claim row, then the balance rows (`repository.lock_balances`); two confirmations on one
commitment take turns, and the second sees what the first paid. A second confirmation of a paid claim is
a 409 naming its state; `ledger_entries.claim_id` is unique, so no path pays one claim twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import events
from services.budget import models as m
from services.budget import repository as budget_repo
from services.budget.claims import corrections
from services.budget.claims import repository as repo
from services.budget.claims.reads import claim_view
from services.budget.claims.room import Room, room
from services.budget.commitments.reads import locked_commitment, status_of
from services.budget.errors import ClaimNotFound, ClaimState, NothingToClaim, SamePersonConfirms
from services.budget.ledger import entries as ledger_entries
from services.budget.rates.conversion import Conversion, month_of, to_programme_currency
from shared.money import Money
from shared.schemas import budget as wire


def _wrong_state(c: m.PaymentClaim, step: str, needs: str) -> ClaimState:
    return ClaimState(
        f"claim {c.id} is {c.status}: only a {needs} claim can be {step}", state=c.status, claim_id=str(c.id)
    )


async def _claim(session: AsyncSession, claim_id: uuid.UUID, *, lock: bool = False) -> m.PaymentClaim:
    c = await repo.claim(session, claim_id, lock=lock)
    if c is None:
        raise ClaimNotFound(
            {
                "sv": f"inget utbetalningsanspråk {claim_id}",
                "nb": f"ikke noe utbetalingskrav {claim_id}",
                "en": f"no payment claim {claim_id}",
            }
        )
    return c


async def authorise(session: AsyncSession, claim_id: uuid.UUID, *, actor: str, now: dt.datetime) -> wire.Claim:
    """submitted → authorised, recording who and when; 409 naming the state otherwise."""
    c = await _claim(session, claim_id, lock=True)
    if c.status != "submitted":
        raise _wrong_state(c, "authorised", "submitted")
    c.status, c.authorised_by, c.authorised_at = "authorised", actor, now
    await session.flush()
    return claim_view(c)


def _payment(c: m.PaymentClaim, r: Room, converted: Conversion, offset: Decimal) -> Decimal:
    """What confirming `c` pays in the programme's currency, given its room without it (`r`).

    Its amount was held for it when it was made (no release, no other claim takes a hold), so the limit
    is the line's programme remainder beside the other claims' holds. A claim that takes all that is
    left of its line at the rate it was committed at (identity or the programme's fixed rate) pays
    exactly that remainder: the cents the rounding of earlier payments left, or overdrew, are settled.
    The corrections set off against it (`offset`, in the programme's currency) give room back first: it
    pays its amount less them, so the limits are raised by them."""
    if r.held == 0 and c.amount - c.deducted >= r.free and converted.source != "monthly":
        return r.remaining_programme + offset
    return min(converted.amount, r.remaining_programme - r.held_programme + offset)


async def confirm(
    session: AsyncSession, claim_id: uuid.UUID, *, actor: str, now: dt.datetime, rate_zone: ZoneInfo
) -> wire.Claim:
    """authorised → paid by another person than the authoriser: the one `payment` ledger entry."""
    first = await _claim(session, claim_id)
    commitment, lines = await locked_commitment(session, first.commitment_id)
    c = await _claim(session, claim_id, lock=True)
    if c.status != "authorised":
        raise _wrong_state(c, "confirmed", "authorised")
    if c.authorised_by == actor:
        raise SamePersonConfirms(
            f"claim {c.id} was authorised by {actor}: another finance officer confirms its payment",
            claim_id=str(c.id),
        )
    r = room(
        c.fund, c.currency, commitment.currency, lines, await repo.claims_of(session, commitment.id), leaving_out=c
    )
    month = month_of(now, rate_zone)
    original = Money.of(c.amount, c.currency)
    converted = await to_programme_currency(
        session, commitment.programme, commitment.currency, original, month, "amount.currency"
    )
    offset, set_off = await corrections.settle_set_offs(session, c, commitment, actor=actor, now=now, month=month)
    pay = _payment(c, r, converted, offset)
    if pay <= 0:
        raise NothingToClaim(
            f"claim {c.id} asks {original} but nothing remains on its line beside the other claims' holds",
            commitment=str(commitment.id),
            fund=c.fund,
            asked=original,
            available=Money.of(r.free, c.currency),
        )
    if pay - offset <= 0:
        raise NothingToClaim(
            f"claim {c.id} pays {pay} {commitment.currency}, no more than the corrections set off against it",
            commitment=str(commitment.id),
            fund=c.fund,
            asked=original,
            available=Money.of(r.free, c.currency),
        )
    left = pay - offset
    for ln in r.lines:
        part = min(ln.remaining, left)
        if part > 0:
            ln.paid += part
            left -= part
    balances = await budget_repo.lock_balances(session, commitment.programme, [(c.fund, commitment.priority)])
    balance = balances[(c.fund, commitment.priority)]
    balance.paid += pay - offset
    balance.corrected += offset
    entry = ledger_entries.entry(
        kind="payment",
        programme=commitment.programme,
        fund=c.fund,
        priority=commitment.priority,
        amount=pay,
        currency=commitment.currency,
        original=original,
        conversion=Conversion(pay, converted.rate, converted.source),
        commitment_id=commitment.id,
        specific_objective=commitment.specific_objective,
        call_id=commitment.call_id,
        reason=f"payment claim {c.key} (period {c.period}{', final' if c.final else ''})",
        actor=actor,
        now=now,
        month=month,
    )
    await budget_repo.append_ledger(session, [{**entry, "claim_id": c.id, "correction_id": None}, *set_off])
    c.status, c.confirmed_by, c.confirmed_at, c.paid_programme = "paid", actor, now, pay
    commitment.status = status_of(lines)
    await events.claim_paid(session, c, Money.of(pay - offset, commitment.currency), at=now)
    await session.flush()
    return claim_view(c, commitment.currency)
