"""Budget contracts: commitments (asked by the applications service at approval) and budget reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from shared.money import Currency, ExactDecimal, Money, PositiveMoney, Rate
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
    rate: Rate | None = Field(
        default=None, description="Units of the original currency per 1 unit of the programme currency"
    )
    rate_source: Literal["identity", "monthly", "programme-fixed"]
    released: Money = Field(description="Released so far, in the programme's currency")
    paid: Money = Field(description="Paid so far, in the programme's currency")
    held: Money | None = Field(
        default=None,
        description="What the project's unpaid payment claims hold of the line, in the programme's currency: a "
        "release leaves it committed until they are paid (so a closed project's remainder is this, not zero)",
    )


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


class IncreaseRequest(BaseModel):
    """`POST /v1/commitments/{commitment_id}/increases`: an approved change of a project raises its money
    (sent by the applications service through its outbox); the commitment then names the new version."""

    model_config = ConfigDict(extra="forbid")
    key: Annotated[str, Bounded(200, min_length=1)] = Field(
        description="The increase's business key: asked again, the commitment is answered unchanged",
        examples=["change:5b0f6f0e-1d7e-4c1b-9a55-0d7f4c8f1a01:3"],
    )
    application_version: StrictInt = Field(
        ge=1, le=1_000_000, description="The new approved version of the application"
    )
    reason: Annotated[str, Bounded(2000, min_length=1)]
    lines: list[CommitmentLineIn] = Field(
        min_length=1, max_length=20, description="What each fund rises by, in the currency it is committed in"
    )


class BudgetRow(BaseModel):
    fund: str
    priority: str
    allocated: Money
    committed: Money
    paid: Money = Field(description="Net of the corrections of paid claims set off and recovered")
    corrected: Money | None = Field(default=None, description="Corrections of paid claims set off against later claims")
    recovered: Money | None = Field(default=None, description="Corrections of paid claims whose money came back")
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
    units_per_eur: Rate = Field(description="Units of the currency per 1 EUR")
    source: Literal["identity", "monthly", "programme-fixed"]


class ClaimRequest(BaseModel):
    """`POST /v1/claims`: a verified project report's claim on one fund of its commitment. Sent by the
    applications service through its outbox; `key` is the claim's business key: asking again with the same
    key returns the existing claim (200), the same key with other figures is a 409."""

    model_config = ConfigDict(extra="forbid")
    key: Annotated[str, Bounded(200, min_length=1)] = Field(
        description="Business key, one per project report and fund", examples=["project-report:4f1c…:ERDF"]
    )
    commitment_id: UUID
    fund: CodeText = Field(examples=["ERDF"])
    amount: PositiveMoney = Field(
        description="The fund's share of the certified expenditure, in the fund's claim currency (ERDF in EUR, "
        "NO-STATE in NOK); the budget caps it by what remains of the commitment's line"
    )
    certified: PositiveMoney = Field(description="The certified expenditure of the fund's side it is a share of")
    co_financing_rate: ExactDecimal = Field(
        description="The fund's share of the side's eligible costs in the approved version", examples=["0.65"]
    )
    project_report_id: Annotated[str, Bounded(100, min_length=1)]
    period: StrictInt = Field(ge=1, le=1000)
    final: bool = False
    application_version: StrictInt | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="The project's approved version the report was made under (its co-financing is this "
        "version's); null from a sender that names none",
    )


ClaimStatus = Literal["submitted", "authorised", "paid"]


class Claim(BaseModel):
    """A payment claim on one fund of a project's commitment: submitted (from a verified project report),
    authorised by one finance officer, paid when a different one confirms (the ledger's `payment`)."""

    id: UUID
    key: str
    programme: str
    commitment_id: UUID
    application_id: str
    priority: str
    fund: str
    asked: Money = Field(description="The fund's share of the certified expenditure, as the report asked")
    amount: Money = Field(description="What is claimed: `asked`, capped by what remained of the commitment")
    capped: bool = Field(description="True when `amount` is less than `asked`")
    certified: Money
    co_financing_rate: ExactDecimal
    project_report_id: str
    period: int
    final: bool
    application_version: int | None = Field(
        default=None, description="The project's approved version the report was made under"
    )
    status: ClaimStatus
    authorised_by: str | None = None
    authorised_at: dt.datetime | None = None
    confirmed_by: str | None = None
    confirmed_at: dt.datetime | None = None
    paid_programme: Money | None = Field(
        default=None, description="The payment posted on the ledger, in the programme's currency"
    )
    deducted: Money | None = Field(
        default=None,
        description="Corrections of earlier paid claims set off against this one (`GET /v1/corrections?claim_id=`), "
        "in its currency; null when none",
    )
    payable: Money | None = Field(
        default=None,
        description="What the claim pays the owner: `amount − deducted` (null until a deduction is set off)",
    )
    created_at: dt.datetime


CorrectionOrigin = Literal["control", "audit", "commission"]
CorrectionEffect = Literal["next-claim", "recovery"]
CorrectionStatus = Literal["open", "set-off", "settled"]
CorrectionFlag = Literal["fraud-suspected", "systemic", "irregularity-reported"]


class CorrectionRequest(BaseModel):
    """`POST /v1/claims/{claim_id}/corrections`: an officer's financial correction of a paid claim."""

    model_config = ConfigDict(extra="forbid")
    amount: PositiveMoney = Field(description="The ineligible amount, in the claim's currency")
    typology: CodeText = Field(
        description="The error's typology (the controls' and the Commission's codes)", examples=["ineligible-cost"]
    )
    origin: CorrectionOrigin = Field(description="Who found it: first-level control, audit, the Commission")
    flags: list[CorrectionFlag] = Field(default_factory=list, max_length=3)
    description: Annotated[str, Bounded(2000)] = ""
    effect: CorrectionEffect = Field(
        description="`next-claim`: set off against the next claim on the same commitment and fund; `recovery`: "
        "a recovery order the owner pays back by `due_date`"
    )
    due_date: dt.date | None = Field(default=None, description="Required for a recovery, refused otherwise")


class SettlementRequest(BaseModel):
    """`POST /v1/corrections/{correction_id}/settlement`: the recovered money came back."""

    model_config = ConfigDict(extra="forbid")
    received_on: dt.date
    reference: Annotated[str, Bounded(200)] | None = Field(default=None, examples=["bank statement 2027-03-14 #42"])


class Correction(BaseModel):
    """A correction of a paid claim and what became of it."""

    id: UUID
    programme: str
    commitment_id: UUID
    claim_id: UUID
    application_id: str
    fund: str
    amount: Money
    amount_programme: Money = Field(description="At the corrected claim's own proportion, in the programme's currency")
    typology: str
    origin: CorrectionOrigin
    flags: list[str]
    description: str
    effect: CorrectionEffect
    due_date: dt.date | None
    status: CorrectionStatus
    set_off_claim_id: UUID | None = Field(description="The claim it is set off against (effect `next-claim`)")
    recorded_by: str
    recorded_at: dt.datetime
    settled_by: str | None
    settled_at: dt.datetime | None
    received_on: dt.date | None
    reference: str | None
