"""Storage of the applications service: applications, their frozen versions with the eligibility
report of each, the status history, and the per-programme-and-year reference counters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Code, UTCDateTime, metadata
from shared.idempotency import idempotency_table
from shared.outbox_records import outbox_table
from shared.webhooks.tables import webhook_tables


class Base(DeclarativeBase):
    metadata = metadata()


class Application(Base):
    """An application (ansökan / søknad): the working copy an applicant edits while it is a draft."""

    __tablename__ = "applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_sub: Mapped[str] = mapped_column(String(200), index=True)
    owner_org: Mapped[str | None] = mapped_column(String(200), index=True)
    programme: Mapped[str] = mapped_column(Code(), index=True)
    call_id: Mapped[str] = mapped_column(String(36), index=True)
    specific_objective: Mapped[str] = mapped_column(Code(16))
    project_type: Mapped[str] = mapped_column(Code())
    acronym: Mapped[str] = mapped_column(String(40))
    countries: Mapped[str] = mapped_column(String(400), default="")
    """The partners' countries as `,NO,SE,` (sorted, delimited on both sides) for the country filter."""
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The application body (ApplicationContent) as JSON."""
    status: Mapped[str] = mapped_column(String(20), index=True)
    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    """Number of the latest frozen version (0 before the first submission)."""
    revision: Mapped[int] = mapped_column(Integer, default=1)
    """Bumped on every change; a submission checks it so that a report is never stored for other content."""
    commitment_id: Mapped[str | None] = mapped_column(String(36))
    commitment_status: Mapped[str | None] = mapped_column(String(20))
    """Where the budget side of a decision stands: `pending` (the outbox still owes the commitment),
    `active`, `refused` (the budget had no room; the application went back to eligible), `releasing`
    (a termination or closure owes the release), `released`; it moves only through the table of
    `workflow/commitment.py` (`move_commitment`)."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    """First submission (the time the reference was given)."""
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(20), default="full", server_default="full")
    """`full`, or `concept-note` (step 1 of a two-step call: decided by the call at submission)."""
    concept_note_id: Mapped[str | None] = mapped_column(String(36), index=True)
    """The invited concept note a full application (step 2 of a two-step call) follows."""
    return_deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    """While `returned`: the instant by which the applicant submits the completion."""
    criteria: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The criteria set (catalogue `CriteriaSet`) its assessors score, copied when they were first assigned."""
    reserve_rank: Mapped[int | None] = mapped_column(Integer)
    """Its place on the call's reserve list, as the committee recorded it."""
    approvals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """How many times it was approved (a reverted approval may be followed by another): the n-th
    approval's commitment and release have business keys of their own."""

    __table_args__ = (Index("ix_applications_created_at_id", "created_at", "id"),)


class ApplicationVersion(Base):
    """An immutable, numbered snapshot made at each submission, stored as the exact JSON text served."""

    __tablename__ = "application_versions"

    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    """Canonical JSON of the version (number, reference, time, submitter, content): served verbatim."""
    report: Mapped[str | None] = mapped_column(Text)
    """Canonical JSON of the eligibility report made for this version: served verbatim. Null until the
    eligibility service's report arrives (the outbox delivers the check after the submission commits)."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class StatusChange(Base):
    """One entry of an application's history: who moved it from which status to which, when and why."""

    __tablename__ = "status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ReferenceCounter(Base):
    """The last reference number given per programme and year (SE-NO-2022-0001, -0002, …)."""

    __tablename__ = "reference_counters"

    programme: Mapped[str] = mapped_column(Code(), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Assessment(Base):
    """An assessor's assessment of an application: assigned, interests declared, scores submitted."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("application_id", "assessor", name="uq_assessments_application_assessor"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    assessor: Mapped[str] = mapped_column(String(200))
    assigned_by: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    declared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    conflict: Mapped[bool | None] = mapped_column(Boolean)
    """Null until declared; true: the assessor declared a conflict of interest and may not assess."""
    conflict_organisations: Mapped[list[str] | None] = mapped_column(JSON)
    declaration_note: Mapped[str | None] = mapped_column(Text)
    scores: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    """Per criterion `{criterion, score, justification}`, as submitted (immutable once submitted)."""
    version: Mapped[int | None] = mapped_column(Integer)
    """The application's version the scores were submitted on."""
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CommitteeSession(Base):
    """The committee's decision session for a call, recorded with the reference of its minutes."""

    __tablename__ = "committee_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    programme: Mapped[str] = mapped_column(Code())
    call_id: Mapped[str] = mapped_column(String(36), index=True)
    minutes_reference: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CommitteeDecision(Base):
    """One application's decision in a session: approved, approved with conditions, reserve or rejected."""

    __tablename__ = "committee_decisions"

    session_id: Mapped[str] = mapped_column(ForeignKey("committee_sessions.id", ondelete="CASCADE"), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(30))
    reserve_rank: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)


class Condition(Base):
    """A condition of an approval, later marked fulfilled by an officer."""

    __tablename__ = "approval_conditions"
    __table_args__ = (UniqueConstraint("application_id", "approval", "number", name="uq_approval_conditions_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    approval: Mapped[int] = mapped_column(Integer)
    """Which approval of the application (`Application.approvals`) it belongs to."""
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    session_id: Mapped[str | None] = mapped_column(String(36))
    fulfilled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    fulfilled_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class AidUndertaking(Base):
    """One row per organisation number that an approval granted aid to: the lock the approvals of one
    undertaking take in turn (`state_aid/at_decision.py`). `approvals` counts them: a decision checked while
    it was n is recorded only if it is still n (another approval of the undertaking in between: 409, check
    again)."""

    __tablename__ = "aid_undertakings"

    organisation_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    approvals: Mapped[int] = mapped_column(Integer, default=0)


class Grant(Base):
    """What an approval granted, per partner and fund, against what was asked (a committee may grant less):
    the money the commitment holds and the aid the State-aid report counts."""

    __tablename__ = "grants"

    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    approval: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Which approval of the application (`Application.approvals`)."""
    version: Mapped[int] = mapped_column(Integer)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Per partner and fund: organisation number, partner, fund, asked and granted (money as strings)."""
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The approved version's content as granted (the reduced lines, the difference in the partners' own
    financing): what the eligibility rules were run on."""
    state_aid: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The State-aid rules as run at the decision: `{"rule_set": {...} | null, "results": [...]}`."""
    session_id: Mapped[str | None] = mapped_column(String(36))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


idempotency_keys = idempotency_table(Base.metadata)
outbox = outbox_table(Base.metadata)
"""The messages this service owes the eligibility and budget services (`shared.outbox`)."""
webhooks = webhook_tables(Base.metadata)
"""Webhook subscriptions, the deliveries of this service's events and their log (`shared.webhooks`)."""

# The project stage's tables live in their own module (this one stays one idea); importing it here puts them
# on `Base.metadata`, which the migrations are compared with.
from services.applications.projects import models as _project_models  # noqa: E402,F401
from services.applications.projects.changes import models as _change_models  # noqa: E402,F401
