"""Reading payment claims: one, a page of them (newest first), and how a claim is shown."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget.claims import repository as repo
from services.budget.errors import ClaimNotFound
from shared.money import Money
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.schemas import budget as wire


class ClaimsAfter(Keyset):
    """Keyset of `GET /v1/claims` (newest first)."""

    created_at: AwareDatetime
    id: uuid.UUID


def claim_view(c: m.PaymentClaim, programme_currency: str | None = None) -> wire.Claim:
    cur = c.currency
    paid = None
    if c.paid_programme is not None:
        paid = Money.of(c.paid_programme, programme_currency or cur)
    return wire.Claim(
        id=c.id,
        key=c.key,
        programme=c.programme,
        commitment_id=c.commitment_id,
        application_id=c.application_id,
        priority=c.priority,
        fund=c.fund,
        asked=Money.of(c.asked, cur),
        amount=Money.of(c.amount, cur),
        capped=c.amount < c.asked,
        certified=Money.of(c.certified, c.certified_currency),
        co_financing_rate=c.co_financing_rate,
        project_report_id=c.project_report_id,
        period=c.period,
        final=c.final,
        application_version=c.application_version,
        status=c.status,  # the CHECK constraint keeps it a ClaimStatus
        authorised_by=c.authorised_by,
        authorised_at=c.authorised_at,
        confirmed_by=c.confirmed_by,
        confirmed_at=c.confirmed_at,
        paid_programme=paid,
        deducted=Money.of(c.deducted, cur) if c.deducted else None,
        payable=Money.of(c.amount - c.deducted, cur) if c.deducted else None,
        created_at=c.created_at,
    )


async def programme_currencies(session: AsyncSession, claims: list[m.PaymentClaim]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code in {c.programme for c in claims if c.paid_programme is not None}:
        p = await session.get(m.BudgetProgramme, code)
        if p is not None:
            out[code] = p.currency
    return out


async def get_claim(session: AsyncSession, claim_id: uuid.UUID) -> wire.Claim:
    c = await repo.claim(session, claim_id)
    if c is None:
        raise ClaimNotFound(
            {
                "sv": f"inget utbetalningsanspråk {claim_id}",
                "nb": f"ikke noe utbetalingskrav {claim_id}",
                "en": f"no payment claim {claim_id}",
            }
        )
    return claim_view(c, (await programme_currencies(session, [c])).get(c.programme))


async def list_claims(
    session: AsyncSession,
    params: PageParams,
    *,
    programme: str | None,
    commitment_id: uuid.UUID | None,
    status: str | None,
    fund: str | None,
) -> Page[wire.Claim]:
    """Newest first, filtered by programme, commitment, status and/or fund."""
    after = params.after(ClaimsAfter)
    rows = list(
        await repo.claims(
            session,
            programme=programme,
            commitment_id=commitment_id,
            status=status,
            fund=fund,
            # Stored instants are UTC (SQLite keeps their wall time only), so the keyset is compared in UTC.
            after=(after.created_at.astimezone(dt.UTC), after.id) if after else None,
            limit=params.limit + 1,
        )
    )
    currencies = await programme_currencies(session, rows)
    return paginate(
        [claim_view(c, currencies.get(c.programme)) for c in rows],
        params,
        lambda c: ClaimsAfter(created_at=c.created_at, id=c.id),
    )
