"""The outbox's table (`shared.outbox`) and how a message is recorded in it: one definition of the table,
used by the services' models and by the migrations that made it, and `enqueue`, called in the
transaction of the change that owes the message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import UTCDateTime
from shared.observability import current_request_id, current_traceparent

OUTBOX_TABLE = "outbox"


def _columns(name: str = OUTBOX_TABLE) -> list[Any]:
    """The table as its first migration created it (kept as it was: that migration calls this)."""
    return [
        Column("id", BigInteger().with_variant(Integer, "sqlite"), autoincrement=True, nullable=False),
        Column("kind", String(40), nullable=False),
        Column("key", String(200), nullable=False),
        Column("aggregate", String(100), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("request_id", String(128), nullable=True),
        Column("traceparent", String(128), nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("available_at", UTCDateTime(), nullable=False),
        Column("claimed_until", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False),
        Column("last_error", Text, nullable=True),
        Column("delivered_at", UTCDateTime(), nullable=True),
        Column("outcome", String(20), nullable=True),
        PrimaryKeyConstraint("id", name=f"pk_{name}"),
        UniqueConstraint("key", name=f"uq_{name}_key"),
        Index(f"ix_{name}_pending", "delivered_at", "aggregate", "id"),
    ]


def _dead_letter_columns() -> list[Any]:  # added by the dead-letter migration (`add_dead_letter_columns`)
    return [Column(n, UTCDateTime(), nullable=True) for n in ("dead_at", "replayed_at")] + [
        Column("replayed_by", String(200), nullable=True)
    ]


def outbox_columns(name: str) -> list[Any]:
    """Every column of an outbox-shaped table `name` as it stands now (a new table's migration: webhooks)."""
    return [*_columns(name), *_dead_letter_columns()]


def outbox_table(md: MetaData, name: str = OUTBOX_TABLE) -> Table:
    """The service's outbox, in the service's metadata (`models.py`)."""
    return Table(name, md, *outbox_columns(name))


def add_dead_letter_columns(op: Any) -> None:
    """The migration step that adds `dead_at`, `replayed_at` and `replayed_by` (`op` is `alembic.op`)."""
    with op.batch_alter_table(OUTBOX_TABLE) as batch:
        [batch.add_column(column) for column in _dead_letter_columns()]


def drop_dead_letter_columns(op: Any) -> None:
    with op.batch_alter_table(OUTBOX_TABLE) as batch:
        [batch.drop_column(column.name) for column in _dead_letter_columns()]


def create_outbox_table(op: Any) -> None:
    """The migration step that creates the table from this one definition (`op` is `alembic.op`)."""
    op.create_table(OUTBOX_TABLE, *_columns())


def drop_outbox_table(op: Any) -> None:
    op.drop_table(OUTBOX_TABLE)


Wake = Callable[[], None]
"""What a request calls (after its commit) to have the relay look for work at once."""


async def enqueue(
    session: AsyncSession,
    table: Table,
    *,
    kind: str,
    key: str,
    aggregate: str,
    payload: dict[str, Any],
    at: dt.datetime,
    wake: Wake | None = None,
) -> bool:
    """Record a message in the caller's transaction (False: its key is already recorded, nothing added).
    `wake` is called once the transaction commits."""
    found = (await session.execute(select(table.c.id).where(table.c.key == key))).first()
    if found is not None:
        return False
    request_id, traceparent = current_request_id(), current_traceparent()
    await session.execute(
        table.insert().values(
            kind=kind,
            key=key,
            aggregate=aggregate,
            payload=payload,
            request_id=request_id,
            traceparent=traceparent,
            created_at=at,
            available_at=at,
            attempts=0,
        )
    )
    if wake is not None:
        event.listen(session.sync_session, "after_commit", lambda _s: wake(), once=True)
    return True
