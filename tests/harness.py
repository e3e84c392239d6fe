"""Test harness shared by every service's tests (a pytest plugin, listed in the root conftest).

It lives under tests/, not in the `shared` package, so that the package (and the image, which leaves
tests/ out) never needs pytest.

- `backend`: every database test runs twice, on SQLite and on a real PostgreSQL server. PostgreSQL
  gets a throwaway database per service and run (`test_<service>_<random>`), dropped at the end.
  Set `TEST_POSTGRES_URL` to point elsewhere; with `REQUIRE_POSTGRES=1` (CI) an unreachable server
  fails the run instead of skipping those tests.
- `database_fixture(service, alembic_ini, metadata)`: makes the two fixtures a service needs: the
  migrated database URL (session scope, `alembic upgrade head`, so migrations are tested) and a clean
  one per test (every table emptied before the test).
- `fresh_database(backend, service, tmp)`: an empty database of its own, for a test that migrates it
  itself (tests/test_migrations.py).
- Parallel runs (`make test`: pytest-xdist, `-n` workers, `--dist loadgroup`): each worker has its own
  session, so its own throwaway databases (named `test_<service>_gw<N>_<random>`); the tests of one `stack`
  of service processes (tests/e2e, tests/faults) run in one worker (`pytest_xdist_make_scheduler` below).
- `reused_app(key, make, clock)`: each service's app fixture builds its app once per test process (and
  database, and upstream apps) and runs its lifespan again for every test, so that the routes' models are
  built once, not once per test; the test's clock and fresh middleware come with it.
- `auth(role, sub)`: headers with a development bearer token.
- `wait_until(condition, what)` / `eventually(condition, what)`: poll a condition that another process
  brings about on its own (a service's outbox relay, the database server) until it holds, or fail after
  a deadline. Only for that: what this process does is awaited, and its time moved with a `FixedClock`
  or `FixedMonotonic`, never waited for.
- `let_others_run()`: one pass of the event loop (every other ready task runs up to its next wait); no
  time passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import pytest
from fastapi import FastAPI
from limits.aio.storage import Storage
from pydantic_settings import BaseSettings
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.auth import issue_token
from shared.clock import FixedClock
from shared.db import create_engine, upgrade
from shared.http import tls_context
from shared.settings import AuthSettings

WEB = httpx.Client(verify=tls_context())
"""The HTTP client of the tests that drive service processes (tests/e2e, tests/faults): one TLS context and
keep-alive connections for the whole test process. `httpx.get(...)` and its kin build a client, and with it a
TLS context, for every request: 16 ms of CPU each (the CA bundle is loaded again), which was most of the
fault suite's own CPU. A killed service's connections are closed by the kernel, so the next request after a
restart opens a new one."""

T = TypeVar("T")
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


def postgres_admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES)


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _admin(sql: str) -> None:
    engine = create_async_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


_postgres_ok: bool | None = None


def postgres_available() -> bool:
    global _postgres_ok
    if _postgres_ok is None:
        try:
            asyncio.run(_admin("SELECT 1"))
            _postgres_ok = True
        except Exception:
            _postgres_ok = False
    return _postgres_ok


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test run: 'sqlite' or 'postgresql'."""
    name = str(request.param)
    if name == "postgresql" and not postgres_available():
        message = f"PostgreSQL is not reachable at {postgres_admin_url()}"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " and REQUIRE_POSTGRES=1")
        pytest.skip(message)
    return name


def worker() -> str:
    """`gw0_`, `gw1_`, ... in a worker of a parallel run (`make test`: pytest-xdist), else empty: a prefix that
    tells whose throwaway database (or stack) is whose on the shared server."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"{name}_" if name else ""


def _create_database(backend: str, service: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / (service + '.db')}", lambda: None
    name = f"test_{service}_{worker()}{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return _with_database(postgres_admin_url(), name), drop


_KEPT: dict[Hashable, Any] = {}
_ENDS: list[Callable[[], None]] = []


def kept(key: Hashable, make: Callable[[], tuple[T, Callable[[], None]]]) -> T:
    """What `make()` returns (a value and how to end it), made once per test process and ended when its session
    ends (`pytest_sessionfinish`), whatever pytest does with the fixture that asks for it: pytest ends a
    session fixture that depends on `backend` whenever the next test runs on the other backend, which a
    parallel worker's tests do all the time (a serial run orders them by backend). For what costs seconds to
    make: a migrated database, a stack of service processes. `key` names it (with the backend)."""
    if key not in _KEPT:
        value, end = make()
        _KEPT[key] = value
        _ENDS.append(end)
    return cast("T", _KEPT[key])


class ClockOfTheTest(FixedClock):
    """The clock of an app that several tests use (`reused_app`): it answers, and moves, the clock of the
    test running (`target`)."""

    def __init__(self) -> None:
        self.target = FixedClock(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))

    @property
    def at(self) -> dt.datetime:
        return self.target.at

    @at.setter
    def at(self, value: dt.datetime) -> None:
        self.target.at = value


_APPS: dict[Hashable, tuple[FastAPI, ClockOfTheTest]] = {}


async def reused_app(key: Hashable, make: Callable[[FixedClock], FastAPI], clock: FixedClock) -> FastAPI:
    """The app `make(clock)` builds, built once per test process and `key` (the service, its settings, its
    upstream apps) and handed to every test that asks for it again, with `clock` as its clock: an app builds
    each route's dependencies and response models when it first routes a request, about a third of a
    short API test. Each test then runs the app's lifespan again (its fixture does), which makes
    `app.state` anew (database engine, clients, caches, relays); its middleware is built afresh here and
    the in-memory counts of its write rate limit emptied, so nothing one test did is seen by the next."""
    # A settings object in the key stands for its values (a test may change the environment they come from).
    key = (
        tuple(k.model_dump_json() if isinstance(k, BaseSettings) else k for k in key) if isinstance(key, tuple) else key
    )
    if key not in _APPS:
        own = ClockOfTheTest()
        _APPS[key] = (make(own), own)
    app, own = _APPS[key]
    own.target = clock
    app.middleware_stack = None
    for middleware in app.user_middleware:
        storage = middleware.kwargs.get("storage")
        if isinstance(storage, Storage):
            await storage.reset()
    return app


def pytest_sessionfinish() -> None:
    """End what `kept` made, the last made first."""
    while _ENDS:
        with contextlib.suppress(Exception):  # one failed drop must not keep the others
            _ENDS.pop()()
    _KEPT.clear()


@contextlib.contextmanager
def fresh_database(backend: str, service: str, tmp: Path) -> Iterator[str]:
    """The URL of a new, empty database of `backend` (a file under `tmp` on SQLite, a throwaway
    `test_<service>_<random>` database on PostgreSQL), dropped when the block ends. Call it from
    synchronous code: on PostgreSQL it runs the admin statements with asyncio.run."""
    url, drop = _create_database(backend, service, tmp)
    try:
        yield url
    finally:
        drop()


_EMPTY_POSTGRES = """
DO $$
DECLARE s record;
BEGIN
  IF current_setting('is_superuser') = 'on' THEN
    PERFORM set_config('session_replication_role', 'replica', true);
    {deletes}
  ELSE
    TRUNCATE {tables} RESTART IDENTITY CASCADE;
  END IF;
  FOR s IN SELECT schemaname, sequencename FROM pg_sequences
           WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);
  END LOOP;
END $$
"""
"""Every row of the tables gone and their sequences restarted, as `TRUNCATE ... RESTART IDENTITY CASCADE`, in one
round trip. As a superuser (the test server's `postgres`) by DELETEs with triggers and foreign keys off for the
transaction (`session_replication_role`): a TRUNCATE gives each table new files, about 0.1 s for ten small
tables on every test, a DELETE of their few rows a few milliseconds."""


async def empty_all_tables(url: str, md: MetaData) -> None:
    """Remove every row (not the schema), children before parents."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            tables = [t.name for t in reversed(md.sorted_tables)]
            if not tables:
                return
            if conn.dialect.name == "postgresql":
                quoted = [f'"{t}"' for t in tables]
                deletes = " ".join(f"DELETE FROM {t};" for t in quoted)
                await conn.execute(text(_EMPTY_POSTGRES.format(deletes=deletes, tables=", ".join(quoted))))
            else:
                for t in tables:
                    await conn.execute(text(f'DELETE FROM "{t}"'))
    finally:
        await engine.dispose()


def database_fixture(service: str, alembic_ini: Path, md: MetaData) -> tuple[Any, Any]:
    """Two fixtures: `<service>_migrated_url` (session) and `<service>_database_url` (clean per test)."""

    @pytest.fixture(scope="session", name=f"{service}_migrated_url")
    def _migrated(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
        def make() -> tuple[str, Callable[[], None]]:
            url, drop = _create_database(backend, service, tmp_path_factory.mktemp(f"{service}-{backend}"))
            try:
                upgrade(alembic_ini, url)
            except BaseException:
                drop()
                raise
            return url, drop

        return kept(("migrated", service, backend), make)

    @pytest.fixture(name=f"{service}_database_url")
    def _clean(request: pytest.FixtureRequest, backend: str) -> Iterator[str]:
        # `backend` is requested by name so that pytest parametrizes the test over both backends (the
        # migrated-URL fixture is looked up dynamically, which alone would not parametrize it). A sync
        # fixture: the session fixture it looks up may call asyncio.run, which needs no running loop.
        url = request.getfixturevalue(f"{service}_migrated_url")
        asyncio.run(empty_all_tables(url, md))
        yield url

    return _migrated, _clean


def pytest_collection_finish() -> None:
    """What exists once the tests are collected (the modules, the items) lives to the end of the run: moved
    out of the garbage collector's sight (`gc.freeze`), so that its full collections walk only what the
    tests make."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown() -> None:
    """After each test, FastAPI's caches of the callables it has classified are emptied. They keep up to
    4096 callables, among them every app's own closures (its `/openapi.json` and docs endpoints), and with
    them the app: a run that builds an app per test kept about a thousand apps alive, the heap grew to
    millions of objects and every full collection walked them all."""
    from fastapi.dependencies import models

    for name in dir(models):
        cached = getattr(models, name)
        if name.endswith("_callable_cached") and hasattr(cached, "cache_clear"):
            cached.cache_clear()


STACK_FOLDERS = ("tests/e2e/", "tests/faults/")
"""The tests that run against a stack of service processes (tests/e2e/stack.py), one stack per folder, backend
and test process."""


def stack_group(nodeid: str) -> str | None:
    """The group of a test of `STACK_FOLDERS` (`tests/e2e-sqlite`, `tests/faults-postgresql`, ...) by its node
    id; None for any other test."""
    for folder in STACK_FOLDERS:
        if nodeid.startswith(folder):
            backend = re.search(r"\[(sqlite|postgresql)\b", nodeid)
            return folder.rstrip("/") + "-" + (backend[1] if backend else "")
    return None


def replay_group(nodeid: str) -> str | None:
    """The group of a schemathesis test (`schemathesis-applications-admin`): its two backends run in one worker,
    where the second sends the cases the first drew (tests/test_schemathesis.py); None for any other test."""
    found = re.fullmatch(r"tests/test_schemathesis\.py::test_schemathesis\[(?:sqlite|postgresql)-(.+)\]", nodeid)
    return f"schemathesis-{found[1]}" if found else None


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """In a parallel run (`make test`: pytest-xdist with `--dist loadgroup`) the tests of one stack group go to
    one worker, so that each stack starts once per run and backend, not in every worker that gets one of its
    tests, and so do a schemathesis test's two backends (`replay_group`); every other test is scheduled alone, and the largest groups first. xdist's own `loadgroup` passes
    its groups by rewriting node ids, which pytest 9.2 no longer reads (pytest-dev/pytest-xdist#1386: the
    groups are silently ignored, and the first runs on it started every e2e and fault stack twice), so the
    groups are worked out here from the node ids the scheduler is given."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class StackGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return stack_group(nodeid) or replay_group(nodeid) or nodeid

    return StackGroups(config, log)


def auth(role: str, sub: str, org: str | None = None) -> dict[str, str]:
    """Authorization headers with a development token (the default `AUTH_SECRET`)."""
    return {"Authorization": f"Bearer {issue_token(AuthSettings(), sub=sub, roles=[role], org=org)}"}


def wait_until(condition: Callable[[], bool], what: str, *, seconds: float = 30, every: float = 0.1) -> None:
    """Return once `condition()` holds, polling it every `every` seconds; an AssertionError naming `what`
    after `seconds` seconds. For work another process does on its own (see the module's docstring)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(every)


async def eventually(
    condition: Callable[[], Awaitable[bool]], what: str, *, seconds: float = 10, every: float = 0.01
) -> None:
    """`wait_until` for a condition that must be awaited (a query of the database server's own state)."""
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        await asyncio.sleep(every)


async def let_others_run() -> None:
    """Yield to the event loop once: every other task that is ready runs up to its next wait. Not a wait
    for time (`asyncio.sleep(0)` is asyncio's way to yield)."""
    await asyncio.sleep(0)
