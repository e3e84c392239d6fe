"""The catalogue service: programme reference data (programmes, funds, priorities, specific objectives,
regions, project and organisation types, calls) and full-text search over it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request

from services.catalogue import repository, response_cache
from services.catalogue.config import Settings
from services.catalogue.routes import TAGS, routers
from shared.app import build_app
from shared.clock import Clock
from shared.data_version import ExpireOnWriteMiddleware

DESCRIPTION = """
Reference data of the cross-border grant programmes (Interreg Sverige–Norge 2021–2027 first): programmes
with their funds, priorities with shares and total financing, specific objectives with every text in
Swedish, Norwegian (and Danish or English), NUTS regions with their validity, project and organisation
types, and calls with their status. Reads are public and cacheable (`ETag` / `If-None-Match`); calls are
written by admins. Partner search: organisations publish profiles and project ideas (any token), everyone
finds them by stem and filters. Errors are `application/problem+json` (RFC 9457).
"""


async def readiness(request: Request) -> None:
    """Ready when the database answers and is migrated (the catalogue's tables exist)."""
    async with request.app.state.db.sessionmaker() as session:
        await repository.check_migrated(session)


def create_app(
    settings: Settings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The catalogue app. It calls no other service: `transports` is accepted so that every service's
    `create_app` has the same signature. `clock` is its source of "now" (default: the system clock)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def setup(app: FastAPI) -> AsyncIterator[None]:
        # Reads are answered from memory per data version (services/catalogue/response_cache.py).
        response_cache.install(
            app,
            max_bytes=settings.response_cache_max_bytes,
            check_every=dt.timedelta(milliseconds=settings.data_version_check_ms),
        )
        yield

    app = build_app(
        service="catalogue",
        settings=settings,
        title="Catalogue API",
        description=DESCRIPTION,
        routers=routers,
        setup=setup,
        readiness=readiness,
        openapi_tags=TAGS,
        clock=clock,
        # A write expires the data version (this replica's next read sees it); a kept read is answered
        # before routing.
        middleware=[ExpireOnWriteMiddleware, response_cache.CachedReadsMiddleware],
    )
    return app
