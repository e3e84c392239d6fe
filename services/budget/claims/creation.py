"""Making a payment claim on a project's commitment, once per business key.

The applications service sends one claim per verified project report and fund (`key`). The claim's
`amount` is what the report asks, capped by what remains to claim on the commitment's line for the fund
(`room`), in the line's currency; the open corrections of earlier claims to set off against it are its
`deducted` (`corrections.take_set_offs`): it pays `amount − deducted`. The commitment row is locked while the room is read and the claim
written, so two claims on one commitment never take the same money; the key's unique index makes a
racing request with the same key find the first one's claim.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as budget_repo
from services.budget.claims import corrections
from services.budget.claims import repository as repo
from services.budget.claims.reads import claim_view
from services.budget.claims.room import room
from services.budget.commitments.reads import locked_commitment
from services.budget.errors import (
    ClaimExists,
    CommitmentReleased,
    NotAProjectCommitment,
    NothingToClaim,
    ProjectCommitmentByApplicationOnly,
)
from services.budget.programmes import unknown
from shared.money import Money
from shared.problems import FieldError, Unprocessable
from shared.schemas import budget as wire

RATE_DECIMALS = 10
"""Decimal places a co-financing rate is kept with (the column's scale)."""


@dataclass(frozen=True)
class Made:
    claim: wire.Claim
    created: bool


def _same_figures(c: m.PaymentClaim, body: wire.ClaimRequest) -> bool:
    return (
        c.commitment_id == body.commitment_id
        and c.fund == body.fund
        and (c.asked, c.currency) == (body.amount.amount, body.amount.currency)
        and (c.certified, c.certified_currency) == (body.certified.amount, body.certified.currency)
        and c.co_financing_rate == body.co_financing_rate
        and c.project_report_id == body.project_report_id
        and c.period == body.period
        and c.final == body.final
        and c.application_version == body.application_version
    )


def _existing(c: m.PaymentClaim, body: wire.ClaimRequest, programme_currency: str | None) -> Made:
    """The claim a key names already: the answer when asked again with its figures, else 409."""
    if not _same_figures(c, body):
        raise ClaimExists(
            f"the key {body.key!r} names claim {c.id} with other figures",
            claim_id=str(c.id),
            errors=[FieldError(field="key", message="already used for a claim with other figures")],
        )
    return Made(claim_view(c, programme_currency), created=False)


def _check_rate(rate: Decimal) -> None:
    if not Decimal(0) < rate <= Decimal(1) or rate != rate.quantize(Decimal(1).scaleb(-RATE_DECIMALS)):
        message = f"a share greater than 0 and at most 1, with at most {RATE_DECIMALS} decimals"
        raise Unprocessable(
            "the co-financing rate is not a share", errors=[FieldError(field="co_financing_rate", message=message)]
        )


async def _currency_of(session: AsyncSession, programme: str) -> str | None:
    p = await budget_repo.programme(session, programme)
    return p.currency if p is not None else None


async def create_claim(
    session: AsyncSession,
    body: wire.ClaimRequest,
    *,
    actor: str,
    application_services: Sequence[str],
    now: dt.datetime,
) -> Made:
    """The claim of `body.key`: made (capped by what remains), or the existing one when asked again."""
    if actor not in application_services:
        raise ProjectCommitmentByApplicationOnly(
            "payment claims come from the applications service, when the secretariat verifies a project report"
        )
    _check_rate(body.co_financing_rate)
    existing = await repo.claim_by_key(session, body.key)
    if existing is not None:
        return _existing(existing, body, await _currency_of(session, existing.programme))
    c, lines = await locked_commitment(session, body.commitment_id)
    existing = await repo.claim_by_key(session, body.key)  # made while this request waited for the lock
    if existing is not None:
        return _existing(existing, body, c.currency)
    if c.application_version is None:
        raise NotAProjectCommitment(
            f"commitment {c.id} is the secretariat's own (a priority without specific objectives): it is paid "
            "directly (POST /v1/commitments/{commitment_id}/payments), not through claims",
            commitment=str(c.id),
        )
    fund_lines = [ln for ln in lines if ln.fund == body.fund]
    if not fund_lines:
        raise unknown("fund", f"commitment {c.id} has no line for fund {body.fund!r}")
    currency = body.amount.currency
    if not any(ln.currency == currency for ln in fund_lines):
        want = " or ".join(sorted({ln.currency for ln in fund_lines}))
        message = f"{body.fund} is claimed in its line's currency {want}"
        raise Unprocessable(message, errors=[FieldError(field="amount.currency", message=f"must be {want}")])
    if c.status == "released":
        raise CommitmentReleased(f"commitment {c.id} is released: nothing remains to claim", commitment=str(c.id))
    r = room(body.fund, currency, c.currency, lines, await repo.claims_of(session, c.id))
    free = r.free
    if free <= 0:
        message = f"nothing remains to claim of {body.fund} on commitment {c.id} (paid, released or held by claims)"
        raise NothingToClaim(
            message,
            commitment=str(c.id),
            fund=body.fund,
            asked=body.amount,
            available=Money.of(Decimal(0), currency),
        )
    claim = m.PaymentClaim(
        id=uuid.uuid4(),
        key=body.key,
        programme=c.programme,
        commitment_id=c.id,
        application_id=c.application_id,
        priority=c.priority,
        fund=body.fund,
        currency=currency,
        asked=body.amount.amount,
        amount=min(body.amount.amount, free),  # with its set-offs, `take_set_offs` raises it by them
        certified=body.certified.amount,
        certified_currency=body.certified.currency,
        co_financing_rate=body.co_financing_rate,
        project_report_id=body.project_report_id,
        period=body.period,
        final=body.final,
        application_version=body.application_version,
        status="submitted",
        created_by=actor,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            budget_repo.add(session, claim)
            await corrections.take_set_offs(session, claim, free)
            await session.flush()
    except IntegrityError:
        # The same key claimed concurrently on another commitment (the key's unique index): that one answers.
        existing = await repo.claim_by_key(session, body.key)
        if existing is None:
            raise
        return _existing(existing, body, await _currency_of(session, existing.programme))
    return Made(claim_view(claim, c.currency), created=True)
