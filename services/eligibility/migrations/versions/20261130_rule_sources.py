"""Where each rule and each rule-set text comes from (seed and quote, derived, or outside the seeds).

Revision ID: 20261130_rule_sources
Revises: 20250101_rule_sets
Create Date: 2026-11-30
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261130_rule_sources"
down_revision: str | None = "20250101_rule_sets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rule_set_rules") as batch:
        batch.add_column(sa.Column("source", sa.String(length=2000), nullable=True))
        batch.add_column(sa.Column("param_sources", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("rule_set_versions") as batch:
        batch.add_column(sa.Column("sources", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("rule_set_versions") as batch:
        batch.drop_column("sources")
    with op.batch_alter_table("rule_set_rules") as batch:
        batch.drop_column("param_sources")
        batch.drop_column("source")
