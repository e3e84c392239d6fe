"""Rule sets, their immutable versions and rules; idempotency keys.

Revision ID: 20250101_rule_sets
Revises:
Create Date: 2025-01-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "20250101_rule_sets"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rule_sets",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("programme", sa.String(64), nullable=False),
        sa.Column("call_id", sa.String(36), nullable=True),
        sa.Column("scope_key", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rule_sets"),
        sa.UniqueConstraint("programme", "scope_key", name="uq_rule_sets_programme_scope"),
    )
    op.create_index("ix_rule_sets_programme", "rule_sets", ["programme"])
    op.create_table(
        "rule_set_versions",
        sa.Column("rule_set_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["rule_set_id"], ["rule_sets.id"],
                                name="fk_rule_set_versions_rule_set_id_rule_sets"),
        sa.PrimaryKeyConstraint("rule_set_id", "version", name="pk_rule_set_versions"),
    )
    op.create_table(
        "rule_set_rules",
        sa.Column("rule_set_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["rule_set_id", "version"],
                                ["rule_set_versions.rule_set_id", "rule_set_versions.version"],
                                name="fk_rule_set_rules_version"),
        sa.PrimaryKeyConstraint("rule_set_id", "version", "position", name="pk_rule_set_rules"),
        sa.UniqueConstraint("rule_set_id", "version", "code", name="uq_rule_set_rules_code"),
    )
    create_idempotency_table(op)


def downgrade() -> None:
    drop_idempotency_table(op)
    op.drop_table("rule_set_rules")
    op.drop_table("rule_set_versions")
    op.drop_index("ix_rule_sets_programme", table_name="rule_sets")
    op.drop_table("rule_sets")
