"""Catalogue reads served from memory: each answer's encoded bytes and ETag, keyed by the data version.

The catalogue's data changes only when an admin writes a call or `load-data` runs, while frontends read
it on every page view. So each successful read (200 with an ETag) is kept in process as it was sent:
body bytes, ETag and caching headers, under the exact path and query string it answered. The next
request for it, while the *data version* is the same, gets those bytes (or a 304 when its
`If-None-Match` names the ETag) without a database round trip, without encoding and without hashing.

The version is the `data_version` row that database triggers bump on every write of catalogue data
(any process: the API of any replica, `load-data`), read through `shared.data_version.DataVersion` at
most every `CATALOGUE_DATA_VERSION_CHECK_MS` (app clock): a replica notices another's write within that
bound, and its own writes at once (`ExpireOnWriteMiddleware`). Answers that show a call's status
depend on the clock too: the version read also answers the next instant a call opens or closes, and
the cache is rebuilt from then on. Only one version's answers are kept, at most
`CATALOGUE_RESPONSE_CACHE_MAX_BYTES` of them (least recently used first out).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Hashable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from services.catalogue import repository
from services.catalogue.calls import TICK
from shared.caching import etag_matches
from shared.data_version import DataVersion
from shared.db import Database

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
_KEPT_HEADERS = (b"etag", b"cache-control", b"vary")


@dataclass(frozen=True)
class Entry:
    """One answer as sent: the raw headers of the 200 and of its 304, the body and the ETag."""

    headers: list[tuple[bytes, bytes]]
    not_modified_headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str
    route: BaseRoute | None = None  # the route that answered (its template names the request in logs and metrics)


class ResponseCache:
    """Answers of one data version, bounded in bytes (least recently used out first)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version: Hashable = None
        self.size = 0
        self._entries: OrderedDict[bytes, Entry] = OrderedDict()

    def __contains__(self, key: bytes) -> bool:
        """Whether an answer for `key` is kept (of the version last seen, which may be out of date)."""
        return key in self._entries

    def get(self, key: bytes, version: Hashable) -> Entry | None:
        if version != self.version:  # another version: nothing kept is valid
            self._entries.clear()
            self.size, self.version = 0, version
            return None
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: bytes, version: Hashable, entry: Entry) -> None:
        if version != self.version or len(entry.body) > self.max_bytes // 8:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body)
        self._entries[key] = entry
        self.size += len(entry.body)
        while self.size > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self.size -= len(dropped.body)


def data_version(db: Database, clock: Callable[[], dt.datetime], check_every: dt.timedelta) -> DataVersion:
    """The catalogue's data version: (version row, next call opening, next call closing), re-read at most
    every `check_every`, and at once when a call opens or closes."""

    async def read(now: dt.datetime) -> tuple[Hashable, dt.datetime | None]:
        async with db.reader() as session:
            version, opening, closing = await repository.data_state(session, now)
        changes = [t for t in (opening, closing + TICK if closing is not None else None) if t is not None]
        return (version, opening, closing), min(changes, default=None)

    return DataVersion(read, clock, check_every)


def _if_none_match(scope: Scope) -> str | None:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == b"if-none-match"), None)


class CachedReadsMiddleware:
    """Kept answers served before routing: a GET whose exact path and query has an entry of the current
    data version is answered from it (200, or 304 for a matching `If-None-Match`) without the router,
    the dependencies or a `Response` object. Anything else goes on to the routes (`CachedRoute` keeps
    their answers). It runs inside the request context, so the answer has its request id, security
    headers, access-log line and metrics (under the route that first answered it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        cache: ResponseCache | None = getattr(state, "response_cache", None)
        entry = None
        key = scope["path"].encode() + b"?" + scope["query_string"]
        if cache is not None and key in cache:  # only then is the data version worth knowing
            try:
                entry = cache.get(key, await state.data_version.current())
            except Exception:  # the database is gone: the routes answer that (503 problem+json)
                entry = None
        if entry is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = entry.route
        if etag_matches(_if_none_match(scope), entry.etag):
            await send({"type": "http.response.start", "status": 304, "headers": list(entry.not_modified_headers)})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": list(entry.headers)})
        await send({"type": "http.response.body", "body": entry.body})


def install(app: FastAPI, *, max_bytes: int, check_every: dt.timedelta) -> None:
    """Put the data version and the answer cache on `app.state` (from the lifespan, after the database)."""
    app.state.data_version = data_version(app.state.db, app.state.clock, check_every)
    app.state.response_cache = ResponseCache(max_bytes)


def _entry(response: Response, route: BaseRoute | None) -> Entry | None:
    etag = response.headers.get("etag")
    if response.status_code != 200 or not etag or not isinstance(response.body, bytes):
        return None
    kept = [(k, v) for k, v in response.raw_headers if k in _KEPT_HEADERS]
    return Entry(headers=response.raw_headers, not_modified_headers=kept, body=response.body, etag=etag, route=route)


def _answer(entry: Entry, if_none_match: str | None) -> Response:
    if etag_matches(if_none_match, entry.etag):
        response = Response(status_code=304)
        response.raw_headers = list(entry.not_modified_headers)
        return response
    response = Response()
    response.body = entry.body
    response.raw_headers = list(entry.headers)
    return response


class CachedRoute(APIRoute):
    """A GET route whose successful answers are kept in `app.state.response_cache` per data version.

    A request for an answer that is not kept runs the endpoint without its `If-None-Match` (so the full
    answer is kept) and is then answered from the entry like every later one: 200 or 304."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        if self.methods != {"GET"}:
            return handler

        async def cached_handler(request: Request) -> Response:
            state = request.app.state
            scope = request.scope
            key = scope["path"].encode() + b"?" + scope["query_string"]
            version = await state.data_version.current()
            raw = scope["headers"]
            if_none_match = _if_none_match(scope)
            entry = state.response_cache.get(key, version)
            if entry is None:
                if if_none_match is not None:
                    scope["headers"] = [(k, v) for k, v in raw if k != b"if-none-match"]
                response = await handler(request)
                entry = _entry(response, scope.get("route"))
                if entry is None:
                    return response
                state.response_cache.put(key, version, entry)
            return _answer(entry, if_none_match)

        return cached_handler
