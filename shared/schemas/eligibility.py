"""The eligibility report (`POST /v1/checks`), stored by the applications service with each version."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

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
