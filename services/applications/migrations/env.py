"""Alembic environment of the applications service (the shared async runner)."""

from alembic import context

from services.applications.models import Base
from shared.db import run_migrations

run_migrations(context.config.get_main_option("sqlalchemy.url") or "", Base.metadata, context)
