"""An application as created, submitted and sent to the eligibility service (`POST /v1/checks`).

Structural validation only (types, codes' shapes, amounts non-negative, one currency per partner);
the programme's rules are the eligibility service's job, so e.g. a missing Norwegian partner is a
valid body here and a failed rule there.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.money import ExactDecimal, NonNegativeMoney
from shared.schemas.cost_options import OPTION_CODE, Computation, CostCategory
from shared.schemas.state_aid import AidRate, GrantedAid, StateAid
from shared.text import Bounded, CodeText, IsoText, LocalizedName, LocalizedProse

__all__ = ["CostCategory", "GrantedAid", "StateAid"]

FinancingSource = Literal["ERDF", "NO-STATE", "own-public", "own-private", "other-public", "other-private"]
PartnerRole = Literal["lead", "partner"]
PARTNER_CURRENCIES = ("EUR", "SEK", "NOK")


def _unset(value: object) -> bool:
    return value is None


PROGRAMME_CODE = r"^[a-z0-9][a-z0-9.\-]{0,63}$"
"""A programme's code, as the catalogue's are: it goes into other services' URLs as one path segment."""

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
DATE_RANGE = (
    f"between {EARLIEST_DATE} and {LATEST_DATE}: a bound of this API, not of the programmes (a date outside it "
    "is a typing error, and the rules' date arithmetic — windows of years back, durations forward — stays "
    "inside the calendar)"
)


def _in_range(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(f"must lie between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


ProjectDate = Annotated[dt.date, IsoText, AfterValidator(_in_range), Field(description=f"A date {DATE_RANGE}")]
ProjectInstant = Annotated[AwareDatetime, IsoText, AfterValidator(_in_range)]


class BudgetLine(BaseModel):
    """Real costs (`amount`), or a simplified cost option of the programme (`cost_option`) whose amount the
    applications service computes: for such a line a sent `amount` or `computed` is replaced."""

    model_config = ConfigDict(extra="forbid")
    category: CostCategory
    amount: NonNegativeMoney | None = Field(
        default=None, description="Real costs: required. A cost-option line: computed by the service"
    )
    description: Annotated[str, Bounded(2000)] | None = None
    cost_option: str | None = Field(
        default=None,
        pattern=OPTION_CODE,
        exclude_if=_unset,
        description="Code of one of the programme's simplified cost options (catalogue `cost_options`)",
        examples=["office-administration-15"],
    )
    units: ExactDecimal | None = Field(
        default=None, exclude_if=_unset, description="Unit-cost options only: the number of units"
    )
    computed: Computation | None = Field(
        default=None, exclude_if=_unset, description="How the service computed a cost-option line (read-only)"
    )
    condition_confirmed: bool | None = Field(
        default=None,
        exclude_if=_unset,
        description="A cost-option line whose option has a `condition` (catalogue): the applicant confirms it",
    )

    @model_validator(mode="after")
    def _amount_or_option(self) -> BudgetLine:
        if self.cost_option is None and self.amount is None:
            raise ValueError("a line of real costs needs its amount (or name a cost_option)")
        if self.units is not None and self.units < 0:
            raise ValueError("units must not be negative")
        return self


class FinancingLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: FinancingSource
    amount: NonNegativeMoney


class Partner(BaseModel):
    """A Swedish or Norwegian (or other) organisation in the project, with its own budget and financing."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Bounded(300, min_length=1)] = Field(examples=["Region Värmland"])
    organisation_number: Annotated[str, Bounded(40, min_length=1)] = Field(examples=["232100-0152"])
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2", examples=["SE"])
    organisation_type: CodeText = Field(examples=["public-authority"])
    region: str = Field(pattern=r"^[A-Z]{2}[0-9A-Z]{0,3}$", description="NUTS code", examples=["SE311"])
    role: PartnerRole
    region_justification: Annotated[str, Bounded(4000)] | None = Field(
        default=None, description="Why a partner outside the programme area is needed"
    )
    budget: list[BudgetLine] = Field(default_factory=list, max_length=200)
    financing: list[FinancingLine] = Field(default_factory=list, max_length=200)
    state_aid: StateAid | None = Field(
        default=None, exclude_if=_unset, description="Whether and how the partner's support is State aid"
    )

    @model_validator(mode="after")
    def _one_currency(self) -> Partner:
        currencies = {line.amount.currency for line in self.budget if line.amount is not None} | {
            line.amount.currency for line in self.financing
        }
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
        for line in self.budget:
            if line.amount is not None:
                return line.amount.currency
        return self.financing[0].amount.currency if self.financing else None


class ApplicationContent(BaseModel):
    """The application body of the contract (what an applicant writes)."""

    model_config = ConfigDict(extra="forbid")
    programme: Annotated[str, Bounded(64, min_length=1, pattern=PROGRAMME_CODE)] = Field(
        examples=["interreg-se-no-2021-2027"], description="A programme's code: lower-case letters, digits, '-' and '.'"
    )
    call_id: UUID
    specific_objective: Annotated[str, Bounded(16, min_length=1)] = Field(examples=["1B"])
    project_type: CodeText = Field(examples=["main-project"])
    acronym: Annotated[str, Bounded(40, min_length=1)] = Field(examples=["GIV"])
    title: LocalizedName
    summary: LocalizedProse = Field(default_factory=dict)
    cross_border_added_value: Annotated[str, Bounded(20000)] = Field(
        default="", description="Why across the border, and why this programme"
    )
    start_date: ProjectDate
    end_date: ProjectDate
    partners: list[Partner] = Field(default_factory=list, max_length=100)


class CheckRequest(ApplicationContent):
    """`POST /v1/checks`: an application, optionally with the date to check it on."""

    as_of: ProjectDate | None = Field(
        default=None,
        description="Check date (default: the day of `at`, else today, in the programme's time zone); "
        f"the date rules (e.g. partner registration) are read on it; {DATE_RANGE}",
    )
    at: ProjectInstant | None = Field(
        default=None,
        description="The instant checked (rule `call-open`: the call must be open at it). Default: now when "
        "`as_of` is absent or today, else the first instant of `as_of` in the programme's time zone. The "
        f"applications service sends the instant of the submission; its day (as written) {DATE_RANGE}",
        examples=["2022-06-15T12:00:00+02:00"],
    )
    granted_aid: list[GrantedAid] = Field(
        default_factory=list,
        max_length=1000,
        description="Aid this programme already granted to the partners' organisations (approved applications); "
        "the applications service adds it, the state-aid rules count it",
    )
    aid_rates: list[AidRate] = Field(
        default_factory=list,
        max_length=1000,
        description="The budget's EUR rates of the months the aid was (or is) granted in, per currency; the "
        "applications service adds them, the State-aid rules of `conversion: monthly` convert with them",
    )
    rule_kinds: list[CodeText] | None = Field(
        default=None,
        max_length=20,
        description="Only the rules of these check kinds are run (the applications service's check at a "
        "decision asks `de-minimis` and `aid-per-project-cap`); null: every rule of the set",
    )

    @model_validator(mode="after")
    def _amounts_computed(self) -> CheckRequest:
        for i, partner in enumerate(self.partners):
            for j, line in enumerate(partner.budget):
                if line.amount is None:
                    raise ValueError(
                        f"partners[{i}].budget[{j}]: the amount of a cost-option line is computed by the "
                        "applications service; a check needs every amount"
                    )
        return self
