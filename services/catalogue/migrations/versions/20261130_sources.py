"""Where each value came from: a `sources` JSON map on every entry table and on calls.

Revision ID: 20261130_sources
Revises: 20261122_catalogue_tables
Create Date: 2026-11-30

Rows loaded before this revision read `{}` until the next `load-data` fills them in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261130_sources"
down_revision: str | None = "20261122_catalogue_tables"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
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
)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("sources", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("sources")
