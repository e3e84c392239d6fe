"""partner and project reports name the project's approved version they were made under (a later approved
change of the project leaves them as they were); existing reports get their project's current baseline

Revision ID: 20261208_report_baseline_version
Revises: 20261208_webhooks
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_report_baseline_version"
down_revision: str | None = "20261208_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("partner_reports", "project_reports")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("baseline_version", sa.Integer(), nullable=True))
        op.execute(
            f"UPDATE {table} SET baseline_version = (SELECT c.baseline_version FROM project_contracts c "
            f"WHERE c.application_id = {table}.application_id)"
        )
        op.execute(f"UPDATE {table} SET baseline_version = 1 WHERE baseline_version IS NULL")
        with op.batch_alter_table(table) as batch:
            batch.alter_column("baseline_version", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("baseline_version")
