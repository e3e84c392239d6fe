"""Tag `catalogue`: public, cached reads of programme reference data and calls, and search."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.catalogue import calls, programmes
from services.catalogue.response_cache import CachedRoute
from services.catalogue.routes.common import CallId, ProgrammeCode, cached
from services.catalogue.search import answers
from shared.app import DbSession
from shared.clock import Now
from shared.i18n import Language
from shared.openapi import cacheable
from shared.pagination import MAX_CURSOR_LENGTH, Page, PageParams, Paging
from shared.problems import problem_responses
from shared.schemas import catalogue as wire
from shared.text import Bounded

TAG = "catalogue"
# Answers are kept in memory per data version (services/catalogue/response_cache.py).
router = APIRouter(prefix="/v1", tags=[TAG], route_class=CachedRoute)

NOT_FOUND = {**problem_responses(404, 422), **cacheable()}
LIST = {**problem_responses(422), **cacheable()}


@router.get("/programmes", response_model=Page[wire.ProgrammeSummary], responses=LIST)
async def list_programmes(request: Request, session: DbSession, paging: Paging) -> Response:
    """The programmes the catalogue holds (Interreg Sverige–Norge 2021–2027, the ERDF programme
    Norra Mellansverige, the Nordic regional action plan).

    Every catalogue read carries an `ETag`; send it back as `If-None-Match` to get a 304 without a body."""
    return cached(request, await programmes.programmes(session, page=paging))


@router.get("/programmes/{programme}", response_model=wire.Programme, responses=NOT_FOUND)
async def get_programme(request: Request, session: DbSession, programme: ProgrammeCode) -> Response:
    """One programme with its funds and their amounts (e.g. ERDF 47 MEUR and Norwegian state funds
    16 MEUR for Interreg Sverige–Norge), fixed exchange rates, sub-areas and texts."""
    return cached(request, await programmes.programme_detail(session, programme=programme))


@router.get("/programmes/{programme}/funds", response_model=Page[wire.Fund], responses=NOT_FOUND)
async def list_funds(request: Request, session: DbSession, programme: ProgrammeCode, paging: Paging) -> Response:
    """The programme's funds (budget holders) with their amounts."""
    return cached(request, await programmes.funds(session, programme=programme, page=paging))


@router.get("/programmes/{programme}/priorities", response_model=Page[wire.Priority], responses=NOT_FOUND)
async def list_priorities(request: Request, session: DbSession, programme: ProgrammeCode, paging: Paging) -> Response:
    """The priorities, each with its share of the programme (a decimal string such as `"0.42"`), its
    total financing (money) and the codes of its specific objectives."""
    return cached(request, await programmes.priorities(session, programme=programme, page=paging))


@router.get(
    "/programmes/{programme}/specific-objectives", response_model=Page[wire.SpecificObjective], responses=NOT_FOUND
)
async def list_specific_objectives(
    request: Request,
    session: DbSession,
    programme: ProgrammeCode,
    paging: Paging,
    priority: Annotated[
        Annotated[str, Bounded(64, min_length=1)] | None,
        Query(description="Only the objectives of this priority", examples=["2"]),
    ] = None,
) -> Response:
    """The specific objectives (specifika mål / innsatsområder) with every text: title, description,
    target groups, effects and examples, in each language the programme has."""
    page = await programmes.specific_objectives(session, programme=programme, priority=priority, page=paging)
    return cached(request, page)


@router.get(
    "/programmes/{programme}/specific-objectives/{code}", response_model=wire.SpecificObjective, responses=NOT_FOUND
)
async def get_specific_objective(
    request: Request,
    session: DbSession,
    programme: ProgrammeCode,
    code: Annotated[str, Bounded(64, min_length=1), Path(description="Specific objective code", examples=["2B"])],
) -> Response:
    """One specific objective."""
    return cached(request, await programmes.specific_objective_detail(session, programme=programme, code=code))


@router.get("/programmes/{programme}/regions", response_model=Page[wire.Region], responses=NOT_FOUND)
async def list_regions(
    request: Request,
    session: DbSession,
    programme: ProgrammeCode,
    paging: Paging,
    valid_on: Annotated[
        dt.date | None, Query(description="Only regions valid on this day", examples=["2024-06-01"])
    ] = None,
    country: Annotated[
        str | None, Query(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, upper case", examples=["NO"])
    ] = None,
) -> Response:
    """The NUTS regions of the programme area with their validity: a region that ended (Viken,
    NO082, on 2023-12-31) names its successors, and the successors name it as predecessor."""
    page = await programmes.regions(session, programme=programme, valid_on=valid_on, country=country, page=paging)
    return cached(request, page)


@router.get("/programmes/{programme}/project-types", response_model=Page[wire.ProjectType], responses=NOT_FOUND)
async def list_project_types(
    request: Request, session: DbSession, programme: ProgrammeCode, paging: Paging
) -> Response:
    """The project types (pre-project, main project, small-scale project) with their maximum duration."""
    return cached(request, await programmes.project_types(session, programme=programme, page=paging))


@router.get(
    "/programmes/{programme}/organisation-types", response_model=Page[wire.OrganisationType], responses=NOT_FOUND
)
async def list_organisation_types(
    request: Request, session: DbSession, programme: ProgrammeCode, paging: Paging
) -> Response:
    """The kinds of organisation, and whether each may apply (sole proprietorships and private persons may not)."""
    return cached(request, await programmes.organisation_types(session, programme=programme, page=paging))


@router.get("/programmes/{programme}/calls", response_model=Page[wire.Call], responses=NOT_FOUND)
async def list_calls(
    request: Request,
    session: DbSession,
    now: Now,
    programme: ProgrammeCode,
    paging: Paging,
    status: Annotated[wire.CallStatus | None, Query(description="Only calls with this status")] = None,
) -> Response:
    """The programme's calls in order of opening. `status` (planned, open, closed) is derived from
    `opens_at`/`closes_at` and the server's clock; a call with `closes_at` null is a rolling call,
    open from its opening on."""
    return cached(request, await calls.calls(session, programme=programme, status=status, now=now, page=paging))


@router.get("/calls/{call_id}", response_model=wire.Call, responses=NOT_FOUND)
async def get_call(request: Request, session: DbSession, now: Now, call_id: CallId) -> Response:
    """One call, with its current status."""
    return cached(request, await calls.get_call(session, call=call_id, now=now))


async def search_paging(
    limit: Annotated[int, Query(ge=1, le=100, description="Most hits to return")] = 20,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_CURSOR_LENGTH,
            description="The `next_cursor` of the previous page",
        ),
    ] = None,
) -> PageParams:
    """Search pages are smaller than other lists' (at most 100 hits, 20 by default)."""
    return PageParams(limit=limit, cursor=cursor)


@router.get("/search", response_model=Page[wire.SearchHit], responses=NOT_FOUND)
async def search_catalogue(
    request: Request,
    session: DbSession,
    q: Annotated[
        str,
        Bounded(200, min_length=1),
        Query(
            description='Words to find; "quoted phrase", -excluded and `or` are understood',
            examples=["cirkulär ekonomi"],
        ),
    ],
    paging: Annotated[PageParams, Depends(search_paging)],
    programme: Annotated[
        Annotated[str, Bounded(100, min_length=1)] | None,
        Query(description="Only this programme", examples=["interreg-se-no-2021-2027"]),
    ] = None,
    lang: Annotated[
        Language | None,
        Query(description="Only texts in this language (the query is stemmed in it); default: all languages"),
    ] = None,
) -> Response:
    """Full-text search over every catalogue text: programme names, vision and description, priorities,
    specific objectives (all fields including examples), regions, project and organisation types, funds,
    example projects and calls. Words are stemmed per language (Swedish, Norwegian, Danish, English), so
    `arbetsmarknaden` finds `arbetsmarknadens`. Hits are ranked, titles above bodies; the snippet marks
    matched words with [ and ]. One hit per entry and language; a call's `code` is its id."""
    page = await answers.search_catalogue(session, q=q, programme=programme, language=lang, page=paging)
    return cached(request, page)
