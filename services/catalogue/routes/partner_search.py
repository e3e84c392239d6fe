"""Tag `partner search`: organisations publish a profile or a project idea (any token), everyone searches
them (public), the author lists and withdraws its own. Never kept in the catalogue's answer cache."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query
from fastapi.responses import JSONResponse, Response

from services.catalogue.partners import entries
from services.catalogue.partners.schemas import ENTRY_EXAMPLE, EntryIn, EntryKind, EntryOut
from shared.app import DbSession
from shared.auth import CurrentPrincipal
from shared.clock import Now
from shared.i18n import negotiate
from shared.idempotency import Idempotency
from shared.pagination import Page, Paging
from shared.problems import problem_responses
from shared.text import Bounded

TAG = "partner search"
router = APIRouter(prefix="/v1/partner-search", tags=[TAG])
EntryId = Annotated[uuid.UUID, Path(description="The entry's id", examples=["3d1f7a52-8c0e-4b6a-9a47-2f5d1e0c9b84"])]
Code = Annotated[str, Bounded(64, min_length=1)]
AcceptLanguage = Annotated[
    Annotated[str, Bounded(200)] | None,
    Header(alias="Accept-Language", description="sv, nb or en: the language of refusals (default en)"),
]
OUT_EXAMPLE: dict[str, Any] = {
    **{k: v for k, v in ENTRY_EXAMPLE.items() if k != "contact"},
    "id": "3d1f7a52-8c0e-4b6a-9a47-2f5d1e0c9b84",
    "status": "published",
    "contact": {"name": "Karin Lund", "email": "karin.lund@example.se"},
    "published_at": "2026-12-07T09:30:00Z",
    "withdrawn_at": None,
}


async def _filters(
    q: Annotated[
        Annotated[str, Bounded(200, min_length=1)] | None,
        Query(
            description="Words to find, each by its stem (sv, nb, da, en): `cirkulär` finds `cirkulära`; every word "
            "must match (a query without a word matches nothing)"
        ),
    ] = None,
    programme: Annotated[Annotated[str, Bounded(100, min_length=1)] | None, Query(description="Programme")] = None,
    country: Annotated[
        Annotated[str, Bounded(2, min_length=2, pattern=r"^[A-Z]{2}$")] | None, Query(description="ISO 3166-1")
    ] = None,
    specific_objective: Annotated[Code | None, Query(description="A specific objective code", examples=["2B"])] = None,
    organisation_type: Annotated[Code | None, Query(description="An organisation type code")] = None,
    kind: Annotated[EntryKind | None, Query(description="`profile` or `idea`")] = None,
) -> entries.Filters:
    return entries.Filters(
        programme=programme,
        country=country,
        specific_objective=specific_objective,
        organisation_type=organisation_type,
        kind=kind,
        words=entries.query_words(q),
    )


SearchFilters = Annotated[entries.Filters, Depends(_filters)]


@router.post(
    "/entries",
    status_code=201,
    response_model=EntryOut,
    responses={
        **problem_responses(401, 403, 422),
        201: {"description": "Published", "content": {"application/json": {"example": OUT_EXAMPLE}}},
    },
)
async def publish_entry(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    body: Annotated[EntryIn, Body()],
    now: Now,
    accept_language: AcceptLanguage = None,
) -> JSONResponse:
    """Publish a profile or a project idea (any token; its subject is the author). The organisation type,
    region (NUTS, of the entry's country, valid today) and specific objectives are the programme's codes
    (422 naming the field otherwise). A contact is stored only with `consent: true` (a contact without it is
    a 422 on `contact.consent`). Send an `Idempotency-Key` to make a retry safe."""
    return await idempotent(
        work=lambda: entries.publish(idempotent.session, principal, body, now=now, language=negotiate(accept_language)),
        status_code=201,
        headers=lambda b: {"Location": f"/v1/partner-search/entries/{b['id']}"},
    )


@router.get(
    "/entries",
    response_model=Page[EntryOut],
    responses={
        **problem_responses(422),
        200: {"content": {"application/json": {"example": {"items": [OUT_EXAMPLE], "next_cursor": None}}}},
    },
)
async def search_entries(session: DbSession, filters: SearchFilters, params: Paging) -> Page[EntryOut]:
    """Public: published entries, newest first, matching every word of `q` by its stem and every filter.
    Withdrawn entries are not there. A contact shows only because its owner consented."""
    return await entries.search(session, filters, params)


@router.get(
    "/entries.csv",
    response_class=Response,
    responses={**problem_responses(422), 200: {"content": {"text/csv": {}}, "description": "The results as CSV"}},
)
async def export_entries(session: DbSession, filters: SearchFilters) -> Response:
    """Public: the same results as CSV (spreadsheet-safe cells); withdrawn entries are not there."""
    return Response(await entries.csv(session, filters), media_type="text/csv; charset=utf-8")


@router.get("/my-entries", response_model=Page[EntryOut], responses=problem_responses(401, 403, 422))
async def my_entries(session: DbSession, principal: CurrentPrincipal, params: Paging) -> Page[EntryOut]:
    """The caller's own entries, newest first, withdrawn ones too (`status`)."""
    return await entries.mine(session, principal, params)


@router.get("/entries/{entry_id}", response_model=EntryOut, responses=problem_responses(404, 422))
async def get_entry(session: DbSession, entry_id: EntryId, accept_language: AcceptLanguage = None) -> EntryOut:
    """Public: one published entry (404 once withdrawn)."""
    return await entries.read(session, entry_id, language=negotiate(accept_language))


@router.post(
    "/entries/{entry_id}/withdrawal",
    response_model=EntryOut,
    responses=problem_responses(401, 403, 404, 422),
)
async def withdraw_entry(
    idempotent: Idempotency,
    principal: CurrentPrincipal,
    entry_id: EntryId,
    now: Now,
    accept_language: AcceptLanguage = None,
) -> JSONResponse:
    """The author withdraws the entry, at any time (anyone else: 403; no such entry: 404): it is gone from
    results and exports at once and its contact is erased. Withdrawing again answers the same."""
    language = negotiate(accept_language)
    return await idempotent(
        work=lambda: entries.withdraw(idempotent.session, principal, entry_id, now=now, language=language)
    )
