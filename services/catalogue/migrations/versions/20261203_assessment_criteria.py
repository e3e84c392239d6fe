"""A programme's assessment criteria (a JSON list on `programmes`) and what a call adds: the criteria
set it is assessed against and its place in a two-step call.

Revision ID: 20261203_assessment_criteria
Revises: 20261202_cost_options
Create Date: 2026-12-03

Plain ADD COLUMNs (no batch copy of a table on SQLite), so the tables keep their data-version triggers.
Rows loaded before this revision read `[]` (no criteria) until the next `load-data` fills them in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_assessment_criteria"
down_revision: str | None = "20261202_cost_options"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("programmes", sa.Column("assessment_criteria", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("calls", sa.Column("assessment_criteria", sa.String(64), nullable=True))
    op.add_column("calls", sa.Column("concept_note", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("calls", sa.Column("concept_note_call_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("concept_note_call_id")
        batch.drop_column("concept_note")
        batch.drop_column("assessment_criteria")
    with op.batch_alter_table("programmes") as batch:
        batch.drop_column("assessment_criteria")
