"""Limits every service applies before its routes run, and honest answers when its database is gone.

- `BodySizeLimitMiddleware`: a body over `max_body_bytes` is a 413 problem+json. A declared
  `Content-Length` over the limit is refused before a byte of the body is read; a chunked body is
  counted as it arrives and refused as soon as it passes the limit (never read whole).
- `WriteRateLimitMiddleware`: writes (POST, PUT, PATCH, DELETE) per client, with the `limits` library
  (moving window; Redis when `redis_url` is set, so that every replica counts together, memory
  otherwise). The client is the verified token's subject, else the peer address (the real client's
  when the peer is a trusted proxy, see `trusted_proxies`); the services' own tokens (`service:…`)
  are not limited, since one such client carries the work of many users. Over the limit: 429 problem+json with
  `Retry-After`. A Redis that cannot be reached lets the request through (logged): the limit protects
  the service, it must not take it down.
- `install_fault_handlers`: a database error outside the request's control (the server refuses the
  connection or does not answer in time, a statement is cancelled by its timeout, the server shuts
  down, a serialisation failure) is a 503 problem+json with `Retry-After`, never a 500.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    EmulatedDBAPIException,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.problems import PROBLEM_BASE, problem_response

log = logging.getLogger("guards")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SERVICE_PREFIX = "service:"
"""Subject prefix of the services' own tokens (`service:applications`): not rate-limited."""


def _problem(status: int, slug: str, title: str, detail: str, instance: str) -> dict[str, Any]:
    return {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail, "instance": instance}


async def _send_problem(
    scope: Scope, receive: Receive, send: Send, status: int, body: dict[str, Any], headers: dict[str, str]
) -> None:
    await problem_response(status, body, headers)(scope, receive, send)


class BodySizeLimitMiddleware:
    """413 problem+json for a request body over `max_bytes`, without reading it whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            body = _problem(413, "content-too-large", "Content too large", self._detail(), scope.get("path", ""))
            await _send_problem(scope, receive, send, 413, body, {"Connection": "close"})
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException, so that FastAPI's body parsing lets it through to the problem handler.
                    raise HTTPException(413, self._detail(), headers={"Connection": "close"})
            return message

        await self.app(scope, limited_receive, send)


def rate_limit_storage(redis_url: str | None) -> Storage:
    """Redis (`redis://…`, `rediss://…`) when configured, else memory of this process."""
    if not redis_url:
        return MemoryStorage()
    scheme, sep, rest = redis_url.partition("://")
    uri = redis_url if scheme.startswith("async+") else f"async+{scheme}{sep}{rest}"
    storage = storage_from_string(uri, key_prefix="interreg-rate")
    if not isinstance(storage, Storage):
        raise ValueError(f"{redis_url!r} is not an asynchronous rate-limit store")
    return storage


class WriteRateLimitMiddleware:
    """429 problem+json with `Retry-After` for a client's writes beyond `limit` (e.g. `"600/minute"`,
    or several: `"20/second;600/minute"`), counted per service in `storage`."""

    def __init__(self, app: ASGIApp, *, service: str, limit: str, storage: Storage) -> None:
        self.app = app
        self.service = service
        self.items: list[RateLimitItem] = parse_many(limit)
        self.limiter = MovingWindowRateLimiter(storage)

    async def client_of(self, scope: Scope) -> str | None:
        """The verified token's subject, else the peer's address; None for another service of this
        programme (a verified `service:` subject), whose calls carry many users' work."""
        authorization = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = authorization.partition(" ")
        app = scope.get("app")
        verifier = getattr(getattr(app, "state", None), "token_verifier", None)
        if scheme.lower() == "bearer" and token and verifier is not None:
            try:
                sub = (await verifier.verify(token)).sub
                return None if sub.startswith(SERVICE_PREFIX) else "sub:" + sub
            except Exception:  # an invalid token is the route's 401 to give; count it by address
                pass
        client = scope.get("client")
        return "ip:" + (client[0] if client else "unknown")

    async def refusal(self, scope: Scope) -> int | None:
        """Seconds until the client may write again, or None when this write is within the limit."""
        client = await self.client_of(scope)
        if client is None:
            return None
        try:
            for item in self.items:
                if not await self.limiter.hit(item, self.service, client):
                    stats = await self.limiter.get_window_stats(item, self.service, client)
                    return max(1, math.ceil(stats.reset_time - time.time()))
        except Exception as exc:  # the store is down: let the request through, say so in the log
            log.warning("rate limit store unavailable: %s", exc)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        retry_after = await self.refusal(scope)
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        detail = f"too many writes from this client; try again in {retry_after} s"
        body = _problem(429, "too-many-requests", "Too many requests", detail, scope.get("path", ""))
        await _send_problem(scope, receive, send, 429, body, {"Retry-After": str(retry_after)})


# SQLSTATE classes and codes that say the database, not the request, failed: connection exceptions
# (08, except 08P01, a protocol violation the statement's own data can cause), insufficient resources
# (53), operator intervention (57: a statement timeout's cancellation, a shutdown), serialisation
# failure and deadlock (40001, 40P01: the same request may pass when retried).
_UNAVAILABLE_CLASSES = ("08", "53", "57")
_UNAVAILABLE_CODES = ("40001", "40P01")


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database could not serve the request (a 503), not that the request was bad."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout | DisconnectionError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        code = str(getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlstate", None) or "")
        if code == "08P01":
            return False
        return code.startswith(_UNAVAILABLE_CLASSES) or code in _UNAVAILABLE_CODES
    if isinstance(exc, EmulatedDBAPIException):  # a raw connection's error (no Connection wrapped it)
        return exc.__cause__ is not None and database_unavailable(exc.__cause__)
    if isinstance(exc, asyncpg.PostgresError):  # raised by asyncpg itself, e.g. while connecting (53300)
        code = str(getattr(exc, "sqlstate", "") or "")
        return code.startswith(_UNAVAILABLE_CLASSES) or code in _UNAVAILABLE_CODES
    # asyncpg raises these itself while connecting (refused, or no answer within the connect timeout).
    return isinstance(exc, ConnectionError | TimeoutError)


def install_fault_handlers(app: FastAPI, *, retry_after_seconds: int) -> None:
    """503 problem+json with `Retry-After` for a database that is not there; anything else goes on to
    the handler of unexpected errors (500, logged)."""

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if not database_unavailable(exc):
            raise exc
        log.warning("database unavailable: %s: %s", type(exc).__name__, str(exc)[:300])
        body = _problem(
            503,
            "database-unavailable",
            "The database is unavailable",
            "the database did not answer in time or refused the connection; try again later",
            request.url.path,
        )
        return problem_response(503, body, {"Retry-After": str(retry_after_seconds)})

    app.add_exception_handler(SQLAlchemyError, _database)
    app.add_exception_handler(OSError, _database)  # ConnectionError and TimeoutError are OSErrors
    app.add_exception_handler(asyncpg.PostgresError, _database)  # e.g. too many connections, while connecting
    app.add_exception_handler(EmulatedDBAPIException, _database)  # the same through a raw connection
