"""The one client of the eligibility service (`POST /v1/checks`, `POST /v1/checks/batch`), used by applications.

A report is asked for the application's content at an instant (`at`, the caller's clock; `as_of` its day); a
failed rule is a report like any other (200, `eligible: false`). Anything that is not a readable
report is an `UpstreamError` (503 naming the eligibility service), so a submission fails closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import httpx
import orjson
from pydantic import ValidationError

from shared.clients._answers import detail_of, problem_of
from shared.http import call
from shared.problems import ProblemError, UpstreamError, UpstreamRefused
from shared.schemas.applications import ApplicationContent, CheckRequest
from shared.schemas.eligibility import CheckBatchReport, Report
from shared.schemas.state_aid import AidRate, GrantedAid

SERVICE = "eligibility"
REFUSED = (400, 404, 409, 422)
"""The statuses by which the service refuses what it was asked to check (anything else but 200 is a failure)."""


class EligibilityClient:
    """Typed `POST /v1/checks` of the eligibility service."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def check(
        self,
        content: ApplicationContent,
        *,
        at: dt.datetime,
        as_of: dt.date,
        accept_language: str | None,
        granted_aid: Sequence[GrantedAid] = (),
        aid_rates: Sequence[AidRate] = (),
        rule_kinds: Sequence[str] | None = None,
    ) -> Report:
        """The eligibility report of `content` at the instant `at`, on the day `as_of` (a failed check is a 200 too).
        `granted_aid`: the aid the programme already granted to the partners' organisations; `aid_rates`: the
        EUR rates of the grant months; `rule_kinds`: only the rules of these kinds (None: all)."""
        body = CheckRequest(
            **content.model_dump(),
            as_of=as_of,
            at=at,
            granted_aid=list(granted_aid),
            aid_rates=list(aid_rates),
            rule_kinds=None if rule_kinds is None else list(rule_kinds),
        ).model_dump(mode="json")
        for name, unset in (("aid_rates", []), ("rule_kinds", None)):
            if body[name] == unset:  # the request as before these existed
                del body[name]
        headers = {"Accept-Language": accept_language} if accept_language else {}
        response = await call(self.client, SERVICE, "POST", "/v1/checks", json=body, headers=headers)
        if response.status_code in REFUSED:  # the check's content is what the service refused
            problem = problem_of(response)
            raise UpstreamRefused(
                f"the eligibility service refused the check ({response.status_code}): {detail_of(response)}",
                service=SERVICE,
                upstream_status=response.status_code,
                upstream_type=problem.get("type"),
            )
        if response.status_code != 200:
            raise UpstreamError(
                f"the eligibility service answered {response.status_code}: {detail_of(response)}", service=SERVICE
            )
        try:
            return Report.model_validate(response.json())
        except (ValueError, ValidationError):
            raise UpstreamError(
                "the eligibility service answered a report this service cannot read", service=SERVICE
            ) from None

    async def check_many(self, items: Sequence[bytes], *, accept_language: str | None) -> list[Report | ProblemError]:
        """The reports of several check requests (each a `POST /v1/checks` body as JSON text, e.g. the content
        stored at a submission with its `at` and `as_of`) in one `POST /v1/checks/batch`: per item, in order,
        its report or the error its single check would raise (`UpstreamRefused`, `UpstreamError`). A batch the
        service refuses as a whole (a body that does not validate, or too large: 413) raises `UpstreamRefused`:
        each request may then be sent alone, to learn which one it was; one it cannot answer, `UpstreamError`."""
        headers = {"Content-Type": "application/json"}
        if accept_language:
            headers["Accept-Language"] = accept_language
        body = b'{"items":[' + b",".join(items) + b"]}"
        response = await call(self.client, SERVICE, "POST", "/v1/checks/batch", content=body, headers=headers)
        if response.status_code in (*REFUSED, 413):
            raise UpstreamRefused(
                f"the eligibility service refused the batch ({response.status_code}): {detail_of(response)}",
                service=SERVICE,
                upstream_status=response.status_code,
                upstream_type=problem_of(response).get("type"),
            )
        try:  # parsed first, then validated: a third of what validating the JSON text costs for 7 KB reports
            answered = CheckBatchReport.model_validate(orjson.loads(response.content)).items
        except (ValueError, ValidationError):  # orjson.JSONDecodeError is a ValueError
            answered = None
        if answered is None or len(answered) != len(items):
            raise UpstreamError(
                f"the eligibility service answered the batch {response.status_code} without a report for each "
                f"check: {detail_of(response)}",
                service=SERVICE,
            )
        out: list[Report | ProblemError] = []
        for item in answered:
            if item.status == 200 and item.report is not None:
                out.append(item.report)
                continue
            detail = (item.problem.detail or item.problem.title) if item.problem else "no report"
            if item.status in REFUSED:
                out.append(
                    UpstreamRefused(
                        f"the eligibility service refused the check ({item.status}): {detail}",
                        service=SERVICE,
                        upstream_status=item.status,
                        upstream_type=item.problem.type if item.problem else None,
                    )
                )
            else:
                out.append(UpstreamError(f"the eligibility service answered {item.status}: {detail}", service=SERVICE))
        return out
