"""Schemathesis against each service's own OpenAPI document, in-process over ASGI, with every check:
no server error, status codes, content types and bodies as documented, invalid data refused, valid data
accepted. The services run on a real database of the test run's backend, the catalogue with its data,
the budget synced, and each upstream is the real app of that service.

Bounded in time: a few examples per operation (`MAX_EXAMPLES`), a fixed seed (the same cases every run,
so a failure is reproducible; set `SCHEMATHESIS_SEED` to explore others).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
import schemathesis
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from services.applications.config import Settings as ApplicationsSettings
from services.applications.main import create_app as applications_app
from services.budget.config import Settings as BudgetSettings
from services.budget.main import create_app as budget_app
from services.budget.tests.fixtures import sync_definitions
from services.catalogue.config import Settings as CatalogueSettings
from services.catalogue.datafiles.loader import load_files
from services.catalogue.main import create_app as catalogue_app
from services.catalogue.tests.fixtures import NOW, programme_files
from services.eligibility.config import Settings as EligibilitySettings
from services.eligibility.main import create_app as eligibility_app
from shared.clock import FixedClock
from shared.db import Database
from tests.harness import auth

MAX_EXAMPLES = 4
WRITES = ("POST", "PUT", "PATCH", "DELETE")
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261130"))
ADMIN_TOKEN = auth("admin", "schemathesis")["Authorization"].removeprefix("Bearer ")

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "allow-extra-parameters": True},
        "auth": {"openapi": {"HTTPBearer": {"bearer": ADMIN_TOKEN}}},
        "checks": {"enabled": True},
    }
)


def _with_lifespans(
    app: FastAPI, upstreams: list[FastAPI], after_startup: Callable[[FastAPI], Any] | None = None
) -> FastAPI:
    """`app`, whose lifespan also runs its upstreams' (schemathesis starts the lifespan of the app it tests,
    in its own event loop, so the upstreams must start in that loop too)."""
    original = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        async with AsyncExitStack() as stack:
            for upstream in upstreams:
                await stack.enter_async_context(LifespanManager(upstream, startup_timeout=60))
            async with original(a) as state:
                if after_startup is not None:
                    await after_startup(a)
                yield state

    app.router.lifespan_context = lifespan
    return app


def _load_catalogue(url: str) -> None:
    async def load() -> None:
        db = Database(url)
        try:
            await load_files(db, list(programme_files()), now=NOW)
        finally:
            await db.dispose()

    asyncio.run(load())


@pytest.fixture
def apps(
    catalogue_database_url: str,
    eligibility_database_url: str,
    budget_database_url: str,
    applications_database_url: str,
    budget_catalogue_definitions: list[Any],
) -> Iterator[dict[str, FastAPI]]:
    """The four services, each with its upstreams (not started: schemathesis starts them)."""
    _load_catalogue(catalogue_database_url)
    clock = FixedClock(NOW)
    no_limit: dict[str, Any] = {"write_rate_limit": None, "http_retries": 0}

    def catalogue() -> FastAPI:
        return catalogue_app(CatalogueSettings(database_url=catalogue_database_url, **no_limit), clock=clock)

    def eligibility(upstream: FastAPI) -> FastAPI:
        settings = EligibilitySettings(database_url=eligibility_database_url, **no_limit)
        return eligibility_app(settings, transports={"catalogue": httpx.ASGITransport(upstream)}, clock=clock)

    def budget(upstream: FastAPI) -> FastAPI:
        settings = BudgetSettings(database_url=budget_database_url, environment="test", webhook_relay=False, **no_limit)
        return budget_app(settings, transports={"catalogue": httpx.ASGITransport(upstream)}, clock=clock)

    async def synced(app: FastAPI) -> None:
        await sync_definitions(app, budget_catalogue_definitions)

    def applications() -> FastAPI:
        upstreams = {"catalogue": catalogue(), "budget": budget(catalogue())}
        upstreams["eligibility"] = eligibility(upstreams["catalogue"])
        settings = ApplicationsSettings(
            database_url=applications_database_url, environment="test", webhook_relay=False, **no_limit
        )
        transports: dict[str, httpx.AsyncBaseTransport] = {n: httpx.ASGITransport(a) for n, a in upstreams.items()}
        app = applications_app(settings, transports=transports, clock=clock)
        return _with_lifespans(app, [upstreams["catalogue"], upstreams["eligibility"], upstreams["budget"]])

    cat = catalogue()
    out = {
        "catalogue": cat,
        "eligibility": _with_lifespans(eligibility(cat_e := catalogue()), [cat_e]),
        "budget": _with_lifespans(budget(cat_b := catalogue()), [cat_b], after_startup=synced),
        "applications": applications(),
    }
    yield out
    schemathesis_asgi.shutdown_lifespans()


def _runner(operation: Any, mode: schemathesis.GenerationMode, counts: dict[str, int]) -> Callable[[], None]:
    """A hypothesis test sending `operation`'s generated cases of `mode` with every check."""

    # A write's body is also checked against the programme's reference data (codes of programmes, funds,
    # objectives, check kinds) and rules across fields (dates in order, one currency per partner, a reason
    # for a rejection), which a JSON Schema cannot state: a schema-valid body may rightly be a 422 there.
    # Reads and body-less writes must accept every schema-valid request.
    excluded = [positive_data_acceptance] if operation.method.upper() in WRITES and operation.body else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        counts["cases"] += 1
        if mode is schemathesis.GenerationMode.POSITIVE and case.query:
            # A cursor is a token the API mints (`next_cursor`); one made up is invalid by definition.
            case.query.pop("cursor", None)
        case.call_and_validate(excluded_checks=excluded)

    return check  # type: ignore[no-any-return]


def run_schemathesis(app: FastAPI, service: str) -> str:
    """Every operation of `app`'s OpenAPI document, positive and negative cases, all checks; the counts
    are printed (`-s` or the CI log) and every failure is listed."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
    failures: dict[str, str] = {}
    counts = {"operations": 0, "cases": 0}
    for result in schema.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1
        for mode in schemathesis.GenerationMode:
            if mode is schemathesis.GenerationMode.NEGATIVE and not (operation.query or operation.body):
                # Only path parameters: a schema-invalid one cannot travel in a URL (hypothesis would spend
                # seconds failing to find one); their refusals are covered by tests/test_limits.py.
                continue
            try:
                _runner(operation, mode, counts)()
            except Unsatisfiable:  # no negative case exists (an operation without parameters)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # a FailureGroup naming every failed check
                failures[f"{operation.label} [{mode.value}]"] = str(exc)[:1500]
    summary = (
        f"schemathesis {service}: {counts['operations']} operations, {counts['cases']} cases, {len(failures)} failures"
    )
    assert failures == {}, summary + "\n" + "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    return summary


@pytest.mark.parametrize("service", ["catalogue", "eligibility", "budget", "applications"])
def test_schemathesis(apps: dict[str, FastAPI], service: str, capsys: pytest.CaptureFixture[str]) -> None:
    summary = run_schemathesis(apps[service], service)
    with capsys.disabled():  # the counts in the CI log, also when every check passes
        print(f"\n{summary}")
