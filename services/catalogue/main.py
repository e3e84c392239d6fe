"""The catalogue service: programme reference data (programmes, funds, priorities, specific objectives,
regions, project and organisation types, calls) and full-text search over it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from sqlalchemy import text

from services.catalogue.config import Settings
from services.catalogue.router import router
from services.catalogue.service import utc_now
from shared.app import build_app

DESCRIPTION = """
Reference data of the cross-border grant programmes (Interreg Sverige–Norge 2021–2027 first): programmes
with their funds, priorities with shares and total financing, specific objectives with every text in
Swedish, Norwegian (and Danish or English), NUTS regions with their validity, project and organisation
types, and calls with their status. Reads are public and cacheable (`ETag` / `If-None-Match`); calls are
written by admins. Errors are `application/problem+json` (RFC 9457).
"""

TAGS = [
    {"name": "catalogue", "description": "Public reads of programme reference data, and search"},
    {"name": "calls (admin)", "description": "Opening, changing and closing calls (role `admin`)"},
    {"name": "operations", "description": "Health, readiness and metrics"},
]


def create_app(
    settings: Settings | None = None, *, transports: dict[str, httpx.AsyncBaseTransport] | None = None
) -> FastAPI:
    """The catalogue app (the catalogue has no upstream services; `transports` is accepted for symmetry)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def setup(app: FastAPI) -> AsyncIterator[None]:
        app.state.clock = utc_now
        yield

    async def readiness(request: Request) -> None:
        # Migrated: the catalogue's tables exist.
        async with request.app.state.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1 FROM programmes LIMIT 1"))

    return build_app(
        service="catalogue",
        settings=settings,
        title="Catalogue API",
        description=DESCRIPTION,
        routers=[router],
        setup=setup,
        readiness=readiness,
        openapi_tags=TAGS,
    )
