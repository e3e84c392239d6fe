"""Storage of change requests. The money a change moves is derived from the two versions' commitment lines
(`diff.money`), never typed; what is stored is what the budget answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.applications.models import Base
from shared.db import UTCDateTime


class ChangeRequest(Base):
    """A change request of a project; `status` moves through the table of `changes/states.py`."""

    __tablename__ = "change_requests"
    __table_args__ = (UniqueConstraint("application_id", "number", name="uq_change_requests_number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), index=True)
    justification: Mapped[str] = mapped_column(Text)
    diff: Mapped[dict[str, Any]] = mapped_column(JSON)
    parts: Mapped[list[str]] = mapped_column(JSON)
    """What of the project it changes (`budget:<partner>`, `dates`, `partners`, `content:<field>`): two open
    requests sharing a part conflict."""
    sides: Mapped[list[str]] = mapped_column(JSON)
    submitted: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Per side whose owner submitted it: `{"by": sub, "at": iso instant}`."""
    base_version: Mapped[int] = mapped_column(Integer)
    """The approved version it was made against."""
    checked_version: Mapped[int | None] = mapped_column(Integer)
    """The approved version its resulting version was made from and checked against."""
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    flexibility: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """`{"share", "moved", "limit", "within"}` of a reallocation, as the check's rule set gives the share."""
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    money: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """`{"increase": [...], "release": [...], "state", "detail", "facts"}`: what it owes the budget and its answer."""
    version: Mapped[int | None] = mapped_column(Integer)
    """The approved version its approval made."""
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(Integer, default=1)
