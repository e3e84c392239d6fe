"""The eligibility service's app: rule sets in its own database, reference data from the catalogue."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from services.eligibility import repository
from services.eligibility.checks import ReferenceSnapshots
from services.eligibility.config import Settings
from services.eligibility.errors import RuleSetConflict
from services.eligibility.routes import TAGS, routers
from services.eligibility.routes.checks import CHECKS_PATH, CheckFastPath
from services.eligibility.rule_sets.cache import RuleSetVersions, read_index
from services.eligibility.rule_sets.files import load_if_empty
from shared.app import build_app
from shared.clients.catalogue import CatalogueClient
from shared.clock import Clock
from shared.data_version import ExpireOnWriteMiddleware, PerVersion, version_row
from shared.db import session_scope
from shared.http import upstream_client

log = logging.getLogger("eligibility")

DESCRIPTION = """
Checks an application against its programme's rules and answers a report: every rule, whether it passed,
its severity, a message in Swedish, Norwegian Bokmål or English (`Accept-Language`) and the figures it used.

Rules are data: each is a check kind from a registry (`GET /v1/check-kinds`) with parameters and a
severity, grouped in versioned, immutable rule sets per programme (optionally per call). A change of a
threshold is a new version (`POST /v1/rule-sets`, admin); every report names the rule set and version it
used, and `?rule_set=&rule_set_version=` reproduces an old report.
"""


async def seed_if_empty(app: FastAPI, settings: Settings) -> None:
    """Load the rule-set files when the database holds no rule set yet (first start after `migrate`)."""
    try:
        async for session in session_scope(app.state.db):
            loaded = await load_if_empty(session, settings.rules_dir, now=app.state.clock())
            if loaded:
                log.info("rule sets loaded", extra={"rule_sets": [f"{r.id}@{r.version}" for r in loaded]})
    except (IntegrityError, RuleSetConflict):  # another process seeded at the same moment
        log.info("rule sets were loaded by another process")


def create_app(
    settings: Settings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The app; `transports` replaces the network for upstreams (tests: `{"catalogue": ASGITransport(app)}`),
    `clock` the system clock (tests: a `FixedClock`)."""
    settings = settings or Settings()
    transports = transports or {}

    @asynccontextmanager
    async def setup(app: FastAPI) -> AsyncIterator[None]:
        app.state.timezone = ZoneInfo(settings.timezone)
        app.state.rule_set_versions = RuleSetVersions()
        check_every = dt.timedelta(milliseconds=settings.data_version_check_ms)
        app.state.data_version = version_row(app.state.db, repository.data_version, app.state.clock, check_every)
        app.state.rule_set_index = PerVersion(app.state.data_version, partial(read_index, app.state.db))
        if settings.load_rules_on_startup:
            await seed_if_empty(app, settings)
        async with upstream_client(settings, settings.catalogue_url, transports.get("catalogue")) as client:
            app.state.catalogue = CatalogueClient(client)
            app.state.reference = ReferenceSnapshots(app.state.catalogue)
            yield

    return build_app(
        service="eligibility",
        settings=settings,
        description=DESCRIPTION,
        routers=routers,
        setup=setup,
        openapi_tags=TAGS,
        clock=clock,
        # A rule-set write of this replica is used by its very next check (other replicas': within
        # ELIGIBILITY_DATA_VERSION_CHECK_MS); a check itself writes nothing and expires nothing.
        middleware=[partial(ExpireOnWriteMiddleware, unversioned_paths={CHECKS_PATH})],
        route_middleware=[CheckFastPath],
    )
