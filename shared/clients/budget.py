"""The one client of the budget service's commitments (`POST /v1/commitments`, `…/release`) and claims
(`POST /v1/claims`, `GET /v1/claims?commitment_id=`), used by applications.

A refusal of a commitment (409: not enough money left on a fund and priority) is the caller's to
judge, so it is `CommitmentRefused` carrying the budget's reason and facts; every other answer that
is not usable is an `UpstreamError` (503 naming the budget service).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from shared.clients._answers import detail_of, problem_of, segment
from shared.http import call
from shared.pagination import Page
from shared.problems import UpstreamError
from shared.schemas.budget import (
    BudgetReport,
    Claim,
    ClaimRequest,
    Commitment,
    CommitmentLineIn,
    CommitmentRequest,
    ConversionRate,
    IncreaseRequest,
    ReleaseRequest,
)

SERVICE = "budget"
M = TypeVar("M", bound=BaseModel)
REFUSAL_FACTS = ("fund", "priority", "asked", "available")
"""The fields of the budget's refusal problem that say what was short."""


class ClaimConflict(Exception):
    """The budget holds a claim with this business key and other figures (409): a permanent failure, never
    retried — the claim's figures are the report's, so a second set means a bug to look at."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class CommitmentRefused(Exception):
    """The budget refused a commitment (409): its `detail`, and the `facts` it gave (fund, priority,
    asked, available; only those present)."""

    def __init__(self, detail: str, facts: dict[str, Any]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.facts = facts


@dataclass(frozen=True)
class RateMissing:
    """The budget has no rate for `currency` in `month` (it would refuse a commitment): an admin sets it."""

    currency: str
    month: str
    detail: str


def _refusal(response: httpx.Response) -> CommitmentRefused:
    """The budget's 409 on a commitment or an increase: its detail and the facts it gave."""
    problem = problem_of(response)
    return CommitmentRefused(detail_of(response), {k: problem[k] for k in REFUSAL_FACTS if k in problem})


def _made(response: httpx.Response, model: type[M], *, answered: str, unreadable: str) -> M:
    """The created (201) or existing (200) resource of a keyed write; any other answer, or one that does not
    parse as `model`, an `UpstreamError` (503 naming the budget)."""
    if response.status_code not in (200, 201):
        raise UpstreamError(
            f"the budget service answered {response.status_code}{answered}: {detail_of(response)}", service=SERVICE
        )
    try:
        return model.model_validate(response.json())
    except (ValueError, ValidationError):
        raise UpstreamError(
            f"the budget service answered {unreadable} this service cannot read", service=SERVICE
        ) from None


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
            raise _refusal(response)
        return _made(response, Commitment, answered="", unreadable="a commitment")

    async def commitments(self, programme: str, *, bearer: str) -> list[Commitment]:
        """Every commitment of a programme (all pages), newest first."""
        out: list[Commitment] = []
        params: dict[str, str | int] = {"programme": programme, "limit": 500}
        while True:
            response = await call(
                self.client,
                SERVICE,
                "GET",
                "/v1/commitments",
                params=params,
                headers={"Authorization": f"Bearer {bearer}"},
            )
            if response.status_code != 200:
                raise UpstreamError(
                    f"the budget service answered {response.status_code}: {detail_of(response)}", service=SERVICE
                )
            try:
                page = Page[Commitment].model_validate(response.json())
            except (ValueError, ValidationError):
                raise UpstreamError(
                    "the budget service answered a list this service cannot read", service=SERVICE
                ) from None
            out.extend(page.items)
            if not page.next_cursor:
                return out
            params = {**params, "cursor": page.next_cursor}

    async def report(self, programme: str) -> BudgetReport:
        """The programme's budget per fund and priority (`GET /v1/programmes/{p}/budget`, public)."""
        response = await call(self.client, SERVICE, "GET", f"/v1/programmes/{segment(programme)}/budget")
        if response.status_code != 200:
            raise UpstreamError(
                f"the budget service answered {response.status_code} for the budget of {programme}", service=SERVICE
            )
        try:
            return BudgetReport.model_validate(response.json())
        except (ValueError, ValidationError):
            raise UpstreamError(
                "the budget service answered a budget this service cannot read", service=SERVICE
            ) from None

    async def conversion_rate(self, programme: str, currency: str, at: dt.datetime) -> ConversionRate | RateMissing:
        """The rate the budget converts `currency` at for `programme` at the instant `at`
        (`GET /v1/programmes/{p}/conversion-rates/{currency}?at=`): its month is the budget's to choose.
        `RateMissing` (naming the month: the budget's 404 `missing-exchange-rate`) when the budget has none and would refuse a commitment."""
        path = f"/v1/programmes/{segment(programme)}/conversion-rates/{segment(currency)}"
        response = await call(self.client, SERVICE, "GET", path, params={"at": at.isoformat()})
        if response.status_code == 404:
            problem = problem_of(response)
            month = problem.get("month")
            if str(problem.get("type", "")).endswith("/missing-exchange-rate") and isinstance(month, str):
                return RateMissing(currency=currency, month=month, detail=detail_of(response))
        if response.status_code != 200:
            raise UpstreamError(f"the budget service answered {response.status_code} for {path}", service=SERVICE)
        try:
            return ConversionRate.model_validate_json(response.content)
        except ValidationError:
            raise UpstreamError(f"the budget service answered {path} unreadably", service=SERVICE) from None

    async def increase(
        self, commitment_id: str, request: IncreaseRequest, *, bearer: str, idempotency_key: str
    ) -> Commitment:
        """Raise a project's commitment (all funds or none); a refusal (409, no room) is `CommitmentRefused`
        with the budget's figures."""
        response = await call(
            self.client,
            SERVICE,
            "POST",
            f"/v1/commitments/{segment(commitment_id)}/increases",
            json=request.model_dump(mode="json"),
            headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": idempotency_key},
        )
        if response.status_code == 409:
            raise _refusal(response)
        return _made(response, Commitment, answered=" to an increase", unreadable="a commitment")

    async def release(
        self,
        commitment_id: str,
        *,
        reason: str,
        bearer: str,
        idempotency_key: str,
        lines: list[CommitmentLineIn] | None = None,
        key: str | None = None,
    ) -> None:
        """Release all that remains of a commitment, or `lines` of it (keyed by `key`). One already released
        (409) or gone (404) counts as done."""
        response = await call(
            self.client,
            SERVICE,
            "POST",
            f"/v1/commitments/{segment(commitment_id)}/release",
            json=ReleaseRequest(reason=reason, lines=lines, key=key).model_dump(mode="json", exclude_none=True),
            headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": idempotency_key},
        )
        if response.status_code in (200, 201, 404, 409):
            return
        raise UpstreamError(
            f"the budget service answered {response.status_code} to a release: {detail_of(response)}",
            service=SERVICE,
        )

    async def claim(self, request: ClaimRequest, *, bearer: str, idempotency_key: str) -> Claim:
        """Submit a claim (201 new, 200 the existing one of the same key and figures); 409 (the key holds other
        figures) is `ClaimConflict`, anything else unusable an `UpstreamError`."""
        response = await call(
            self.client,
            SERVICE,
            "POST",
            "/v1/claims",
            json=request.model_dump(mode="json"),
            headers={"Authorization": f"Bearer {bearer}", "Idempotency-Key": idempotency_key},
        )
        if response.status_code == 409:
            raise ClaimConflict(detail_of(response))
        return _made(response, Claim, answered=" to a claim", unreadable="a claim")

    async def claims(self, commitment_id: str, *, bearer: str) -> list[Claim]:
        """Every claim on a commitment (all pages, `GET /v1/claims?commitment_id=`)."""
        out: list[Claim] = []
        params: dict[str, str | int] = {"commitment_id": commitment_id, "limit": 500}
        while True:
            response = await call(
                self.client, SERVICE, "GET", "/v1/claims", params=params, headers={"Authorization": f"Bearer {bearer}"}
            )
            if response.status_code != 200:
                raise UpstreamError(
                    f"the budget service answered {response.status_code} for the claims: {detail_of(response)}",
                    service=SERVICE,
                )
            try:
                page = Page[Claim].model_validate(response.json())
            except (ValueError, ValidationError):
                raise UpstreamError(
                    "the budget service answered claims this service cannot read", service=SERVICE
                ) from None
            out.extend(page.items)
            if not page.next_cursor:
                return out
            params = {**params, "cursor": page.next_cursor}
