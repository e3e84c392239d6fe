"""The events the budget emits (CloudEvents through `shared.webhooks`, the applications service's way):
`se.interreg.claim.paid` when a payment claim's payment is confirmed, in the transaction of its ledger
`payment`. Thin: ids, status, the amounts paid (the money is not personal data) and a `link`."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from shared.money import Money
from shared.webhooks.events import emit, emitter_of


class EventType(StrEnum):
    CLAIM_PAID = "se.interreg.claim.paid"


DESCRIPTIONS: dict[str, str] = {
    EventType.CLAIM_PAID: "a payment claim was paid: its payment confirmed by a second finance officer",
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
