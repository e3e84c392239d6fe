"""Partner search: the profiles and project ideas organisations publish (`partner_entries`). Not reference
data, so no data-version triggers.

Revision ID: 20261207_partner_search
Revises: 20261207_decisions_setting
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_partner_search"
down_revision: str | None = "20261207_decisions_setting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_entries",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("author_sub", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column(
            "programme",
            sa.String(100),
            sa.ForeignKey("programmes.code", ondelete="CASCADE", name="fk_partner_entries_programme_programmes"),
            nullable=False,
        ),
        sa.Column("organisation_name", sa.String(300), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("organisation_type", sa.String(64), nullable=False),
        sa.Column("region", sa.String(16), nullable=False),
        sa.Column("specific_objectives", sa.JSON(), nullable=False),
        sa.Column("objectives_key", sa.String(400), nullable=False),
        sa.Column("seeks", sa.JSON(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("contact_consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_partner_entries"),
        sa.UniqueConstraint("id", name="uq_partner_entries_id"),
    )
    for column in ("author_sub", "programme", "country", "withdrawn_at"):
        op.create_index(f"ix_partner_entries_{column}", "partner_entries", [column])


def downgrade() -> None:
    op.drop_table("partner_entries")
