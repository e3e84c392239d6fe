"""The budget service's own request and response models (the wire contract with the applications
service, `CommitmentRequest`/`Commitment`/`ReleaseRequest`/`BudgetReport`, is in `shared/schemas/budget.py`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from services.budget.models import RATE_LIMIT
from shared.money import Currency, ExactDecimal, Money, PositiveMoney, Rate
from shared.schemas.budget import CommitmentLineIn
from shared.text import Bounded, CodeText

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class ReallocationRequest(BaseModel):
    """Move part of a fund's allocation from one priority to another (the fund's total is unchanged)."""

    fund: CodeText = Field(examples=["ERDF"])
    from_priority: CodeText = Field(
        examples=["unallocated"], description="Source priority (or the `unallocated` reserve)"
    )
    to_priority: CodeText = Field(examples=["1"])
    amount: PositiveMoney = Field(description="In the programme's currency")
    reason: Annotated[str, Bounded(2000, min_length=1)] = Field(examples=["Monitoring committee decision 2023-03-14"])

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "fund": "ERDF",
                    "from_priority": "TA",
                    "to_priority": "1",
                    "amount": {"amount": "500000.00", "currency": "EUR"},
                    "reason": "Monitoring committee decision 2023-03-14",
                }
            ]
        },
    }


class BalanceView(BaseModel):
    fund: str
    priority: str
    allocated: Money
    committed: Money = Field(description="Net of releases")
    paid: Money = Field(description="Net of the corrections set off and recovered")
    corrected: Money = Field(description="Corrections of paid claims set off against later claims")
    recovered: Money = Field(description="Corrections of paid claims whose money came back")
    available: Money


class Reallocation(BaseModel):
    programme: str
    fund: str
    from_priority: str
    to_priority: str
    amount: Money
    reason: str
    balances: list[BalanceView] = Field(description="The source and target balances after the move")


class PaymentRequest(BaseModel):
    """Payments against a commitment, per fund; never more than committed − released − paid."""

    lines: list[CommitmentLineIn] = Field(min_length=1, max_length=20)
    note: Annotated[str, Bounded(2000)] | None = Field(default=None, examples=["First interim claim"])

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "lines": [{"fund": "ERDF", "amount": {"amount": "100000.00", "currency": "EUR"}}],
                    "note": "First interim claim",
                }
            ]
        },
    }


class ExchangeRateIn(BaseModel):
    units_per_eur: Rate = Field(
        description="Units of the currency per 1 EUR (the Commission's convention)", examples=["11.2345"]
    )

    @field_validator("units_per_eur")
    @classmethod
    def _positive(cls, v: Decimal) -> Decimal:
        if v <= 0:
            raise ValueError("must be greater than zero")
        if v >= RATE_LIMIT:
            raise ValueError(f"must be less than {RATE_LIMIT:,} units per EUR (what the column holds)")
        if v != v.quantize(Decimal("0.000001")):
            raise ValueError("at most 6 decimal places")
        return v

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"units_per_eur": "11.2345"}]}}


class MonthlyRateIn(ExchangeRateIn):
    """`PUT /v1/exchange-rates/{currency}/{month}`: a rate typed by hand."""

    confirm_deviation: bool = Field(
        default=False,
        description="Set to store a rate further from the previous month's than `BUDGET_RATE_DEVIATION_LIMIT` "
        "(without it such a rate is a 409 naming both rates): a typo of a decimal place is caught before any "
        "commitment converts at it",
    )

    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"units_per_eur": "11.2345"}]}}


class ExchangeRate(BaseModel):
    currency: Currency
    month: str = Field(pattern=MONTH_PATTERN, examples=["2024-05"])
    units_per_eur: Rate
    source: Literal["manual", "import"]
    updated_at: dt.datetime


class FixedRate(BaseModel):
    programme: str
    currency: Currency
    units_per_eur: Rate
    source: Literal["catalogue", "admin"]
    updated_at: dt.datetime


class RatesImport(BaseModel):
    imported: int
    months: list[str]
    rates: list[ExchangeRate]


class Difference(BaseModel):
    fund: str
    priority: str
    column: Literal["allocated", "committed", "released", "paid", "corrected", "recovered"]
    balance: ExactDecimal
    ledger: ExactDecimal


class ClaimDifference(BaseModel):
    """A project commitment's fund whose ledger payments differ from what its paid claims paid."""

    commitment_id: UUID
    fund: str
    ledger_paid: ExactDecimal = Field(description="The ledger's `payment` entries, in the programme's currency")
    claims_paid: ExactDecimal = Field(description="The paid claims' `paid_programme`, in the programme's currency")


class Reconciliation(BaseModel):
    programme: str
    consistent: bool = Field(description="No difference of the balances, nor of the claims")
    checked_rows: int
    differences: list[Difference]
    checked_claims: int = Field(
        default=0, description="Project commitments × funds whose ledger payments were compared with their paid claims"
    )
    claim_differences: list[ClaimDifference] = Field(
        default_factory=list,
        description="Where a project commitment's ledger payments for a fund differ from the sum of its paid claims",
    )


class SpecificObjectiveRow(BaseModel):
    specific_objective: str | None = Field(
        description="Null for commitments made without one (e.g. technical assistance)"
    )
    priority: str
    fund: str
    committed: Money = Field(description="Net of releases")
    paid: Money


class SpecificObjectiveReport(BaseModel):
    programme: str
    currency: Currency
    rows: list[SpecificObjectiveRow]


class CallRow(BaseModel):
    call_id: UUID | None
    fund: str
    committed: Money = Field(description="Net of releases")
    paid: Money


class CallReport(BaseModel):
    programme: str
    currency: Currency
    rows: list[CallRow]


class TimeseriesPoint(BaseModel):
    period: str = Field(examples=["2024-05"], description="yyyy-mm (or yyyy) in Europe/Brussels time")
    fund: str
    committed: Money = Field(description="Commitments made in the period (gross)")
    released: Money = Field(description="Releases made in the period")
    net: Money = Field(description="committed − released")


class TimeseriesReport(BaseModel):
    programme: str
    currency: Currency
    interval: Literal["month", "year"]
    points: list[TimeseriesPoint] = Field(description="By period, then fund: the whole series")


class UtilisationRow(BaseModel):
    priority: str
    fund: str
    allocated: Money
    committed: Money = Field(description="Net of releases")
    available: Money
    utilisation: ExactDecimal | None = Field(
        description="committed / allocated, 4 decimals; null when nothing is allocated", examples=["0.4213"]
    )


class UtilisationReport(BaseModel):
    programme: str
    currency: Currency
    rows: list[UtilisationRow]
    total: UtilisationRow = Field(description="All funds and priorities (priority and fund `TOTAL`)")


class ProgrammeSync(BaseModel):
    programme: str
    currency: Currency
    funds_created: list[str]
    funds_unchanged: list[str]
    fixed_rates: dict[str, str]
    notes: list[str]


class SyncReport(BaseModel):
    programmes: list[ProgrammeSync]
