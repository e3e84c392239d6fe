"""Typed client of the catalogue (the only upstream): the programme definitions that `sync` records."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.http import ETagCache
from shared.problems import UpstreamError
from shared.schemas import catalogue as cat

T = TypeVar("T", bound=BaseModel)
SERVICE = "catalogue"


class CatalogueClient:
    """`GET /v1/programmes…` of the catalogue, revalidated with ETags; failures are `UpstreamError` (503)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.cache = ETagCache(client, SERVICE)

    async def _get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        status, data = await self.cache.get_json(url, params)
        if status != 200:
            raise UpstreamError(f"the catalogue answered {status} for {url}", service=SERVICE)
        return data

    async def _all(self, url: str, model: type[T]) -> list[T]:
        items: list[T] = []
        cursor: str | None = None
        adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
        while True:
            params: dict[str, Any] = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = await self._get(url, params)
            try:
                items.extend(adapter.validate_python(page["items"]))
            except (ValidationError, KeyError, TypeError) as exc:
                raise UpstreamError(
                    f"the catalogue's {url} is not a page of {model.__name__}: {exc}", service=SERVICE
                ) from None
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    async def programme_codes(self) -> list[str]:
        return [p.code for p in await self._all("/v1/programmes", cat.ProgrammeSummary)]

    async def programme(self, code: str) -> cat.Programme:
        data = await self._get(f"/v1/programmes/{code}")
        try:
            return cat.Programme.model_validate(data)
        except ValidationError as exc:
            raise UpstreamError(f"the catalogue's programme {code} is not valid: {exc}", service=SERVICE) from None

    async def priorities(self, code: str) -> list[cat.Priority]:
        return await self._all(f"/v1/programmes/{code}/priorities", cat.Priority)

    async def specific_objectives(self, code: str) -> list[cat.SpecificObjective]:
        return await self._all(f"/v1/programmes/{code}/specific-objectives", cat.SpecificObjective)

    async def definition(self, code: str) -> tuple[cat.Programme, list[cat.Priority], list[cat.SpecificObjective]]:
        """Everything `sync` needs of one programme."""
        return await self.programme(code), await self.priorities(code), await self.specific_objectives(code)
