"""Rule sets go live on purpose: a version is a draft until an admin activates it with an effective instant.

Revision ID: 20261207_rule_set_activations
Revises: 20261203_data_version
Create Date: 2026-12-07

Every version stored before this revision was live the moment it was stored: each is activated here
effective from its creation, so checks made before and after the upgrade choose the same versions.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.data_version import create_version_triggers, drop_version_triggers

revision: str = "20261207_rule_set_activations"
down_revision: str | None = "20261203_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rule_set_activations",
        sa.Column("rule_set_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_by", sa.String(200), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("rule_set_id", "version", name=op.f("pk_rule_set_activations")),
        sa.ForeignKeyConstraint(
            ["rule_set_id", "version"],
            ["rule_set_versions.rule_set_id", "rule_set_versions.version"],
            name="fk_rule_set_activations_version",
        ),
    )
    op.execute(
        "INSERT INTO rule_set_activations (rule_set_id, version, effective_from, activated_by, activated_at) "
        "SELECT rule_set_id, version, created_at, created_by, created_at FROM rule_set_versions"
    )
    create_version_triggers(op, "data_version", ["rule_set_activations"])


def downgrade() -> None:
    drop_version_triggers(op, "data_version", ["rule_set_activations"])
    op.drop_table("rule_set_activations")
