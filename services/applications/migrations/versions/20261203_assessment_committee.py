"""Assessments, return for completion, the committee's decision sessions with their conditions and reserve
list, reverted approvals, and two-step calls (concept notes).

Revision ID: 20261203_assessment_committee
Revises: 20261130_outbox
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_assessment_committee"
down_revision: str | None = "20261130_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete="CASCADE", name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("kind", sa.String(20), server_default="full", nullable=False))
        batch.add_column(sa.Column("concept_note_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("return_deadline", TS, nullable=True))
        batch.add_column(sa.Column("criteria", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("reserve_rank", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("approvals", sa.Integer(), server_default="0", nullable=False))
        batch.create_index("ix_applications_concept_note_id", ["concept_note_id"])
    # Applications approved before this revision were approved once.
    op.execute("UPDATE applications SET approvals = 1 WHERE decided_at IS NOT NULL AND status <> 'rejected'")

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("assessor", sa.String(200), nullable=False),
        sa.Column("assigned_by", sa.String(200), nullable=False),
        sa.Column("assigned_at", TS, nullable=False),
        sa.Column("declared_at", TS, nullable=True),
        sa.Column("conflict", sa.Boolean(), nullable=True),
        sa.Column("conflict_organisations", sa.JSON(), nullable=True),
        sa.Column("declaration_note", sa.Text(), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("submitted_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
        _fk("assessments", "application_id", "applications"),
        sa.UniqueConstraint("application_id", "assessor", name="uq_assessments_application_assessor"),
    )
    op.create_index("ix_assessments_application_id", "assessments", ["application_id"])

    op.create_table(
        "committee_sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("programme", sa.String(64), nullable=False),
        sa.Column("call_id", sa.String(36), nullable=False),
        sa.Column("minutes_reference", sa.String(200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_committee_sessions"),
    )
    op.create_index("ix_committee_sessions_call_id", "committee_sessions", ["call_id"])

    op.create_table(
        "committee_decisions",
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(30), nullable=False),
        sa.Column("reserve_rank", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("session_id", "application_id", name="pk_committee_decisions"),
        _fk("committee_decisions", "session_id", "committee_sessions"),
        _fk("committee_decisions", "application_id", "applications"),
    )

    op.create_table(
        "approval_conditions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("approval", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=True),
        sa.Column("fulfilled_at", TS, nullable=True),
        sa.Column("fulfilled_by", sa.String(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_approval_conditions"),
        _fk("approval_conditions", "application_id", "applications"),
        sa.UniqueConstraint("application_id", "approval", "number", name="uq_approval_conditions_number"),
    )
    op.create_index("ix_approval_conditions_application_id", "approval_conditions", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_approval_conditions_application_id", table_name="approval_conditions")
    op.drop_table("approval_conditions")
    op.drop_table("committee_decisions")
    op.drop_index("ix_committee_sessions_call_id", table_name="committee_sessions")
    op.drop_table("committee_sessions")
    op.drop_index("ix_assessments_application_id", table_name="assessments")
    op.drop_table("assessments")
    with op.batch_alter_table("applications") as batch:
        batch.drop_index("ix_applications_concept_note_id")
        for column in ("approvals", "reserve_rank", "criteria", "return_deadline", "concept_note_id", "kind"):
            batch.drop_column(column)
