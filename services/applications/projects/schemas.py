"""Request and response models of the project, its contract and the programme's controllers.

Bank accounts: an IBAN (ISO 13616: its two check digits verified, mod 97 = 1) with an optional BIC (ISO 9362
shape), or a Norwegian account number (11 digits, the last a MOD11 check digit with the weights
5,4,3,2,7,6,5,4,3,2 — Bits/the Norwegian banks' standard for `kontonummer`; our source, not a regulation)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.schemas.applications import ProjectDate
from shared.text import Bounded, CodeText

Side = Literal["SE", "NO"]
PeriodKind = Literal["content", "finance", "both"]
Text200 = Annotated[str, Bounded(200, min_length=1)]

IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
BIC_SHAPE = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
NO_ACCOUNT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def iban_valid(iban: str) -> bool:
    """ISO 13616 / ISO 7064 MOD 97-10: the first four characters moved to the end, letters as 10..35,
    the number mod 97 is 1."""
    if not IBAN_SHAPE.fullmatch(iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def norwegian_account_valid(number: str) -> bool:
    """11 digits whose last is the MOD11 check digit of the first ten (remainder 1 is never issued)."""
    if not re.fullmatch(r"[0-9]{11}", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:10], NO_ACCOUNT_WEIGHTS, strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(number[10])


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text200 = Field(examples=["Karin Berg"])
    email: Annotated[str, Bounded(254, min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")] = Field(
        examples=["karin.berg@regionvarmland.se"]
    )
    phone: Annotated[str, Bounded(40)] | None = Field(default=None, examples=["+46 54 701 10 00"])
    role: Annotated[str, Bounded(200)] | None = Field(default=None, examples=["project manager"])


class BankAccount(BaseModel):
    """An IBAN (with the BIC where the bank has one) or a Norwegian account number."""

    model_config = ConfigDict(extra="forbid")
    holder: Text200 = Field(examples=["Region Värmland"])
    iban: Annotated[str, Bounded(40)] | None = Field(default=None, examples=["SE4550000000058398257466"])
    bic: Annotated[str, Bounded(11)] | None = Field(default=None, examples=["ESSESESS"])
    account_number: Annotated[str, Bounded(20)] | None = Field(
        default=None, description="A Norwegian account number (11 digits, MOD11)", examples=["86011117947"]
    )

    @field_validator("iban", "bic", "account_number", mode="before")
    @classmethod
    def _compact(cls, value: object) -> object:
        return value.replace(" ", "").replace(".", "").upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_account(self) -> BankAccount:
        if (self.iban is None) == (self.account_number is None):
            raise ValueError("give either an IBAN or a Norwegian account number")
        if self.iban is not None and not iban_valid(self.iban):
            raise ValueError("the IBAN's check digits do not match (ISO 13616, mod 97)")
        if self.bic is not None and not BIC_SHAPE.fullmatch(self.bic):
            raise ValueError("a BIC is 8 or 11 letters and digits (ISO 9362)")
        if self.account_number is not None and not norwegian_account_valid(self.account_number):
            raise ValueError("the Norwegian account number's check digit does not match (MOD11)")
        return self


class OwnerData(BaseModel):
    """A project owner's (the lead partner of one side) contacts and bank account: personal data."""

    model_config = ConfigDict(extra="forbid")
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    bank_account: BankAccount | None = None


class PeriodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: int = Field(ge=1, le=1000)
    start: ProjectDate
    end: ProjectDate
    deadline: ProjectDate
    kind: PeriodKind = Field(description="What is reported: content (progress), finance (expenditure) or both")
    final: bool = False


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    partner: int = Field(ge=1, le=100, description="The partner's number: its place in the baseline version, from 1")
    controller: Text200 = Field(description="The controller's subject (registered in the programme)")


class ControllerAssignmentIn(BaseModel):
    """`PUT /v1/projects/{id}/controllers/{partner}`: the controller of one partner of the approved version."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"controller": "revisor-hedmark"}]})
    controller: Text200 = Field(
        description="The controller's subject (registered in the programme for the partner's country)"
    )


class ContractRequest(BaseModel):
    """`PUT /v1/projects/{id}/contract`: the contract data as it stands (replacing what was recorded). It may
    be incomplete; `POST …/contracting` names what is missing."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision_date": "2025-03-14",
                    "contract_date": "2025-04-01",
                    "start_date": "2025-06-12",
                    "end_date": "2028-05-12",
                    "periods": [
                        {
                            "number": 1,
                            "start": "2025-06-12",
                            "end": "2026-06-30",
                            "deadline": "2026-08-31",
                            "kind": "both",
                            "final": False,
                        },
                        {
                            "number": 2,
                            "start": "2026-07-01",
                            "end": "2028-05-12",
                            "deadline": "2028-07-31",
                            "kind": "both",
                            "final": True,
                        },
                    ],
                    "owners": {
                        "SE": {
                            "contacts": [{"name": "Karin Berg", "email": "karin.berg@regionvarmland.se"}],
                            "bank_account": {
                                "holder": "Region Värmland",
                                "iban": "SE4550000000058398257466",
                                "bic": "ESSESESS",
                            },
                        },
                        "NO": {
                            "contacts": [{"name": "Ola Nordmann", "email": "ola@kongsvinger.kommune.no"}],
                            "bank_account": {"holder": "Kongsvinger kommune", "account_number": "86011117947"},
                        },
                    },
                    "controllers": [
                        {"partner": 1, "controller": "tillvaxtverket-kontroll"},
                        {"partner": 2, "controller": "revisor-hedmark"},
                    ],
                }
            ]
        },
    )
    decision_date: ProjectDate | None = None
    contract_date: ProjectDate | None = None
    start_date: ProjectDate | None = None
    end_date: ProjectDate | None = None
    periods: list[PeriodIn] = Field(default_factory=list, max_length=100)
    owners: dict[Side, OwnerData] = Field(default_factory=dict)
    controllers: list[Assignment] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _periods_in_order(self) -> ContractRequest:
        numbers = [p.number for p in self.periods]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("periods are numbered 1, 2, 3, … in order")
        for p in self.periods:
            if p.end < p.start:
                raise ValueError(f"period {p.number} ends before it starts")
            if p.deadline < p.end:
                raise ValueError(f"period {p.number}'s deadline is before its end")
        for a, b in zip(self.periods, self.periods[1:], strict=False):
            if b.start <= a.end:
                raise ValueError(f"period {b.number} starts before period {a.number} ends")
        finals = [p.number for p in self.periods if p.final]
        if self.periods and finals != [self.periods[-1].number]:
            raise ValueError("exactly one period is final, and it is the last")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("the project ends before it starts")
        if len({a.partner for a in self.controllers}) != len(self.controllers):
            raise ValueError("one controller per partner")
        return self


class PeriodOut(PeriodIn):
    pass


class PartnerOut(BaseModel):
    number: int
    name: str
    organisation_number: str
    country: str
    role: str
    side: Side | None = Field(description="The side whose owner answers for it (its country's), if SE or NO")
    currency: str | None
    controller: str | None = Field(description="The assigned controller's subject")


class ProjectSummary(BaseModel):
    """A project in a list or CSV: never personal data (contacts, bank accounts)."""

    id: UUID
    reference: str | None
    acronym: str
    programme: str
    status: str = Field(description="`contracting`, `contracted` or `closed`")
    baseline_version: int
    start_date: dt.date | None
    end_date: dt.date | None
    contracted_at: dt.datetime | None
    commitment_id: UUID | None


class ProjectOut(ProjectSummary):
    """A project read by itself: with the owners' personal data only for its owners, its controllers,
    finance and officers (`owners` null otherwise)."""

    decision_date: dt.date | None
    contract_date: dt.date | None
    periods: list[PeriodOut]
    partners: list[PartnerOut]
    owners: dict[Side, OwnerData] | None
    co_financing: dict[str, str] = Field(
        description="Per fund: its share of its side's eligible costs in the baseline (ERDF: Swedish side, "
        "NO-STATE: Norwegian side)",
        examples=[{"ERDF": "0.65", "NO-STATE": "0.5"}],
    )


class ProjectEventOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "subject": "partner-report:5d0…",
                    "action": "reopen",
                    "from_status": "in-control",
                    "to_status": "draft",
                    "actor": "tillvaxtverket-kontroll",
                    "role": "controller",
                    "reason": "the invoice of line 4 is missing",
                    "at": "2026-09-02T10:00:00Z",
                }
            ]
        }
    )
    id: int
    subject: str
    action: str
    from_status: str | None
    to_status: str | None
    actor: str
    role: str
    reason: str | None
    at: dt.datetime


class ControllerIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"sub": "revisor-hedmark", "name": "Revisjon Hedmark AS", "country": "NO"}]},
    )
    sub: Text200
    name: Annotated[str, Bounded(300, min_length=1)]
    country: Side = Field(description="SE: the central control; NO: a controller approved nationally")


class ControllerOut(BaseModel):
    programme: str
    sub: str
    name: str
    country: str
    created_at: dt.datetime


class ReasonRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "the final report is verified"}]}
    )
    reason: Annotated[str, Bounded(2000, min_length=1)]


class ClosureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Bounded(2000)] | None = None


ProgrammeCode = CodeText
