"""payment claims, and the ledger's payment entry naming the claim it pays (one per claim)

Revision ID: 20261207_payment_claims
Revises: 20261204_commitment_refusal
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "20261207_payment_claims"
down_revision: str | None = "20261204_commitment_refusal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_claims",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("programme", sa.String(100), nullable=False),
        sa.Column("commitment_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.String(100), nullable=False),
        sa.Column("priority", sa.String(64), nullable=False),
        sa.Column("fund", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("asked", shared.db.Amount(), nullable=False),
        sa.Column("amount", shared.db.Amount(), nullable=False),
        sa.Column("certified", shared.db.Amount(), nullable=False),
        sa.Column("certified_currency", sa.String(3), nullable=False),
        sa.Column("co_financing_rate", shared.db.Fixed(scale=10, precision=28), nullable=False),
        sa.Column("project_report_id", sa.String(100), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(), nullable=False),
        sa.Column("authorised_by", sa.String(200), nullable=True),
        sa.Column("authorised_at", shared.db.UTCDateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(200), nullable=True),
        sa.Column("confirmed_at", shared.db.UTCDateTime(), nullable=True),
        sa.Column("paid_programme", shared.db.Amount(), nullable=True),
        sa.CheckConstraint("status IN ('submitted', 'authorised', 'paid')", name=op.f("ck_payment_claims_status_known")),
        sa.CheckConstraint("amount > 0 AND amount <= asked", name=op.f("ck_payment_claims_amount_capped")),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitments.id"], name=op.f("fk_payment_claims_commitment_id_commitments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_claims")),
        sa.UniqueConstraint("key", name=op.f("uq_payment_claims_key")),
    )
    op.create_index("ix_payment_claims_commitment_id", "payment_claims", ["commitment_id"])
    op.create_index("ix_payment_claims_programme_created", "payment_claims", ["programme", "created_at"])
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("claim_id", sa.Uuid(), nullable=True))
    op.create_index("uq_ledger_entries_claim_id", "ledger_entries", ["claim_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_ledger_entries_claim_id", table_name="ledger_entries")
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("claim_id")
    op.drop_index("ix_payment_claims_programme_created", table_name="payment_claims")
    op.drop_index("ix_payment_claims_commitment_id", table_name="payment_claims")
    op.drop_table("payment_claims")
