"""What the endpoints of every tag read from the request: the app's settings, database and upstream
clients, the path's application id, the list filters, the idempotency context and the caller's token."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from fastapi import Body, Depends, Header, Path, Query, Request

from services.applications.config import Settings
from services.applications.outbound.upstreams import Upstreams
from services.applications.reads import queries
from services.applications.repository import ListFilters
from services.applications.schemas.applications import GRON_INDUSTRIVAXT
from services.applications.workflow.moves import KeyScope
from services.applications.workflow.transitions import Status
from shared.auth import Principal, require_roles
from shared.db import Database
from shared.idempotency import Idempotent
from shared.outbox import Relay
from shared.outbox_records import Wake
from shared.problems import problem_responses
from shared.schemas.applications import ApplicationContent
from shared.schemas.examples import with_cost_options_and_state_aid
from shared.text import Bounded


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _upstreams(request: Request) -> Upstreams:
    up: Upstreams = request.app.state.upstreams
    return up


async def _wake(request: Request) -> Wake:
    relay: Relay = request.app.state.relay
    return relay.wake


AppSettings = Annotated[Settings, Depends(_settings)]
Db = Annotated[Database, Depends(_db)]
"""The database itself, for the short read-only sessions of a prepare step (see `moves.snapshot`)."""
Up = Annotated[Upstreams, Depends(_upstreams)]
WakeRelay = Annotated[Wake, Depends(_wake)]
"""Called after a commit that owes another service something: the outbox relay delivers it at once."""

ApplicationId = Annotated[UUID, Path(description="The application's id")]
AcceptLanguage = Annotated[str | None, Header(description="Language of the eligibility messages (sv, nb, en)")]
ContentBody = Annotated[
    ApplicationContent,
    Body(
        openapi_examples={
            "gron-industrivaxt": {"summary": "Grön industriväxt (Värmland – Kongsvinger)", "value": GRON_INDUSTRIVAXT},
            "cost-options-and-state-aid": {
                "summary": "Flat rates computed by the service; a company partner under de minimis",
                "description": "Office and travel at 15 % of SEK 333,333.33 staff costs: 50,000.00 each (rounded "
                "half up once); the amounts of those lines are computed, never typed.",
                "value": with_cost_options_and_state_aid(copy.deepcopy(GRON_INDUSTRIVAXT)),
            },
        }
    ),
]
Applicant = Annotated[Principal, Depends(require_roles("applicant", "admin"))]

READ = problem_responses(401, 404)
JSON_VERBATIM = {"description": "The stored JSON, byte for byte", "content": {"application/json": {}}}


def key_scope(idempotent: Idempotent) -> KeyScope:
    """The scope and key under which `shared.idempotency` records this request (a prepare step checks
    it to call no other service for a retry)."""
    return idempotent.scope, idempotent.key


def location(body: dict[str, Any]) -> dict[str, str]:
    return {"Location": f"/v1/applications/{body['id']}"}


async def _filters(
    settings: AppSettings,
    status: Annotated[Status | None, Query(description="Only applications in this status")] = None,
    programme: Annotated[
        Annotated[str, Bounded(64, min_length=1)] | None, Query(examples=["interreg-se-no-2021-2027"])
    ] = None,
    call_id: Annotated[UUID | None, Query()] = None,
    specific_objective: Annotated[Annotated[str, Bounded(16, min_length=1)] | None, Query(examples=["1B"])] = None,
    country: Annotated[
        str | None,
        Query(pattern=r"^[A-Z]{2}$", description="Any partner in this country (ISO 3166-1 alpha-2, upper case)"),
    ] = None,
    submitted_from: Annotated[
        dt.date | None, Query(description="First submitted on or after (Europe/Stockholm)")
    ] = None,
    submitted_to: Annotated[
        dt.date | None, Query(description="First submitted on or before (Europe/Stockholm)")
    ] = None,
) -> ListFilters:
    """The list filters shared by the JSON list and its CSV export."""
    return queries.list_filters(
        settings,
        status=status,
        programme=programme,
        call_id=str(call_id) if call_id else None,
        specific_objective=specific_objective,
        country=country,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
    )


Filters = Annotated[ListFilters, Depends(_filters)]
