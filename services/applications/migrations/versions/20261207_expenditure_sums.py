"""The sums of each partner report's lines per category, currency and parked, kept in the transaction of
every change of a line (a derived cache the reconciler compares with the lines); the units of a unit-cost
line. Existing reports get their sums from their lines.

Revision ID: 20261207_expenditure_sums
Revises: 20261207_projects
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.db import Amount, Fixed

revision: str = "20261207_expenditure_sums"
down_revision: str | None = "20261207_projects"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("expenditure_lines", sa.Column("units", Fixed(scale=4), nullable=True))
    op.create_table(
        "expenditure_sums",
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("parked", sa.Boolean(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("verified", sa.Integer(), nullable=False),
        sa.Column("amount", Amount(), nullable=False),
        sa.Column("vat", Amount(), nullable=False),
        sa.Column("certified", Amount(), nullable=False),
        sa.Column("deducted", Amount(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["partner_reports.id"],
            name=op.f("fk_expenditure_sums_report_id_partner_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "category", "currency", "parked", name=op.f("pk_expenditure_sums")),
    )
    op.execute(
        "INSERT INTO expenditure_sums (report_id, category, currency, parked, lines, verified, amount, vat, "
        "certified, deducted) SELECT report_id, category, currency, parked, count(*), count(verified_at), "
        "sum(amount), sum(vat), coalesce(sum(certified), 0), coalesce(sum(deducted), 0) FROM expenditure_lines "
        "GROUP BY report_id, category, currency, parked"
    )


def downgrade() -> None:
    op.drop_table("expenditure_sums")
    with op.batch_alter_table("expenditure_lines") as batch:
        batch.drop_column("units")
