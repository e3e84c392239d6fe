"""Request and response models of the applications service (the body itself is `ApplicationContent`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.applications.workflow.commitment import CommitmentStatus
from services.applications.workflow.transitions import Action, Status
from shared.schemas.applications import ApplicationContent
from shared.schemas.examples import gron_industrivaxt
from shared.text import Bounded

EXAMPLE_CALL_ID = "02f4dbe0-39d7-5f0f-a1b2-940aa2383ed1"

GRON_INDUSTRIVAXT: dict[str, Any] = gron_industrivaxt(EXAMPLE_CALL_ID, start_date="2023-01-01", end_date="2025-12-31")
"""Grön industriväxt (a real project of the programme), as an applicant writes it."""


class ApplicationOut(ApplicationContent):
    """An application: the body as last saved plus its workflow state."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "9b2f4a8e-0c41-4f7e-8a43-6f1d2f6b8e21",
                    "reference": "SE-NO-2022-0001",
                    "status": "eligible",
                    "version": 1,
                    "owner": "alice",
                    "organisation": None,
                    "commitment_id": None,
                    "allowed_actions": ["approve", "reject", "withdraw"],
                    "created_at": "2022-05-20T08:15:00Z",
                    "updated_at": "2022-05-20T09:00:00Z",
                    "submitted_at": "2022-05-20T09:00:00Z",
                    "decided_at": None,
                    "kind": "full",
                    "concept_note_id": None,
                    "return_deadline": None,
                    "reserve_rank": None,
                    **GRON_INDUSTRIVAXT,
                }
            ]
        },
    )

    id: UUID
    reference: str | None = Field(
        description="Given at the first submission: <prefix>-<year>-<sequence>", examples=["SE-NO-2022-0001"]
    )
    status: Status
    version: int = Field(description="Number of the latest submitted version (0 before the first submission)")
    owner: str = Field(description="The applicant (token subject) who created it")
    organisation: str | None = Field(description="The applicant's organisation (token claim `org`), if any")
    commitment_id: UUID | None = Field(description="The budget commitment made at approval")
    commitment_status: CommitmentStatus | None = Field(
        default=None,
        description="The budget side of the decision: `pending` until the budget has the commitment the "
        "approval owes (delivered by the outbox), `active`; `refused` when the budget had no room (the "
        "application is `eligible` again); `releasing`/`released` after termination or closure",
    )
    allowed_actions: list[Action] = Field(
        description="What the caller may do next: the workflow's moves from the status that the caller's roles "
        "and ownership allow, by the same rule the action endpoints' 403 reads (`assess-*` and `budget-refused` "
        "are the service's own, never listed); `declare-interests` and `score` are offered to officers, the "
        "assessment refusing those not assigned"
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None = Field(description="The first submission")
    decided_at: dt.datetime | None
    kind: Literal["full", "concept-note"] = Field(
        default="full",
        description="`concept-note` for an application to step 1 of a two-step call (decided by the call when it "
        "is submitted), else `full`",
    )
    concept_note_id: UUID | None = Field(
        default=None, description="A full application of step 2: the invited concept note it follows"
    )
    return_deadline: dt.datetime | None = Field(
        default=None, description="While `returned` for completion: submit the completion by this instant"
    )
    reserve_rank: int | None = Field(default=None, description="On the reserve list: its rank (committee)")


class HistoryEntry(BaseModel):
    """One status change: who (token subject, or `system:eligibility`), in which role, when and why."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 2,
                    "from_status": "submitted",
                    "to_status": "ineligible",
                    "action": "assess-ineligible",
                    "actor": "system:eligibility",
                    "role": "system",
                    "reason": "failed rules: co-financing-se",
                    "version": 1,
                    "at": "2022-05-20T09:00:00Z",
                }
            ]
        }
    )

    id: int
    from_status: Status | None
    to_status: Status
    action: Action
    actor: str
    role: str
    reason: str | None
    version: int | None = Field(description="The version the change concerns (submissions and assessments)")
    at: dt.datetime


class VersionOut(BaseModel):
    """A frozen version, exactly as stored at submission (served byte for byte)."""

    application_id: UUID
    number: int
    reference: str
    programme: str
    submitted_at: dt.datetime
    submitted_by: str
    content: ApplicationContent


class DecisionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision": "approved",
                    "reason": "Strong cross-border added value; the monitoring committee approved.",
                },
                {"decision": "rejected", "reason": "The Norwegian partner's co-financing is not secured."},
            ]
        },
    )

    decision: Literal["approved", "rejected"]
    reason: Annotated[str, Bounded(4000)] | None = Field(default=None, description="Required for a rejection")


class ReopenRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "The Swedish partner's co-financing letter is missing; please complete and resubmit."},
            ]
        },
    )

    reason: Annotated[str, Bounded(4000, min_length=1)]


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "The Norwegian partner left the project."},
            ]
        },
    )

    reason: Annotated[str, Bounded(4000)] | None = None


class EndRequest(BaseModel):
    """Closing an approved project (the reason is optional; `TerminateRequest` requires it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The Norwegian lead partner went bankrupt."}]},
    )

    reason: Annotated[str, Bounded(4000)] | None = None


class TerminateRequest(EndRequest):
    """Terminating an approved project early: the reason is required (a blank one is a 422 too)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The Norwegian lead partner went bankrupt."}]},
    )

    reason: Annotated[str, Bounded(4000, min_length=1)]


class SubmitRequest(BaseModel):
    """Optional: with a completion (an application `returned`), the applicant's answer to the questions."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"answer": "The signed co-financing letter of Kongsvinger is attached."}]},
    )

    answer: Annotated[str, Bounded(4000)] | None = None


class ReturnRequest(BaseModel):
    """An officer returns an application for completion: the questions and the deadline of the answer."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "questions": "Please add the Norwegian partner's co-financing letter and explain the timetable.",
                    "deadline": "2022-07-15T23:59:59+02:00",
                }
            ]
        },
    )

    questions: Annotated[str, Bounded(4000, min_length=1)]
    deadline: AwareDatetime


class RevertRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The steering committee's minutes show the vote was void."}]},
    )

    reason: Annotated[str, Bounded(4000, min_length=1)]


class InviteRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "A strong concept: develop the work plan with both regions."}]},
    )

    reason: Annotated[str, Bounded(4000)] | None = None


class FullApplicationRequest(BaseModel):
    """Step 2 of a two-step call: the call that takes the invited concept note's full application."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"call_id": "02f4dbe0-39d7-5f0f-a1b2-940aa2383ed1"}]}
    )

    call_id: UUID


class Difference(BaseModel):
    """One way the applications and the budget disagree (`reconciliation`)."""

    kind: Literal[
        "missing-commitment",
        "amount-mismatch",
        "commitment-id-mismatch",
        "orphan-commitment",
        "duplicate-commitment",
        "unreleased",
    ]
    application_id: str
    reference: str | None = None
    commitment_id: str | None = None
    detail: str
    expected: list[str] = Field(default_factory=list, description="The approved version's programme money")
    actual: list[str] = Field(default_factory=list, description="What the budget's commitment holds")
    repaired: bool = Field(default=False, description="Released by `reconcile --repair`")


class Reconciliation(BaseModel):
    """Approved applications against the budget's project commitments, amount by amount."""

    programme: str
    consistent: bool = Field(description="No difference (what is still pending is on its way, not a difference)")
    applications: int = Field(description="Applications compared (those holding or owing project money)")
    commitments: int = Field(description="Project commitments the budget holds for the programme")
    pending: dict[str, list[str]] = Field(
        description="Per application, the messages the outbox still owes (e.g. `budget.commit`)"
    )
    differences: list[Difference]
