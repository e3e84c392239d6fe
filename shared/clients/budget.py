"""The one client of the budget service's commitments (`POST /v1/commitments`, `…/release`), used by
applications.

A refusal of a commitment (409: not enough money left on a fund and priority) is the caller's to
judge, so it is `CommitmentRefused` carrying the budget's reason and facts; every other answer that
is not usable is an `UpstreamError` (503 naming the budget service).
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from shared.clients._answers import detail_of, problem_of
from shared.http import call
from shared.problems import UpstreamError
from shared.schemas.budget import Commitment, CommitmentRequest, ReleaseRequest

SERVICE = "budget"
REFUSAL_FACTS = ("fund", "priority", "asked", "available")
"""The fields of the budget's refusal problem that say what was short."""


class CommitmentRefused(Exception):
    """The budget refused a commitment (409): its `detail`, and the `facts` it gave (fund, priority,
    asked, available; only those present)."""

    def __init__(self, detail: str, facts: dict[str, Any]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.facts = facts


class BudgetClient:
    """Typed commitments and releases of the budget service, with the caller's bearer token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def commit(self, request: CommitmentRequest, *, bearer: str, idempotency_key: str) -> Commitment:
        """Commit the lines (all or none); a refusal (409) is `CommitmentRefused`."""
        response = await call(
            self.client,
            SERVICE,
            "POST",
            "/v1/commitments",
            json=request.model_dump(mode="json"),
            headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": idempotency_key},
        )
        if response.status_code == 409:
            problem = problem_of(response)
            raise CommitmentRefused(detail_of(response), {k: problem[k] for k in REFUSAL_FACTS if k in problem})
        if response.status_code not in (200, 201):
            raise UpstreamError(
                f"the budget service answered {response.status_code}: {detail_of(response)}", service=SERVICE
            )
        try:
            return Commitment.model_validate(response.json())
        except (ValueError, ValidationError):
            raise UpstreamError(
                "the budget service answered a commitment this service cannot read", service=SERVICE
            ) from None

    async def release(self, commitment_id: str, *, reason: str, bearer: str, idempotency_key: str) -> None:
        """Release all that remains of a commitment. One already released (409) or gone (404) counts as done."""
        response = await call(
            self.client,
            SERVICE,
            "POST",
            f"/v1/commitments/{commitment_id}/release",
            json=ReleaseRequest(reason=reason).model_dump(mode="json", exclude_none=True),
            headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": idempotency_key},
        )
        if response.status_code in (200, 201, 404, 409):
            return
        raise UpstreamError(
            f"the budget service answered {response.status_code} to a release: {detail_of(response)}",
            service=SERVICE,
        )
