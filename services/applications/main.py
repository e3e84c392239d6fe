"""The applications service: intake of applications and their workflow (`create_app`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.applications.config import Settings
from services.applications.routes import TAGS, routers
from services.applications.upstreams import Upstreams
from shared.app import build_app
from shared.clients.budget import BudgetClient
from shared.clients.catalogue import CatalogueClient
from shared.clients.eligibility import EligibilityClient
from shared.clock import Clock
from shared.http import upstream_client

DESCRIPTION = """Applications (ansökningar / søknader) to the programmes' calls, and their workflow:

`draft` → `submitted` → `eligible` | `ineligible` → `approved` | `rejected`, and `withdrawn` from any
status before a decision; an officer may return an `ineligible` application to `draft`.

Submitting freezes a numbered version (served byte for byte), gives the reference (`SE-NO-2022-0001`)
and stores the eligibility service's report; approving commits the budget. Every change is in the
application's history. Applicants see only their own applications; officers see all and decide."""


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
        app.state.upstreams = Upstreams(
            catalogue=CatalogueClient(clients["catalogue"]),
            eligibility=EligibilityClient(clients["eligibility"]),
            budget=BudgetClient(clients["budget"]),
        )
        try:
            yield
        finally:
            for client in clients.values():
                await client.aclose()

    return build_app(
        service="applications",
        settings=settings,
        title="Applications",
        description=DESCRIPTION,
        routers=routers,
        setup=setup,
        openapi_tags=TAGS,
        clock=clock,
    )
