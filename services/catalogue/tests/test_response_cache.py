"""Catalogue reads from memory: a write (API, reload, another replica) is seen, with a new ETag, within
the data-version bound; a repeated read and a 304 touch no database; nothing else changes the version."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import event, inspect, text

from services.catalogue import repository
from services.catalogue.config import Settings
from services.catalogue.datafiles.loader import load_files
from services.catalogue.main import create_app
from services.catalogue.models import UNVERSIONED_TABLES, Base
from services.catalogue.response_cache import Entry, ResponseCache
from services.catalogue.tests.fixtures import NOW, programme_files
from shared.clock import FixedClock
from tests.harness import auth

PROGRAMME = "interreg-se-no-2021-2027"
OBJECTIVES = f"/v1/programmes/{PROGRAMME}/specific-objectives"
CALLS = f"/v1/programmes/{PROGRAMME}/calls"
ADMIN = auth("admin", "ada")
CHECK_EVERY = dt.timedelta(milliseconds=Settings().data_version_check_ms)


def call_body(number: str, closes_at: dt.datetime) -> dict[str, object]:
    return {
        "number": number,
        "name": {"en": f"Call {number}"},
        "opens_at": (NOW - dt.timedelta(days=1)).isoformat(),
        "closes_at": closes_at.isoformat(),
        "specific_objectives": ["1A"],
        "project_types": ["main-project"],
    }


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements `app` sends while the block runs."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@asynccontextmanager
async def replica(url: str, clock: FixedClock, **settings: object) -> AsyncIterator[httpx.AsyncClient]:
    """Another catalogue process on the same database, with its own memory and clock."""
    app = create_app(Settings(database_url=url, **settings), clock=clock)  # type: ignore[arg-type]
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://replica") as client,
    ):
        yield client


async def test_repeated_reads_and_304s_touch_no_database(
    catalogue_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    first = await catalogue_client.get(OBJECTIVES)
    assert first.status_code == 200 and first.headers["etag"]
    with statements(catalogue_app) as sent:
        again = await catalogue_client.get(OBJECTIVES)
        not_modified = await catalogue_client.get(OBJECTIVES, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == first.headers["etag"]
    assert not_modified.headers["cache-control"] == first.headers["cache-control"]
    assert sent == []


async def test_a_kept_answer_has_the_request_id_security_headers_and_metrics_of_its_route(
    catalogue_client: httpx.AsyncClient,
) -> None:
    """Kept answers skip the routes, not the edge: each has its own request id and the security headers,
    and is counted under the route template that first answered it."""
    etag = (await catalogue_client.get(OBJECTIVES)).headers["etag"]
    route = "/v1/programmes/{programme}/specific-objectives"

    def count(status: str) -> float:
        sample = REGISTRY.get_sample_value(
            "http_requests_total", {"service": "catalogue", "method": "GET", "route": route, "status": status}
        )
        return sample or 0.0

    before = count("200"), count("304")
    again = await catalogue_client.get(OBJECTIVES, headers={"X-Request-ID": "kept-read-1"})
    not_modified = await catalogue_client.get(OBJECTIVES, headers={"If-None-Match": etag})
    for answer in (again, not_modified):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert again.headers["x-request-id"] == "kept-read-1"
    assert len(not_modified.headers["x-request-id"]) == 32  # generated
    assert (count("200"), count("304")) == (before[0] + 1, before[1] + 1)


async def test_a_304_is_answered_also_when_the_answer_was_not_kept_yet(
    catalogue_database_url: str, catalogue_client: httpx.AsyncClient
) -> None:
    etag = (await catalogue_client.get(OBJECTIVES, params={"priority": "1"})).headers["etag"]
    async with replica(catalogue_database_url, FixedClock(NOW)) as other:  # its memory holds nothing yet
        same = await other.get(OBJECTIVES, params={"priority": "1"}, headers={"If-None-Match": f'"x", {etag}'})
        assert same.status_code == 304 and same.headers["etag"] == etag
        another = await other.get(OBJECTIVES, params={"priority": "2"}, headers={"If-None-Match": etag})
        assert another.status_code == 200 and another.headers["etag"] != etag


async def test_a_write_is_seen_by_the_next_read_with_a_new_etag(catalogue_client: httpx.AsyncClient) -> None:
    before = await catalogue_client.get(CALLS)
    created = await catalogue_client.post(CALLS, json=call_body("2030-9", NOW + dt.timedelta(days=30)), headers=ADMIN)
    assert created.status_code == 201, created.text
    after = await catalogue_client.get(CALLS, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert "2030-9" in [c["number"] for c in after.json()["items"]]
    one = f"/v1/calls/{created.json()['id']}"
    etag = (await catalogue_client.get(one)).headers["etag"]
    renamed = await catalogue_client.patch(one, json={"name": {"en": "Renamed"}}, headers=ADMIN)
    assert renamed.status_code == 200
    changed = await catalogue_client.get(one, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["name"] == {"en": "Renamed"}
    assert changed.headers["etag"] != etag


async def test_another_replica_sees_a_write_within_the_check_interval(
    catalogue_database_url: str, catalogue_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    clock = FixedClock(NOW)
    async with replica(catalogue_database_url, clock) as other:
        before = await other.get(CALLS)
        created = await catalogue_client.post(
            CALLS, json=call_body("2030-8", NOW + dt.timedelta(days=30)), headers=ADMIN
        )
        assert created.status_code == 201
        # Within the interval the other replica still answers what it holds ...
        clock.advance(CHECK_EVERY - dt.timedelta(milliseconds=1))
        held = await other.get(CALLS, headers={"If-None-Match": before.headers["etag"]})
        assert held.status_code == 304
        # ... and once the interval has passed it has noticed the write.
        clock.advance(dt.timedelta(milliseconds=1))
        after = await other.get(CALLS, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and "2030-8" in [c["number"] for c in after.json()["items"]]
        assert after.headers["etag"] == (await catalogue_client.get(CALLS)).headers["etag"]


async def test_a_reload_that_changes_data_is_served_and_an_unchanged_one_changes_nothing(
    catalogue_app: FastAPI, catalogue_client: httpx.AsyncClient, catalogue_clock: FixedClock
) -> None:
    programme = f"/v1/programmes/{PROGRAMME}"
    first = await catalogue_client.get(programme)
    async with catalogue_app.state.db.reader() as session:
        version, _, _ = await repository.data_state(session, NOW)
    await load_files(catalogue_app.state.db, list(programme_files()), now=NOW)  # `load-data`, nothing new
    async with catalogue_app.state.db.reader() as session:
        assert (await repository.data_state(session, NOW))[0] == version
    files = [
        f.model_copy(update={"vision": {**(f.vision or {}), "en": "A new vision"}}) if f.code == PROGRAMME else f
        for f in programme_files()
    ]
    await load_files(catalogue_app.state.db, files, now=NOW)  # another process loads a changed file
    catalogue_clock.advance(CHECK_EVERY)
    changed = await catalogue_client.get(programme, headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200 and changed.json()["vision"]["en"] == "A new vision"
    assert changed.headers["etag"] != first.headers["etag"]


async def test_a_call_closes_on_time_without_any_write(catalogue_database_url: str, catalogue_app: FastAPI) -> None:
    """The interval is an hour here, yet a call read as open reads closed from its closing instant on."""
    clock = FixedClock(NOW)
    async with replica(catalogue_database_url, clock, data_version_check_ms=3_600_000) as client:
        closes = NOW + dt.timedelta(minutes=10)
        created = await client.post(CALLS, json=call_body("2030-7", closes), headers=ADMIN)
        one = f"/v1/calls/{created.json()['id']}"
        assert (await client.get(one)).json()["status"] == "open"
        clock.set(closes)
        assert (await client.get(one)).json()["status"] == "open"  # open through its closing instant
        clock.set(closes + dt.timedelta(microseconds=1))
        assert (await client.get(one)).json()["status"] == "closed"
        listed = (await client.get(CALLS, params={"status": "closed"})).json()["items"]
        assert "2030-7" in [c["number"] for c in listed]


async def test_reads_wait_for_no_writer(backend: str, catalogue_app: FastAPI) -> None:
    """A GET answers while another transaction holds the write lock, instead of queueing behind it. On
    SQLite a GET's transaction is a plain BEGIN while a writer's is BEGIN IMMEDIATE; on PostgreSQL a
    writer holding the programme rows' locks does not stop a reader (MVCC)."""
    async with catalogue_app.state.db.sessionmaker() as writer:
        # SQLite: BEGIN IMMEDIATE, the database's write lock; PostgreSQL: row locks on every programme.
        await writer.execute(text("SELECT 1" if backend == "sqlite" else "SELECT code FROM programmes FOR UPDATE"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(catalogue_app), base_url="http://c") as client:
            read = await asyncio.wait_for(client.get(OBJECTIVES), timeout=10)
        assert read.status_code == 200
        await writer.rollback()


async def test_every_catalogue_table_bumps_the_data_version(catalogue_app: FastAPI) -> None:
    """Every table of catalogue data has the triggers (a new table needs them in its migration); the tables of
    `UNVERSIONED_TABLES` hold no reference data and have none."""
    wanted = {t.name for t in Base.metadata.sorted_tables} - set(UNVERSIONED_TABLES)
    async with catalogue_app.state.db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = await conn.execute(text("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"))
            triggered = {r[0] for r in rows if "data_version" in r[1]}
        else:
            rows = await conn.execute(
                text(
                    "SELECT event_object_table FROM information_schema.triggers "
                    "WHERE action_statement LIKE '%bump_data_version%'"
                )
            )
            triggered = {r[0] for r in rows}
        assert await conn.run_sync(lambda c: set(inspect(c).get_table_names())) >= wanted
    assert wanted - triggered == set()


def test_the_cache_keeps_one_version_within_its_bytes() -> None:
    cache = ResponseCache(max_bytes=800)

    def entry(n: int) -> Entry:
        return Entry(headers=[], not_modified_headers=[], body=b"x" * n, etag=f'"{n}"')

    assert cache.get(b"a", 1) is None
    cache.put(b"a", 1, entry(100))
    cache.put(b"b", 1, entry(100))
    cache.put(b"big", 1, entry(101))  # more than an eighth of the budget: not kept
    assert cache.get(b"big", 1) is None
    assert cache.get(b"a", 1) is not None  # a is now the most recently used
    for i in range(7):
        cache.put(f"k{i}".encode(), 1, entry(100))
    assert cache.size <= 800 and cache.get(b"b", 1) is None and cache.get(b"a", 1) is not None
    cache.put(b"old", 0, entry(10))  # an answer of an older version is not kept
    assert cache.get(b"old", 1) is None
    assert cache.get(b"a", 2) is None and cache.size == 0  # a new version drops the old one's answers
