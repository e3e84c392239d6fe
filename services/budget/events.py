"""The events the budget emits (CloudEvents through `shared.webhooks`, the applications service's way):
`se.interreg.claim.paid` when a payment claim's payment is confirmed, in the transaction of its ledger
`payment`; `se.interreg.correction.recorded` when an officer corrects a paid claim and
`se.interreg.correction.settled` when the correction is set off (on the payment of the claim it is set
against) or its recovery comes back, in the transaction of its ledger entry. Thin: ids, status, the
amounts (the money is not personal data) and a `link`; never the correction's description."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from shared.money import Money
from shared.webhooks.events import emit, emitter_of


class EventType(StrEnum):
    CLAIM_PAID = "se.interreg.claim.paid"
    CORRECTION_RECORDED = "se.interreg.correction.recorded"
    CORRECTION_SETTLED = "se.interreg.correction.settled"


DESCRIPTIONS: dict[str, str] = {
    EventType.CLAIM_PAID: "a payment claim was paid: its payment confirmed by a second finance officer",
    EventType.CORRECTION_RECORDED: "an officer corrected a paid claim: set off against the next claim, or to be "
    "recovered from the owner by its due date",
    EventType.CORRECTION_SETTLED: "a correction was settled: set off on the payment of the claim it was set "
    "against, or its recovery came back (recorded by a second person)",
}
"""Every type with what it means (`GET /v1/webhooks/event-types`)."""


async def claim_paid(session: AsyncSession, claim: m.PaymentClaim, paid: Money, *, at: dt.datetime) -> None:
    link = emitter_of(session).link(f"/v1/claims/{claim.id}")
    data = {
        "id": str(claim.id),
        "key": claim.key,
        "status": claim.status,
        "programme": claim.programme,
        "application_id": claim.application_id,
        "project_report_id": claim.project_report_id,
        "fund": claim.fund,
        "period": claim.period,
        "final": claim.final,
        "amount": Money.of(claim.amount, claim.currency).model_dump(mode="json"),
        "paid": paid.model_dump(mode="json"),
        "link": link,
    }
    await emit(session, type=EventType.CLAIM_PAID, subject=f"claims/{claim.id}", data=data, at=at)


async def correction(session: AsyncSession, c: m.Correction, amount_programme: Money, *, at: dt.datetime) -> None:
    """`correction.recorded` for an open correction, `correction.settled` for a settled one."""
    kind = EventType.CORRECTION_SETTLED if c.status == "settled" else EventType.CORRECTION_RECORDED
    data = {
        "id": str(c.id),
        "status": c.status,
        "programme": c.programme,
        "application_id": c.application_id,
        "commitment_id": str(c.commitment_id),
        "claim_id": str(c.claim_id),
        "fund": c.fund,
        "effect": c.effect,
        "origin": c.origin,
        "typology": c.typology,
        "flags": list(c.flags),
        "amount": Money.of(c.amount, c.currency).model_dump(mode="json"),
        "amount_programme": amount_programme.model_dump(mode="json"),
        "due_date": c.due_date.isoformat() if c.due_date else None,
        "set_off_claim_id": str(c.set_off_claim_id) if c.set_off_claim_id else None,
        "link": emitter_of(session).link(f"/v1/corrections/{c.id}"),
    }
    await emit(session, type=kind, subject=f"corrections/{c.id}", data=data, at=at)
