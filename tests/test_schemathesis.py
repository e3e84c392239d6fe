"""Schemathesis against each service's own OpenAPI document, in-process over ASGI, with every check:
no server error, status codes, content types and bodies as documented, invalid data refused, valid data
accepted. The services run on a real database of the test run's backend, the catalogue with its data,
the budget synced, and each upstream is the real app of that service.

Bounded in time: a few examples per operation (`PRINCIPALS`), a fixed seed (the same cases every run,
so a failure is reproducible; set `SCHEMATHESIS_SEED` to explore others). The seed draws the same cases on
both backends, so drawing them is done once: the first backend's run records every case hypothesis draws
(`RECORDED`), the other backend's run in the same test process sends those cases again, in the same order,
to its own services (tests/harness.py schedules both into one worker). Drawing is most of the time here.
"""

from __future__ import annotations

import asyncio
import copy
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, fields
from typing import Any

import httpx
import pytest
import schemathesis
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core import NOT_SET
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from services.applications.config import Settings as ApplicationsSettings
from services.applications.main import create_app as applications_app
from services.applications.tests.helpers import ALICE
from services.applications.tests.helpers import NOW as APPLICATIONS_NOW
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
from tests.schemathesis_world import Ids, seed_applications, seed_budget, seed_catalogue, seed_eligibility
from tests.test_hostile_input import claim, writes

SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261130"))
PRINCIPALS: dict[str, tuple[str | None, int]] = {
    "admin": (auth("admin", "schemathesis")["Authorization"].removeprefix("Bearer "), 4),
    "applicant": (ALICE["Authorization"].removeprefix("Bearer "), 2),
    "anonymous": (None, 1),
}
"""Who sends the cases (a bearer token, or none) and how many examples per operation: the admin reaches
every operation's business rules, the applicant (Alice, whose applications the world's are) the owner's
view and the refusals of what is not hers, the anonymous caller the public reads and the 401s."""

WORKFLOW = (
    "PUT /v1/applications/{application_id}",
    "POST /v1/applications/{application_id}/submit",
    "POST /v1/applications/{application_id}/assessors",
    "POST /v1/applications/{application_id}/assessments/declaration",
    "POST /v1/applications/{application_id}/assessments/scores",
    "GET /v1/applications/{application_id}/assessments",
    "POST /v1/applications/{application_id}/decision",
    "GET /v1/committee/sessions/{session_id}",
    "GET /v1/applications/{application_id}/grant",
    "PUT /v1/projects/{application_id}/contract",
    "GET /v1/projects/{application_id}",
    "POST /v1/projects/{application_id}/partner-reports",
    "GET /v1/partner-reports/{report_id}",
    "POST /v1/partner-reports/{report_id}/lines",
    "GET /v1/partner-reports/{report_id}/lines",
    "POST /v1/partner-reports/{report_id}/submit",
    "GET /v1/project-reports/{report_id}",
    "GET /v1/outbox/{message_id}",
)
"""The workflow's operations on an application, from the draft to its project's reports: each must be
reached with the world's real ids (an answer other than 404) in the admin's run."""


CODES = "its codes must be the catalogue's (programme, specific objectives, project types, criteria)"
POSITIVE = "an amount or rate must be greater than zero (the schema's decimal pattern allows zero and negatives)"
DATES = "its dates must lie between 1900-01-01 and 2199-12-31 and in order (JSON Schema has no date range)"
MINOR = "an amount has at most its currency's minor units of places (2 for EUR; a rule across two fields)"
IF_MATCH = "a write of what two people edit names the state it was made on: If-Match with the current ETag (428, 412)"
BUSINESS_RULES: dict[str, str] = {
    "POST /v1/programmes/{programme}/calls": CODES,
    "PATCH /v1/calls/{call_id}": CODES,
    "POST /v1/partner-search/entries": CODES + "; a region of the entry's country; a contact only with consent",
    "POST /v1/checks": "the programme must have eligibility rules (the catalogue's programmes)",
    "POST /v1/checks/batch": "each application's " + DATES,
    "POST /v1/rule-sets": "each rule names a known check kind with its parameters, for the programme's funds",
    "POST /v1/rule-sets/{rule_set_id}/versions/{version}/activation": DATES + "; an activation is now or later",
    "POST /v1/programmes/{programme}/reallocations": POSITIVE,
    "POST /v1/commitments": POSITIVE,
    "POST /v1/commitments/{commitment_id}/payments": POSITIVE,
    "POST /v1/commitments/{commitment_id}/release": MINOR,
    "POST /v1/claims": POSITIVE,
    "POST /v1/commitments/{commitment_id}/increases": POSITIVE + "; the commitment's funds; a later version than its",
    "POST /v1/claims/{claim_id}/corrections": POSITIVE
    + "; the claim's currency, at most what it paid; a due date with, and only with, a recovery",
    "PUT /v1/programmes/{programme}/fixed-rates/{currency}": POSITIVE,
    "PUT /v1/exchange-rates/{currency}/{month}": POSITIVE + "; a rate far from last month's needs confirmation",
    "POST /v1/exchange-rates/import": "the file must hold the Commission's columns and at least one rate",
    "POST /v1/applications": CODES + "; dates in order; one currency per partner",
    "PUT /v1/applications/{application_id}": CODES + "; dates in order; one currency per partner; " + IF_MATCH,
    "POST /v1/applications/{application_id}/terminate": "a termination needs a reason",
    "POST /v1/applications/{application_id}/decision": "a rejection needs a reason",
    "POST /v1/applications/{application_id}/return": "the deadline of a completion is in the future",
    "POST /v1/applications/{application_id}/assessments/declaration": "a conflict names the partners it concerns",
    "POST /v1/committee/sessions": "a reserve rank with, and only with, a reserve decision; a known call",
    "PUT /v1/projects/{application_id}/contract": DATES
    + "; periods within the project, controllers known; "
    + IF_MATCH,
    "PATCH /v1/partner-reports/{report_id}": IF_MATCH,
    "PUT /v1/projects/{application_id}/controllers/{partner}": "a partner of the approved version, a controller "
    "registered for its country; " + IF_MATCH,
    "POST /v1/projects/{application_id}/partner-reports": "the partner and the reporting period must be the contract's",
    "POST /v1/partner-reports/{report_id}/lines": "a real-cost line has an amount; a cost option's line has none",
    "POST /v1/partner-reports/{report_id}/lines/import": "the CSV must have the documented header",
    "PUT /v1/partner-reports/{report_id}/lines/{number}/verification": "the certified amount, or the line parked",
    "POST /v1/projects/{application_id}/project-reports": "the reporting period must be the contract's",
    "POST /v1/projects/{application_id}/change-requests": "only the diff's fields of the request's type, naming the "
    "approved version's partners and real-cost lines, a later end date; no open request changing a same part",
    "POST /v1/webhooks/subscriptions": "a destination on a public https host or the allowlist; known event types",
    "PATCH /v1/webhooks/subscriptions/{subscription_id}": "a destination on a public https host or the allowlist; "
    "known event types",
}
"""The writes whose schema-valid bodies may rightly be refused (422) by a rule a JSON Schema cannot state —
reference data, rules across fields, amounts above zero — or by a precondition (428 without `If-Match`,
412 with a stale one), each with the rule. Every other operation must
accept every schema-valid request."""


def _config(token: str | None, examples: int) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "max-examples": examples, "allow-extra-parameters": True},
            **({"auth": {"openapi": {"HTTPBearer": {"bearer": token}}}} if token else {}),
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
) -> Iterator[dict[str, tuple[FastAPI, Ids]]]:
    """The four services, each with its upstreams and the ids of its world (not started: schemathesis starts
    them, and each seeds its world once started)."""
    _load_catalogue(catalogue_database_url)
    clock = FixedClock(NOW)
    no_limit: dict[str, Any] = {"write_rate_limit": None, "http_retries": 0}
    ids = {name: Ids() for name in ("catalogue", "eligibility", "budget", "applications")}

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

    async def budget_world(app: FastAPI) -> None:
        await synced(app)
        commitment = writes()["budget"][("POST", "/v1/commitments")].body
        await seed_budget(app, ids["budget"], commitment, claim(""))

    def applications() -> FastAPI:
        shared_catalogue = catalogue()
        upstreams = {"catalogue": shared_catalogue, "budget": budget(shared_catalogue)}
        upstreams["eligibility"] = eligibility(shared_catalogue)
        # The world delivers what its steps owe itself (`helpers.delivered`): the same state on every run.
        settings = ApplicationsSettings(
            database_url=applications_database_url,
            environment="test",
            outbox_relay=False,
            webhook_relay=False,
            **no_limit,
        )
        transports: dict[str, httpx.AsyncBaseTransport] = {n: httpx.ASGITransport(a) for n, a in upstreams.items()}
        app = applications_app(settings, transports=transports, clock=FixedClock(APPLICATIONS_NOW))

        async def world(a: FastAPI) -> None:
            await synced(upstreams["budget"])
            await seed_applications(a, upstreams["catalogue"], ids["applications"])

        started = [upstreams["catalogue"], upstreams["eligibility"], upstreams["budget"]]
        return _with_lifespans(app, started, after_startup=world)

    cat = catalogue()
    asyncio.run(seed_catalogue(ids["catalogue"]))
    asyncio.run(seed_eligibility(ids["eligibility"]))
    out = {
        "catalogue": (cat, ids["catalogue"]),
        "eligibility": (_with_lifespans(eligibility(cat_e := catalogue()), [cat_e]), ids["eligibility"]),
        "budget": (_with_lifespans(budget(cat_b := catalogue()), [cat_b], after_startup=budget_world), ids["budget"]),
        "applications": (applications(), ids["applications"]),
    }
    yield out
    schemathesis_asgi.shutdown_lifespans()


@dataclass
class Run:
    """What one run sent: the counts, and the statuses each operation answered to its real ids."""

    ids: Ids
    operations: int = 0
    cases: int = 0
    reached: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Drawn:
    """One case as hypothesis drew it (before the run puts the world's ids in), to be sent again."""

    method: str
    path_parameters: dict[str, Any]
    headers: Any
    cookies: dict[str, Any]
    query: dict[str, Any]
    body: Any
    media_type: str | None
    multipart_content_types: dict[str, str] | None
    _meta: Any
    _auth: Any
    _has_explicit_auth: bool
    """Whether the configured token is the case's (schemathesis's auth checks then probe without it)."""

    @classmethod
    def of(cls, case: schemathesis.Case) -> Drawn:
        return cls(**_copied({f.name: getattr(case, f.name) for f in fields(cls)}))

    def case(self, operation: Any) -> schemathesis.Case:
        """The same case for `operation` (the same operation of the other backend's app)."""
        again = Drawn(**_copied({f.name: getattr(self, f.name) for f in fields(self)}))
        made: schemathesis.Case = operation.Case(
            method=again.method,
            path_parameters=again.path_parameters,
            headers=again.headers,
            cookies=again.cookies,
            query=again.query,
            body=again.body,
            media_type=again.media_type,
            multipart_content_types=again.multipart_content_types,
            _meta=again._meta,
        )
        made._auth, made._has_explicit_auth = again._auth, again._has_explicit_auth
        return made


def _copied(parts: dict[str, Any]) -> dict[str, Any]:
    """A deep copy, but for the absent body (`NOT_SET`, which schemathesis tells by identity)."""
    return {k: v if v is NOT_SET else copy.deepcopy(v) for k, v in parts.items()}


RECORDED: dict[tuple[str, str, str, str], list[Drawn]] = {}
"""The cases drawn in this test process per (service, principal, operation, generation mode)."""


def _sender(operation: Any, mode: schemathesis.GenerationMode, run: Run) -> Callable[[schemathesis.Case], None]:
    """Sends one case of `operation` with every check; a positive case's path parameters are the world's real
    ids."""
    # Every other operation must accept every schema-valid request (`positive_data_acceptance`).
    excluded = [positive_data_acceptance] if operation.label in BUSINESS_RULES else []
    real = {k: v for k, v in run.ids.for_operation(operation.path).items() if k in (case_params(operation))}
    positive = mode is schemathesis.GenerationMode.POSITIVE

    def send(case: schemathesis.Case) -> None:
        run.cases += 1
        if positive and case.query:
            # A cursor is a token the API mints (`next_cursor`); one made up is invalid by definition.
            case.query.pop("cursor", None)
        if positive and real:
            case.path_parameters = {**(case.path_parameters or {}), **real}
        response = case.call()
        if positive and real:
            run.reached.setdefault(operation.label, []).append(response.status_code)
        case.validate_response(response, excluded_checks=excluded)

    return send


def _runner(
    operation: Any, mode: schemathesis.GenerationMode, run: Run, examples: int, drawn: list[Drawn]
) -> Callable[[], None]:
    """A hypothesis test sending `operation`'s generated cases of `mode` (`_sender`), each recorded in `drawn`."""
    send = _sender(operation, mode, run)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        drawn.append(Drawn.of(case))
        send(case)

    return check  # type: ignore[no-any-return]


def _replay(operation: Any, mode: schemathesis.GenerationMode, run: Run, drawn: list[Drawn]) -> None:
    """The cases another backend's run drew, sent in the same order (`_sender`); the first failure raises."""
    send = _sender(operation, mode, run)
    for one in drawn:
        send(one.case(operation))


def case_params(operation: Any) -> set[str]:
    """The names of `operation`'s path parameters."""
    return {parameter.name for parameter in operation.path_parameters}


def run_schemathesis(app: FastAPI, service: str, ids: Ids, principal: str) -> Run:
    """Every operation of `app`'s OpenAPI document, positive and negative cases, all checks, sent by
    `principal`; the counts are printed (`-s` or the CI log) and every failure is listed."""
    token, examples = PRINCIPALS[principal]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config(token, examples))
    failures: dict[str, str] = {}
    run = Run(ids)
    for result in schema.get_all_operations():
        operation = result.ok()
        run.operations += 1
        for mode in schemathesis.GenerationMode:
            if mode is schemathesis.GenerationMode.NEGATIVE and not (operation.query or operation.body):
                # Only path parameters: a schema-invalid one cannot travel in a URL (hypothesis would spend
                # seconds failing to find one); their refusals are covered by tests/test_limits.py.
                continue
            key = (service, principal, operation.label, mode.value)
            try:
                if key in RECORDED:
                    _replay(operation, mode, run, RECORDED[key])
                else:
                    _runner(operation, mode, run, examples, RECORDED.setdefault(key, []))()
            except Unsatisfiable:  # no negative case exists (an operation without parameters)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # a FailureGroup naming every failed check
                failures[f"{operation.label} [{mode.value}]"] = str(exc)[:1500]
    found = sum(1 for statuses in run.reached.values() if any(s != 404 for s in statuses))
    summary = (
        f"schemathesis {service} as {principal}: {run.operations} operations, {run.cases} cases, "
        f"{found} of {len(run.reached)} operations answered other than 404 to the world's ids, {len(failures)} failures"
    )
    assert failures == {}, summary + "\n" + "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    print(summary)
    return run


@pytest.mark.parametrize("principal", list(PRINCIPALS))
@pytest.mark.parametrize("service", ["catalogue", "eligibility", "budget", "applications"])
def test_schemathesis(
    apps: dict[str, tuple[FastAPI, Ids]], service: str, principal: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app, ids = apps[service]
    with capsys.disabled():  # the counts in the CI log, also when every check passes
        run = run_schemathesis(app, service, ids, principal)
    if service == "applications" and principal == "admin":
        missed = {label: run.reached.get(label) for label in WORKFLOW if set(run.reached.get(label) or [404]) == {404}}
        assert missed == {}, f"workflow operations that never reached a real resource: {missed}"
