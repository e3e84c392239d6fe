"""Request and response models of the applications service (the body itself is `ApplicationContent`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.applications.workflow import Action, Status
from shared.schemas.applications import ApplicationContent
from shared.schemas.examples import gron_industrivaxt

EXAMPLE_CALL_ID = "3f0c7a52-6a8e-4c1e-9a57-2b1d4c8e9f10"

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
    allowed_actions: list[Action] = Field(description="What the workflow allows next (whoever may do it)")
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None = Field(description="The first submission")
    decided_at: dt.datetime | None


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
    reason: str | None = Field(default=None, max_length=4000, description="Required for a rejection")


class ReopenRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "The Swedish partner's co-financing letter is missing; please complete and resubmit."},
            ]
        },
    )

    reason: str = Field(min_length=1, max_length=4000)


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "The Norwegian partner left the project."},
            ]
        },
    )

    reason: str | None = Field(default=None, max_length=4000)
