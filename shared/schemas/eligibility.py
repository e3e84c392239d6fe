"""The eligibility report (`POST /v1/checks`), stored by the applications service with each version."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.problems import FieldError
from shared.schemas.applications import CheckRequest

Severity = Literal["error", "warning"]


class RuleSetRef(BaseModel):
    id: str = Field(examples=["interreg-se-no-2021-2027"])
    version: int = Field(examples=[1])


class RuleResult(BaseModel):
    rule: str = Field(examples=["co-financing-se"])
    passed: bool
    severity: Severity
    message: str = Field(description="In the language of Accept-Language (sv, nb, en)")
    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="The figures the rule used, decimals as strings",
        examples=[{"partner": "Region Värmland", "erdf_share": "0.66", "limit": "0.65"}],
    )


class Report(BaseModel):
    eligible: bool = Field(description="True when no rule of severity error failed")
    rule_set: RuleSetRef
    as_of: dt.date
    language: str
    results: list[RuleResult]


CHECK_BATCH_MAX = 200
"""The most applications one `POST /v1/checks/batch` holds."""


class CheckBatch(BaseModel):
    """`POST /v1/checks/batch`: several applications, each checked as `POST /v1/checks` checks it."""

    items: list[CheckRequest] = Field(min_length=1, max_length=CHECK_BATCH_MAX)


class CheckProblem(BaseModel):
    """The problem of one application of a batch: what its check alone answers as problem+json."""

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str | None
    errors: list[FieldError] | None


class CheckBatchItem(BaseModel):
    """One application's answer, at its place in the batch: its report (`status` 200), or the problem a
    `POST /v1/checks` of it alone would have answered (e.g. 422 for a programme without rules, 503 when
    the catalogue cannot be reached)."""

    status: int = Field(description="200, or the problem's status", examples=[200])
    report: Report | None = Field(default=None, description="The report, when `status` is 200")
    problem: CheckProblem | None = Field(default=None, description="The problem, when `status` is not 200")


class CheckBatchReport(BaseModel):
    items: list[CheckBatchItem] = Field(description="One answer per application, in the batch's order")
