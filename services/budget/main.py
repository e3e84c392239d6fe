"""The budget service's app: funds and allocations per programme, the ledger, commitments and reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import httpx
from fastapi import FastAPI

from services.budget import metrics, repository
from services.budget.commitments import references
from services.budget.config import Settings
from services.budget.models import webhooks
from services.budget.routes import TAGS, routers
from shared.app import build_app
from shared.clients.catalogue import CatalogueClient
from shared.clock import Clock
from shared.data_version import ExpireOnWriteMiddleware, version_row
from shared.http import upstream_client
from shared.observability import register_collector
from shared.outbox import run_relay
from shared.outbox_admin import observe_backlog
from shared.webhooks.delivery import webhook_client, webhook_relay
from shared.webhooks.events import Emitter, install

DESCRIPTION = """
Funds and their allocation per priority (from the catalogue), an append-only ledger with balances kept
beside it, commitments of approved applications (never over-committed, whatever the concurrency),
releases and payments, monthly and fixed exchange rates, and public budget reports (JSON, CSV, SVG).

Money is `{"amount": "…", "currency": "…"}`; rounding only half up to the cent after conversion, and
allocation by shares with the largest remainder so parts always sum to the whole.
"""


def create_app(
    settings: Settings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The budget app; `transports` replaces the network to an upstream (tests pass the catalogue's app),
    `clock` the system clock (tests pass a `FixedClock`)."""
    settings = settings or Settings()
    transports = transports or {}

    @asynccontextmanager
    async def setup(app: FastAPI) -> AsyncIterator[None]:
        check_every = dt.timedelta(milliseconds=settings.data_version_check_ms)
        app.state.data_version = version_row(app.state.db, repository.data_version, app.state.clock, check_every)
        app.state.references = references.references(app.state.db, app.state.data_version)
        client = upstream_client(settings, settings.catalogue_url, transports.get("catalogue"))
        app.state.catalogue = CatalogueClient(client)
        hooks = webhook_client(settings, transports.get("webhooks"))
        app.state.webhook_relay = webhook_relay("budget", app.state.db, webhooks, settings, app.state.clock, hooks)
        install(app.state.db, Emitter(settings.public_url, webhooks, app.state.webhook_relay.wake))
        stop = await run_relay(app.state.webhook_relay) if settings.webhook_relay else None
        try:
            yield
        finally:
            if stop is not None:
                await stop()
            await client.aclose()
            await hooks.aclose()

    app = build_app(
        service="budget",
        settings=settings,
        title="Budget service",
        description=DESCRIPTION,
        routers=routers,
        setup=setup,
        openapi_tags=TAGS,
        clock=clock,
        # A sync of this replica is seen by its very next commitment (other replicas': within
        # BUDGET_DATA_VERSION_CHECK_MS); a commitment writes no reference data and expires nothing.
        middleware=[partial(ExpireOnWriteMiddleware, unversioned_paths={"/v1/commitments"})],
    )
    register_collector(app, metrics.collect)
    register_collector(
        app, lambda a: observe_backlog("budget-webhooks", a.state.db, webhooks.deliveries, a.state.clock())
    )
    return app
