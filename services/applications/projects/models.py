"""Storage of the project stage (after the committee's decision): the contract of an approved application
(its baseline version, dates, reporting periods, each owner's contacts and bank account, the controller
of each partner), the controllers a programme approved, partner reports with their expenditure lines and
first-level control, project reports and the claims they owe, and the project's history.

Totals are derived from the lines, never typed or stored where they can drift: `expenditure_sums` keeps,
per report, category, currency and parked, the sums of its lines — a derived cache written by
`repository` in the same transaction as every change of a line (insert, delete, import, verification) and
compared with the lines by `repository.sums_drift` (the reconciler, the report's totals check, the
tests); the totals read it (a row per category and currency, whatever the number of lines). What a report
stores is what must never be recomputed: the exchange rate of each currency at its submission
(Regulation (EU) 2021/1059 Art. 39)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.applications.models import Base
from shared.db import Amount, Code, Fixed, UTCDateTime


class ProjectController(Base):
    """A first-level controller a programme approved: the Swedish side's central control, or a controller
    approved nationally in Norway whom a Norwegian owner chose. Data, not code."""

    __tablename__ = "project_controllers"
    __table_args__ = (UniqueConstraint("programme", "sub", name="uq_project_controllers_programme_sub"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme: Mapped[str] = mapped_column(Code())
    sub: Mapped[str] = mapped_column(String(200))
    """The controller's token subject (role `controller`)."""
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ProjectContract(Base):
    """The contract of an approved application: the project. `status` moves through the table of
    `projects/states.py` (`contracting` → `contracted` → `closed`)."""

    __tablename__ = "project_contracts"

    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    baseline_version: Mapped[int] = mapped_column(Integer)
    """The approved version: the project's baseline (budget, financing, partners)."""
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    contract_date: Mapped[dt.date | None] = mapped_column(Date)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    owners: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Personal data, per side (`SE`, `NO`): `{"contacts": [...], "bank_account": {...}}`. Served only to the
    project's owners, its controllers, finance and officers reading the project itself."""
    contracted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    contracted_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(Integer, default=1)


class ReportingPeriod(Base):
    """A reporting period of the contract, with its deadline; exactly one (the last) is final."""

    __tablename__ = "project_periods"

    application_id: Mapped[str] = mapped_column(
        ForeignKey("project_contracts.application_id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    final: Mapped[bool] = mapped_column(Boolean, default=False)


class PartnerControl(Base):
    """Which controller controls a partner (its index in the baseline version, from 1)."""

    __tablename__ = "project_partner_controllers"

    application_id: Mapped[str] = mapped_column(
        ForeignKey("project_contracts.application_id", ondelete="CASCADE"), primary_key=True
    )
    partner: Mapped[int] = mapped_column(Integer, primary_key=True)
    controller: Mapped[str] = mapped_column(String(200), index=True)


class PartnerReport(Base):
    """A partner's report of one reporting period: progress and expenditure lines; states in
    `projects/states.py`. `rates` is set once at each submission and never recomputed."""

    __tablename__ = "partner_reports"
    __table_args__ = (
        UniqueConstraint("application_id", "partner", "period", name="uq_partner_reports_partner_period"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    partner: Mapped[int] = mapped_column(Integer)
    period: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=0)
    """Number of the latest submission (0 before the first)."""
    baseline_version: Mapped[int] = mapped_column(Integer)
    """The project's approved version the report was made under (its budget, partners and dates): a later
    approved change of the project leaves it as it was."""
    progress: Mapped[str] = mapped_column(Text, default="")
    rates: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Per currency other than EUR (Swedish side): `{"units_per_eur", "month", "source"}` as the budget
    named it at the submission."""
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    controller: Mapped[str | None] = mapped_column(String(200))
    """Who started the control (the partner's assigned controller)."""
    completed_by: Mapped[str | None] = mapped_column(String(200))
    certified_by: Mapped[str | None] = mapped_column(String(200))
    certified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    project_report_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(Integer, default=1)


class PartnerReportVersion(Base):
    """One submission of a partner report: immutable, with the rates used and a digest of its lines."""

    __tablename__ = "partner_report_versions"

    report_id: Mapped[str] = mapped_column(ForeignKey("partner_reports.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    lines: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the lines as submitted (canonical JSON): the version's content cannot change unseen."""
    rates: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    progress: Mapped[str] = mapped_column(Text, default="")


class ExpenditureLine(Base):
    """One expenditure line of a partner report, with what the control made of it."""

    __tablename__ = "expenditure_lines"

    report_id: Mapped[str] = mapped_column(ForeignKey("partner_reports.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    cost_option: Mapped[str | None] = mapped_column(String(64))
    units: Mapped[Decimal | None] = mapped_column(Fixed(scale=4))
    """A unit-cost line's units (its amount is units × the baseline's unit amount, computed)."""
    invoice_number: Mapped[str] = mapped_column(String(100))
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    payment_date: Mapped[dt.date | None] = mapped_column(Date)
    supplier: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(String(2000), default="")
    amount: Mapped[Decimal] = mapped_column(Amount())
    currency: Mapped[str] = mapped_column(String(3))
    vat: Mapped[Decimal] = mapped_column(Amount(), default=Decimal(0))
    """VAT included in `amount` that is not eligible: the declared amount is `amount - vat`."""
    certified: Mapped[Decimal | None] = mapped_column(Amount())
    deducted: Mapped[Decimal | None] = mapped_column(Amount())
    typology: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    parked: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    parked_from: Mapped[str | None] = mapped_column(String(60))
    """`<report id>:<line number>` of a line parked in an earlier report and carried into this one."""


class ExpenditureSum(Base):
    """The sums of a report's lines per category, currency and parked (a derived cache of
    `expenditure_lines`, kept by `repository` in the transaction of every change of a line; a key whose
    lines are all gone has no row)."""

    __tablename__ = "expenditure_sums"

    report_id: Mapped[str] = mapped_column(ForeignKey("partner_reports.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    parked: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)
    verified: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Amount())
    vat: Mapped[Decimal] = mapped_column(Amount())
    certified: Mapped[Decimal] = mapped_column(Amount())
    deducted: Mapped[Decimal] = mapped_column(Amount())


class ProjectReport(Base):
    """A project report of one period: the joint progress and the certified partner reports each owner
    included when submitting its side; verified by the secretariat, which owes the claims."""

    __tablename__ = "project_reports"
    __table_args__ = (UniqueConstraint("application_id", "period", name="uq_project_reports_period"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    period: Mapped[int] = mapped_column(Integer)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))
    baseline_version: Mapped[int] = mapped_column(Integer)
    """The project's approved version the report, and the claims it owes, were made under."""
    progress: Mapped[str] = mapped_column(Text, default="")
    submitted: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Per side that submitted: `{"by": sub, "at": iso instant}`."""
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(Integer, default=1)


class ProjectClaim(Base):
    """A claim a verified project report owes the budget on one fund (sent by the outbox), and what the
    budget answered: its claim id, or the refusal of conflicting figures."""

    __tablename__ = "project_claims"

    project_report_id: Mapped[str] = mapped_column(
        ForeignKey("project_reports.id", ondelete="CASCADE"), primary_key=True
    )
    fund: Mapped[str] = mapped_column(Code(), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    amount: Mapped[Decimal] = mapped_column(Amount())
    currency: Mapped[str] = mapped_column(String(3))
    claim_id: Mapped[str | None] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(20))
    """`pending` (owed), `submitted` (the budget has it), `refused` (the budget holds other figures)."""
    detail: Mapped[str | None] = mapped_column(Text)


class ProjectEvent(Base):
    """One entry of a project's history: contracting, reports, control, reopenings, claims, closure. Texts
    never hold personal data (contacts, bank accounts)."""

    __tablename__ = "project_history"
    __table_args__ = (Index("ix_project_history_application_id_id", "application_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(80))
    """`project`, `partner-report:<id>`, `project-report:<id>`."""
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
