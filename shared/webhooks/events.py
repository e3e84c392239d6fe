"""CloudEvents 1.0 written in the transaction of the change they report (see the package docstring).

A service's app puts its `Emitter` on every session of its database (`install`), so a domain function
emits with only its session: `await emit(session, type=…, subject=…, data=…, at=now)`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.outbox_records import Wake, enqueue
from shared.webhooks.tables import KIND, WebhookTables

SPECVERSION = "1.0"
TYPE_PREFIX = "se.interreg."
SESSION_KEY = "webhook_emitter"
SUBSCRIPTIONS_KEY = "webhook_subscriptions"


@dataclass(frozen=True)
class Emitter:
    """What every event of one service shares: where it comes from (`source`, the service's public URL,
    which starts each `link` too), its tables, and the wake-up of its webhook relay."""

    source: str
    tables: WebhookTables
    wake: Wake | None = None

    def link(self, path: str) -> str:
        return self.source.rstrip("/") + path


def install(db: Database, emitter: Emitter) -> None:
    """Every session of `db` (the requests', the relays') emits through `emitter`."""
    db.sessionmaker.configure(info={SESSION_KEY: emitter})


def emitter_of(session: AsyncSession) -> Emitter:
    emitter = session.info.get(SESSION_KEY)
    if not isinstance(emitter, Emitter):
        raise RuntimeError("this session has no webhook emitter: the app's setup calls shared.webhooks.events.install")
    return emitter


def cloud_event(emitter: Emitter, *, type: str, subject: str, data: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    return {
        "specversion": SPECVERSION,
        "id": str(uuid.uuid4()),
        "source": emitter.source,
        "type": type,
        "subject": subject,
        "time": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": data,
    }


def wants(event_types: list[str], type: str) -> bool:
    """A subscription's filter: the types it names (an empty list: every type)."""
    return not event_types or type in event_types


async def emit(
    session: AsyncSession, *, type: str, subject: str, data: dict[str, Any], at: dt.datetime
) -> dict[str, Any]:
    """Record the event for every active subscription that wants it, in the caller's transaction; the
    event. `data` is thin: ids, status and a `link` (`Emitter.link`), never personal data."""
    emitter = emitter_of(session)
    event = cloud_event(emitter, type=type, subject=subject, data=data, at=at)
    for row in await _active(session, emitter):
        if wants(list(row.event_types), type):
            await enqueue(
                session,
                emitter.tables.deliveries,
                kind=KIND,
                key=f"{row.id}:{event['id']}",
                aggregate=f"{row.id}/{subject}"[:100],
                payload={"subscription_id": row.id, "event": event},
                at=at,
                wake=emitter.wake,
            )
    return event


async def _active(session: AsyncSession, emitter: Emitter) -> list[Any]:
    """The active subscriptions (id, event types), read once per transaction: the events of a batch (the
    relay settles a burst of submissions in one transaction) share one read."""
    transaction = session.get_transaction()
    kept = session.info.get(SUBSCRIPTIONS_KEY)
    if kept is not None and kept[0] is transaction:
        rows: list[Any] = kept[1]
        return rows
    subs = emitter.tables.subscriptions
    rows = list((await session.execute(select(subs.c.id, subs.c.event_types).where(subs.c.active.is_(True)))).all())
    session.info[SUBSCRIPTIONS_KEY] = (transaction, rows)
    return rows
