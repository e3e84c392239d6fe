"""The rule engine: a registry of check kinds, each a parameterised, pure function of an application and
the catalogue's reference data.

A rule of a rule set names a check kind (`kind`), its parameters (`params`, validated by the kind's
pydantic model when the rule set is created) and a severity. Thresholds and lists are parameters, so a
new cap or share is a new rule-set version, not new code. `evaluate` runs every rule (never stopping at
the first failure) and builds the report; it does no I/O, so it is fast, deterministic and testable with
reference data built in memory.

Amounts are compared exactly with `Decimal`: a share limit is checked as `funding <= limit * costs`, never
by comparing rounded shares, so 65.00 % passes and 65.01 % fails.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import orjson
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import to_json

from services.eligibility.messages import Amount, Country, Msg, Percent, Text, render
from shared.money import ExactDecimal, Money, convert, decimal_str, quantum
from shared.schemas.applications import CheckRequest, FinancingSource, Partner
from shared.schemas.catalogue import Call, OrganisationType, Programme, ProjectType, Region
from shared.schemas.eligibility import Report, Severity
from shared.schemas.state_aid import AidRegime

Need = Literal["regions", "organisation_types", "project_types", "call"]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", examples=["SE"])]
SHARE_PLACES = Decimal("0.0001")


def _a_share(value: Decimal) -> Decimal:
    if not Decimal(0) < value <= Decimal(1):
        raise ValueError("a share must be greater than 0 and at most 1")
    return value


Share = Annotated[ExactDecimal, AfterValidator(_a_share)]
"""A share of costs: greater than 0 and at most 1, exact (`"0.65"`)."""


# --------------------------------------------------------------------------- inputs and outputs


@dataclass(frozen=True)
class ReferenceData:
    """What the rules read from the catalogue. A list is None when no rule of the set needs it;
    `call` is None when the call is unknown to the catalogue (or not needed)."""

    programme: Programme
    regions: list[Region] | None = None
    organisation_types: list[OrganisationType] | None = None
    project_types: list[ProjectType] | None = None
    call: Call | None = None


@dataclass(frozen=True)
class Context:
    """Everything a check may look at."""

    application: CheckRequest
    reference: ReferenceData
    as_of: dt.date
    timezone: ZoneInfo
    at: dt.datetime
    """The instant the check is made for (rule `call-open`); its day in `timezone` is `as_of`."""
    memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    """What several rules compute from the same application (a partner's sums, the project owners),
    computed once per check (`partner_sums`, `owners_of`)."""


@dataclass
class Outcome:
    passed: bool
    messages: list[Msg]
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """One rule of a stored rule-set version. Immutable: its parameters are validated into its kind's model
    once (`parsed_params`), not on every check."""

    code: str
    kind: str
    severity: Severity
    params: dict[str, Any]
    _parsed: Params | None = field(default=None, init=False, repr=False, compare=False)

    def parsed_params(self, kind: CheckKind) -> Params:
        """`params` validated by `kind`'s model (frozen), made on first use."""
        parsed = self._parsed
        if parsed is None or type(parsed) is not kind.params:
            parsed = kind.params.model_validate(self.params)
            object.__setattr__(self, "_parsed", parsed)
        return parsed


@dataclass(frozen=True)
class RuleSet:
    """One immutable version of a rule set, as the engine needs it."""

    id: str
    version: int
    programme: str
    call_id: str | None
    rules: tuple[Rule, ...]
    _runnable: tuple[tuple[str, Severity, Callable[[Any, Context], Outcome], Params], ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _needs: frozenset[Need] | None = field(default=None, init=False, repr=False, compare=False)

    def runnable(self) -> tuple[tuple[str, Severity, Callable[[Any, Context], Outcome], Params], ...]:
        """Each rule as (code, severity, its kind's function, its parsed parameters), made on first use: a
        version is immutable, so a check does not look up kinds and parameters rule by rule."""
        found = self._runnable
        if found is None:
            found = tuple(
                (rule.code, rule.severity, REGISTRY[rule.kind].run, rule.parsed_params(REGISTRY[rule.kind]))
                for rule in self.rules
            )
            object.__setattr__(self, "_runnable", found)
        return found


# --------------------------------------------------------------------------- helpers


def costs(partner: Partner) -> Decimal:
    """A partner's eligible costs: the sum of its budget lines (a check has every amount, cost options computed)."""
    return sum((line.amount.amount for line in partner.budget if line.amount is not None), Decimal(0))


def financed(partner: Partner, source: str | None = None) -> Decimal:
    """The sum of a partner's financing lines (of one source, or all)."""
    return sum(
        (line.amount.amount for line in partner.financing if source is None or line.source == source), Decimal(0)
    )


ZERO = Decimal(0)


@dataclass(frozen=True)
class PartnerSums:
    """A partner's budget and financing added up once per check (each in the order of its lines, as
    `costs` and `financed` add them)."""

    costs: Decimal
    financing: Decimal
    by_source: dict[str, Decimal]

    def financed(self, source: str) -> Decimal:
        return self.by_source.get(source, ZERO)


def partner_sums(ctx: Context, partner: Partner) -> PartnerSums:
    """`costs(partner)` and `financed(partner, …)` of every source, computed once per check."""
    key = id(partner)
    found: PartnerSums | None = ctx.memo.get(key)
    if found is None:
        eligible = ZERO
        for line in partner.budget:
            if line.amount is not None:
                eligible += line.amount.amount
        total = ZERO
        by_source: dict[str, Decimal] = {}
        for fline in partner.financing:
            amount = fline.amount.amount
            total += amount
            by_source[fline.source] = by_source.get(fline.source, ZERO) + amount
        found = ctx.memo[key] = PartnerSums(eligible, total, by_source)
    return found


def owners_of(ctx: Context, *, implicit: bool) -> list[Partner]:
    """`project_owners` of the application, computed once per check (a new list each time)."""
    key = ("owners", implicit)
    found: list[Partner] | None = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = project_owners(ctx.application.partners, implicit=implicit)
    return list(found)


def currency_of(partner: Partner, ctx: Context) -> str:
    return partner.currency or ctx.reference.programme.currency


def dec(value: Decimal) -> str:
    return decimal_str(value)


def money_str(value: Decimal, currency: str) -> str:
    """`decimal_str(round_minor(value, currency))`, in one step."""
    return format(value.quantize(quantum(currency), rounding=ROUND_HALF_UP), "f")


def share_str(value: Decimal) -> str:
    return decimal_str(value.quantize(SHARE_PLACES, rounding=ROUND_HALF_UP))


def _money_json(value: Money) -> dict[str, str]:
    """`value.model_dump(mode="json")`, without pydantic's serializer: a new dict of the same two strings."""
    return {"amount": decimal_str(value.amount), "currency": value.currency}


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months, clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def months_spanned(start: dt.date, end: dt.date) -> int:
    """Calendar months a project from `start` to `end` (both inclusive) is running, counting a started
    month as a month: 2023-01-01–2023-12-31 is 12 months, 2023-01-01–2024-01-01 is 13."""
    months = max(0, (end.year - start.year) * 12 + end.month - start.month)
    while add_months(start, months) <= end:
        months += 1
    while months > 0 and add_months(start, months - 1) > end:
        months -= 1
    return months


def _partners_of(partners: Iterable[Partner], country: str | None) -> list[Partner]:
    return [p for p in partners if country is None or p.country == country]


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


# --------------------------------------------------------------------------- checks


def project_owners(partners: Iterable[Partner], *, implicit: bool) -> list[Partner]:
    """The project owners: the partners with role lead and, when `implicit`, the only organisation of a
    country's side that has no lead (it is that side's applying party whatever its role says)."""
    partners = list(partners)
    owners = [p for p in partners if p.role == "lead"]
    if implicit:
        for country in dict.fromkeys(p.country for p in partners):
            side = [p for p in partners if p.country == country]
            if len(side) == 1 and side[0].role != "lead":
                owners.append(side[0])
    return owners


def check_partnership(params: PartnershipParams, ctx: Context) -> Outcome:
    partners = ctx.application.partners
    by_country: dict[str, int] = {}
    for p in partners:
        by_country[p.country] = by_country.get(p.country, 0) + 1
    leads = [p.name for p in partners if p.role == "lead"]
    owners = owners_of(ctx, implicit=params.implicit_owner)
    msgs: list[Msg] = []
    for country in params.countries:
        if not by_country.get(country):
            msgs.append(Msg("partnership.missing-country", {"country": Country(country)}))
    if params.lead_partners is not None and len(leads) != params.lead_partners:
        msgs.append(Msg("partnership.lead-count", {"expected": params.lead_partners, "count": len(leads)}))
    owners_by_country: dict[str, list[str]] = {}
    if params.leads_per_country is not None:
        for p in owners:
            owners_by_country.setdefault(p.country, []).append(p.name)
        for country, expected in sorted(params.leads_per_country.items()):
            found = owners_by_country.get(country, [])
            if len(found) != expected and by_country.get(country, 0) > 0:
                msgs.append(
                    Msg(
                        "partnership.owner-count",
                        {"country": Country(country), "expected": expected, "count": len(found), "owners": found},
                    )
                )
        for country, found in sorted(owners_by_country.items()):
            if country not in params.leads_per_country:
                msgs.append(Msg("partnership.owner-country", {"country": Country(country), "owners": found}))
    if params.allowed_countries is not None:
        allowed = [Country(c) for c in params.allowed_countries]
        for p in partners:
            if p.country not in params.allowed_countries:
                msgs.append(
                    Msg(
                        "partnership.country-not-allowed",
                        {"partner": p.name, "country": Country(p.country), "allowed": allowed},
                    )
                )
    facts: dict[str, Any] = {
        "required_countries": list(params.countries),
        "partners_per_country": dict(sorted(by_country.items())),
        "lead_partners": leads,
        "expected_lead_partners": params.lead_partners,
        "partners": [{"partner": p.name, "country": p.country, "role": p.role} for p in partners],
    }
    if params.leads_per_country is not None:
        facts["expected_owners_per_country"] = dict(sorted(params.leads_per_country.items()))
        facts["owners_per_country"] = dict(sorted(owners_by_country.items()))
        facts["implicit_owners"] = [p.name for p in owners if p.role != "lead"]
    if params.allowed_countries is not None:
        facts["allowed_countries"] = list(params.allowed_countries)
    if msgs:
        return Outcome(False, msgs, facts)
    countries = [Country(c) for c in sorted(by_country)]
    if params.leads_per_country is not None:
        named = [f"{p.name} ({p.country})" for p in owners]
        return Outcome(True, [Msg("partnership.ok-owners", {"countries": countries, "owners": named})], facts)
    return Outcome(True, [Msg("partnership.ok", {"countries": countries, "leads": leads})], facts)


def check_eligible_organisation(params: EligibleOrganisationParams, ctx: Context) -> Outcome:
    types = {t.code: t for t in ctx.reference.organisation_types or []}
    msgs: list[Msg] = []
    rows = []
    for p in ctx.application.partners:
        known = types.get(p.organisation_type)
        name = Text.of(known.name if known else None, p.organisation_type)
        refused = p.organisation_type in params.excluded_types or (known is not None and not known.may_apply)
        if refused:
            msgs.append(Msg("organisation.refused", {"partner": p.name, "name": name}))
        elif known is None and params.require_listed:
            msgs.append(Msg("organisation.unknown", {"partner": p.name, "type": p.organisation_type}))
        rows.append(
            {
                "partner": p.name,
                "organisation_type": p.organisation_type,
                "listed": known is not None,
                "may_apply": (not refused) and (known is not None or not params.require_listed),
            }
        )
    facts = {"partners": rows, "catalogue_lists_types": bool(types)}
    if msgs:
        return Outcome(False, msgs, facts)
    names = sorted({p.organisation_type for p in ctx.application.partners})
    return Outcome(
        True,
        [Msg("organisation.ok", {"types": [Text.of(types[n].name if n in types else None, n) for n in names]})],
        facts,
    )


def check_programme_area(params: ProgrammeAreaParams, ctx: Context) -> Outcome:
    app = ctx.application
    day = app.start_date if params.date == "start_date" else ctx.as_of
    regions = {r.code: r for r in ctx.reference.regions or []}
    owners = owners_of(ctx, implicit=True)
    if params.scope == "owners":
        checked = owners
    elif params.scope == "other-partners":
        checked = [p for p in app.partners if not any(p is o for o in owners)]
    else:
        checked = list(app.partners)
    msgs: list[Msg] = []
    rows = []
    for p in checked:
        region = regions.get(p.region)
        inside = region is not None and region.valid_on(day)
        row: dict[str, Any] = {"partner": p.name, "country": p.country, "region": p.region, "inside": inside}
        if region is not None:
            row["valid_from"] = region.valid_from.isoformat() if region.valid_from else None
            row["valid_to"] = region.valid_to.isoformat() if region.valid_to else None
            if region.successors:
                row["successors"] = list(region.successors)
        if not inside:
            msgs.append(Msg("area.outside", {"partner": p.name, "region": p.region, "date": day.isoformat()}))
            if region is not None and region.valid_to is not None and day > region.valid_to:
                msgs.append(
                    Msg(
                        "area.expired",
                        {
                            "region": p.region,
                            "valid_to": region.valid_to.isoformat(),
                            "successors": list(region.successors),
                        },
                    )
                )
            elif region is not None and region.valid_from is not None and day < region.valid_from:
                msgs.append(Msg("area.not-yet", {"region": p.region, "valid_from": region.valid_from.isoformat()}))
            if params.justification_allowed:
                given = bool(p.region_justification and p.region_justification.strip())
                row["justification_needed"] = True
                row["justification_given"] = given
                msgs.append(Msg("area.justification-given" if given else "area.justification-missing"))
        rows.append(row)
    facts = {"date": day.isoformat(), "scope": params.scope, "partners": rows}
    if msgs:
        return Outcome(False, msgs, facts)
    if not checked:
        return Outcome(True, [Msg("area.none", {"scope": Msg(f"area.scope.{params.scope}")})], facts)
    if params.scope == "all":
        return Outcome(True, [Msg("area.ok", {"date": day.isoformat()})], facts)
    return Outcome(
        True, [Msg("area.ok-scope", {"date": day.isoformat(), "scope": Msg(f"area.scope.{params.scope}")})], facts
    )


def check_co_financing(params: CoFinancingParams, ctx: Context) -> Outcome:
    key = params.source.lower().replace("-", "_")
    share_key = f"{key}_share"
    limit = params.max_share
    limit_text = dec(limit)
    msgs: list[Msg] = []
    rows = []
    shares = []
    concerned = _partners_of(ctx.application.partners, params.country)
    for p in concerned:
        currency = currency_of(p, ctx)
        sums = partner_sums(ctx, p)
        eligible = sums.costs
        funding = sums.financed(params.source)
        allowed = limit * eligible
        ok = funding <= allowed  # exact: never compare rounded shares
        share = funding / eligible if eligible else None
        excess = funding - allowed if not ok else Decimal(0)
        rows.append(
            {
                "partner": p.name,
                "country": p.country,
                key: money_str(funding, currency),
                "eligible_costs": money_str(eligible, currency),
                share_key: share_str(share) if share is not None else None,
                "limit": limit_text,
                "excess": money_str(excess, currency),
                "currency": currency,
                "passed": ok,
            }
        )
        if share is not None:
            shares.append((p.name, Percent(share)))
        if not ok and share is None:
            msgs.append(
                Msg(
                    "cofinancing.no-costs",
                    {"partner": p.name, "source": params.source, "amount": Amount(funding, currency)},
                )
            )
        elif not ok and share is not None:
            msgs.append(
                Msg(
                    "cofinancing.over",
                    {
                        "partner": p.name,
                        "source": params.source,
                        "amount": Amount(funding, currency),
                        "share": Percent(share),
                        "costs": Amount(eligible, currency),
                        "limit": Percent(limit, None),
                        "excess": Amount(excess, currency),
                    },
                )
            )
    facts = {"source": params.source, "country": params.country, "limit": limit_text, "partners": rows}
    if msgs:
        return Outcome(False, msgs, facts)
    if not concerned:
        scope = Msg("scope.country", {"country": Country(params.country)}) if params.country else Msg("scope.all")
        return Outcome(True, [Msg("cofinancing.none", {"scope": scope})], facts)
    return Outcome(
        True, [Msg("cofinancing.ok", {"source": params.source, "limit": Percent(limit, None), "shares": shares})], facts
    )


def check_project_duration(params: ProjectDurationParams, ctx: Context) -> Outcome:
    app = ctx.application
    start, end = app.start_date, app.end_date
    known = {t.code: t for t in ctx.reference.project_types or []}
    pt = known.get(app.project_type)
    type_name = Text.of(pt.name if pt else None, app.project_type)
    limit: int | None = params.max_months.get(app.project_type)
    limit_from = "params" if limit is not None else None
    if limit is None and params.use_catalogue_default and pt is not None and pt.max_duration_months:
        limit, limit_from = pt.max_duration_months, "catalogue"
    facts: dict[str, Any] = {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "project_type": app.project_type,
        "max_months": limit,
        "max_months_from": limit_from,
    }
    dates = {"start": start.isoformat(), "end": end.isoformat()}
    if not start < end:
        facts["months"] = None
        return Outcome(False, [Msg("duration.order", dates)], facts)
    months = months_spanned(start, end)
    facts["months"] = months
    if limit is not None and end >= add_months(start, limit):
        return Outcome(
            False, [Msg("duration.too-long", {**dates, "type": type_name, "max": limit, "months": months})], facts
        )
    if limit is not None:
        return Outcome(
            True, [Msg("duration.ok-max", {**dates, "type": type_name, "max": limit, "months": months})], facts
        )
    return Outcome(True, [Msg("duration.ok", {**dates, "months": months})], facts)


def _to_currency(amount: Decimal, source: str, target: str, programme: Programme) -> Decimal | None:
    """`amount` in `source` currency expressed in `target`, at the programme's fixed rate; None if there is none."""
    if source == target:
        return amount
    rates = {r.currency: r.units_per_eur for r in programme.fixed_exchange_rates}
    if target == "EUR" and source in rates:
        return convert(amount, units_per_eur=rates[source], to_eur=True)
    if source == "EUR" and target in rates:
        return convert(amount, units_per_eur=rates[target], to_eur=False)
    return None


def check_funding_cap(params: FundingCapParams, ctx: Context) -> Outcome:
    app = ctx.application
    cap = params.max_amount
    facts: dict[str, Any] = {
        "project_type": params.project_type,
        "country": params.country,
        "source": params.source,
        "cap": _money_json(cap),
        "per_partner": params.per_partner,
    }
    type_names = {t.code: t.name for t in ctx.reference.project_types or []}
    if params.project_type is not None and app.project_type != params.project_type:
        facts["applies"] = False
        return Outcome(
            True,
            [Msg("cap.not-applicable", {"type": Text.of(type_names.get(params.project_type), params.project_type)})],
            facts,
        )
    facts["applies"] = True
    msgs: list[Msg] = []
    rows = []
    converted: list[tuple[Partner, Decimal]] = []
    for p in _partners_of(app.partners, params.country):
        currency = currency_of(p, ctx)
        amount = partner_sums(ctx, p).financed(params.source)
        in_cap = _to_currency(amount, currency, cap.currency, ctx.reference.programme)
        rows.append(
            {
                "partner": p.name,
                "country": p.country,
                "amount": money_str(amount, currency),
                "currency": currency,
                "amount_in_cap_currency": dec(in_cap) if in_cap is not None else None,
            }
        )
        if in_cap is None:
            msgs.append(Msg("cap.no-rate", {"partner": p.name, "currency": currency, "cap_currency": cap.currency}))
        else:
            converted.append((p, in_cap))
    facts["partners"] = rows
    scope_all = Msg("scope.country", {"country": Country(params.country)}) if params.country else Msg("scope.all")
    groups: list[tuple[Any, Decimal]] = (
        [(p.name, amount) for p, amount in converted]
        if params.per_partner
        else [(scope_all, sum((a for _, a in converted), Decimal(0)))]
    )
    over = False
    for scope, total in groups:
        excess = total - cap.amount
        args = {
            "source": params.source,
            "scope": scope,
            "total": Amount(total, cap.currency),
            "cap": Amount(cap.amount, cap.currency),
        }
        if excess > 0:
            over = True
            msgs.append(Msg("cap.over", {**args, "excess": Amount(excess, cap.currency)}))
        elif not params.per_partner:
            msgs.append(Msg("cap.ok", args))
        if not params.per_partner:
            facts["total"] = money_str(total, cap.currency)
            facts["excess"] = money_str(max(excess, Decimal(0)), cap.currency)
    failed = over or any(m.key == "cap.no-rate" for m in msgs)
    if failed:
        return Outcome(False, [m for m in msgs if m.key != "cap.ok"], facts)
    if params.per_partner:
        msgs = [
            Msg(
                "cap.ok",
                {
                    "source": params.source,
                    "scope": scope_all,
                    "total": Amount(sum((a for _, a in converted), Decimal(0)), cap.currency),
                    "cap": Amount(cap.amount, cap.currency),
                },
            )
        ]
    return Outcome(True, msgs, facts)


@dataclass(frozen=True)
class _CallTexts:
    """What `call-open` shows of a call in one time zone: the same for every check of that call."""

    call: Call
    timezone: ZoneInfo
    call_id: str
    opens_at: str
    closes_at: str | None
    opens_local: str
    closes_local: str | None


_CALL_TEXTS: dict[tuple[int, str], _CallTexts] = {}


def _call_texts(call: Call, tz: ZoneInfo) -> _CallTexts:
    """The call's texts, made once per call object (the catalogue client parses a call once per answer) and
    time zone; kept with the call itself, so that its id is never another's."""
    key = (id(call), tz.key)
    found = _CALL_TEXTS.get(key)
    if found is None or found.call is not call or found.timezone is not tz:
        if len(_CALL_TEXTS) >= 256:
            _CALL_TEXTS.clear()
        found = _CALL_TEXTS[key] = _CallTexts(
            call=call,
            timezone=tz,
            call_id=str(call.id),
            opens_at=call.opens_at.isoformat(),
            closes_at=call.closes_at.isoformat() if call.closes_at else None,
            opens_local=_local_time(call.opens_at, tz),
            closes_local=_local_time(call.closes_at, tz) if call.closes_at else None,
        )
    return found


def _call_facts(call: Call, texts: _CallTexts, ctx: Context) -> dict[str, Any]:
    return {
        "call_id": texts.call_id,
        "number": call.number,
        "programme": call.programme,
        "opens_at": texts.opens_at,
        "closes_at": texts.closes_at,
        "rolling": call.closes_at is None,
        "as_of": ctx.as_of.isoformat(),
        "timezone": ctx.timezone.key,
    }


@lru_cache(maxsize=1024)
def _local_time(at: dt.datetime, tz: ZoneInfo) -> str:
    """The instant as a wall-clock time in `tz` (the same instant always gives the same text: a call's
    opening and closing are formatted once)."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def check_call_open(params: CallOpenParams, ctx: Context) -> Outcome:
    app = ctx.application
    call = ctx.reference.call
    if call is None:
        return Outcome(
            False,
            [Msg("call.not-found", {"call_id": str(app.call_id)})],
            {"call_id": str(app.call_id), "found": False, "as_of": ctx.as_of.isoformat()},
        )
    texts = _call_texts(call, ctx.timezone)
    facts = _call_facts(call, texts, ctx)
    facts["at"] = ctx.at.isoformat()
    if call.programme != app.programme:
        return Outcome(
            False,
            [Msg("call.other-programme", {"number": call.number, "other": call.programme, "programme": app.programme})],
            facts,
        )
    # The catalogue's one definition of "open" (`call_status`), at the instant of the check: a call that
    # closed at 12:00 is closed at 12:00:01 the same day, for the pre-check as for the submission.
    status = call.status_at(ctx.at)
    facts["status"] = status
    args = {
        "number": call.number,
        "date": _local_time(ctx.at, ctx.timezone),
        "opens": texts.opens_local,
        "closes": texts.closes_local,
    }
    if status == "planned":
        return Outcome(False, [Msg("call.not-yet", args)], facts)
    if status == "closed":
        return Outcome(False, [Msg("call.closed", args)], facts)
    return Outcome(True, [Msg("call.open" if call.closes_at else "call.open-rolling", args)], facts)


def check_specific_objective_open(params: SpecificObjectiveOpenParams, ctx: Context) -> Outcome:
    app = ctx.application
    call = ctx.reference.call
    type_names = {t.code: t.name for t in ctx.reference.project_types or []}
    type_name = Text.of(type_names.get(app.project_type), app.project_type)
    facts: dict[str, Any] = {"specific_objective": app.specific_objective, "project_type": app.project_type}
    if call is None or call.programme != app.programme:
        facts["call_found"] = call is not None
        return Outcome(
            False, [Msg("objective.no-call", {"objective": app.specific_objective, "type": type_name})], facts
        )
    facts.update(
        {
            "call_id": str(call.id),
            "number": call.number,
            "call_specific_objectives": list(call.specific_objectives),
            "call_project_types": list(call.project_types),
        }
    )
    msgs: list[Msg] = []
    if app.specific_objective not in call.specific_objectives:
        msgs.append(
            Msg(
                "objective.closed",
                {"number": call.number, "objective": app.specific_objective, "open": list(call.specific_objectives)},
            )
        )
    if params.check_project_type and app.project_type not in call.project_types:
        msgs.append(
            Msg(
                "objective.type-closed",
                {
                    "number": call.number,
                    "type": type_name,
                    "open": [Text.of(type_names.get(t), t) for t in call.project_types],
                },
            )
        )
    if msgs:
        return Outcome(False, msgs, facts)
    return Outcome(
        True,
        [Msg("objective.ok", {"number": call.number, "objective": app.specific_objective, "type": type_name})],
        facts,
    )


def check_financing_balances(params: FinancingBalancesParams, ctx: Context) -> Outcome:
    msgs: list[Msg] = []
    rows = []
    for p in ctx.application.partners:
        currency = currency_of(p, ctx)
        sums = partner_sums(ctx, p)
        budget, financing = sums.costs, sums.financing
        difference = financing - budget
        rows.append(
            {
                "partner": p.name,
                "budget": money_str(budget, currency),
                "financing": money_str(financing, currency),
                "difference": money_str(difference, currency),
                "currency": currency,
                "passed": difference == 0,
            }
        )
        if difference != 0:
            msgs.append(
                Msg(
                    "balance.off",
                    {
                        "partner": p.name,
                        "financing": Amount(financing, currency),
                        "budget": Amount(budget, currency),
                        "difference": Amount(difference, currency),
                    },
                )
            )
    facts = {"partners": rows}
    if msgs:
        return Outcome(False, msgs, facts)
    return Outcome(True, [Msg("balance.ok")], facts)


def _fund_countries(params: FundCountryParams, ctx: Context) -> dict[str, list[str]]:
    if params.funds is not None:
        return {code: list(countries) for code, countries in params.funds.items()}
    return {f.code: [f.country] for f in ctx.reference.programme.funds if f.country}


def check_fund_country(params: FundCountryParams, ctx: Context) -> Outcome:
    funds = _fund_countries(params, ctx)
    msgs: list[Msg] = []
    rows = []
    for p in ctx.application.partners:
        currency = currency_of(p, ctx)
        for source in dict.fromkeys(line.source for line in p.financing):
            allowed = funds.get(source)
            if allowed is None:
                continue
            amount = partner_sums(ctx, p).financed(source)
            ok = p.country in allowed or amount == 0
            rows.append(
                {
                    "partner": p.name,
                    "country": p.country,
                    "fund": source,
                    "amount": money_str(amount, currency),
                    "currency": currency,
                    "fund_countries": allowed,
                    "passed": ok,
                }
            )
            if not ok:
                msgs.append(
                    Msg(
                        "fund.wrong-country",
                        {
                            "partner": p.name,
                            "country": Country(p.country),
                            "fund": source,
                            "amount": Amount(amount, currency),
                            "allowed": [Country(c) for c in allowed],
                        },
                    )
                )
    facts = {"fund_countries": funds, "lines": rows}
    if msgs:
        return Outcome(False, msgs, facts)
    pairs = [Msg("fund.pair", {"fund": f, "countries": [Country(c) for c in cs]}) for f, cs in sorted(funds.items())]
    return Outcome(True, [Msg("fund.ok", {"pairs": pairs})], facts)


def check_own_financing(params: OwnFinancingParams, ctx: Context) -> Outcome:
    floor = params.min_share
    floor_text = dec(floor)
    msgs: list[Msg] = []
    rows = []
    concerned = _partners_of(ctx.application.partners, params.country)
    for p in concerned:
        currency = currency_of(p, ctx)
        sums = partner_sums(ctx, p)
        eligible = sums.costs
        own = sum((sums.financed(source) for source in params.sources), Decimal(0))
        required = floor * eligible
        ok = own >= required  # exact: never compare rounded shares
        share = own / eligible if eligible else None
        shortfall = required - own if not ok else Decimal(0)
        rows.append(
            {
                "partner": p.name,
                "country": p.country,
                "own_financing": money_str(own, currency),
                "eligible_costs": money_str(eligible, currency),
                "own_share": share_str(share) if share is not None else None,
                "floor": floor_text,
                "shortfall": money_str(shortfall, currency),
                "currency": currency,
                "passed": ok,
            }
        )
        if not ok:
            msgs.append(
                Msg(
                    "own.under",
                    {
                        "partner": p.name,
                        "own": Amount(own, currency),
                        "share": Percent(share if share is not None else Decimal(0)),
                        "costs": Amount(eligible, currency),
                        "floor": Percent(floor, None),
                        "shortfall": Amount(shortfall, currency),
                    },
                )
            )
    facts = {"country": params.country, "sources": list(params.sources), "floor": floor_text, "partners": rows}
    if msgs:
        return Outcome(False, msgs, facts)
    scope = Msg("scope.country", {"country": Country(params.country)}) if params.country else Msg("scope.all")
    if not concerned:
        return Outcome(True, [Msg("own.none", {"scope": scope})], facts)
    shares = [
        (p.name, Percent(Decimal(r["own_share"]))) for p, r in zip(concerned, rows, strict=True) if r["own_share"]
    ]
    return Outcome(True, [Msg("own.ok", {"scope": scope, "floor": Percent(floor, None), "shares": shares})], facts)


def _text_length(value: Any) -> int:
    if isinstance(value, str):
        return len(value.strip())
    if isinstance(value, dict):
        return max((len(str(v).strip()) for v in value.values()), default=0)
    return 0


def check_required_texts(params: RequiredTextsParams, ctx: Context) -> Outcome:
    app = ctx.application
    msgs: list[Msg] = []
    rows = []
    for name, minimum in params.min_length.items():
        length = _text_length(getattr(app, name))
        ok = length >= minimum
        rows.append({"field": name, "length": length, "min_length": minimum, "passed": ok})
        if not ok:
            key = "texts.missing" if length == 0 else "texts.short"
            msgs.append(Msg(key, {"field": Msg(f"texts.field.{name}"), "length": length, "min": minimum}))
    facts = {"fields": rows}
    if msgs:
        return Outcome(False, msgs, facts)
    return Outcome(True, [Msg("texts.ok", {"fields": [Msg(f"texts.name.{n}") for n in params.min_length]})], facts)


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


class AidPerProjectCapParams(Params):
    regime: AidRegime = Field(description="The regime whose aid is capped", examples=["gber-20a"])
    regulation: str = Field(min_length=1, max_length=300, examples=["Regulation (EU) No 651/2014 (GBER), Art. 20a(2)"])
    cap: Annotated[Money, AfterValidator(_no_negative_cap)] = Field(
        description="The ceiling per undertaking and project; other currencies at the programme's fixed rate",
        examples=[{"amount": "22000.00", "currency": "EUR"}],
    )
    aid_sources: AidSources = ["ERDF", "NO-STATE"]


def _aid_window(params: DeMinimisParams, day: dt.date) -> tuple[dt.date, dt.date]:
    if params.window == "fiscal-years":
        return dt.date(day.year - params.years + 1, 1, 1), day
    return add_months(day, -12 * params.years) + dt.timedelta(days=1), day


def _in_cap(amount: Decimal, currency: str, cap: Money, ctx: Context, partner: Partner, missing: list[Msg]) -> Decimal:
    """`amount` in the cap's currency (the programme's fixed rate); 0 and a `no-rate` message when it has none."""
    converted = _to_currency(amount, currency, cap.currency, ctx.reference.programme)
    if converted is None:
        args = {"partner": partner.name, "currency": currency, "cap_currency": cap.currency}
        if not any(m.args == args for m in missing):
            missing.append(Msg("deminimis.no-rate", args))
        return Decimal(0)
    return converted


def _declaring(ctx: Context, regime: str) -> dict[str, list[Partner]]:
    """The partners that declare aid under `regime`, by organisation number."""
    out: dict[str, list[Partner]] = {}
    for p in ctx.application.partners:
        if p.state_aid is not None and p.state_aid.regime == regime:
            out.setdefault(p.organisation_number, []).append(p)
    return out


def _aid_here(
    partners: list[Partner], sources: list[FinancingSource], cap: Money, ctx: Context, missing: list[Msg]
) -> Decimal:
    return sum(
        (
            _in_cap(partner_sums(ctx, p).financed(s), currency_of(p, ctx), cap, ctx, p, missing)
            for p in partners
            for s in sources
        ),
        Decimal(0),
    )


def check_de_minimis(params: DeMinimisParams, ctx: Context) -> Outcome:
    """De minimis aid per undertaking (organisation number) over the window: this application's aid, the
    aid declared as received before, and the aid this programme's approved applications granted
    (`granted_aid`, sent by the applications service), together at most the cap."""
    day, cap = ctx.as_of, params.cap
    regulation = params.regulation
    facts: dict[str, Any] = {"regulation": regulation, "cap": _money_json(cap), "as_of": day.isoformat()}
    outside = (params.applies_from is not None and day < params.applies_from) or (
        params.applies_until is not None and day > params.applies_until
    )
    if outside:
        start, end = params.applies_from, params.applies_until
        if start and end:
            period = Msg("deminimis.period", {"start": start.isoformat(), "end": end.isoformat()})
        elif start:
            period = Msg("deminimis.period-from", {"start": start.isoformat()})
        else:
            period = Msg("deminimis.period-until", {"end": end.isoformat() if end else ""})
        facts["applies"] = False
        msg = Msg("deminimis.not-applicable", {"regulation": regulation, "period": period, "date": day.isoformat()})
        return Outcome(True, [msg], facts)
    start, end = _aid_window(params, day)
    facts.update({"applies": True, "window_start": start.isoformat(), "window_end": end.isoformat()})
    window = Msg(
        f"deminimis.window.{params.window}", {"years": params.years, "start": start.isoformat(), "end": end.isoformat()}
    )
    groups = _declaring(ctx, "de-minimis")
    if not groups:
        facts["organisations"] = []
        return Outcome(True, [Msg("deminimis.none", {"regulation": regulation})], facts)
    missing: list[Msg] = []
    msgs: list[Msg] = []
    rows = []
    for number, partners in groups.items():
        first = partners[0]
        here = _aid_here(partners, params.aid_sources, cap, ctx, missing)
        declared_items = {
            (a.granted_on, a.amount.amount, a.amount.currency, a.granted_by)
            for p in partners
            for a in (p.state_aid.previous_de_minimis if p.state_aid else [])
            if start <= a.granted_on <= end
        }
        declared = sum((_in_cap(a, c, cap, ctx, first, missing) for _, a, c, _ in declared_items), Decimal(0))
        granted_items = [
            g
            for g in ctx.application.granted_aid
            if g.organisation_number == number and g.regime == "de-minimis" and start <= g.granted_on <= end
        ]
        granted = sum(
            (_in_cap(g.amount.amount, g.amount.currency, cap, ctx, first, missing) for g in granted_items), Decimal(0)
        )
        total = here + declared + granted
        excess = total - cap.amount
        rows.append(
            {
                "partner": first.name,
                "organisation_number": number,
                "this_application": money_str(here, cap.currency),
                "declared": money_str(declared, cap.currency),
                "programme_granted": money_str(granted, cap.currency),
                "granted_by_programme": [g.reference for g in granted_items],
                "total": money_str(total, cap.currency),
                "excess": money_str(max(excess, Decimal(0)), cap.currency),
                "currency": cap.currency,
                "passed": excess <= 0,
            }
        )
        args = {
            "partner": first.name,
            "organisation": number,
            "total": Amount(total, cap.currency),
            "window": window,
            "this": Amount(here, cap.currency),
            "declared": Amount(declared, cap.currency),
            "granted": Amount(granted, cap.currency),
            "cap": Amount(cap.amount, cap.currency),
            "regulation": regulation,
        }
        if excess > 0:
            msgs.append(Msg("deminimis.over", {**args, "excess": Amount(excess, cap.currency)}))
        else:
            msgs.append(Msg("deminimis.ok", args))
    facts["organisations"] = rows
    failed = bool(missing) or any(not r["passed"] for r in rows)
    if failed:
        return Outcome(False, missing + [m for m in msgs if m.key != "deminimis.ok"], facts)
    return Outcome(True, msgs, facts)


def check_aid_per_project_cap(params: AidPerProjectCapParams, ctx: Context) -> Outcome:
    """The aid of one regime per undertaking (organisation number) in this project at most the cap."""
    cap = params.cap
    facts: dict[str, Any] = {
        "regime": params.regime,
        "regulation": params.regulation,
        "cap": _money_json(cap),
    }
    groups = _declaring(ctx, params.regime)
    if not groups:
        facts["organisations"] = []
        return Outcome(True, [Msg("aidcap.none", {"regulation": params.regulation})], facts)
    missing: list[Msg] = []
    msgs: list[Msg] = []
    rows = []
    shown = []
    for number, partners in groups.items():
        here = _aid_here(partners, params.aid_sources, cap, ctx, missing)
        excess = here - cap.amount
        rows.append(
            {
                "partner": partners[0].name,
                "organisation_number": number,
                "amount": money_str(here, cap.currency),
                "excess": money_str(max(excess, Decimal(0)), cap.currency),
                "currency": cap.currency,
                "passed": excess <= 0,
            }
        )
        shown.append((partners[0].name, Amount(here, cap.currency)))
        if excess > 0:
            msgs.append(
                Msg(
                    "aidcap.over",
                    {
                        "partner": partners[0].name,
                        "organisation": number,
                        "amount": Amount(here, cap.currency),
                        "cap": Amount(cap.amount, cap.currency),
                        "regulation": params.regulation,
                        "excess": Amount(excess, cap.currency),
                    },
                )
            )
    facts["organisations"] = rows
    if missing or msgs:
        return Outcome(False, missing + msgs, facts)
    ok = Msg("aidcap.ok", {"regulation": params.regulation, "cap": Amount(cap.amount, cap.currency), "amounts": shown})
    return Outcome(True, [ok], facts)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class CheckKind:
    """A kind of check: its parameters' model, the reference data it reads and its function."""

    code: str
    description: str
    params: type[Params]
    needs: frozenset[Need]
    run: Callable[[Any, Context], Outcome]


REGISTRY: dict[str, CheckKind] = {
    k.code: k
    for k in (
        CheckKind(
            "partnership",
            "Partners from the required countries (and only allowed ones); exactly N leads, or N project owners per country",
            PartnershipParams,
            frozenset(),
            check_partnership,
        ),
        CheckKind(
            "eligible-organisation",
            "Every partner's organisation type is listed and may apply",
            EligibleOrganisationParams,
            frozenset({"organisation_types"}),
            check_eligible_organisation,
        ),
        CheckKind(
            "programme-area",
            "Every partner's region lies in the programme area on the project's start date",
            ProgrammeAreaParams,
            frozenset({"regions"}),
            check_programme_area,
        ),
        CheckKind(
            "co-financing",
            "A financing source is at most a share of each (country's) partner's costs",
            CoFinancingParams,
            frozenset(),
            check_co_financing,
        ),
        CheckKind(
            "project-duration",
            "Start before end; at most N months per project type",
            ProjectDurationParams,
            frozenset({"project_types"}),
            check_project_duration,
        ),
        CheckKind(
            "funding-cap",
            "A financing source is at most an amount (per project type and country)",
            FundingCapParams,
            frozenset({"project_types"}),
            check_funding_cap,
        ),
        CheckKind(
            "call-open", "The call is open on the check date", CallOpenParams, frozenset({"call"}), check_call_open
        ),
        CheckKind(
            "specific-objective-open",
            "The call funds the specific objective and the project type",
            SpecificObjectiveOpenParams,
            frozenset({"call", "project_types"}),
            check_specific_objective_open,
        ),
        CheckKind(
            "fund-country",
            "Each fund finances only partners of its countries (the catalogue's fund country by default)",
            FundCountryParams,
            frozenset(),
            check_fund_country,
        ),
        CheckKind(
            "own-financing",
            "The partner's own financing is at least a share of its costs (per country)",
            OwnFinancingParams,
            frozenset(),
            check_own_financing,
        ),
        CheckKind(
            "required-texts",
            "The application's texts are given and not trivially short",
            RequiredTextsParams,
            frozenset(),
            check_required_texts,
        ),
        CheckKind(
            "financing-balances",
            "Each partner's financing adds up exactly to its budget",
            FinancingBalancesParams,
            frozenset(),
            check_financing_balances,
        ),
        CheckKind(
            "de-minimis",
            "De minimis aid per organisation over the window — this application's, that declared and that of the "
            "programme's approved applications — at most the ceiling",
            DeMinimisParams,
            frozenset(),
            check_de_minimis,
        ),
        CheckKind(
            "aid-per-project-cap",
            "The aid under one regime per organisation in this project at most the ceiling (e.g. GBER Art. 20a)",
            AidPerProjectCapParams,
            frozenset(),
            check_aid_per_project_cap,
        ),
    )
}


def validate_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a rule, validated by its kind and written out in full (defaults included), so a
    stored version keeps meaning the same even if a later release adds a parameter with a default."""
    if kind not in REGISTRY:
        raise ValueError(f"unknown check kind {kind!r}; known: {', '.join(sorted(REGISTRY))}")
    # Strictly, as JSON: `"1_0"` or `true` is not a count and `"yes"` is not a flag (JSON's own types only).
    document = json.dumps(params, default=str)
    return REGISTRY[kind].params.model_validate_json(document, strict=True).model_dump(mode="json")


def needs(rule_set: RuleSet) -> frozenset[Need]:
    """The reference data the rules of a set read (made once per version: it is immutable)."""
    found = rule_set._needs
    if found is None:
        out: set[Need] = set()
        for rule in rule_set.rules:
            out |= REGISTRY[rule.kind].needs
        found = frozenset(out)
        object.__setattr__(rule_set, "_needs", found)
    return found


def report_of(rule_set: RuleSet, ctx: Context, language: str) -> dict[str, Any]:
    """Run every rule of the set, in its order, into the report as plain data, shaped and ordered as
    `Report` (`eligible` unless an error-severity rule failed). Every part is made here from validated
    inputs, so the route encodes it as it is (`report_json`) instead of building models to encode."""
    results = []
    eligible = True
    for code, severity, run, params in rule_set.runnable():
        outcome = run(params, ctx)
        passed = outcome.passed
        if not passed and severity == "error":
            eligible = False
        results.append(
            {
                "rule": code,
                "passed": passed,
                "severity": severity,
                "message": render(outcome.messages, language),
                "facts": outcome.facts,
            }
        )
    return {
        "eligible": eligible,
        "rule_set": {"id": rule_set.id, "version": rule_set.version},
        "as_of": ctx.as_of,
        "language": language,
        "results": results,
    }


def report_json(report: dict[str, Any]) -> bytes:
    """A report of `report_of` as the JSON the API answers: the bytes `Report` serialises to. orjson writes
    the same compact UTF-8 for what a report holds (strings, booleans, integers, None, dates, lists and
    dicts with string keys) at a quarter of the cost; anything else it refuses (a 65-bit integer, a lone
    surrogate) is written by pydantic-core, as before."""
    try:
        return orjson.dumps(report)
    except orjson.JSONEncodeError:
        return to_json(report)


def evaluate(rule_set: RuleSet, ctx: Context, language: str) -> Report:
    """Run every rule of the set, in its order, and build the report (`eligible` unless an error-severity
    rule failed)."""
    return Report.model_validate(report_of(rule_set, ctx, language))
