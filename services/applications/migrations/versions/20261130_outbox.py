"""the outbox, the budget side of a decision, reports that arrive after the submission

Revision ID: 20261130_outbox
Revises: 20250101_applications
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.outbox_records import create_outbox_table, drop_outbox_table

revision: str = "20261130_outbox"
down_revision: str | None = "20250101_applications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_table(op)
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("commitment_status", sa.String(20), nullable=True))
    # Applications approved before the outbox hold a commitment the budget made synchronously.
    op.execute("UPDATE applications SET commitment_status = 'active' WHERE commitment_id IS NOT NULL")
    with op.batch_alter_table("application_versions") as batch:
        batch.alter_column("report", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("application_versions") as batch:
        batch.alter_column("report", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("commitment_status")
    drop_outbox_table(op)
