"""Pytest plugin of the catalogue (listed in the root conftest): its database, app and client.

Other services' tests use `catalogue_app` as a transport target (`httpx.ASGITransport(catalogue_app)`):
it is the real catalogue, migrated, with its lifespan run and the three programmes loaded from the real
data files, on the backend of the test run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import insert, select, text

from services.catalogue.config import DATA_DIR, Settings
from services.catalogue.datafile import ProgrammeFile, read_dir
from services.catalogue.loader import load_files
from services.catalogue.main import create_app
from services.catalogue.models import Base
from shared.db import Database
from shared.testing import database_fixture

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"

catalogue_migrated_url, catalogue_database_url = database_fixture("catalogue", ALEMBIC_INI, Base.metadata)


@lru_cache(maxsize=1)
def programme_files() -> tuple[ProgrammeFile, ...]:
    """The real data files, validated once per test session."""
    return tuple(read_dir(DATA_DIR))


@pytest.fixture
async def catalogue_app(catalogue_database_url: str) -> AsyncIterator[FastAPI]:
    """The catalogue app on a clean database, lifespan run, all programmes loaded."""
    app = create_app(Settings(database_url=catalogue_database_url))
    async with LifespanManager(app, startup_timeout=30):
        await _load(app.state.db)
        yield app


_SNAPSHOTS: dict[str, dict[str, list[dict[str, Any]]]] = {}
"""Rows of a freshly loaded catalogue, per database URL (one per backend and session)."""


async def _load(db: Database) -> None:
    """Load the real data files: with the loader the first time per database, then by re-inserting the
    rows that load produced (the same rows, ~10 times faster; the loader has its own tests)."""
    snapshot = _SNAPSHOTS.get(db.url)
    tables = [t for t in Base.metadata.sorted_tables if t.name != "idempotency_keys"]
    if snapshot is None:
        await load_files(db, list(programme_files()))
        async with db.engine.connect() as conn:
            _SNAPSHOTS[db.url] = {t.name: [dict(r) for r in (await conn.execute(select(t))).mappings()] for t in tables}
        return
    async with db.engine.begin() as conn:
        for t in tables:
            if snapshot[t.name]:
                await conn.execute(insert(t), snapshot[t.name])
        if conn.dialect.name == "postgresql":  # the ids were given explicitly: move the sequence past them
            await conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('search_documents', 'id'), (SELECT max(id) FROM search_documents))"
                )
            )


@pytest.fixture
async def catalogue_client(catalogue_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An AsyncClient talking to `catalogue_app` in-process."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(catalogue_app), base_url="http://catalogue") as client:
        yield client
