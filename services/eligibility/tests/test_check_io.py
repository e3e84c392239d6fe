"""A check does no needless I/O: a version's rules are read from the database once per process, the
catalogue's reference data comes from the client's cache, and no database connection is held while the
catalogue is asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import event

from services.eligibility.checks import ReferenceSnapshots
from services.eligibility.config import Settings
from services.eligibility.engine.rules import Rule, RuleSet
from services.eligibility.main import create_app
from services.eligibility.tests.fixtures import CLOCK_START
from services.eligibility.tests.helpers import SE_NO, activate, gron
from shared.clients.catalogue import CatalogueClient
from shared.clock import FixedClock, FixedMonotonic
from shared.schemas.applications import CheckRequest
from tests.harness import auth


class Watching(httpx.AsyncBaseTransport):
    """The catalogue, in-process, noting how many database connections eligibility holds at each call."""

    def __init__(self, catalogue: FastAPI) -> None:
        self.inner = httpx.ASGITransport(catalogue)
        self.app: FastAPI | None = None
        self.held: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.app is not None
        self.held.append(self.app.state.db.engine.sync_engine.pool.checkedout())
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def watched(eligibility_database_url: str, catalogue_app: FastAPI) -> AsyncIterator[tuple[FastAPI, Watching]]:
    transport = Watching(catalogue_app)
    app = create_app(
        Settings(database_url=eligibility_database_url, http_retries=0),
        transports={"catalogue": transport},
        clock=FixedClock(CLOCK_START),
    )
    transport.app = app
    async with LifespanManager(app, startup_timeout=30):
        yield app, transport


async def _call_id(catalogue_app: FastAPI) -> str:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(catalogue_app), base_url="http://c") as c:
        calls = (await c.get(f"/v1/programmes/{SE_NO}/calls", params={"limit": 100})).json()["items"]
    return str(next(c["id"] for c in calls if c["number"] == "2022-1"))


async def test_rules_are_read_once_and_nothing_is_held_across_catalogue_calls(
    watched: tuple[FastAPI, Watching], catalogue_app: FastAPI
) -> None:
    app, catalogue = watched
    body = gron(call_id=await _call_id(catalogue_app))
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(app.state.db.engine.sync_engine, "before_cursor_execute", record)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://e") as client:
        first = await client.post("/v1/checks", json=body)
        assert first.status_code == 200 and first.json()["eligible"] is True
        assert catalogue.held and set(catalogue.held) == {0}  # the catalogue was asked with no connection out
        asked = len(catalogue.held)
        read_rules = len([s for s in sent if "rule_set_rules" in s])
        assert read_rules >= 1
        again = await client.post("/v1/checks", json=body)
        assert again.json() == first.json()
        # The rules were not read again, and the catalogue's answers were still fresh (its max-age).
        assert len([s for s in sent if "rule_set_rules" in s]) == read_rules
        assert len(catalogue.held) == asked

        # A new version is used by the very next check, and the old one still reproduces its report.
        current = (await client.get(f"/v1/rule-sets/{SE_NO}")).json()
        rules = [
            {k: r[k] for k in ("code", "kind", "severity", "params", "source", "param_sources")}
            for r in current["rules"]
        ]
        rules[0]["severity"] = "warning" if rules[0]["severity"] == "error" else "error"
        posted = await client.post(
            "/v1/rule-sets",
            json={"id": SE_NO, "programme": SE_NO, "name": current["name"], "rules": rules},
            headers=auth("admin", "ada"),
        )
        await activate(client, posted, auth("admin", "ada"))
        newer = await client.post("/v1/checks", json=body)
        assert newer.json()["rule_set"] == {"id": SE_NO, "version": current["version"] + 1}
        older = await client.post(
            "/v1/checks", json=body, params={"rule_set": SE_NO, "rule_set_version": current["version"]}
        )
        assert older.json() == first.json()
    assert dt.datetime.fromisoformat(posted.json()["created_at"]) == CLOCK_START


async def test_a_check_asks_the_database_nothing_and_other_replicas_use_a_new_version_within_the_bound(
    eligibility_database_url: str, catalogue_app: FastAPI
) -> None:
    """Which rule set and version a check uses is kept in process per data version: a warm check sends
    no statement at all; a version stored through one replica is used by that replica's next check and
    by another replica once its ELIGIBILITY_DATA_VERSION_CHECK_MS has passed (app clock)."""
    settings = Settings(database_url=eligibility_database_url, http_retries=0)
    interval = dt.timedelta(milliseconds=settings.data_version_check_ms)
    clocks = [FixedClock(CLOCK_START), FixedClock(CLOCK_START)]
    one, two = (
        create_app(settings, transports={"catalogue": httpx.ASGITransport(catalogue_app)}, clock=c) for c in clocks
    )
    body = gron(call_id=await _call_id(catalogue_app))
    sent: list[str] = []
    async with (
        LifespanManager(one, startup_timeout=30),
        LifespanManager(two, startup_timeout=30),
        httpx.AsyncClient(transport=httpx.ASGITransport(one), base_url="http://one") as first,
        httpx.AsyncClient(transport=httpx.ASGITransport(two), base_url="http://two") as second,
    ):
        assert (await first.post("/v1/checks", json=body)).json()["rule_set"] == {"id": SE_NO, "version": 1}
        assert (await second.post("/v1/checks", json=body)).json()["rule_set"] == {"id": SE_NO, "version": 1}
        event.listen(two.state.db.engine.sync_engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
        for language in ("en", "sv", "nb"):
            r = await second.post("/v1/checks", json=body, headers={"Accept-Language": language})
            assert r.status_code == 200 and r.json()["eligible"] is True
        assert sent == []

        current = (await first.get(f"/v1/rule-sets/{SE_NO}")).json()
        rules = [
            {k: r[k] for k in ("code", "kind", "severity", "params", "source", "param_sources")}
            for r in current["rules"]
        ]
        rules[0]["severity"] = "warning" if rules[0]["severity"] == "error" else "error"
        posted = await first.post(
            "/v1/rule-sets",
            json={"id": SE_NO, "programme": SE_NO, "name": current["name"], "rules": rules},
            headers=auth("admin", "ada"),
        )
        await activate(first, posted, auth("admin", "ada"))
        assert (await first.post("/v1/checks", json=body)).json()["rule_set"] == {"id": SE_NO, "version": 2}

        assert (await second.post("/v1/checks", json=body)).json()["rule_set"] == {"id": SE_NO, "version": 1}
        clocks[1].advance(interval - dt.timedelta(milliseconds=1))
        assert (await second.post("/v1/checks", json=body)).json()["rule_set"] == {"id": SE_NO, "version": 1}
        clocks[1].advance(dt.timedelta(milliseconds=1))
        newer = (await second.post("/v1/checks", json=body)).json()
        assert newer["rule_set"] == {"id": SE_NO, "version": 2}
        assert newer["results"][0]["severity"] == rules[0]["severity"]


class Counting(httpx.AsyncBaseTransport):
    """The catalogue, in-process, counting the requests it is sent."""

    def __init__(self, catalogue: FastAPI) -> None:
        self.inner = httpx.ASGITransport(catalogue)
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return await self.inner.handle_async_request(request)


async def test_reference_data_is_assembled_once_a_window_and_asked_again_after_it(catalogue_app: FastAPI) -> None:
    """Checks within the window share one assembly of the catalogue's reference data; after it (never
    longer than the client keeps an answer fresh) the catalogue is asked again."""
    transport = Counting(catalogue_app)
    rule_set = RuleSet(
        id="window", version=1, programme=SE_NO, call_id=None, rules=(Rule("open", "call-open", "error", {}),)
    )
    application = CheckRequest.model_validate(gron(call_id=await _call_id(catalogue_app)))
    ticks = FixedMonotonic()
    async with httpx.AsyncClient(transport=transport, base_url="http://c") as client:
        snapshots = ReferenceSnapshots(CatalogueClient(client, max_fresh_seconds=0.25, now=ticks))
        assert snapshots.seconds == 0.25  # bounded by the client's freshness
        first = await snapshots.of(rule_set, application)
        asked = transport.sent
        assert asked >= 2 and first.call is not None and first.regions is None  # only what the rule reads
        assert await snapshots.of(rule_set, application) is first and transport.sent == asked
        ticks.advance(0.125)
        assert await snapshots.of(rule_set, application) is first and transport.sent == asked
        ticks.advance(0.125)  # the window (and the client's freshness) has passed
        again = await snapshots.of(rule_set, application)
        assert transport.sent > asked and again is not first and again.call == first.call
