"""The one client of the catalogue service, used by applications, eligibility and budget.

Reads are reference data: each GET goes through an `ETagCache` (fresh for the catalogue's
`Cache-Control: max-age`, at most 10 s, then revalidated with `If-None-Match`), lists are read to the
end page by page (500 a page, at most `MAX_PAGES`), and every answer is parsed into the wire models of
`shared.schemas.catalogue` — once per representation (ETag): the cache keeps the parsed models, so a
fresh or revalidated answer is not validated again. The models answered are shared by every reader and
must not be changed (a list answered is the caller's own). A missing item is `None` where the caller must judge it (a call the
applicant named); everything else that is not a usable answer is an `UpstreamError` (503 naming the
catalogue), so nothing downstream passes silently on missing reference data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar, cast
from uuid import UUID

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.clients._answers import segment
from shared.clock import Monotonic, monotonic
from shared.http import ETagCache
from shared.problems import UpstreamError
from shared.schemas.catalogue import (
    Call,
    OrganisationType,
    Priority,
    Programme,
    ProgrammeSummary,
    ProjectType,
    Region,
    SpecificObjective,
)

M = TypeVar("M", bound=BaseModel)
SERVICE = "catalogue"
MAX_PAGES = 50
PAGE_SIZE = 500


@lru_cache(maxsize=32)
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    """One validator per wire model (building one costs more than validating a list with it)."""
    return TypeAdapter(list[model])  # type: ignore[valid-type]


class _Unreadable(Exception):
    """An answer the wire model cannot read."""


class _NotAPage(Exception):
    """A list answer that is not a page (an object with items)."""


@lru_cache(maxsize=32)
def _one_parser(model: type[BaseModel]) -> Callable[[Any], BaseModel]:
    """The parser of one item's answer: one per model, so the cache keeps its result per answer."""

    def parse(data: Any) -> BaseModel:
        try:
            return model.model_validate(data)
        except ValidationError:
            raise _Unreadable from None

    return parse


Page = tuple[list[Any], str | None]
"""A page of a list: its items (wire models) and the next page's cursor."""


@lru_cache(maxsize=32)
def _page_parser(model: type[BaseModel]) -> Callable[[Any], Page]:
    """The parser of one page of a list answer: one per model."""
    adapter = _list_adapter(model)

    def parse(data: Any) -> Page:
        if not isinstance(data, dict):
            raise _NotAPage
        try:
            items = adapter.validate_python(data.get("items"))
        except ValidationError:
            raise _Unreadable from None
        cursor = data.get("next_cursor")
        return items, cursor if cursor else None

    return parse


class CatalogueClient:
    """Typed reads of `GET /v1/programmes…` and `GET /v1/calls/{id}` of the catalogue."""

    def __init__(
        self, client: httpx.AsyncClient, *, max_fresh_seconds: float = 10.0, now: Monotonic = monotonic
    ) -> None:
        self.client = client
        self.cache = ETagCache(client, SERVICE, max_fresh_seconds=max_fresh_seconds, now=now)

    async def _one(self, url: str, model: type[M], what: str) -> M | None:
        try:
            status, found = await self.cache.get_parsed(url, _one_parser(model))
        except _Unreadable:
            raise UpstreamError(f"the catalogue answered a {what} this service cannot read", service=SERVICE) from None
        if status == 404:
            return None
        if status != 200:
            raise UpstreamError(f"the catalogue answered {status} for {what}", service=SERVICE)
        return cast(M, found)

    async def _list(self, url: str, model: type[M], what: str) -> list[M]:
        parse = _page_parser(model)
        items: list[M] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            try:
                status, page = await self.cache.get_parsed(url, parse, params)
            except _NotAPage:
                raise UpstreamError(f"the catalogue answered 200 for the {what}", service=SERVICE) from None
            except _Unreadable:
                raise UpstreamError(
                    f"the catalogue answered a {what} this service cannot read", service=SERVICE
                ) from None
            if status != 200:
                raise UpstreamError(f"the catalogue answered {status} for the {what}", service=SERVICE)
            found, cursor = cast(Page, page)
            items.extend(found)
            if not cursor:
                return items
        raise UpstreamError(f"the catalogue's {what} did not end after {MAX_PAGES} pages", service=SERVICE)

    async def _required(self, url: str, model: type[M], what: str) -> M:
        found = await self._one(url, model, what)
        if found is None:
            raise UpstreamError(f"the catalogue does not know the {what}", service=SERVICE)
        return found

    async def programme_codes(self) -> list[str]:
        """The codes of every programme the catalogue holds."""
        return [p.code for p in await self._list("/v1/programmes", ProgrammeSummary, "programme list")]

    async def programme(self, code: str) -> Programme | None:
        """The programme with its funds, or None when the catalogue does not know it."""
        return await self._one(f"/v1/programmes/{segment(code)}", Programme, f"programme {code}")

    async def require_programme(self, code: str) -> Programme:
        """The programme; an unknown one is an `UpstreamError` (the caller relied on it existing)."""
        return await self._required(f"/v1/programmes/{segment(code)}", Programme, f"programme {code}")

    async def priorities(self, programme: str) -> list[Priority]:
        return await self._list(f"/v1/programmes/{segment(programme)}/priorities", Priority, "priority list")

    async def specific_objectives(self, programme: str) -> list[SpecificObjective]:
        return await self._list(
            f"/v1/programmes/{segment(programme)}/specific-objectives", SpecificObjective, "specific objective list"
        )

    async def specific_objective(self, programme: str, code: str) -> SpecificObjective | None:
        return await self._one(
            f"/v1/programmes/{segment(programme)}/specific-objectives/{segment(code)}",
            SpecificObjective,
            f"specific objective {code} of {programme}",
        )

    async def regions(self, programme: str) -> list[Region]:
        return await self._list(f"/v1/programmes/{segment(programme)}/regions", Region, "region list")

    async def organisation_types(self, programme: str) -> list[OrganisationType]:
        return await self._list(
            f"/v1/programmes/{segment(programme)}/organisation-types", OrganisationType, "organisation type list"
        )

    async def project_types(self, programme: str) -> list[ProjectType]:
        return await self._list(f"/v1/programmes/{segment(programme)}/project-types", ProjectType, "project type list")

    async def call(self, call_id: UUID | str) -> Call | None:
        """The call with its status at the catalogue's clock, or None when the catalogue has no such call."""
        return await self._one(f"/v1/calls/{segment(str(call_id))}", Call, f"call {call_id}")
