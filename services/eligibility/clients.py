"""Typed client of the catalogue service: the reference data the rules read, cached with ETags.

Every read revalidates with `If-None-Match` (a 304 costs no body), so a change in the catalogue is seen at
once; an unreachable catalogue or an answer that does not parse is an `UpstreamError` (503): a check never
passes silently on missing reference data.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, ValidationError

from shared.http import ETagCache
from shared.problems import UpstreamError
from shared.schemas.catalogue import Call, OrganisationType, Programme, ProjectType, Region

M = TypeVar("M", bound=BaseModel)
SERVICE = "catalogue"
MAX_PAGES = 50


class CatalogueClient:
    """Reads of `GET /v1/programmes/{programme}[/regions|/organisation-types|/project-types]` and
    `GET /v1/calls/{call_id}`."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.cache = ETagCache(client, SERVICE)

    @staticmethod
    def _parse(model: type[M], data: Any, what: str) -> M:
        try:
            return model.model_validate(data)
        except ValidationError:
            raise UpstreamError(f"the catalogue answered a {what} this service cannot read", service=SERVICE) from None

    def _unexpected(self, status: int, what: str) -> UpstreamError:
        return UpstreamError(f"the catalogue answered {status} for {what}", service=SERVICE)

    async def programme(self, code: str) -> Programme | None:
        """The programme, or None when the catalogue does not know it."""
        status, data = await self.cache.get_json(f"/v1/programmes/{code}")
        if status == 404:
            return None
        if status != 200:
            raise self._unexpected(status, f"programme {code}")
        return self._parse(Programme, data, "programme")

    async def _list(self, url: str, model: type[M], what: str) -> list[M]:
        items: list[M] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            status, data = await self.cache.get_json(url, params)
            if status != 200 or not isinstance(data, dict) or not isinstance(data.get("items"), list):
                raise self._unexpected(status, what)
            items.extend(self._parse(model, item, what) for item in data["items"])
            cursor = data.get("next_cursor")
            if not cursor:
                return items
        raise UpstreamError(f"the catalogue's {what} did not end after {MAX_PAGES} pages", service=SERVICE)

    async def regions(self, programme: str) -> list[Region]:
        return await self._list(f"/v1/programmes/{programme}/regions", Region, "region list")

    async def organisation_types(self, programme: str) -> list[OrganisationType]:
        return await self._list(
            f"/v1/programmes/{programme}/organisation-types", OrganisationType, "organisation type list"
        )

    async def project_types(self, programme: str) -> list[ProjectType]:
        return await self._list(f"/v1/programmes/{programme}/project-types", ProjectType, "project type list")

    async def call(self, call_id: UUID) -> Call | None:
        """The call, or None when the catalogue does not know it (the call-open rule then fails)."""
        status, data = await self.cache.get_json(f"/v1/calls/{call_id}")
        if status == 404:
            return None
        if status != 200:
            raise self._unexpected(status, f"call {call_id}")
        return self._parse(Call, data, "call")
