"""corrections of paid claims (set off against the next claim or recovered), the claim's deduction, the
ledger's `correction` and `recovery` entries naming the correction they settle, and the balances' running
sums of both

Revision ID: 20261208_claim_corrections
Revises: 20261208_webhooks
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "20261208_claim_corrections"
down_revision: str | None = "20261208_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('allocation', 'reallocation', 'commitment', 'release', 'payment')"
NEW_KINDS = "kind IN ('allocation', 'reallocation', 'commitment', 'release', 'payment', 'correction', 'recovery')"


def upgrade() -> None:
    op.create_table(
        "claim_corrections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("programme", sa.String(100), nullable=False),
        sa.Column("commitment_id", sa.Uuid(), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.String(100), nullable=False),
        sa.Column("fund", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", shared.db.Amount(), nullable=False),
        sa.Column("amount_programme", shared.db.Amount(), nullable=False),
        sa.Column("typology", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("effect", sa.String(16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("set_off_claim_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", shared.db.UTCDateTime(), nullable=False),
        sa.Column("settled_by", sa.String(200), nullable=True),
        sa.Column("settled_at", shared.db.UTCDateTime(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.CheckConstraint("amount > 0 AND amount_programme > 0", name=op.f("ck_claim_corrections_amount_positive")),
        sa.CheckConstraint("origin IN ('control', 'audit', 'commission')", name=op.f("ck_claim_corrections_origin_known")),
        sa.CheckConstraint("effect IN ('next-claim', 'recovery')", name=op.f("ck_claim_corrections_effect_known")),
        sa.CheckConstraint("status IN ('open', 'set-off', 'settled')", name=op.f("ck_claim_corrections_status_known")),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitments.id"], name=op.f("fk_claim_corrections_commitment_id_commitments")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["payment_claims.id"], name=op.f("fk_claim_corrections_claim_id_payment_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_corrections")),
    )
    op.create_index("ix_claim_corrections_commitment_id", "claim_corrections", ["commitment_id"])
    op.create_index("ix_claim_corrections_claim_id", "claim_corrections", ["claim_id"])
    with op.batch_alter_table("payment_claims") as batch:
        batch.add_column(sa.Column("deducted", shared.db.Amount(), nullable=False, server_default="0"))
        batch.create_check_constraint(op.f("ck_payment_claims_deduction_below_amount"), "deducted >= 0 AND deducted < amount")
    with op.batch_alter_table("payment_claims") as batch:
        batch.alter_column("deducted", server_default=None)
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("correction_id", sa.Uuid(), nullable=True))
        batch.drop_constraint(op.f("ck_ledger_entries_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_ledger_entries_kind_known"), NEW_KINDS)
    op.create_index("uq_ledger_entries_correction_id", "ledger_entries", ["correction_id"], unique=True)
    with op.batch_alter_table("budget_balances") as batch:
        batch.add_column(sa.Column("corrected", shared.db.Amount(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("recovered", shared.db.Amount(), nullable=False, server_default="0"))
        batch.create_check_constraint(
            op.f("ck_budget_balances_corrections_not_negative"), "corrected >= 0 AND recovered >= 0"
        )
    with op.batch_alter_table("budget_balances") as batch:
        batch.alter_column("corrected", server_default=None)
        batch.alter_column("recovered", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("budget_balances") as batch:
        batch.drop_constraint(op.f("ck_budget_balances_corrections_not_negative"), type_="check")
        batch.drop_column("recovered")
        batch.drop_column("corrected")
    op.drop_index("uq_ledger_entries_correction_id", table_name="ledger_entries")
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_constraint(op.f("ck_ledger_entries_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_ledger_entries_kind_known"), OLD_KINDS)
        batch.drop_column("correction_id")
    with op.batch_alter_table("payment_claims") as batch:
        batch.drop_constraint(op.f("ck_payment_claims_deduction_below_amount"), type_="check")
        batch.drop_column("deducted")
    op.drop_index("ix_claim_corrections_claim_id", table_name="claim_corrections")
    op.drop_index("ix_claim_corrections_commitment_id", table_name="claim_corrections")
    op.drop_table("claim_corrections")
