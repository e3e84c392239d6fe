"""The three tables of a service's webhooks, defined once here for every service that emits events:

- `webhook_subscriptions`: who wants which event types where, with its secrets (newest first, each with
  the instant it stops being valid: null for the current one) — a secret must be kept to sign with it.
- `webhook_deliveries`: an outbox-shaped table (`shared.outbox`): one row per event and subscription,
  `kind` `webhook`, key `<subscription>:<event id>`, aggregate `<subscription>/<subject>` (the order kept),
  payload `{"subscription_id", "event"}` (the CloudEvent as it is sent).
- `webhook_attempts`: the delivery log: every attempt with its instant, the receiver's status code (or the
  error when there was no answer) and what came of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from shared.db import UTCDateTime
from shared.outbox_records import outbox_columns

SUBSCRIPTIONS, DELIVERIES, ATTEMPTS = "webhook_subscriptions", "webhook_deliveries", "webhook_attempts"
KIND = "webhook"
"""The one kind of message of the deliveries table."""


def _subscription_columns() -> list[Any]:
    return [
        Column("id", String(36), nullable=False),
        Column("integrator", String(200), nullable=False),
        Column("url", String(2000), nullable=False),
        Column("event_types", JSON, nullable=False),
        Column("description", String(500), nullable=True),
        Column("active", Boolean, nullable=False),
        Column("disabled_reason", String(500), nullable=True),
        Column("secrets", JSON, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("created_by", String(200), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        PrimaryKeyConstraint("id", name=f"pk_{SUBSCRIPTIONS}"),
        Index(f"ix_{SUBSCRIPTIONS}_integrator", "integrator", "id"),
    ]


def _attempt_columns() -> list[Any]:
    return [
        Column("id", BigInteger().with_variant(Integer, "sqlite"), autoincrement=True, nullable=False),
        Column("delivery_id", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
        Column("subscription_id", String(36), nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("at", UTCDateTime(), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("outcome", String(20), nullable=False),
        Column("error", Text, nullable=True),
        PrimaryKeyConstraint("id", name=f"pk_{ATTEMPTS}"),
        Index(f"ix_{ATTEMPTS}_delivery", "delivery_id", "id"),
    ]


@dataclass(frozen=True)
class WebhookTables:
    subscriptions: Table
    deliveries: Table
    attempts: Table


def webhook_tables(md: MetaData) -> WebhookTables:
    """The tables in the service's metadata (`models.py`)."""
    return WebhookTables(
        subscriptions=Table(SUBSCRIPTIONS, md, *_subscription_columns()),
        deliveries=Table(DELIVERIES, md, *outbox_columns(DELIVERIES)),
        attempts=Table(ATTEMPTS, md, *_attempt_columns()),
    )


def create_webhook_tables(op: Any) -> None:
    """The migration step that creates the three tables from these definitions (`op` is `alembic.op`)."""
    op.create_table(SUBSCRIPTIONS, *_subscription_columns())
    op.create_table(DELIVERIES, *outbox_columns(DELIVERIES))
    op.create_table(ATTEMPTS, *_attempt_columns())


def drop_webhook_tables(op: Any) -> None:
    for name in (ATTEMPTS, DELIVERIES, SUBSCRIPTIONS):
        op.drop_table(name)
