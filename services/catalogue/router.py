"""The catalogue's HTTP API: public, cached reads of programme reference data, search, and the admin's
call writes. Thin endpoints: the rules are in `service.py`."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from services.catalogue import repository, service
from services.catalogue.models import idempotency_keys
from services.catalogue.schemas import CallClose, CallCreate, CallUpdate
from shared.app import DbSession
from shared.auth import Principal, require_roles
from shared.caching import cached_json
from shared.i18n import Language
from shared.idempotency import Idempotent, idempotency
from shared.pagination import Page, PageParams, page_params, paginate_sequence
from shared.problems import FieldError, Unprocessable, problem_responses
from shared.schemas import catalogue as wire

Idempotency = Annotated[Idempotent, Depends(idempotency(idempotency_keys))]
"""POSTs that create or move state or money: `Idempotency-Key` replays the first result."""

router = APIRouter(prefix="/v1")

ProgrammeCode = Annotated[
    str, Path(description="Programme code", examples=["interreg-se-no-2021-2027"], max_length=100)
]
CallId = Annotated[
    uuid.UUID, Path(description="Call id (from the call list)", examples=["0b6c5d0a-0a53-5c5c-9c43-9b0a0e4f0c11"])
]
Paging = Annotated[PageParams, Depends(page_params)]
Admin = Annotated[Principal, Depends(require_roles("admin"))]

READ: list[str | Enum] = ["catalogue"]
WRITE: list[str | Enum] = ["calls (admin)"]
CACHED = {"description": "Not modified: the `If-None-Match` ETag is current", "content": {}}
NOT_FOUND = {**problem_responses(404, 422), 304: CACHED}
LIST = {**problem_responses(422), 304: CACHED}


def _cached(request: Request, content: Any) -> Response:
    return cached_json(request, content, max_age=request.app.state.settings.cache_max_age)


def _now(request: Request) -> dt.datetime:
    clock: service.Clock = request.app.state.clock
    return clock()


# --- programmes ----------------------------------------------------------------------------------------


@router.get("/programmes", tags=READ, response_model=Page[wire.ProgrammeSummary], responses=LIST)
async def list_programmes(request: Request, session: DbSession, paging: Paging) -> Response:
    """The programmes the catalogue holds (Interreg Sverige–Norge 2021–2027, the ERDF programme
    Norra Mellansverige, the Nordic regional action plan).

    Every catalogue read carries an `ETag`; send it back as `If-None-Match` to get a 304 without a body."""
    items = [service.programme_summary(p) for p in await repository.programmes(session)]
    return _cached(request, paginate_sequence(items, paging))


@router.get("/programmes/{programme}", tags=READ, response_model=wire.Programme, responses=NOT_FOUND)
async def get_programme(request: Request, session: DbSession, programme: ProgrammeCode) -> Response:
    """One programme with its funds and their amounts (e.g. ERDF 47 MEUR and Norwegian state funds
    16 MEUR for Interreg Sverige–Norge), fixed exchange rates, sub-areas and texts."""
    return _cached(request, await service.programme_detail(session, programme))


@router.get("/programmes/{programme}/funds", tags=READ, response_model=Page[wire.Fund], responses=NOT_FOUND)
async def list_funds(request: Request, session: DbSession, programme: ProgrammeCode, paging: Paging) -> Response:
    """The programme's funds (budget holders) with their amounts."""
    detail = await service.programme_detail(session, programme)
    return _cached(request, paginate_sequence(detail.funds, paging))


@router.get("/programmes/{programme}/priorities", tags=READ, response_model=Page[wire.Priority], responses=NOT_FOUND)
async def list_priorities(request: Request, session: DbSession, programme: ProgrammeCode, paging: Paging) -> Response:
    """The priorities, each with its share of the programme (a decimal string such as `"0.42"`), its
    total financing (money) and the codes of its specific objectives."""
    return _cached(request, paginate_sequence(await service.priorities(session, programme), paging))


@router.get(
    "/programmes/{programme}/specific-objectives",
    tags=READ,
    response_model=Page[wire.SpecificObjective],
    responses=NOT_FOUND,
)
async def list_specific_objectives(
    request: Request,
    session: DbSession,
    programme: ProgrammeCode,
    paging: Paging,
    priority: Annotated[str | None, Query(description="Only the objectives of this priority", examples=["2"])] = None,
) -> Response:
    """The specific objectives (specifika mål / innsatsområder) with every text: title, description,
    target groups, effects and examples, in each language the programme has."""
    items = await service.specific_objectives(session, programme, priority)
    return _cached(request, paginate_sequence(items, paging))


@router.get(
    "/programmes/{programme}/specific-objectives/{code}",
    tags=READ,
    response_model=wire.SpecificObjective,
    responses=NOT_FOUND,
)
async def get_specific_objective(
    request: Request,
    session: DbSession,
    programme: ProgrammeCode,
    code: Annotated[str, Path(description="Specific objective code", examples=["2B"])],
) -> Response:
    """One specific objective."""
    return _cached(request, await service.specific_objective_detail(session, programme, code))


@router.get("/programmes/{programme}/regions", tags=READ, response_model=Page[wire.Region], responses=NOT_FOUND)
async def list_regions(
    request: Request,
    session: DbSession,
    programme: ProgrammeCode,
    paging: Paging,
    valid_on: Annotated[
        dt.date | None, Query(description="Only regions valid on this day", examples=["2024-06-01"])
    ] = None,
    country: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2", examples=["NO"])
    ] = None,
) -> Response:
    """The NUTS regions of the programme area with their validity: a region that ended (Viken,
    NO082, on 2023-12-31) names its successors, and the successors name it as predecessor."""
    items = await service.regions(session, programme, valid_on, country)
    return _cached(request, paginate_sequence(items, paging))


@router.get(
    "/programmes/{programme}/project-types", tags=READ, response_model=Page[wire.ProjectType], responses=NOT_FOUND
)
async def list_project_types(
    request: Request, session: DbSession, programme: ProgrammeCode, paging: Paging
) -> Response:
    """The project types (pre-project, main project, small-scale project) with their maximum duration."""
    return _cached(request, paginate_sequence(await service.project_types(session, programme), paging))


@router.get(
    "/programmes/{programme}/organisation-types",
    tags=READ,
    response_model=Page[wire.OrganisationType],
    responses=NOT_FOUND,
)
async def list_organisation_types(
    request: Request, session: DbSession, programme: ProgrammeCode, paging: Paging
) -> Response:
    """The kinds of organisation, and whether each may apply (sole proprietorships and private persons may not)."""
    return _cached(request, paginate_sequence(await service.organisation_types(session, programme), paging))


# --- calls -----------------------------------------------------------------------------------------------


@router.get("/programmes/{programme}/calls", tags=READ, response_model=Page[wire.Call], responses=NOT_FOUND)
async def list_calls(
    request: Request,
    session: DbSession,
    programme: ProgrammeCode,
    paging: Paging,
    status: Annotated[wire.CallStatus | None, Query(description="Only calls with this status")] = None,
) -> Response:
    """The programme's calls in order of opening. `status` (planned, open, closed) is derived from
    `opens_at`/`closes_at` and the server's clock; a call with `closes_at` null is a rolling call,
    open from its opening on."""
    items = await service.calls(session, programme, _now(request), status)
    return _cached(request, paginate_sequence(items, paging))


@router.get("/calls/{call_id}", tags=READ, response_model=wire.Call, responses=NOT_FOUND)
async def get_call(request: Request, session: DbSession, call_id: CallId) -> Response:
    """One call, with its current status."""
    row = await service.get_call_row(session, call_id)
    return _cached(request, service.call_model(row, _now(request)))


def _location(body: dict[str, Any]) -> dict[str, str]:
    return {"Location": f"/v1/calls/{body['id']}"}


@router.post(
    "/programmes/{programme}/calls",
    tags=WRITE,
    status_code=201,
    response_model=wire.Call,
    responses={
        **problem_responses(401, 403, 404, 409, 422),
        201: {"description": "Created; `Location` names the new call"},
    },
)
async def create_call(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    admin: Admin,
    programme: ProgrammeCode,
    body: Annotated[CallCreate, Body()],
) -> JSONResponse:
    """Open a new call (admin). Rules: times carry a time zone; `opens_at` is before `closes_at` (when
    given; without it the call is rolling); every specific objective and project type exists in the
    programme; the number is unique in the programme (409 otherwise). A `name` is required.
    Send an `Idempotency-Key` to make a retry safe."""
    now = _now(request)
    return await idempotent(
        work=lambda: service.create_call(session, programme, body, admin.sub, now),
        status_code=201,
        headers=_location,
    )


@router.patch("/calls/{call_id}", tags=WRITE, response_model=wire.Call, responses=problem_responses(401, 403, 404, 422))
async def update_call(
    request: Request, session: DbSession, admin: Admin, call_id: CallId, body: Annotated[CallUpdate, Body()]
) -> wire.Call:
    """Change a call (admin): name, window, expected decision, objectives or project types. Closing a
    call early is setting `closes_at` to now or an earlier time (or `POST /v1/calls/{id}/close`).
    A call changed here is no longer overwritten by `load-data`."""
    return await service.update_call(session, call_id, body, admin.sub, _now(request))


@router.post(
    "/calls/{call_id}/close", tags=WRITE, response_model=wire.Call, responses=problem_responses(401, 403, 404, 409, 422)
)
async def close_call(
    request: Request,
    session: DbSession,
    idempotent: Idempotency,
    admin: Admin,
    call_id: CallId,
    body: Annotated[CallClose | None, Body()] = None,
) -> JSONResponse:
    """Close a call early (admin): now, or at the time given in `at`. Only moves the closing time
    earlier (409 if the call already closes by then)."""
    at = body.at if body else None
    return await idempotent(
        work=lambda: service.close_call(session, call_id, at, admin.sub, request.app.state.clock),
    )


# --- search ----------------------------------------------------------------------------------------------


@router.get("/search", tags=READ, response_model=Page[wire.SearchHit], responses=NOT_FOUND)
async def search_catalogue(
    request: Request,
    session: DbSession,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description='Words to find; "quoted phrase", -excluded and `or` are understood',
            examples=["cirkulär ekonomi"],
        ),
    ],
    programme: Annotated[
        str | None, Query(description="Only this programme", max_length=100, examples=["interreg-se-no-2021-2027"])
    ] = None,
    lang: Annotated[
        Language | None,
        Query(description="Only texts in this language (the query is stemmed in it); default: all languages"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Most hits to return")] = 20,
) -> Response:
    """Full-text search over every catalogue text: programme names, vision and description, priorities,
    specific objectives (all fields including examples), regions, project and organisation types, funds,
    example projects and calls. Words are stemmed per language (Swedish, Norwegian, Danish, English), so
    `arbetsmarknaden` finds `arbetsmarknadens`. Hits are ranked, titles above bodies; the snippet marks
    matched words with [ and ]. One hit per entry and language; a call's `code` is its id."""
    if not q.strip():
        raise Unprocessable("q: must contain a word", errors=[FieldError(field="query.q", message="is blank")])
    hits = await service.search_catalogue(session, request.app.state.db.dialect, q, programme, lang, limit)
    return _cached(request, Page[wire.SearchHit](items=hits, next_cursor=None))
