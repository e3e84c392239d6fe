"""Storage of the applications service: applications, their frozen versions with the eligibility
report of each, the status history, and the per-programme-and-year reference counters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Code, UTCDateTime, metadata
from shared.idempotency import idempotency_table


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
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    """First submission (the time the reference was given)."""
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_applications_created_at_id", "created_at", "id"),)


class ApplicationVersion(Base):
    """An immutable, numbered snapshot made at each submission, stored as the exact JSON text served."""

    __tablename__ = "application_versions"

    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    """Canonical JSON of the version (number, reference, time, submitter, content): served verbatim."""
    report: Mapped[str] = mapped_column(Text)
    """Canonical JSON of the eligibility report made for this version: served verbatim."""
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


idempotency_keys = idempotency_table(Base.metadata)
