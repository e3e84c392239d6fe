"""An application as created, submitted and sent to the eligibility service (`POST /v1/checks`).

Structural validation only (types, codes' shapes, amounts non-negative, one currency per partner);
the programme's rules are the eligibility service's job, so e.g. a missing Norwegian partner is a
valid body here and a failed rule there.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.i18n import LocalizedText
from shared.money import NonNegativeMoney

FinancingSource = Literal["ERDF", "NO-STATE", "own-public", "own-private", "other-public", "other-private"]
CostCategory = Literal[
    "staff", "office-administration", "travel-accommodation", "external-expertise", "equipment", "infrastructure-works"
]
PartnerRole = Literal["lead", "partner"]
PARTNER_CURRENCIES = ("EUR", "SEK", "NOK")


class BudgetLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: CostCategory
    amount: NonNegativeMoney
    description: str | None = Field(default=None, max_length=2000)


class FinancingLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: FinancingSource
    amount: NonNegativeMoney


class Partner(BaseModel):
    """A Swedish or Norwegian (or other) organisation in the project, with its own budget and financing."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=300, examples=["Region Värmland"])
    organisation_number: str = Field(min_length=1, max_length=40, examples=["232100-0152"])
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2", examples=["SE"])
    organisation_type: str = Field(min_length=1, max_length=64, examples=["public-authority"])
    region: str = Field(pattern=r"^[A-Z]{2}[0-9A-Z]{0,3}$", description="NUTS code", examples=["SE311"])
    role: PartnerRole
    region_justification: str | None = Field(
        default=None, max_length=4000, description="Why a partner outside the programme area is needed"
    )
    budget: list[BudgetLine] = Field(default_factory=list, max_length=200)
    financing: list[FinancingLine] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _one_currency(self) -> Partner:
        currencies = {line.amount.currency for line in self.budget} | {line.amount.currency for line in self.financing}
        unknown = currencies - set(PARTNER_CURRENCIES)
        if unknown:
            raise ValueError(f"a partner's amounts are in EUR, SEK or NOK, not {', '.join(sorted(unknown))}")
        if len(currencies) > 1:
            raise ValueError(
                f"all of a partner's budget and financing must be in one currency, found {', '.join(sorted(currencies))}"
            )
        return self

    @property
    def currency(self) -> str | None:
        if self.budget:
            return self.budget[0].amount.currency
        return self.financing[0].amount.currency if self.financing else None


class ApplicationContent(BaseModel):
    """The application body of the contract (what an applicant writes)."""

    model_config = ConfigDict(extra="forbid")
    programme: str = Field(examples=["interreg-se-no-2021-2027"])
    call_id: UUID
    specific_objective: str = Field(examples=["1B"])
    project_type: str = Field(examples=["main-project"])
    acronym: str = Field(min_length=1, max_length=40, examples=["GIV"])
    title: LocalizedText
    summary: LocalizedText = Field(default_factory=dict)
    cross_border_added_value: str = Field(
        default="", max_length=20000, description="Why across the border, and why this programme"
    )
    start_date: dt.date
    end_date: dt.date
    partners: list[Partner] = Field(default_factory=list, max_length=100)


class CheckRequest(ApplicationContent):
    """`POST /v1/checks`: an application, optionally with the date to check it on."""

    as_of: dt.date | None = Field(default=None, description="Check date (default: today); the call must be open then")
