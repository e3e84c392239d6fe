"""The applications service: intake of applications and their workflow (`create_app`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.applications import metrics
from services.applications.config import Settings
from services.applications.models import outbox, webhooks
from services.applications.outbound.deliveries import handlers
from services.applications.outbound.upstreams import Upstreams
from services.applications.routes import TAGS, routers
from services.applications.state_aid.granted import AidAwareEligibility
from shared.app import build_app
from shared.clients.budget import BudgetClient
from shared.clients.catalogue import CatalogueClient
from shared.clock import Clock
from shared.http import upstream_client
from shared.observability import register_collector
from shared.outbox import Relay, run_relay
from shared.webhooks.delivery import webhook_client, webhook_relay
from shared.webhooks.events import Emitter, install

DESCRIPTION = """Applications (ansökningar / søknader) to the programmes' calls, and their workflow:

`draft` → `submitted` → `eligible` | `ineligible` → `approved` | `rejected`, and `withdrawn` from any
status before a decision; an officer may return an `ineligible` application to `draft`, or an `eligible`
one for completion (`returned`). Eligible applications are assessed (assessors declare their interests,
then score the programme's criteria), ranked per call against the budget's live figures, and decided by
the committee's session (`approved`, with conditions or not; `reserve`; `rejected`); an admin may
`revert` an approval. A concept note (step 1 of a two-step call) is `invited` to a full application.

Submitting freezes a numbered version (served byte for byte), gives the reference (`SE-NO-2022-0001`)
and owes the eligibility check, whose report is stored with the version; approving owes the budget its
commitment, terminating or closing a project the release of what was not paid. What is owed is
recorded in the same transaction as the change and delivered by an outbox relay until the other
service has it: an upstream that is down delays the effect (`commitment_status: pending`), it never
loses it or makes it twice. Every change is in the application's history. Applicants see only their
own applications; officers see all and decide."""


def relay_of(app: FastAPI, settings: Settings) -> Relay:
    """The outbox relay of this process (`deliveries` says what each message does)."""
    clock = app.state.clock
    return Relay(
        "applications",
        app.state.db,
        outbox,
        handlers(app.state.db, app.state.upstreams, settings, clock),
        clock,
        batch=settings.outbox_batch,
        workers=settings.outbox_workers,
        lease_seconds=settings.outbox_lease_seconds,
        backoff_seconds=settings.outbox_backoff_seconds,
        max_backoff_seconds=settings.outbox_max_backoff_seconds,
        poll_seconds=settings.outbox_poll_seconds,
        max_attempts=settings.outbox_max_attempts,
    )


def create_app(
    settings: Settings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The app; `transports` replace the network for upstreams in tests (`httpx.ASGITransport(app)`),
    `clock` the system clock (a `FixedClock` in tests)."""
    settings = settings or Settings()
    transports = transports or {}

    @asynccontextmanager
    async def setup(app: FastAPI) -> AsyncIterator[None]:
        urls = {
            "catalogue": settings.catalogue_url,
            "eligibility": settings.eligibility_url,
            "budget": settings.budget_url,
        }
        clients = {name: upstream_client(settings, url, transports.get(name)) for name, url in urls.items()}
        budget = BudgetClient(clients["budget"])
        app.state.upstreams = Upstreams(
            catalogue=CatalogueClient(clients["catalogue"]),
            eligibility=AidAwareEligibility(clients["eligibility"], app.state.db, settings.timezone, budget),
            budget=budget,
        )
        app.state.relay = relay_of(app, settings)
        hooks = webhook_client(settings, transports.get("webhooks"))
        app.state.webhook_relay = webhook_relay(
            "applications", app.state.db, webhooks, settings, app.state.clock, hooks
        )
        install(app.state.db, Emitter(settings.public_url, webhooks, app.state.webhook_relay.wake))
        background = []
        if settings.outbox_relay:
            background.append(await run_relay(app.state.relay))
        if settings.webhook_relay:
            background.append(await run_relay(app.state.webhook_relay))
        try:
            yield
        finally:
            for stop in background:
                await stop()
            for client in [*clients.values(), hooks]:
                await client.aclose()

    app = build_app(
        service="applications",
        settings=settings,
        description=DESCRIPTION,
        routers=routers,
        setup=setup,
        openapi_tags=TAGS,
        clock=clock,
    )
    register_collector(app, metrics.collect)
    register_collector(app, metrics.collect_outbox)
    register_collector(app, metrics.collect_webhooks)
    return app
