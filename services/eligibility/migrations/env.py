"""Alembic environment of the eligibility service (the shared async runner)."""

from alembic import context

from services.eligibility.models import Base
from shared.db import run_migrations

run_migrations(context.config.get_main_option("sqlalchemy.url") or "", Base.metadata, context)
