"""The one client of the catalogue service, used by applications, eligibility and budget.

Reads are reference data: each GET goes through an `ETagCache` (fresh for the catalogue's
`Cache-Control: max-age`, at most 10 s, then revalidated with `If-None-Match`), lists are read to the
end page by page (500 a page, at most `MAX_PAGES`), and every answer is parsed into the wire models of
`shared.schemas.catalogue`. A missing item is `None` where the caller must judge it (a call the
applicant named); everything else that is not a usable answer is an `UpstreamError` (503 naming the
catalogue), so nothing downstream passes silently on missing reference data.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

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


class CatalogueClient:
    """Typed reads of `GET /v1/programmes…` and `GET /v1/calls/{id}` of the catalogue."""

    def __init__(self, client: httpx.AsyncClient, *, max_fresh_seconds: float = 10.0) -> None:
        self.client = client
        self.cache = ETagCache(client, SERVICE, max_fresh_seconds=max_fresh_seconds)

    @staticmethod
    def _parse(model: type[M], data: Any, what: str) -> M:
        try:
            return model.model_validate(data)
        except ValidationError:
            raise UpstreamError(f"the catalogue answered a {what} this service cannot read", service=SERVICE) from None

    async def _one(self, url: str, model: type[M], what: str) -> M | None:
        status, data = await self.cache.get_json(url)
        if status == 404:
            return None
        if status != 200:
            raise UpstreamError(f"the catalogue answered {status} for {what}", service=SERVICE)
        return self._parse(model, data, what)

    async def _list(self, url: str, model: type[M], what: str) -> list[M]:
        adapter: TypeAdapter[list[M]] = _list_adapter(model)
        items: list[M] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            status, data = await self.cache.get_json(url, params)
            if status != 200 or not isinstance(data, dict):
                raise UpstreamError(f"the catalogue answered {status} for the {what}", service=SERVICE)
            try:
                items.extend(adapter.validate_python(data.get("items")))
            except ValidationError:
                raise UpstreamError(
                    f"the catalogue answered a {what} this service cannot read", service=SERVICE
                ) from None
            cursor = data.get("next_cursor")
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
        return await self._one(f"/v1/programmes/{code}", Programme, f"programme {code}")

    async def require_programme(self, code: str) -> Programme:
        """The programme; an unknown one is an `UpstreamError` (the caller relied on it existing)."""
        return await self._required(f"/v1/programmes/{code}", Programme, f"programme {code}")

    async def priorities(self, programme: str) -> list[Priority]:
        return await self._list(f"/v1/programmes/{programme}/priorities", Priority, "priority list")

    async def specific_objectives(self, programme: str) -> list[SpecificObjective]:
        return await self._list(
            f"/v1/programmes/{programme}/specific-objectives", SpecificObjective, "specific objective list"
        )

    async def specific_objective(self, programme: str, code: str) -> SpecificObjective | None:
        return await self._one(
            f"/v1/programmes/{programme}/specific-objectives/{code}",
            SpecificObjective,
            f"specific objective {code} of {programme}",
        )

    async def regions(self, programme: str) -> list[Region]:
        return await self._list(f"/v1/programmes/{programme}/regions", Region, "region list")

    async def organisation_types(self, programme: str) -> list[OrganisationType]:
        return await self._list(
            f"/v1/programmes/{programme}/organisation-types", OrganisationType, "organisation type list"
        )

    async def project_types(self, programme: str) -> list[ProjectType]:
        return await self._list(f"/v1/programmes/{programme}/project-types", ProjectType, "project type list")

    async def call(self, call_id: UUID | str) -> Call | None:
        """The call with its status at the catalogue's clock, or None when the catalogue has no such call."""
        return await self._one(f"/v1/calls/{call_id}", Call, f"call {call_id}")
