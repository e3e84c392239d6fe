"""Pytest plugin of the applications service (listed in the root conftest): database, app, client.

`applications_app` talks to the real catalogue, eligibility and budget apps in-process (their
fixtures `catalogue_app`, `eligibility_app`, `budget_app`, passed as ASGI transports).
`applications_offline_app` has no upstream at all (every remote call is a 503): for the tests of
drafts, validation and access that need no other service, and of failing closed. Both run at a fixed
instant (`applications_clock`, `helpers.NOW`), so references and dates never depend on the day the
tests run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from services.applications.config import Settings
from services.applications.main import create_app
from services.applications.models import Base
from services.applications.tests.helpers import NOW
from shared.clock import FixedClock
from tests.harness import database_fixture, reused_app

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"
UPSTREAMS = ("catalogue", "eligibility", "budget")

applications_migrated_url, applications_database_url = database_fixture("applications", ALEMBIC_INI, Base.metadata)


class _Unreachable(httpx.AsyncBaseTransport):
    """A network where the upstream never answers."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("unreachable (test)", request=request)


def _settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        http_retries=0,
        environment="test",
        catalogue_url="http://catalogue",
        eligibility_url="http://eligibility",
        budget_url="http://budget",
        # The tests deliver the outbox themselves (`helpers.delivered`), so that what is owed can be seen
        # before it is delivered; the background relay runs in the e2e and fault tests (processes).
        outbox_relay=False,
        # Likewise the webhooks (`app.state.webhook_relay.drain()`); the receivers of the tests listen on loopback.
        webhook_relay=False,
        webhook_allowed_destinations=["127.0.0.1"],
    )


@pytest.fixture
def applications_clock() -> FixedClock:
    """The applications app's clock, at `helpers.NOW` until a test moves it."""
    return FixedClock(NOW)


@asynccontextmanager
async def _started(url: str, clock: FixedClock, **reachable: FastAPI) -> AsyncIterator[FastAPI]:
    """The applications app on `url`, lifespan run: the upstreams named in `reachable` are those apps
    in-process, every other one unreachable."""
    transports: dict[str, httpx.AsyncBaseTransport] = {n: _Unreachable() for n in UPSTREAMS}
    transports.update({n: httpx.ASGITransport(app=a) for n, a in reachable.items()})
    settings = _settings(url)
    key = ("applications", settings, *sorted((n, id(a)) for n, a in reachable.items()))
    app = await reused_app(key, lambda own: create_app(settings, transports=transports, clock=own), clock)
    async with LifespanManager(app, startup_timeout=30):
        yield app


@asynccontextmanager
async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://applications", timeout=60) as c:
        yield c


@pytest.fixture
async def applications_app(
    applications_database_url: str,
    applications_clock: FixedClock,
    catalogue_app: FastAPI,
    eligibility_app: FastAPI,
    budget_live_app: FastAPI,
) -> AsyncIterator[FastAPI]:
    """The applications app on a clean database, lifespan run, upstreams = the real apps in-process (the
    budget asks the same catalogue whether a committed call exists)."""
    async with _started(
        applications_database_url,
        applications_clock,
        catalogue=catalogue_app,
        eligibility=eligibility_app,
        budget=budget_live_app,
    ) as app:
        yield app


@pytest.fixture
async def applications_client(applications_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An AsyncClient talking to `applications_app` in-process."""
    async with _client(applications_app) as client:
        yield client


@pytest.fixture
async def applications_drafting_app(
    applications_database_url: str, applications_clock: FixedClock, catalogue_app: FastAPI
) -> AsyncIterator[FastAPI]:
    """The applications app with only the catalogue reachable (a draft names a programme and call it has);
    the eligibility and budget services unreachable."""
    async with _started(applications_database_url, applications_clock, catalogue=catalogue_app) as app:
        yield app


@pytest.fixture
async def applications_drafting_client(applications_drafting_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(applications_drafting_app) as client:
        yield client


@pytest.fixture
async def applications_offline_app(
    applications_database_url: str, applications_clock: FixedClock
) -> AsyncIterator[FastAPI]:
    """The applications app with every upstream unreachable."""
    async with _started(applications_database_url, applications_clock) as app:
        yield app


@pytest.fixture
async def applications_offline_client(applications_offline_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(applications_offline_app) as client:
        yield client
