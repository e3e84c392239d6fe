"""The project stage after the decision: contracts, reporting periods, controllers and their assignment,
partner reports with their expenditure lines and versions, project reports, their claims, the project history.

Revision ID: 20261207_projects
Revises: 20261207_decisions_grants
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.db import Amount

TS = sa.DateTime(timezone=True)


revision: str = "20261207_projects"
down_revision: str | None = "20261207_decisions_grants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_controllers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("sub", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_controllers")),
        sa.UniqueConstraint("programme", "sub", name="uq_project_controllers_programme_sub"),
    )
    op.create_table(
        "partner_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("partner", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("rates", sa.JSON(), nullable=True),
        sa.Column("submitted_at", TS, nullable=True),
        sa.Column("controller", sa.String(length=200), nullable=True),
        sa.Column("completed_by", sa.String(length=200), nullable=True),
        sa.Column("certified_by", sa.String(length=200), nullable=True),
        sa.Column("certified_at", TS, nullable=True),
        sa.Column("project_report_id", sa.String(length=36), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_partner_reports_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_reports")),
        sa.UniqueConstraint("application_id", "partner", "period", name="uq_partner_reports_partner_period"),
    )
    with op.batch_alter_table("partner_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_reports_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_partner_reports_project_report_id"), ["project_report_id"], unique=False)

    op.create_table(
        "project_contracts",
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("baseline_version", sa.Integer(), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("contract_date", sa.Date(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("owners", sa.JSON(), nullable=False),
        sa.Column("contracted_at", TS, nullable=True),
        sa.Column("contracted_by", sa.String(length=200), nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_project_contracts_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_project_contracts")),
    )
    with op.batch_alter_table("project_contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_contracts_status"), ["status"], unique=False)

    op.create_table(
        "project_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_project_history_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_history")),
    )
    with op.batch_alter_table("project_history", schema=None) as batch_op:
        batch_op.create_index("ix_project_history_application_id_id", ["application_id", "id"], unique=False)

    op.create_table(
        "project_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("submitted", sa.JSON(), nullable=False),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verified_at", TS, nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_project_reports_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_reports")),
        sa.UniqueConstraint("application_id", "period", name="uq_project_reports_period"),
    )
    with op.batch_alter_table("project_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_reports_application_id"), ["application_id"], unique=False)

    op.create_table(
        "expenditure_lines",
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("cost_option", sa.String(length=64), nullable=True),
        sa.Column("invoice_number", sa.String(length=100), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=True),
        sa.Column("supplier", sa.String(length=300), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("amount", Amount(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("vat", Amount(), nullable=False),
        sa.Column("certified", Amount(), nullable=True),
        sa.Column("deducted", Amount(), nullable=True),
        sa.Column("typology", sa.String(length=64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("parked", sa.Boolean(), nullable=False),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verified_at", TS, nullable=True),
        sa.Column("parked_from", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["partner_reports.id"],
            name=op.f("fk_expenditure_lines_report_id_partner_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "number", name=op.f("pk_expenditure_lines")),
    )
    op.create_table(
        "partner_report_versions",
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("rates", sa.JSON(), nullable=True),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["partner_reports.id"],
            name=op.f("fk_partner_report_versions_report_id_partner_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "number", name=op.f("pk_partner_report_versions")),
    )
    op.create_table(
        "project_claims",
        sa.Column("project_report_id", sa.String(length=36), nullable=False),
        sa.Column("fund", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("amount", Amount(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_report_id"],
            ["project_reports.id"],
            name=op.f("fk_project_claims_project_report_id_project_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_report_id", "fund", name=op.f("pk_project_claims")),
        sa.UniqueConstraint("key", name=op.f("uq_project_claims_key")),
    )
    op.create_table(
        "project_partner_controllers",
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("partner", sa.Integer(), nullable=False),
        sa.Column("controller", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["project_contracts.application_id"],
            name=op.f("fk_project_partner_controllers_application_id_project_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "partner", name=op.f("pk_project_partner_controllers")),
    )
    with op.batch_alter_table("project_partner_controllers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_partner_controllers_controller"), ["controller"], unique=False)

    op.create_table(
        "project_periods",
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["project_contracts.application_id"],
            name=op.f("fk_project_periods_application_id_project_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "number", name=op.f("pk_project_periods")),
    )


def downgrade() -> None:
    op.drop_table("project_periods")
    with op.batch_alter_table("project_partner_controllers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_partner_controllers_controller"))

    op.drop_table("project_partner_controllers")
    op.drop_table("project_claims")
    op.drop_table("partner_report_versions")
    op.drop_table("expenditure_lines")
    with op.batch_alter_table("project_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_reports_application_id"))

    op.drop_table("project_reports")
    with op.batch_alter_table("project_history", schema=None) as batch_op:
        batch_op.drop_index("ix_project_history_application_id_id")

    op.drop_table("project_history")
    with op.batch_alter_table("project_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_contracts_status"))

    op.drop_table("project_contracts")
    with op.batch_alter_table("partner_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_reports_project_report_id"))
        batch_op.drop_index(batch_op.f("ix_partner_reports_application_id"))

    op.drop_table("partner_reports")
    op.drop_table("project_controllers")
