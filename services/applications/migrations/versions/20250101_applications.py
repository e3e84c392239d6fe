"""applications, versions, status history, reference counters, idempotency keys

Revision ID: 20250101_applications
Revises:
Create Date: 2025-01-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "20250101_applications"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner_sub", sa.String(200), nullable=False),
        sa.Column("owner_org", sa.String(200), nullable=True),
        sa.Column("programme", sa.String(64), nullable=False),
        sa.Column("call_id", sa.String(36), nullable=False),
        sa.Column("specific_objective", sa.String(16), nullable=False),
        sa.Column("project_type", sa.String(64), nullable=False),
        sa.Column("acronym", sa.String(40), nullable=False),
        sa.Column("countries", sa.String(400), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_applications"),
        sa.UniqueConstraint("reference", name="uq_applications_reference"),
    )
    for column in ("owner_sub", "owner_org", "programme", "call_id", "status", "submitted_at"):
        op.create_index(f"ix_applications_{column}", "applications", [column])
    op.create_index("ix_applications_created_at_id", "applications", ["created_at", "id"])

    op.create_table(
        "application_versions",
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("application_id", "number", name="pk_application_versions"),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE",
                                name="fk_application_versions_application_id_applications"),
    )

    op.create_table(
        "status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_status_history"),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE",
                                name="fk_status_history_application_id_applications"),
    )
    op.create_index("ix_status_history_application_id", "status_history", ["application_id"])

    op.create_table(
        "reference_counters",
        sa.Column("programme", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("programme", "year", name="pk_reference_counters"),
    )

    create_idempotency_table(op)


def downgrade() -> None:
    drop_idempotency_table(op)
    op.drop_table("reference_counters")
    op.drop_index("ix_status_history_application_id", table_name="status_history")
    op.drop_table("status_history")
    op.drop_table("application_versions")
    op.drop_index("ix_applications_created_at_id", table_name="applications")
    for column in ("owner_sub", "owner_org", "programme", "call_id", "status", "submitted_at"):
        op.drop_index(f"ix_applications_{column}", table_name="applications")
    op.drop_table("applications")
