"""Subscriptions, their secrets and their delivery log: the admin API's work (`routes.py`), on the tables
of `tables.py`, in the request's transaction (only flushes)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.outbox import aware
from shared.outbox_admin import MessageState, state_filter, state_of
from shared.outbox_records import Wake
from shared.problems import FieldError, NotFound, Unprocessable
from shared.webhooks import destinations, signing
from shared.webhooks.delivery import valid_secrets
from shared.webhooks.tables import WebhookTables


class SubscriptionNotFound(NotFound):
    slug, title = "webhook-subscription-not-found", "No such webhook subscription"


class DeliveryNotFound(NotFound):
    slug, title = "webhook-delivery-not-found", "No such delivery of this subscription"


def check_types(event_types: Sequence[str], known: Sequence[str]) -> list[str]:
    """The filter as stored (each type once, in the order given); 422 naming each unknown type."""
    errors = [
        FieldError(field=f"event_types.{i}", message=f"unknown event type {t!r}; known: {', '.join(known)}")
        for i, t in enumerate(event_types)
        if t not in known
    ]
    if errors:
        raise Unprocessable("event_types names types this service does not emit", errors=errors)
    return list(dict.fromkeys(event_types))


def rotated_until(secrets: list[dict[str, Any]], at: dt.datetime) -> dt.datetime | None:
    """Until when a rotated-out secret still signs (None: only the current one does)."""
    ends = [dt.datetime.fromisoformat(s["expires_at"]) for s in secrets if s.get("expires_at")]
    later = [end for end in ends if end > at]
    return max(later) if later else None


async def create(
    session: AsyncSession,
    tables: WebhookTables,
    *,
    integrator: str,
    url: str,
    event_types: list[str],
    description: str | None,
    allowed: Sequence[str],
    by: str,
    at: dt.datetime,
) -> tuple[Any, str]:
    """A new active subscription and its secret (shown once, to the caller)."""
    destinations.check(url, allowed)
    secret = signing.new_secret()
    sub_id = str(uuid.uuid4())
    await session.execute(
        tables.subscriptions.insert().values(
            id=sub_id,
            integrator=integrator,
            url=url,
            event_types=event_types,
            description=description,
            active=True,
            disabled_reason=None,
            secrets=[{"secret": secret, "expires_at": None}],
            created_at=at,
            created_by=by,
            updated_at=at,
        )
    )
    return await get(session, tables, sub_id), secret


async def get(session: AsyncSession, tables: WebhookTables, sub_id: str, *, for_update: bool = False) -> Any:
    t = tables.subscriptions
    stmt = select(t).where(t.c.id == sub_id)
    row = (await session.execute(stmt.with_for_update() if for_update else stmt)).one_or_none()
    if row is None:
        raise SubscriptionNotFound(f"no webhook subscription {sub_id}")
    return row


async def page(
    session: AsyncSession, tables: WebhookTables, *, integrator: str | None, after: str | None, limit: int
) -> list[Any]:
    t = tables.subscriptions
    stmt = select(t).order_by(t.c.id).limit(limit)
    if integrator is not None:
        stmt = stmt.where(t.c.integrator == integrator)
    if after is not None:
        stmt = stmt.where(t.c.id > after)
    return list((await session.execute(stmt)).all())


async def change(
    session: AsyncSession,
    tables: WebhookTables,
    sub_id: str,
    values: dict[str, Any],
    *,
    allowed: Sequence[str],
    at: dt.datetime,
) -> Any:
    """Change what `values` names (`url`, `event_types`, `description`, `active`); re-activating clears
    the reason it was disabled."""
    await get(session, tables, sub_id, for_update=True)
    if "url" in values:
        destinations.check(values["url"], allowed)
    if values.get("active") is True:
        values["disabled_reason"] = None
    t = tables.subscriptions
    await session.execute(update(t).where(t.c.id == sub_id).values(**values, updated_at=at))
    return await get(session, tables, sub_id)


async def remove(session: AsyncSession, tables: WebhookTables, sub_id: str) -> None:
    """The subscription, its deliveries not yet made and its log are deleted."""
    await get(session, tables, sub_id, for_update=True)
    d, a = tables.deliveries, tables.attempts
    await session.execute(delete(a).where(a.c.subscription_id == sub_id))
    await session.execute(delete(d).where(d.c.aggregate.startswith(f"{sub_id}/")))
    await session.execute(delete(tables.subscriptions).where(tables.subscriptions.c.id == sub_id))


async def rotate(
    session: AsyncSession, tables: WebhookTables, sub_id: str, *, keep_old_seconds: int, at: dt.datetime
) -> tuple[Any, str]:
    """A new current secret; the previous ones still sign for `keep_old_seconds` (each at most until its
    own end), so deliveries carry two signatures meanwhile. The new secret is returned once."""
    sub = await get(session, tables, sub_id, for_update=True)
    until = at + dt.timedelta(seconds=keep_old_seconds)
    kept = []
    for old in sub.secrets:
        if old["secret"] not in valid_secrets([old], at):
            continue
        end = dt.datetime.fromisoformat(old["expires_at"]) if old.get("expires_at") else until
        kept.append({"secret": old["secret"], "expires_at": min(end, until).isoformat()})
    secret = signing.new_secret()
    t = tables.subscriptions
    stored = [{"secret": secret, "expires_at": None}, *(k for k in kept if keep_old_seconds > 0)]
    await session.execute(update(t).where(t.c.id == sub_id).values(secrets=stored, updated_at=at))
    return await get(session, tables, sub_id), secret


async def deliveries(
    session: AsyncSession,
    tables: WebhookTables,
    sub_id: str,
    *,
    state: MessageState | None,
    after: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The subscription's deliveries by id (oldest first), each with its attempts."""
    await get(session, tables, sub_id)
    d = tables.deliveries
    stmt = select(d).where(d.c.aggregate.startswith(f"{sub_id}/")).order_by(d.c.id).limit(limit)
    if state is not None:
        stmt = stmt.where(state_filter(d, state))
    if after is not None:
        stmt = stmt.where(d.c.id > after)
    rows = (await session.execute(stmt)).all()
    a = tables.attempts
    log: dict[int, list[dict[str, Any]]] = {}
    if rows:
        found = select(a).where(a.c.delivery_id.in_([r.id for r in rows])).order_by(a.c.id)
        for at in (await session.execute(found)).all():
            log.setdefault(at.delivery_id, []).append(
                {"at": aware(at.at), "status_code": at.status_code, "outcome": at.outcome, "error": at.error}
            )
    return [_delivery(r, log.get(r.id, [])) for r in rows]


def _delivery(row: Any, attempts: list[dict[str, Any]]) -> dict[str, Any]:
    event = row.payload["event"]
    return {
        "id": row.id,
        "event_id": event["id"],
        "event_type": event["type"],
        "subject": event["subject"],
        "state": state_of(row),
        "attempts": attempts,
        "last_error": row.last_error,
        "created_at": aware(row.created_at),
        "next_attempt_at": aware(row.available_at) if row.delivered_at is None and row.dead_at is None else None,
        "delivered_at": aware(row.delivered_at),
        "dead_at": aware(row.dead_at),
        "outcome": row.outcome,
        "replayed_at": aware(row.replayed_at),
        "replayed_by": row.replayed_by,
        "event": event,
    }


async def delivery(session: AsyncSession, tables: WebhookTables, sub_id: str, delivery_id: int) -> dict[str, Any]:
    found = await deliveries(session, tables, sub_id, state=None, after=delivery_id - 1, limit=1)
    if not found or found[0]["id"] != delivery_id:
        raise DeliveryNotFound(f"subscription {sub_id} has no delivery {delivery_id}")
    return found[0]


async def replay(
    session: AsyncSession,
    tables: WebhookTables,
    sub_id: str,
    delivery_id: int,
    *,
    by: str,
    at: dt.datetime,
    wake: Wake | None,
) -> dict[str, Any]:
    """Send a delivery again, whatever its state (delivered, dead, failing): due now with fresh attempts,
    the same event and id (the receiver's idempotency key)."""
    await delivery(session, tables, sub_id, delivery_id)
    d = tables.deliveries
    await session.execute(
        update(d)
        .where(d.c.id == delivery_id)
        .values(
            delivered_at=None,
            outcome=None,
            dead_at=None,
            attempts=0,
            last_error=None,
            available_at=at,
            claimed_until=None,
            replayed_at=at,
            replayed_by=by,
        )
    )
    if wake is not None:
        event.listen(session.sync_session, "after_commit", lambda _s: wake(), once=True)
    return await delivery(session, tables, sub_id, delivery_id)
