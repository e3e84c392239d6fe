"""The catalogue's read models (what `GET /v1/...` of the catalogue returns)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from shared.i18n import LocalizedList, LocalizedText
from shared.money import Currency, ExactDecimal, Money, Rate
from shared.schemas.assessment import CriteriaSet
from shared.schemas.cost_options import CostOption

CallStatus = Literal["planned", "open", "closed"]
CountryCode = str

SOURCES_DESCRIPTION = (
    "Where each value came from, keyed by field or field.language (`title.sv`, `max_duration_months`): "
    'a seed file and quote ("seed 001_….txt: «…»"), "derived: …", or "outside the seeds: …"; English texts '
    "are marked as translations (ours). Identity fields (codes, links) have none."
)


def _sources() -> Any:
    return Field(
        default_factory=dict,
        description=SOURCES_DESCRIPTION,
        examples=[{"title.sv": "seed 000_fbcfdab7ce8ef17e.txt", "eu_code": "outside the seeds: the EU regulation"}],
    )


class Fund(BaseModel):
    code: str = Field(examples=["ERDF"])
    name: LocalizedText
    description: LocalizedText | None = None
    amount: Money
    country: str | None = Field(
        default=None, description="The country whose partners the fund finances", examples=["SE"]
    )
    sources: dict[str, str] = _sources()


class FixedExchangeRate(BaseModel):
    currency: Currency
    units_per_eur: Rate = Field(description="Units of the currency per 1 EUR", examples=["10"])
    note: LocalizedText | None = None
    sources: dict[str, str] = _sources()


class Allocation(BaseModel):
    """An explicit fund x priority amount (action plans)."""

    fund: str
    priority: str
    amount: Money
    sources: dict[str, str] = _sources()


class SubArea(BaseModel):
    code: str
    name: LocalizedText
    sources: dict[str, str] = _sources()


class NamedCode(BaseModel):
    code: str
    name: LocalizedText
    sources: dict[str, str] = _sources()


class ProgrammeSummary(BaseModel):
    code: str = Field(examples=["interreg-se-no-2021-2027"])
    kind: Literal["interreg", "regional-fund", "action-plan"]
    cci: str | None = None
    reference_prefix: str | None = Field(
        default=None, description="Prefix of application references", examples=["SE-NO"]
    )
    decisions: Literal["committee-only", "direct"] = Field(
        default="direct",
        description="`committee-only`: approvals go only through a committee session (`POST /v1/committee/"
        "sessions`) and `POST /v1/applications/{id}/decision` refuses them; `direct`: an officer may also "
        "approve one application, the assessment thresholds holding on that path too",
    )
    name: LocalizedText
    currency: Currency
    period_start: dt.date
    period_end: dt.date
    sources: dict[str, str] = _sources()


class Programme(ProgrammeSummary):
    short_name: LocalizedText | None = None
    vision: LocalizedText | None = None
    description: LocalizedText | None = None
    languages: list[str]
    funds: list[Fund]
    fixed_exchange_rates: list[FixedExchangeRate] = []
    allocations: list[Allocation] = []
    sub_areas: list[SubArea] = []
    smart_specialisation: list[NamedCode] = []
    cross_border_added_value: LocalizedText | None = None
    partnership: LocalizedText | None = None
    cost_options: list[CostOption] = Field(
        default=[], description="The simplified cost options the programme offers, each with its legal basis"
    )
    assessment_criteria: list[CriteriaSet] = Field(
        default=[],
        description="The criteria assessors score an eligible application against; the first set is the "
        "programme's default, a call may name another (`Call.assessment_criteria`)",
    )


class Priority(BaseModel):
    code: str = Field(examples=["1"])
    name: LocalizedText
    description: LocalizedText | None = None
    share: ExactDecimal | None = Field(default=None, description='Share of the programme, e.g. "0.42"')
    total_financing: Money | None = None
    specific_objectives: list[str] = Field(description="Codes of its specific objectives", examples=[["1A", "1B"]])
    sources: dict[str, str] = _sources()


class SpecificObjective(BaseModel):
    code: str = Field(examples=["1A"])
    eu_code: str | None = Field(default=None, examples=["RSO1.1"])
    priority: str
    short_name: LocalizedText | None = None
    title: LocalizedText
    description: LocalizedText | None = None
    target_groups: LocalizedText | None = None
    effects: LocalizedText | None = None
    examples: LocalizedList = {}
    partners: list[str] = []
    sources: dict[str, str] = _sources()


class Region(BaseModel):
    code: str = Field(description="NUTS code", examples=["SE311"])
    name: LocalizedText
    country: str = Field(examples=["SE"])
    nuts_level: int | None = None
    sub_area: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = Field(default=None, description="Last day the region is valid; null while it is")
    successors: list[str] = []
    predecessors: list[str] = []
    sources: dict[str, str] = _sources()

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class ProjectType(BaseModel):
    code: str = Field(examples=["pre-project"])
    name: LocalizedText
    description: LocalizedText | None = None
    max_duration_months: int | None = None
    sources: dict[str, str] = _sources()


class OrganisationType(BaseModel):
    code: str = Field(examples=["public-authority"])
    name: LocalizedText
    description: LocalizedText | None = None
    may_apply: bool
    sources: dict[str, str] = _sources()


def call_status(opens_at: dt.datetime, closes_at: dt.datetime | None, at: dt.datetime) -> CallStatus:
    """THE definition of a call's status, used by the catalogue (its `status` field), the applications
    service (may it be submitted now?) and the eligibility service (rule `call-open`): `planned` before
    `opens_at`, `open` from `opens_at` through `closes_at` inclusive (a rolling call, with no closing
    instant, stays open), `closed` after. Instants, not dates: a call closing at 12:00 is closed at
    12:00:01 on the same day, whatever the reader's time zone."""
    if at < opens_at:
        return "planned"
    if closes_at is None or at <= closes_at:
        return "open"
    return "closed"


class Call(BaseModel):
    id: UUID
    programme: str
    number: str = Field(examples=["2022-1"])
    name: LocalizedText
    opens_at: dt.datetime
    closes_at: dt.datetime | None = Field(description="Null for a rolling call (applications any time after opening)")
    decision_expected: str | None = Field(default=None, description="yyyy-mm or yyyy-mm-dd", examples=["2022-09"])
    specific_objectives: list[str]
    project_types: list[str]
    assessment_criteria: str | None = Field(
        default=None, description="Code of the programme's criteria set it is assessed against (null: the first)"
    )
    concept_note: bool = Field(
        default=False, description="Step 1 of a two-step call: its applications are short concept notes"
    )
    concept_note_call_id: UUID | None = Field(
        default=None,
        description="Step 2 of a two-step call: full applications to it link a concept note invited in that call",
    )
    status: CallStatus = Field(description="Derived from the dates and the server's clock")
    sources: dict[str, str] = _sources()

    def status_at(self, at: dt.datetime) -> CallStatus:
        """The call's status at the instant `at` (`call_status`)."""
        return call_status(self.opens_at, self.closes_at, at)

    def is_open(self, at: dt.datetime) -> bool:
        return self.status_at(at) == "open"


class SearchHit(BaseModel):
    programme: str
    kind: str = Field(
        description="What matched: programme, priority, specific_objective, region, call, project_type, organisation_type, fund, example_project"
    )
    code: str
    language: str
    title: str
    snippet: str = Field(description="The matching passage, matches marked with [ and ]")
    rank: float = Field(description="Relevance: higher is better, comparable within one answer only")
