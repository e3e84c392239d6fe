"""Budget contracts: commitments (asked by the applications service at approval) and budget reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from shared.money import Currency, ExactDecimal, Money, PositiveMoney
from shared.text import Bounded, CodeText


class CommitmentLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fund: CodeText = Field(examples=["ERDF"])
    amount: PositiveMoney


class CommitmentRequest(BaseModel):
    """`POST /v1/commitments`: all lines succeed or none."""

    model_config = ConfigDict(extra="forbid")
    programme: Annotated[str, Bounded(100, min_length=1)] = Field(examples=["interreg-se-no-2021-2027"])
    application_id: Annotated[str, Bounded(100, min_length=1)] = Field(
        description="The application committed to; on a priority without specific objectives (technical "
        "assistance) the secretariat's own case reference"
    )
    application_version: StrictInt | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="The approved version. Required on a priority with specific objectives (a project): such "
        "commitments come only from the applications service, one active commitment per (programme, "
        "application, version) — asking again returns the existing one (200)",
    )
    priority: CodeText = Field(examples=["1"])
    specific_objective: CodeText | None = Field(default=None, examples=["1B"])
    call_id: UUID | None = None
    reference: Annotated[str, Bounded(100, min_length=1)] | None = Field(
        default=None, description="The application's human-readable reference", examples=["SE-NO-2022-0001"]
    )
    lines: list[CommitmentLineIn] = Field(min_length=1, max_length=20)


class CommitmentLine(BaseModel):
    fund: str
    amount: Money = Field(description="As asked, in its original currency")
    amount_programme: Money = Field(description="Converted to the programme's currency at `rate`")
    rate: ExactDecimal | None = Field(
        default=None, description="Units of the original currency per 1 unit of the programme currency"
    )
    rate_source: Literal["identity", "monthly", "programme-fixed"]
    released: Money = Field(description="Released so far, in the programme's currency")
    paid: Money = Field(description="Paid so far, in the programme's currency")


class Commitment(BaseModel):
    id: UUID
    programme: str
    application_id: str
    application_version: int | None = None
    priority: str
    specific_objective: str | None
    call_id: UUID | None = None
    reference: str | None = None
    status: Literal["active", "partially-released", "released"]
    lines: list[CommitmentLine]
    created_at: dt.datetime


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Bounded(2000, min_length=1)]
    lines: list[CommitmentLineIn] | None = Field(
        default=None,
        description="Partial release per fund; omit to release all that remains (asking again when nothing "
        "remains returns the commitment unchanged)",
    )
    key: Annotated[str, Bounded(200, min_length=1)] | None = Field(
        default=None,
        description="The release's business key: a release with a key already applied to this commitment "
        "returns the commitment unchanged, whoever asks",
        examples=["budget-revision-2024-03"],
    )


class BudgetRow(BaseModel):
    fund: str
    priority: str
    allocated: Money
    committed: Money
    paid: Money
    available: Money


class BudgetReport(BaseModel):
    programme: str
    currency: Currency
    rows: list[BudgetRow]


class ConversionRate(BaseModel):
    """The rate the budget converts a currency at for a programme at an instant: the programme's fixed
    rate, else the monthly accounting rate of the instant's month on the budget's rate clock
    (`BUDGET_RATE_TIMEZONE`, Europe/Brussels: the Commission's). The one definition of "which rate"
    that the budget commits with and the committee's preview reads."""

    programme: CodeText
    currency: Currency
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-03"], description="yyyy-mm of the instant")
    units_per_eur: ExactDecimal = Field(description="Units of the currency per 1 EUR")
    source: Literal["identity", "monthly", "programme-fixed"]
