"""A database that is not there, or does not answer: 503 problem+json with Retry-After within the
configured timeouts, never a 500 and never a hang; /readyz bounded in time. Real PostgreSQL URLs on
real sockets (one nothing listens on, one that accepts and never answers), no mocks."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import event, text

from services.applications.config import Settings as ApplicationsSettings
from services.applications.main import create_app as applications_app
from services.catalogue.config import Settings as CatalogueSettings
from services.catalogue.main import create_app as catalogue_app
from shared.db import create_engine
from shared.guards import database_unavailable
from shared.schemas.examples import gron_industrivaxt
from tests.harness import auth, postgres_admin_url, postgres_available

HANG_GUARD = 10.0
"""Seconds after which a request is taken to hang (far above every timeout configured here)."""


@pytest.fixture
def refused_url() -> str:
    """A PostgreSQL URL on a port nothing listens on (bound to find a free port, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/interreg"


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A PostgreSQL URL on a socket that accepts connections (the kernel completes the handshake) and
    never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{s.getsockname()[1]}/interreg"


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(app), httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
        yield c


def _unavailable(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    body: dict[str, Any] = response.json()
    assert body["status"] == 503
    return body


REQUESTS = [
    ("GET", "/v1/programmes", None),
    ("GET", "/v1/search?q=energi", None),
    ("POST", "/v1/programmes/interreg-se-no-2021-2027/calls", "catalogue-call"),
]
CALL = {
    "number": "2031-1",
    "name": {"en": "Call"},
    "opens_at": "2031-01-01T00:00:00Z",
    "specific_objectives": ["1A"],
    "project_types": ["main-project"],
}


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
@pytest.mark.parametrize("database", ["refused", "silent"])
async def test_catalogue_answers_503_when_its_database_is_gone(
    request: pytest.FixtureRequest, database: str, method: str, path: str, body: str | None
) -> None:
    url = request.getfixturevalue(f"{database}_url")
    app = catalogue_app(CatalogueSettings(database_url=url, database_connect_timeout_seconds=0.5))
    async for client in _client(app):
        async with asyncio.timeout(HANG_GUARD):
            response = await client.request(method, path, json=CALL if body else None, headers=auth("admin", "ada"))
        assert _unavailable(response)["type"].endswith("/database-unavailable")


@pytest.mark.parametrize("database", ["refused", "silent"])
async def test_applications_draft_write_answers_503_when_its_database_is_gone(
    request: pytest.FixtureRequest, database: str, catalogue_app: FastAPI
) -> None:
    """The catalogue answers (a draft names a programme and call it has); the applications database does not."""
    url = request.getfixturevalue(f"{database}_url")
    catalogue = catalogue_app
    app = applications_app(
        ApplicationsSettings(database_url=url, database_connect_timeout_seconds=0.5, catalogue_url="http://catalogue"),
        transports={"catalogue": httpx.ASGITransport(catalogue)},
    )
    async for client in _client(app):
        async with asyncio.timeout(HANG_GUARD):
            response = await client.post(
                "/v1/applications", json=gron_industrivaxt(), headers=auth("applicant", "alice")
            )
        _unavailable(response)


@pytest.mark.parametrize("database", ["refused", "silent"])
async def test_readyz_answers_within_its_bound(request: pytest.FixtureRequest, database: str) -> None:
    """The readiness bound holds even when the connect timeout is longer."""
    url = request.getfixturevalue(f"{database}_url")
    settings = CatalogueSettings(database_url=url, database_connect_timeout_seconds=30, readiness_timeout_seconds=0.5)
    async for client in _client(catalogue_app(settings)):
        async with asyncio.timeout(2):
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("application/problem+json")


def test_a_statement_over_its_timeout_is_cancelled_and_counts_as_unavailable() -> None:
    if not postgres_available():
        pytest.skip("no PostgreSQL")
    asyncio.run(_statement_timeout())


async def _statement_timeout() -> None:
    engine = create_engine(postgres_admin_url(), connect_timeout=2, statement_timeout=0.2)
    try:
        with pytest.raises(Exception) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_sleep(5)"))
        assert database_unavailable(caught.value), repr(caught.value)
        async with engine.connect() as conn:  # the engine is fine for the next statement
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


def test_a_request_error_is_not_taken_for_an_unavailable_database() -> None:
    """A NUL byte sent to PostgreSQL (refused by validation before it gets there) is the statement's
    fault: it must not be reported as a database outage."""
    if not postgres_available():
        pytest.skip("no PostgreSQL")
    asyncio.run(_nul_byte())


async def _nul_byte() -> None:
    engine = create_engine(postgres_admin_url())
    try:
        with pytest.raises(Exception) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT :v"), {"v": "a\x00b"})
        assert not database_unavailable(caught.value)
    finally:
        await engine.dispose()


def test_a_statement_run_alone_fails_as_a_session_statement_would_and_leaves_the_pool_sound() -> None:
    """`Precompiled.run_alone` (a commitment's one statement on PostgreSQL, straight on the driver): a
    statement over its timeout is unavailable (503), one the server refuses is the statement's fault,
    and one abandoned mid-way (cancelled) has its connection replaced; the pool serves the next."""
    if not postgres_available():
        pytest.skip("no PostgreSQL")
    asyncio.run(_run_alone_faults())


async def _run_alone_faults() -> None:
    from sqlalchemy import Integer, bindparam, func, literal, select

    from shared.precompiled import Precompiled

    engine = create_engine(postgres_admin_url(), connect_timeout=2, statement_timeout=0.2)
    try:
        slow = Precompiled(select(func.pg_sleep(bindparam("s"))), engine.dialect)
        with pytest.raises(Exception) as caught:
            await slow.run_alone(engine, {"s": 5})
        assert database_unavailable(caught.value), repr(caught.value)
        refused = Precompiled(select(literal(1) / bindparam("zero")), engine.dialect)
        with pytest.raises(Exception) as caught:
            await refused.run_alone(engine, {"zero": 0})
        assert not database_unavailable(caught.value)
        assert getattr(caught.value, "orig", None) is not None  # wrapped as SQLAlchemy wraps it
        invalidated: list[object] = []
        event.listen(engine.sync_engine.pool, "invalidate", lambda _dbapi, record, _exc: invalidated.append(record))
        sending = asyncio.Event()

        @contextlib.asynccontextmanager
        async def noting() -> AsyncIterator[None]:  # entered with the connection in hand, the statement next
            sending.set()
            yield

        abandoned = asyncio.create_task(slow.run_alone(engine, {"s": 0.1}, turn=noting()))
        # The task runs on into the driver until it waits for the server: then this one runs again.
        await asyncio.wait_for(sending.wait(), timeout=HANG_GUARD)
        abandoned.cancel()
        with pytest.raises(asyncio.CancelledError):
            await abandoned
        assert len(invalidated) == 1  # abandoned mid-statement: its connection is replaced, not reused
        one = Precompiled(select(bindparam("v", type_=Integer)), engine.dialect)
        for _ in range(3):  # the pool hands out sound connections afterwards
            assert (await one.run_alone(engine, {"v": 1}))[0] == 1
    finally:
        await engine.dispose()
