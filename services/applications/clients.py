"""Typed clients of the upstream services. Every failure to get a usable answer is an `UpstreamError`
(503 problem+json naming the service), so a request that depends on another service fails closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from pydantic import ValidationError

from services.applications.errors import BudgetRefused
from shared.http import ETagCache, call
from shared.problems import UpstreamError
from shared.schemas.applications import ApplicationContent, CheckRequest
from shared.schemas.budget import Commitment, CommitmentRequest, ReleaseRequest
from shared.schemas.catalogue import Call
from shared.schemas.eligibility import Report


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:1000]
    return str(body)[:300]


class CatalogueClient:
    """Reads of the catalogue (reference data, revalidated with ETags)."""

    service = "catalogue"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.cache = ETagCache(client, self.service)

    async def _get(self, url: str) -> dict[str, Any] | None:
        status, data = await self.cache.get_json(url)
        if status == 404:
            return None
        if status != 200 or not isinstance(data, dict):
            raise UpstreamError(f"the catalogue answered {status} for {url}", service=self.service)
        return data

    async def call(self, call_id: str) -> Call | None:
        """The call, or None when the catalogue has no such call."""
        data = await self._get(f"/v1/calls/{call_id}")
        if data is None:
            return None
        try:
            return Call.model_validate(data)
        except ValidationError:
            raise UpstreamError(
                "the catalogue answered a call this service cannot read", service=self.service
            ) from None

    async def reference_prefix(self, programme: str) -> str:
        """The programme's prefix of application references (e.g. SE-NO); its code upper-cased if it has none."""
        data = await self._get(f"/v1/programmes/{programme}")
        if data is None:
            raise UpstreamError(f"the catalogue does not know the programme {programme}", service=self.service)
        return str(data.get("reference_prefix") or programme.upper())

    async def priority_of(self, programme: str, specific_objective: str) -> str:
        """The priority a specific objective belongs to (what the budget is committed against)."""
        data = await self._get(f"/v1/programmes/{programme}/specific-objectives/{specific_objective}")
        if data is None or not data.get("priority"):
            raise UpstreamError(
                f"the catalogue does not know the specific objective {specific_objective} of {programme}",
                service=self.service,
            )
        return str(data["priority"])


class EligibilityClient:
    service = "eligibility"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def check(self, content: ApplicationContent, *, as_of: dt.date, accept_language: str | None) -> Report:
        """The eligibility report of `content` on `as_of` (POST /v1/checks; a failed check is a 200)."""
        body = CheckRequest(**content.model_dump(), as_of=as_of).model_dump(mode="json")
        headers = {"Accept-Language": accept_language} if accept_language else {}
        response = await call(self.client, self.service, "POST", "/v1/checks", json=body, headers=headers)
        if response.status_code != 200:
            raise UpstreamError(
                f"the eligibility service answered {response.status_code}: {_detail(response)}", service=self.service
            )
        try:
            return Report.model_validate(response.json())
        except (ValueError, ValidationError):
            raise UpstreamError(
                "the eligibility service answered a report this service cannot read", service=self.service
            ) from None


class BudgetClient:
    service = "budget"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def commit(self, request: CommitmentRequest, *, bearer: str, idempotency_key: str) -> Commitment:
        """Commit the lines (all or none); a refusal (409) is `BudgetRefused` carrying the budget's reason."""
        response = await call(
            self.client,
            self.service,
            "POST",
            "/v1/commitments",
            json=request.model_dump(mode="json"),
            headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": idempotency_key},
        )
        if response.status_code == 409:
            reason = _detail(response)
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            facts = {
                k: problem[k]
                for k in ("fund", "priority", "asked", "available")
                if isinstance(problem, dict) and k in problem
            }
            raise BudgetRefused(f"the budget service refused the commitment: {reason}", budget_detail=reason, **facts)
        if response.status_code not in (200, 201):
            raise UpstreamError(
                f"the budget service answered {response.status_code}: {_detail(response)}", service=self.service
            )
        try:
            return Commitment.model_validate(response.json())
        except (ValueError, ValidationError):
            raise UpstreamError(
                "the budget service answered a commitment this service cannot read", service=self.service
            ) from None

    async def release(self, commitment_id: str, *, reason: str, bearer: str, idempotency_key: str) -> None:
        """Release all that remains of a commitment. One already released (409) or gone (404) counts as done."""
        response = await call(
            self.client,
            self.service,
            "POST",
            f"/v1/commitments/{commitment_id}/release",
            json=ReleaseRequest(reason=reason).model_dump(mode="json", exclude_none=True),
            headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": idempotency_key},
        )
        if response.status_code in (200, 201, 404, 409):
            return
        raise UpstreamError(
            f"the budget service answered {response.status_code} to a release: {_detail(response)}",
            service=self.service,
        )
