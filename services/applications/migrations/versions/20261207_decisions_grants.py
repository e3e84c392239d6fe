"""Decisions: the per-undertaking lock rows State aid is checked under at a decision (`aid_undertakings`),
and what each approval granted against what was asked (`grants`).

Revision ID: 20261207_decisions_grants
Revises: 20261206_outbox_dead_letters
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_decisions_grants"
down_revision: str | None = "20261206_outbox_dead_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aid_undertakings",
        sa.Column("organisation_number", sa.String(40), primary_key=True),
        sa.Column("approvals", sa.Integer(), nullable=False),
    )
    op.create_table(
        "grants",
        sa.Column(
            "application_id", sa.String(36), sa.ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("approval", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("state_aid", sa.JSON(), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("grants")
    op.drop_table("aid_undertakings")
