"""The eligibility service's data version: one row bumped by triggers on every write of rule sets.

Revision ID: 20261203_data_version
Revises: 20261130_rule_sources
Create Date: 2026-12-03

Replicas keep which rule sets exist and their latest versions in process, keyed by this version, and
re-read it at most every `ELIGIBILITY_DATA_VERSION_CHECK_MS`; see services/eligibility/rule_sets/cache.py.
The triggers are on every rule-set table (not the idempotency keys), whoever writes: the API of any
replica or `load-rules`.
"""

from collections.abc import Sequence

from alembic import op

from shared.data_version import create_data_version, drop_data_version

revision: str = "20261203_data_version"
down_revision: str | None = "20261130_rule_sources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ["rule_sets", "rule_set_versions", "rule_set_rules"]


def upgrade() -> None:
    create_data_version(op, TABLES)


def downgrade() -> None:
    drop_data_version(op, TABLES)
