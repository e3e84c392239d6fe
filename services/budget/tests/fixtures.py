"""Pytest plugin of the budget service (listed in the root conftest): its database, app and client.

`budget_app` is the real budget app, migrated, lifespan run, on a `FixedClock` at `NOW` (tests move it
through `app.state.clock`), synced from what the real catalogue serves (fetched once per session through the catalogue app over an ASGI transport, since loading the
catalogue for every test would cost a second each); `budget_live_app` talks to `catalogue_app` live and
syncs through it. `sync_definitions` syncs extra in-memory programme
definitions (shared.schemas.catalogue objects) into it, for tests that need a programme of their own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from services.budget.config import Settings
from services.budget.main import create_app
from services.budget.models import Base
from services.budget.sync import Definition, fetch_definitions, sync_all, sync_programme
from shared.clients.catalogue import CatalogueClient
from shared.clock import FixedClock
from shared.db import session_scope
from tests.harness import database_fixture, kept, reused_app

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"

budget_migrated_url, budget_database_url = database_fixture("budget", ALEMBIC_INI, Base.metadata)

NOW = dt.datetime(2024, 5, 15, 10, 0, tzinfo=dt.UTC)
"""The instant the budget apps of the tests start at: May 2024 in Brussels, whatever the real date."""
THIS_MONTH = "2024-05"


async def sync_definitions(app: FastAPI, definitions: list[Definition]) -> None:
    """Sync programme definitions (shared.schemas.catalogue objects) into a running budget app, at its clock."""
    for programme, priorities, objectives in definitions:
        async for session in session_scope(app.state.db):
            await sync_programme(
                session,
                programme,
                priorities,
                objectives,
                now=app.state.clock(),
                rate_zone=app.state.settings.rate_zone,
            )
    app.state.data_version.expire()  # what a sync through the app's own API does (ExpireOnWriteMiddleware)


@pytest.fixture(scope="session")
def budget_catalogue_definitions(catalogue_migrated_url: str) -> list[Definition]:
    """The programme definitions as the real catalogue serves them, fetched once per session.

    The catalogue app is started on its migrated database (loading is idempotent), asked over an ASGI
    transport exactly as `sync` asks it over HTTP, and stopped. Loading the catalogue costs about a second,
    so tests that do not use the catalogue themselves sync from these objects instead of reloading it.
    """
    from services.catalogue.config import Settings as CatalogueSettings
    from services.catalogue.datafiles.loader import load_files
    from services.catalogue.main import create_app as create_catalogue_app
    from services.catalogue.tests.fixtures import programme_files

    async def fetch() -> list[Definition]:
        app = create_catalogue_app(CatalogueSettings(database_url=catalogue_migrated_url), clock=FixedClock(NOW))
        async with LifespanManager(app, startup_timeout=30):
            await load_files(app.state.db, list(programme_files()), now=NOW)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://catalogue") as c:
                return await fetch_definitions(CatalogueClient(c))

    # Kept per database (`kept`): pytest ends a session fixture whenever the backend of the next test differs.
    return kept(("budget-definitions", catalogue_migrated_url), lambda: (asyncio.run(fetch()), lambda: None))


@pytest.fixture
async def budget_app(
    budget_database_url: str, budget_catalogue_definitions: list[Definition]
) -> AsyncIterator[FastAPI]:
    """The budget app on a clean database, lifespan run, synced from what the real catalogue serves.

    It has no live catalogue (`POST /v1/sync` would answer 503); `budget_live_app` has one.
    """
    settings = Settings(
        database_url=budget_database_url,
        environment="test",
        catalogue_url="http://catalogue",
        http_retries=0,
        webhook_relay=False,
        webhook_allowed_destinations=["127.0.0.1"],
    )
    app = await reused_app(("budget", settings), lambda clock: create_app(settings, clock=clock), FixedClock(NOW))
    async with LifespanManager(app, startup_timeout=30):
        await sync_definitions(app, budget_catalogue_definitions)
        yield app


@pytest.fixture
async def budget_live_app(budget_database_url: str, catalogue_app: FastAPI) -> AsyncIterator[FastAPI]:
    """The budget app talking to `catalogue_app` over an ASGI transport, synced through it (`sync_all`,
    what `python -m services.budget sync` does over HTTP)."""
    settings = Settings(
        database_url=budget_database_url,
        environment="test",
        catalogue_url="http://catalogue",
        webhook_relay=False,
        webhook_allowed_destinations=["127.0.0.1"],
    )
    app = await reused_app(
        ("budget-live", settings, id(catalogue_app)),
        lambda clock: create_app(settings, transports={"catalogue": httpx.ASGITransport(catalogue_app)}, clock=clock),
        FixedClock(NOW),
    )
    async with LifespanManager(app, startup_timeout=30):
        await sync_all(app.state.db, app.state.catalogue, now=app.state.clock(), rate_zone=app.state.settings.rate_zone)
        yield app


@pytest.fixture
async def budget_client(budget_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An AsyncClient talking to `budget_app` in-process."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(budget_app), base_url="http://budget") as client:
        yield client


@pytest.fixture
async def budget_live_client(budget_live_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An AsyncClient talking to `budget_live_app` (which asks the real catalogue, e.g. whether a call exists)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(budget_live_app), base_url="http://budget") as client:
        yield client
