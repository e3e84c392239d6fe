"""A programme's simplified cost options: a JSON list on `programmes`.

Revision ID: 20261202_cost_options
Revises: 20261201_data_version
Create Date: 2026-12-02

Rows loaded before this revision read `[]` until the next `load-data` fills them in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261202_cost_options"
down_revision: str | None = "20261201_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of the table on SQLite), so the table keeps its data-version triggers.
    op.add_column("programmes", sa.Column("cost_options", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        batch.drop_column("cost_options")
