"""a payment claim names the project's approved version its report was made under

Revision ID: 20261209_claim_version
Revises: 20261208_claim_corrections
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261209_claim_version"
down_revision: str | None = "20261208_claim_corrections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Claims made before it name none (null): their reports' versions are the applications service's.
    with op.batch_alter_table("payment_claims") as batch:
        batch.add_column(sa.Column("application_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_claims") as batch:
        batch.drop_column("application_version")
