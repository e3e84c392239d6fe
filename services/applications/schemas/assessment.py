"""Request and response models of the assessment and of the committee's decisions (the rest of the
service's models are in `schemas.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.applications.schemas.examples import (
    ASSESSMENT,
    CONDITION,
    GRANT,
    RANKING,
    RESERVE,
    SCORE_EXAMPLE,
    SESSION,
    SESSION_REQUEST,
)
from shared.money import ExactDecimal, Money, NonNegativeMoney
from shared.schemas.assessment import CriteriaSet
from shared.schemas.eligibility import RuleResult, RuleSetRef
from shared.text import Bounded, CodeText

Sub = Annotated[str, Bounded(200, min_length=1)]
Text = Annotated[str, Bounded(4000, min_length=1)]


# --- assessments --------------------------------------------------------------------------------------
class AssignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"assessors": ["anna", "per"]}]})
    assessors: list[Sub] = Field(min_length=1, max_length=10, description="Officers (token subjects) to assess it")


class DeclarationRequest(BaseModel):
    """The assessor's declaration of interests with the application's partner organisations."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"conflict_of_interest": False},
                {
                    "conflict_of_interest": True,
                    "organisations": ["964950113"],
                    "note": "I sit on the board of Kongsvinger kommune's business office.",
                },
            ]
        },
    )
    conflict_of_interest: bool
    organisations: list[Annotated[str, Bounded(40, min_length=1)]] = Field(
        default_factory=list, max_length=100, description="With a conflict: the partners' organisation numbers"
    )
    note: Annotated[str, Bounded(4000)] | None = None

    @model_validator(mode="after")
    def _named(self) -> DeclarationRequest:
        if self.conflict_of_interest != bool(self.organisations):
            raise ValueError("a conflict names the partner organisations concerned; no conflict names none")
        return self


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SCORE_EXAMPLE]})
    criterion: CodeText
    score: int = Field(ge=0, le=100, description="Whole points on the set's scale")
    justification: Text


class ScoresRequest(BaseModel):
    """Every criterion of the set, scored and justified; submitting makes the assessment final."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"scores": [SCORE_EXAMPLE]}]})
    scores: list[ScoreIn] = Field(min_length=1, max_length=30)


class CriterionResultOut(BaseModel):
    criterion: str
    weight: ExactDecimal
    scores: list[int]
    mean: ExactDecimal = Field(description="Shown: rounded half up to two decimals")
    mean_exact: str = Field(description="The exact mean as p/q", examples=["11/3"])
    minimum: ExactDecimal | None
    met: bool
    weighted: ExactDecimal
    explanation: str


class ConsolidatedOut(BaseModel):
    total: ExactDecimal = Field(description="Σ weight × mean, shown rounded half up to two decimals")
    total_exact: str = Field(examples=["69/20"])
    minimum_total: ExactDecimal | None
    meets_thresholds: bool
    assessments: int
    criteria: list[CriterionResultOut]
    explanation: str
    rounding: str


class AssessorOut(BaseModel):
    assessor: str
    assigned_by: str
    assigned_at: dt.datetime
    declared_at: dt.datetime | None
    conflict_of_interest: bool | None = Field(description="Null until declared")
    conflict_organisations: list[str]
    submitted_at: dt.datetime | None
    version: int | None = Field(description="The application version the scores were submitted on")
    scores: list[ScoreIn] | None = Field(
        description="Null when hidden: an assessor sees the others' scores only once they submitted their own"
    )


class AssessmentOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ASSESSMENT]})

    application_id: UUID
    criteria: CriteriaSet | None = Field(description="The set scored (copied from the catalogue at assignment)")
    assessors: list[AssessorOut]
    complete: bool = Field(description="Every assessor without a conflict has submitted (and at least one has)")
    scores_hidden: bool = Field(description="True for an assessor who has not submitted yet")
    consolidated: ConsolidatedOut | None = Field(description="Once complete (and not hidden)")


# --- the committee -----------------------------------------------------------------------------------
class FundFigure(BaseModel):
    fund: str
    priority: str
    available: Money


class RequestedLine(BaseModel):
    fund: str
    amount: Money = Field(description="As asked")
    amount_programme: Money = Field(description="In the programme's currency, as the budget converts it")


class RankedOut(BaseModel):
    rank: int
    application_id: UUID
    reference: str | None
    acronym: str
    status: str
    specific_objective: str
    priority: str
    score: ExactDecimal | None = Field(
        description="Consolidated total, shown to two decimals; null to an assessor who declared a conflict of "
        "interest with a partner of the application"
    )
    conflict_of_interest: bool = Field(
        default=False, description="The caller declared a conflict of interest with a partner: the score is withheld"
    )
    meets_thresholds: bool
    requested: list[RequestedLine]
    fits: bool = Field(description="Approved in this order, the money of every fund is there")
    remaining: list[FundFigure] = Field(description="What would remain per fund of its priority after it")


class RankingOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [RANKING]})

    call_id: UUID
    programme: str
    currency: str
    items: list[RankedOut]
    available: list[FundFigure] = Field(description="The budget's available money, less what approvals owe")
    rounding: str


class GrantedAmount(BaseModel):
    """A reduced grant: what one partner gets of one fund, less than (or as much as) it asked."""

    model_config = ConfigDict(extra="forbid")
    organisation_number: Annotated[str, Bounded(40, min_length=1)] = Field(examples=["232100-0152"])
    fund: Literal["ERDF", "NO-STATE"]
    amount: NonNegativeMoney = Field(description="In the currency the partner asked in; never more than asked")
    covered_by: Literal["own-public", "own-private", "other-public", "other-private"] | None = Field(
        default=None,
        description="The partner's financing line that takes up the difference, so its financing still covers "
        "its budget (default: its first own-financing line)",
    )


class SessionDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    application_id: UUID
    decision: Literal["approved", "approved-with-conditions", "reserve", "rejected"]
    conditions: list[Text] = Field(default_factory=list, max_length=20, description="With conditions: each one")
    reserve_rank: int | None = Field(default=None, ge=1, le=1000, description="On the reserve list: its rank")
    reason: Annotated[str, Bounded(4000)] | None = Field(default=None, description="Required for a rejection")
    granted: list[GrantedAmount] = Field(
        default_factory=list,
        max_length=200,
        description="An approval with less money than asked: per partner and fund, what is granted (the rest as "
        "asked); the eligibility rules are run again on the financing as granted, and the commitment is it",
    )

    @model_validator(mode="after")
    def _complete(self) -> SessionDecisionIn:
        if self.granted and not self.decision.startswith("approved"):
            raise ValueError("granted amounts are given with an approval only")
        if len({(g.organisation_number, g.fund) for g in self.granted}) != len(self.granted):
            raise ValueError("each partner and fund is granted once")
        if (self.decision == "approved-with-conditions") != bool(self.conditions):
            raise ValueError("conditions are given with, and only with, approved-with-conditions")
        if (self.decision == "reserve") != (self.reserve_rank is not None):
            raise ValueError("a reserve_rank is given with, and only with, reserve")
        if self.decision == "rejected" and not (self.reason or "").strip():
            raise ValueError("a rejection needs a reason")
        return self


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SESSION_REQUEST]})
    call_id: UUID
    minutes_reference: Annotated[str, Bounded(200, min_length=1)] = Field(description="Where the minutes are")
    held_on: dt.date
    decisions: list[SessionDecisionIn] = Field(
        min_length=1, max_length=500, description="Approvals are committed in the order given"
    )

    @model_validator(mode="after")
    def _once_each(self) -> SessionRequest:
        ids = [d.application_id for d in self.decisions]
        ranks = [d.reserve_rank for d in self.decisions if d.reserve_rank is not None]
        if len(set(ids)) != len(ids) or len(set(ranks)) != len(ranks):
            raise ValueError("each application is decided once, each reserve rank given once")
        return self


class SessionDecisionOut(BaseModel):
    application_id: UUID
    reference: str | None
    decision: str
    reserve_rank: int | None
    reason: str | None
    conditions: list[str]
    abstentions: list[str] = Field(
        default_factory=list,
        description="Assessors who declared a conflict of interest with a partner: they abstain on this application",
    )


class SessionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SESSION]})

    id: UUID
    call_id: UUID
    programme: str
    minutes_reference: str
    held_on: dt.date
    recorded_by: str
    recorded_at: dt.datetime
    decisions: list[SessionDecisionOut]


class ReserveItem(BaseModel):
    reserve_rank: int | None
    application_id: UUID
    reference: str | None
    acronym: str
    priority: str
    requested: list[RequestedLine]
    fits: bool = Field(description="Its money is available now (what approvals still owe counted as taken)")
    proposed: bool = Field(description="The first on the list that fits: the one proposed to the officer")


class ReserveOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [RESERVE]})

    call_id: UUID
    proposal: UUID | None = Field(description="The reserve project proposed for approval, if one fits")
    items: list[ReserveItem]
    available: list[FundFigure]


class ConditionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CONDITION]})

    number: int
    text: str
    approval: int = Field(description="Which approval of the application it belongs to")
    session_id: UUID | None
    fulfilled_at: dt.datetime | None
    fulfilled_by: str | None
    note: str | None


class FulfilRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"note": "Signed letter received 2022-10-03."}]}
    )
    note: Annotated[str, Bounded(4000)] | None = None


class GrantLineOut(BaseModel):
    organisation_number: str
    partner: str
    fund: str
    asked: Money
    granted: Money


class GrantOut(BaseModel):
    """What the current approval granted against what was asked, and the State-aid rules as run at the
    decision (the grant day's regulation, the aid approved since the submission counted)."""

    model_config = ConfigDict(json_schema_extra={"examples": [GRANT]})
    application_id: UUID
    approval: int
    version: int
    session_id: UUID | None
    recorded_at: dt.datetime
    reduced: bool = Field(description="Whether any line was granted less than asked")
    lines: list[GrantLineOut]
    state_aid: list[RuleResult] = Field(description="The State-aid rules' results at the decision")
    rule_set: RuleSetRef | None
