"""Pytest plugin of the eligibility service (listed in the root conftest): its database, app and client.

`eligibility_app` is the real app on a clean, migrated database (lifespan run, so the rule-set files are
loaded) whose catalogue client talks in-process to the real `catalogue_app` (same backend), on a
`FixedClock` (`app.state.clock`) at `CLOCK_START`: the default check date and `created_at` of new
versions come from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from services.eligibility.config import Settings
from services.eligibility.main import create_app
from services.eligibility.models import Base
from shared.clock import FixedClock
from tests.harness import database_fixture, reused_app

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"
CLOCK_START = dt.datetime(2022, 6, 1, 8, 0, tzinfo=dt.UTC)
"""The eligibility app's instant in tests: inside call 2022-1 of Interreg Sverige–Norge."""

eligibility_migrated_url, eligibility_database_url = database_fixture("eligibility", ALEMBIC_INI, Base.metadata)


@pytest.fixture
async def eligibility_app(eligibility_database_url: str, catalogue_app: FastAPI) -> AsyncIterator[FastAPI]:
    """The eligibility app on a clean database, rule sets seeded, the catalogue wired in-process."""
    settings = Settings(database_url=eligibility_database_url, http_retries=0)
    app = await reused_app(
        ("eligibility", settings, id(catalogue_app)),
        lambda clock: create_app(settings, transports={"catalogue": httpx.ASGITransport(catalogue_app)}, clock=clock),
        FixedClock(CLOCK_START),
    )
    async with LifespanManager(app, startup_timeout=30):
        yield app


@pytest.fixture
async def eligibility_client(eligibility_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An AsyncClient talking to `eligibility_app` in-process."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(eligibility_app), base_url="http://eligibility", timeout=30
    ) as client:
        yield client
