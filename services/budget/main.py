"""The budget service's app: funds and allocations per programme, the ledger, commitments and reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.budget.clients import CatalogueClient
from services.budget.config import Settings
from services.budget.router import router
from shared.app import build_app
from shared.http import upstream_client

DESCRIPTION = """
Funds and their allocation per priority (from the catalogue), an append-only ledger with balances kept
beside it, commitments of approved applications (never over-committed, whatever the concurrency),
releases and payments, monthly and fixed exchange rates, and public budget reports (JSON, CSV, SVG).

Money is `{"amount": "…", "currency": "…"}`; rounding only half up to the cent after conversion, and
allocation by shares with the largest remainder so parts always sum to the whole.
"""

TAGS = [
    {"name": "commitments", "description": "Commitments of approved applications, releases and payments"},
    {"name": "allocations", "description": "Sync from the catalogue, reallocations and reconciliation"},
    {"name": "exchange rates", "description": "Monthly accounting rates (InforEuro) and programme fixed rates"},
    {"name": "reports", "description": "Public budget figures"},
]


def create_app(
    settings: Settings | None = None, *, transports: dict[str, httpx.AsyncBaseTransport] | None = None
) -> FastAPI:
    settings = settings or Settings()
    transports = transports or {}

    @asynccontextmanager
    async def setup(app: FastAPI) -> AsyncIterator[None]:
        client = upstream_client(settings, settings.catalogue_url, transports.get("catalogue"))
        app.state.catalogue = CatalogueClient(client)
        app.state.clock = lambda: dt.datetime.now(dt.UTC)
        try:
            yield
        finally:
            await client.aclose()

    return build_app(
        service="budget",
        settings=settings,
        title="Budget service",
        description=DESCRIPTION,
        routers=[router],
        setup=setup,
        openapi_tags=TAGS,
    )
