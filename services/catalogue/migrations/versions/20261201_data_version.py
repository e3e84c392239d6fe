"""The catalogue's data version: one row bumped by triggers on every write of catalogue data.

Revision ID: 20261201_data_version
Revises: 20261130_sources
Create Date: 2026-12-01

Replicas key their in-memory answers (encoded bytes and ETag) by this version and re-read it at most
every `CATALOGUE_DATA_VERSION_CHECK_MS`; see services/catalogue/response_cache.py. The triggers are on
every catalogue table but the idempotency keys; a table added later gets them in its own migration
(`shared.data_version.create_version_triggers`).
"""

from collections.abc import Sequence

from alembic import op

from shared.data_version import create_data_version, drop_data_version

revision: str = "20261201_data_version"
down_revision: str | None = "20261130_sources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    "programmes",
    "funds",
    "priorities",
    "specific_objectives",
    "sub_areas",
    "regions",
    "project_types",
    "organisation_types",
    "example_projects",
    "calls",
    "search_documents",
]


def upgrade() -> None:
    create_data_version(op, TABLES)


def downgrade() -> None:
    drop_data_version(op, TABLES)
