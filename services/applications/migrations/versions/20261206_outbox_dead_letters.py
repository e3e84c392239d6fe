"""the outbox's dead letters: a message dead after its last attempt, and who replayed it

Revision ID: 20261206_outbox_dead_letters
Revises: 20261203_assessment_committee
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

from shared.outbox_records import add_dead_letter_columns, drop_dead_letter_columns

revision: str = "20261206_outbox_dead_letters"
down_revision: str | None = "20261203_assessment_committee"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letter_columns(op)


def downgrade() -> None:
    drop_dead_letter_columns(op)
