"""The programme setting `decisions` (`committee-only` or `direct`): whether approvals go only through a
committee session.

Revision ID: 20261207_decisions_setting
Revises: 20261203_assessment_criteria
Create Date: 2026-12-07

A plain ADD COLUMN (no batch copy of a table on SQLite), so the table keeps its data-version triggers.
Rows loaded before this revision read `direct` until the next `load-data` sets the file's value.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_decisions_setting"
down_revision: str | None = "20261203_assessment_criteria"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("programmes", sa.Column("decisions", sa.String(20), server_default="direct", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        batch.drop_column("decisions")
