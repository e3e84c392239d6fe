"""Pytest plugin of the catalogue (listed in the root conftest): its database, app and client.

Other services' tests use `catalogue_app` as a transport target (`httpx.ASGITransport(catalogue_app)`):
it is the real catalogue, migrated, with its lifespan run and the three programmes loaded from the real
data files, on the backend of the test run. Its clock is `catalogue_clock`, a `FixedClock` at `NOW`
(tests move it; a test of another service that needs the catalogue on its own timeline can pass the
same clock object to its app, or override the `catalogue_clock` fixture).
"""

from __future__ import annotations

import datetime as dt
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
from services.catalogue.datafiles.format import ProgrammeFile, read_dir
from services.catalogue.datafiles.loader import load_files
from services.catalogue.main import create_app
from services.catalogue.models import Base
from shared.clock import FixedClock
from shared.db import Database
from tests.harness import database_fixture, reused_app

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"

NOW = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)
"""The catalogue's instant in tests: after the data files' 2022 calls, before the calls the tests open."""

catalogue_migrated_url, catalogue_database_url = database_fixture("catalogue", ALEMBIC_INI, Base.metadata)


@lru_cache(maxsize=1)
def programme_files() -> tuple[ProgrammeFile, ...]:
    """The real data files, validated once per test session."""
    return tuple(read_dir(DATA_DIR))


@pytest.fixture
def catalogue_clock() -> FixedClock:
    """The clock of `catalogue_app`, at `NOW` until a test moves it."""
    return FixedClock(NOW)


@pytest.fixture
async def catalogue_app(catalogue_database_url: str, catalogue_clock: FixedClock) -> AsyncIterator[FastAPI]:
    """The catalogue app on a clean database, lifespan run, all programmes loaded (at `NOW`)."""
    settings = Settings(database_url=catalogue_database_url)
    app = await reused_app(("catalogue", settings), lambda clock: create_app(settings, clock=clock), catalogue_clock)
    async with LifespanManager(app, startup_timeout=30):
        await _load(app.state.db)
        yield app


_SNAPSHOTS: dict[str, dict[str, list[dict[str, Any]]]] = {}
"""Rows of a freshly loaded catalogue, per database URL (one per backend and session)."""


async def _load(db: Database) -> None:
    """Load the real data files: with the loader the first time per database, then by re-inserting the
    rows that load produced (the same rows, ~10 times faster; the loader has its own tests)."""
    snapshot = _SNAPSHOTS.get(db.url)
    # data_version is written by the triggers as the rows go in (services/catalogue/response_cache.py)
    tables = [t for t in Base.metadata.sorted_tables if t.name not in ("idempotency_keys", "data_version")]
    if snapshot is None:
        await load_files(db, list(programme_files()), now=NOW)
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
