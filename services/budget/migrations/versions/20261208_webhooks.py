"""webhooks: subscriptions, the deliveries of the budget's events (an outbox-shaped table) and their log

Revision ID: 20261208_webhooks
Revises: 20261207_payment_claims
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

from shared.webhooks.tables import create_webhook_tables, drop_webhook_tables

revision: str = "20261208_webhooks"
down_revision: str | None = "20261207_payment_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_webhook_tables(op)


def downgrade() -> None:
    drop_webhook_tables(op)
