"""one active commitment per application version; keyed releases

Revision ID: 20261130_business_keys
Revises: 20261122_budget_ledger
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "20261130_business_keys"
down_revision: str | None = "20261122_budget_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_PROJECT = sa.text("status <> 'released' AND application_version IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("commitments") as batch:
        batch.add_column(sa.Column("application_version", sa.Integer(), nullable=True))
    op.create_index(
        "uq_commitments_active_application_version",
        "commitments",
        ["programme", "application_id", "application_version"],
        unique=True,
        postgresql_where=ACTIVE_PROJECT,
        sqlite_where=ACTIVE_PROJECT,
    )
    op.create_table(
        "commitment_moves",
        sa.Column("commitment_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitments.id"], name="fk_commitment_moves_commitment_id_commitments"
        ),
        sa.PrimaryKeyConstraint("commitment_id", "key", name="pk_commitment_moves"),
    )


def downgrade() -> None:
    op.drop_table("commitment_moves")
    op.drop_index("uq_commitments_active_application_version", table_name="commitments")
    with op.batch_alter_table("commitments") as batch:
        batch.drop_column("application_version")
