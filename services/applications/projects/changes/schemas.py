"""Request and response models of change requests (one component per model)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.applications.projects.changes.diff import ChangeDiff, ChangeType
from shared.money import Money
from shared.text import Bounded

EXAMPLE: dict[str, Any] = {
    "type": "budget-reallocation",
    "justification": "The test bench costs less than planned; the staff time it saves goes to the pilot.",
    "diff": {
        "budget": [
            {"partner": 1, "category": "equipment", "amount": {"amount": "50000.00", "currency": "EUR"}},
            {"partner": 1, "category": "staff", "amount": {"amount": "450000.00", "currency": "EUR"}},
        ]
    },
}


class ChangeRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})
    type: ChangeType
    justification: Annotated[str, Bounded(4000, min_length=1)]
    diff: ChangeDiff


class AssessmentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"recommendation": "approve", "comment": "Within the call's aims."}]},
    )
    recommendation: Literal["approve", "reject"]
    comment: Annotated[str, Bounded(4000, min_length=1)]


class ChangeDecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "approved", "reason": "As assessed.", "committee_reference": "ÖK 2025-03-14 §7"}]
        },
    )
    decision: Literal["approved", "rejected"]
    reason: Annotated[str, Bounded(2000, min_length=1)]
    committee_reference: Annotated[str, Bounded(200, min_length=1)] | None = Field(
        default=None, description="The committee's minutes where the committee decided (else the officer's decision)"
    )


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Bounded(2000, min_length=1)] | None = None


class FundMove(BaseModel):
    fund: str
    amount: Money


class ChangeMoney(BaseModel):
    increase: list[FundMove] = Field(description="What each fund rises by (the budget is asked, all funds or none)")
    release: list[FundMove] = Field(description="What each fund falls by (released)")
    state: Literal["none", "pending", "accepted", "refused"]
    detail: str | None = Field(description="The budget's refusal")
    facts: dict[str, Any] = Field(description="The budget's figures of a refusal: fund, priority, asked, available")


class ChangeRequestOut(BaseModel):
    id: str
    project_id: str
    number: int
    type: ChangeType
    status: str
    justification: str
    diff: dict[str, Any]
    parts: list[str] = Field(description="What of the project it changes: two open requests sharing a part conflict")
    sides: list[str] = Field(description="The sides whose owners submit it")
    submitted: dict[str, dict[str, str]]
    base_version: int = Field(description="The approved version it was made against")
    checked_version: int | None = Field(description="The approved version its resulting version was made from")
    eligible: bool | None = Field(description="The eligibility rules on the resulting version (null before the check)")
    report: dict[str, Any] | None = Field(description="The eligibility report of the resulting version")
    flexibility: dict[str, Any] | None = Field(description="A reallocation against the programme's flexibility")
    assessment: dict[str, Any] | None
    decision: dict[str, Any] | None
    money: ChangeMoney | None
    version: int | None = Field(description="The approved version its approval made")
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
