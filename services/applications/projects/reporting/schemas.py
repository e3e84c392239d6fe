"""Request and response models of partner reports, their expenditure lines and control, and project reports.

The typology of errors a controller gives with a deduction is OURS (no regulation fixes a list): the usual
first-level control findings as the Commission's guidance on management verifications (Regulation (EU)
2021/1060 Art. 74(1)(a)) and Jems' controller checklists name them; a programme needing another list
changes `TYPOLOGY` here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.money import ExactDecimal, Money, NonNegativeMoney, PositiveMoney, Rate
from shared.schemas.applications import ProjectDate
from shared.schemas.cost_options import OPTION_CODE, CostCategory
from shared.text import Bounded

Typology = Literal[
    "ineligible-cost",
    "outside-eligibility-period",
    "missing-supporting-documents",
    "public-procurement",
    "double-funding",
    "calculation-error",
    "not-paid",
    "recoverable-vat",
    "state-aid",
    "other",
]
TYPOLOGY: tuple[str, ...] = Typology.__args__  # type: ignore[attr-defined]

LINE_EXAMPLE: dict[str, Any] = {
    "category": "travel-accommodation",
    "invoice_number": "F-2025-0412",
    "invoice_date": "2025-09-03",
    "payment_date": "2025-09-20",
    "supplier": "SJ AB",
    "description": "Train Karlstad–Kongsvinger, partner meeting",
    "amount": {"amount": "1250.00", "currency": "SEK"},
    "vat": {"amount": "75.00", "currency": "SEK"},
}


UNIT_COST_EXAMPLE: dict[str, Any] = {
    "category": "external-expertise",
    "cost_option": "participant-day",
    "units": "12.5",
    "invoice_number": "DELTAGARLISTA-2025-09",
    "invoice_date": "2025-09-30",
    "supplier": "Region Värmland",
    "description": "Participant days of the September workshops (attendance lists)",
}


class LineIn(BaseModel):
    """An expenditure line as the owner declares it: real costs in a cost category (`amount` typed), or a
    lump sum or unit cost of the approved budget (`cost_option`; a unit cost with its `units`) whose amount
    the report computes from the baseline — units × the unit amount, or the lump sum once delivered —, never
    typed. Flat rates are never lines: the report computes them from the declared base."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [LINE_EXAMPLE, UNIT_COST_EXAMPLE]})
    category: CostCategory
    cost_option: Annotated[str, Bounded(64, pattern=OPTION_CODE)] | None = Field(
        default=None,
        description="A lump sum or unit cost of the partner's baseline budget (its amount computed); never a flat rate",
    )
    units: Annotated[ExactDecimal, Field(gt=0, max_digits=14, decimal_places=4)] | None = Field(
        default=None, description="A unit-cost line only: the number of units delivered (exact decimal string)"
    )
    invoice_number: Annotated[str, Bounded(100, min_length=1)]
    invoice_date: ProjectDate
    payment_date: ProjectDate | None = None
    supplier: Annotated[str, Bounded(300, min_length=1)]
    description: Annotated[str, Bounded(2000)] = ""
    amount: PositiveMoney | None = Field(
        default=None,
        description="Real costs: the invoice's amount, VAT included where VAT is not eligible (required). "
        "A lump-sum or unit-cost line: computed, never typed",
    )
    vat: NonNegativeMoney | None = Field(default=None, description="Non-eligible VAT included in `amount`")

    @model_validator(mode="after")
    def _vat_within(self) -> LineIn:
        if self.vat is not None and self.amount is not None:
            if self.vat.currency != self.amount.currency:
                raise ValueError("the VAT is in the line's currency")
            if self.vat.amount > self.amount.amount:
                raise ValueError("the VAT is more than the amount")
        if self.payment_date is not None and self.payment_date < self.invoice_date:
            raise ValueError("paid before it was invoiced")
        return self


class LineOut(LineIn):
    number: int
    amount: Money = Field(description="Typed (real costs) or computed (a lump sum; units × the unit amount)")
    declared: Money = Field(description="`amount` − `vat`: what the line declares as eligible")
    certified: Money | None = None
    deducted: Money | None = None
    typology: str | None = None
    comment: str | None = None
    parked: bool = False
    parked_from: str | None = Field(default=None, description="`<report>:<line>` it was carried from")
    verified_by: str | None = None


class PartnerReportCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"partner": 1, "period": 1, "progress": "Four supplier workshops held."}]},
    )
    partner: int = Field(ge=1, le=100, description="The partner's number in the baseline version")
    period: int = Field(ge=1, le=1000)
    progress: Annotated[str, Bounded(20000)] = ""


class ProgressUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    progress: Annotated[str, Bounded(20000)]


class FlatRate(BaseModel):
    option: str
    category: str
    rate: ExactDecimal
    base_categories: list[str]
    declared_base: Money
    declared: Money
    certified_base: Money
    certified: Money


class CurrencyTotals(BaseModel):
    """One currency's figures, summed in SQL from the lines (never stored)."""

    currency: str
    lines: int
    verified_lines: int
    declared: dict[str, Money] = Field(description="Declared (amount − VAT) per cost category, real costs")
    certified: dict[str, Money] = Field(description="Certified per cost category, real costs")
    flat_rates: list[FlatRate]
    declared_total: Money = Field(description="Real costs and flat rates declared")
    certified_total: Money = Field(description="Real costs and flat rates certified")
    deducted: Money
    parked: Money = Field(description="Declared on lines parked to a later report")
    rate: Rate | None = Field(default=None, description="Units per EUR stored at the submission")
    certified_eur: Money | None = Field(default=None, description="`certified_total` at the stored rate")


class PartnerReportOut(BaseModel):
    id: UUID
    project_id: UUID
    partner: int
    partner_name: str
    period: int
    side: str
    status: str
    version: int
    baseline_version: int = Field(description="The project's approved version the report was made under")
    progress: str
    rates: dict[str, dict[str, str]] | None = Field(
        description="Per currency: the Commission's monthly accounting rate of the submission's month as the budget "
        "named it (Regulation (EU) 2021/1059 Art. 39), stored, never recomputed",
        examples=[{"SEK": {"units_per_eur": "11.452", "month": "2025-09", "source": "monthly"}}],
    )
    submitted_at: dt.datetime | None
    controller: str | None
    completed_by: str | None
    certified_by: str | None
    certified_at: dt.datetime | None
    project_report_id: UUID | None
    totals: list[CurrencyTotals]
    certified_eur: Money | None = Field(description="Swedish side, once submitted: the certified total in EUR")


class Verification(BaseModel):
    """A controller's verdict on one line: certified (with a deduction, its typology and a comment where
    less is certified than declared), or parked to a later report."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "certified": {"amount": "1000.00", "currency": "SEK"},
                    "deducted": {"amount": "175.00", "currency": "SEK"},
                    "typology": "missing-supporting-documents",
                    "comment": "no boarding pass",
                },
                {"parked": True, "comment": "the payment is after the period: carried to the next report"},
            ]
        },
    )
    certified: NonNegativeMoney | None = None
    deducted: NonNegativeMoney | None = None
    typology: Typology | None = None
    comment: Annotated[str, Bounded(4000)] | None = None
    parked: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Verification:
        if self.parked:
            if self.certified is not None or self.deducted is not None:
                raise ValueError("a parked line is neither certified nor deducted here")
            return self
        if self.certified is None:
            raise ValueError("give the certified amount, or park the line")
        if self.deducted is not None and self.deducted.amount > 0 and (self.typology is None or not self.comment):
            raise ValueError("a deduction needs its typology and a comment")
        return self


class PartnerReportReopenRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "the invoice of line 4 is missing"}]}
    )
    reason: Annotated[str, Bounded(2000, min_length=1)]


class ProjectReportCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"period": 1, "progress": "Joint report: 12 companies took part."}]},
    )
    period: int = Field(ge=1, le=1000)
    progress: Annotated[str, Bounded(20000)] = ""


class ProjectReportSubmit(BaseModel):
    """An owner submits its side: the certified partner reports of its side it includes."""

    model_config = ConfigDict(extra="forbid")
    partner_reports: list[UUID] = Field(min_length=1, max_length=100)


class ClaimOwed(BaseModel):
    fund: str
    amount: Money
    state: str = Field(description="`pending` (the outbox owes it), `submitted` (the budget has it), `refused`")
    claim_id: UUID | None
    detail: str | None = None


class ProjectReportOut(BaseModel):
    id: UUID
    project_id: UUID
    period: int
    final: bool
    status: str
    baseline_version: int = Field(
        description="The project's approved version the report, and the claims it owes, were made under"
    )
    progress: str
    submitted: dict[str, dict[str, str]]
    partner_reports: list[UUID]
    verified_by: str | None
    verified_at: dt.datetime | None
    claims: list[ClaimOwed]


class ImportResult(BaseModel):
    imported: int
    first_number: int | None
    last_number: int | None


class SumsFigures(BaseModel):
    lines: int
    verified_lines: int
    amount: Money
    vat: Money
    certified: Money
    deducted: Money


class SumsDifference(BaseModel):
    """One category, currency and parked whose kept sums are not the lines' (`kept` or `counted` absent:
    a row on one side only)."""

    report_id: UUID
    category: str
    currency: str
    parked: bool
    kept: SumsFigures | None
    counted: SumsFigures | None


class SumsCheck(BaseModel):
    """The kept sums of the report's lines (what its totals read) against the sums counted from the lines."""

    report_id: UUID
    consistent: bool
    differences: list[SumsDifference]
