"""The parameters of each check kind, as pydantic models: validated when a rule set is created (and written
out in full then, `rules.validate_params`), shown as JSON Schema by `GET /v1/check-kinds`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from services.eligibility.engine.context import (
    CountryCode,
    Share,
)
from shared.money import Money
from shared.schemas.applications import FinancingSource
from shared.schemas.state_aid import AidRegime

# --------------------------------------------------------------------------- parameters


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartnershipParams(Params):
    countries: list[CountryCode] = Field(
        min_length=1, description="Each needs at least one partner", examples=[["SE", "NO"]]
    )
    allowed_countries: list[CountryCode] | None = Field(
        default=None, description="When given, every partner must be from one of these (single-country programmes)"
    )
    lead_partners: int | None = Field(
        default=1,
        ge=0,
        le=10,
        description="Exactly this many partners with role lead (the single-lead-partner model); null: not checked",
    )
    leads_per_country: dict[CountryCode, Annotated[int, Field(ge=0, le=10)]] | None = Field(
        default=None,
        description="Exactly this many project owners (role lead) per country, each answering for its side's "
        "budget and financing (Interreg Sverige–Norge: one Swedish and one Norwegian); null: not checked",
        examples=[{"SE": 1, "NO": 1}],
    )
    implicit_owner: bool = Field(
        default=False,
        description="With leads_per_country: a country's side of a single organisation and no lead has that "
        "organisation as its project owner",
    )


class EligibleOrganisationParams(Params):
    require_listed: bool = Field(
        default=True,
        description="A type the catalogue does not list fails; when false, "
        "unlisted types pass (programmes whose catalogue lists no types)",
    )
    excluded_types: list[str] = Field(
        default_factory=list,
        description="Types refused whatever the catalogue says",
        examples=[["private-person", "sole-proprietorship"]],
    )


class ProgrammeAreaParams(Params):
    date: Literal["start_date", "as_of"] = Field(
        default="start_date", description="The day the region must be valid on"
    )
    justification_allowed: bool = Field(
        default=False,
        description="Partners outside the area may take part with a "
        "justification (the message says whether region_justification is given)",
    )
    scope: Literal["all", "owners", "other-partners"] = Field(
        default="all",
        description="Whose regions are checked: every partner, the project owners (role lead, or the only "
        "organisation of a country's side), or the partners that are not owners",
    )


class CoFinancingParams(Params):
    country: CountryCode | None = Field(default=None, description="Partners of this country; null for every partner")
    source: FinancingSource = Field(description="The financing source whose share is limited", examples=["ERDF"])
    max_share: Share = Field(description='Largest share of the partner\'s eligible costs, e.g. "0.65"')


class ProjectDurationParams(Params):
    max_months: dict[str, Annotated[int, Field(ge=1, le=240)]] = Field(
        default_factory=dict, description="Longest duration per project type", examples=[{"pre-project": 12}]
    )
    use_catalogue_default: bool = Field(
        default=True, description="For a type not in max_months, use the catalogue's max_duration_months"
    )


class FundingCapParams(Params):
    project_type: str | None = Field(default=None, description="Only projects of this type; null for all")
    country: CountryCode | None = Field(default=None, description="Only partners of this country; null for all")
    source: FinancingSource
    max_amount: Money = Field(
        description="The cap; amounts in other currencies are converted at the programme's "
        "fixed rate (or the rule fails when there is none)"
    )
    per_partner: bool = Field(default=False, description="Cap each partner; otherwise the partners' total")

    @field_validator("max_amount")
    @classmethod
    def _non_negative(cls, value: Money) -> Money:
        if value.amount < 0:
            raise ValueError("a cap must not be negative")
        return value


class FundCountryParams(Params):
    funds: dict[str, list[CountryCode]] | None = Field(
        default=None,
        description="The countries whose partners each fund may finance; null: as the catalogue gives each "
        "fund's country (a fund without a country finances every partner)",
        examples=[{"ERDF": ["SE"], "NO-STATE": ["NO"]}],
    )


class OwnFinancingParams(Params):
    country: CountryCode | None = Field(default=None, description="Partners of this country; null for every partner")
    sources: list[FinancingSource] = Field(
        min_length=1,
        description="The financing sources that count as the partner's own financing",
        examples=[["own-public", "own-private"]],
    )
    min_share: Share = Field(description='Smallest share of the partner\'s eligible costs, e.g. "0.50"')


TextField = Literal["title", "summary", "cross_border_added_value"]


class RequiredTextsParams(Params):
    min_length: dict[TextField, Annotated[int, Field(ge=1, le=10000)]] = Field(
        min_length=1,
        description="Each text must be given with at least this many characters (after trimming); a "
        "multilingual text needs it in at least one language",
        examples=[{"title": 3, "summary": 40, "cross_border_added_value": 40}],
    )


class CallOpenParams(Params):
    pass


class SpecificObjectiveOpenParams(Params):
    check_project_type: bool = Field(default=True, description="Also require the call to accept the project type")


class FinancingBalancesParams(Params):
    pass


class ChangeFlexibilityParams(Params):
    reallocation_share: Share = Field(
        description="A contracted project may move at most this share of a side's approved budget between the "
        "categories of its partners without a decision: such a change is notified, not decided",
        examples=["0.10"],
    )


# --------------------------------------------------------------------------- state aid


def _no_negative_cap(value: Money) -> Money:
    if value.amount < 0:
        raise ValueError("a cap must not be negative")
    return value


AidSources = Annotated[
    list[FinancingSource],
    Field(min_length=1, description="The financing of the application that is the aid it grants"),
]


class DeMinimisParams(Params):
    regulation: str = Field(
        min_length=1,
        max_length=300,
        description="The regulation (and article) of the ceiling, as messages name it",
        examples=["Regulation (EU) 2023/2831, Art. 3(2)"],
    )
    cap: Annotated[Money, AfterValidator(_no_negative_cap)] = Field(
        description="The ceiling per undertaking over the window; other currencies at the programme's fixed rate",
        examples=[{"amount": "300000.00", "currency": "EUR"}],
    )
    years: int = Field(default=3, ge=1, le=10, description="The window's length in years")
    window: Literal["rolling", "fiscal-years"] = Field(
        default="rolling",
        description="`rolling`: the `years` years ending on the check date; `fiscal-years`: the check date's "
        "fiscal year and the ones before it (a fiscal year read as a calendar year)",
    )
    applies_from: dt.date | None = Field(default=None, description="The ceiling holds for checks from this day")
    applies_until: dt.date | None = Field(default=None, description="… until this day (inclusive)")
    aid_sources: AidSources = ["ERDF", "NO-STATE"]
    conversion: Literal["programme-fixed", "monthly"] = Field(
        default="programme-fixed",
        description="How aid in another currency than the cap's is converted: `programme-fixed` (the "
        "programme's fixed rate; none: the rule fails naming the currency) or `monthly` (the budget's EUR rate "
        "of the month each aid is granted in, sent with the check as `aid_rates`; a month without its rate: "
        "the rule fails naming the currency and the month)",
    )


class AidPerProjectCapParams(Params):
    regime: AidRegime = Field(description="The regime whose aid is capped", examples=["gber-20a"])
    regulation: str = Field(min_length=1, max_length=300, examples=["Regulation (EU) No 651/2014 (GBER), Art. 20a(2)"])
    cap: Annotated[Money, AfterValidator(_no_negative_cap)] = Field(
        description="The ceiling per undertaking and project; other currencies at the programme's fixed rate",
        examples=[{"amount": "22000.00", "currency": "EUR"}],
    )
    aid_sources: AidSources = ["ERDF", "NO-STATE"]
    applies_from: dt.date | None = Field(default=None, description="The ceiling holds for aid granted from this day")
    applies_until: dt.date | None = Field(default=None, description="… until this day (inclusive)")
    conversion: Literal["programme-fixed", "monthly"] = Field(
        default="programme-fixed",
        description="How aid in another currency than the cap's is converted: `programme-fixed` (the "
        "programme's fixed rate; none: the rule fails naming the currency) or `monthly` (the budget's EUR rate "
        "of the month each aid is granted in, sent with the check as `aid_rates`; a month without its rate: "
        "the rule fails naming the currency and the month)",
    )
