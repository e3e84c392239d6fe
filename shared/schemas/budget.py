"""Budget contracts: commitments (asked by the applications service at approval) and budget reports."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from shared.money import Currency, ExactDecimal, Money, PositiveMoney


class CommitmentLineIn(BaseModel):
    fund: str = Field(examples=["ERDF"])
    amount: PositiveMoney


class CommitmentRequest(BaseModel):
    """`POST /v1/commitments`: all lines succeed or none."""

    programme: str = Field(examples=["interreg-se-no-2021-2027"])
    application_id: str = Field(min_length=1, max_length=100)
    priority: str = Field(examples=["1"])
    specific_objective: str | None = Field(default=None, examples=["1B"])
    call_id: UUID | None = None
    reference: str | None = Field(
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
    priority: str
    specific_objective: str | None
    call_id: UUID | None = None
    reference: str | None = None
    status: Literal["active", "partially-released", "released"]
    lines: list[CommitmentLine]
    created_at: dt.datetime


class ReleaseRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    lines: list[CommitmentLineIn] | None = Field(
        default=None, description="Partial release per fund; omit to release all that remains"
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
