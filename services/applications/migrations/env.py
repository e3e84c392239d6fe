"""Alembic environment of the applications service: the shared runner with this service's metadata."""

from __future__ import annotations

from alembic import context

from services.applications.config import Settings
from services.applications.models import Base
from shared.db import run_migrations

url = context.config.get_main_option("sqlalchemy.url") or Settings().database_url
run_migrations(url, Base.metadata, context)
