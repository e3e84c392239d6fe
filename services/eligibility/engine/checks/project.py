"""The check kinds about the project and its partners: the partnership, the organisation types, the programme
area, the duration, the required texts (the call's own checks are in `call`). Each is a pure
function of its parameters and a `Context` (no I/O) returning an `Outcome`."""

from __future__ import annotations

from typing import Any

from services.eligibility.engine.context import (
    Context,
    Outcome,
    add_months,
    by_code,
    iso,
    months_spanned,
    owners_of,
)
from services.eligibility.engine.figures import Country, Msg, Text, const_msg
from services.eligibility.engine.params import (
    ChangeFlexibilityParams,
    EligibleOrganisationParams,
    PartnershipParams,
    ProgrammeAreaParams,
    ProjectDurationParams,
    RequiredTextsParams,
)
from shared.schemas.catalogue import Region


class _PartnershipPlan:
    """What `partnership` reads of its parameters, worked out once per rule's parameters (they are frozen)."""

    __slots__ = ("allowed", "allowed_countries", "leads_per_country", "params", "required")

    def __init__(self, params: PartnershipParams) -> None:
        self.params = params
        self.required = tuple(params.countries)
        self.leads_per_country = (
            tuple(sorted(params.leads_per_country.items())) if params.leads_per_country is not None else None
        )
        self.allowed_countries = frozenset(params.allowed_countries) if params.allowed_countries is not None else None
        self.allowed = [Country(c) for c in params.allowed_countries] if params.allowed_countries is not None else None


_PARTNERSHIP_PLANS: dict[int, _PartnershipPlan] = {}


def _partnership_plan(params: PartnershipParams) -> _PartnershipPlan:
    found = _PARTNERSHIP_PLANS.get(id(params))
    if found is None or found.params is not params:
        if len(_PARTNERSHIP_PLANS) >= 256:
            _PARTNERSHIP_PLANS.clear()
        found = _PARTNERSHIP_PLANS[id(params)] = _PartnershipPlan(params)
    return found


def check_partnership(params: PartnershipParams, ctx: Context) -> Outcome:
    plan = _partnership_plan(params)
    partners = ctx.application.partners
    by_country: dict[str, int] = {}
    leads: list[str] = []
    rows = []
    for p in partners:
        country, role = p.country, p.role
        by_country[country] = by_country.get(country, 0) + 1
        if role == "lead":
            leads.append(p.name)
        rows.append({"partner": p.name, "country": country, "role": role})
    owners = owners_of(ctx, implicit=params.implicit_owner)
    msgs: list[Msg] = [
        Msg("partnership.missing-country", {"country": Country(country)})
        for country in plan.required
        if not by_country.get(country)
    ]
    if params.lead_partners is not None and len(leads) != params.lead_partners:
        msgs.append(Msg("partnership.lead-count", {"expected": params.lead_partners, "count": len(leads)}))
    owners_by_country: dict[str, list[str]] = {}
    leads_per_country = plan.leads_per_country
    if leads_per_country is not None:
        for p in owners:
            owners_by_country.setdefault(p.country, []).append(p.name)
        for country, expected in leads_per_country:
            found = owners_by_country.get(country, [])
            if len(found) != expected and by_country.get(country, 0) > 0:
                msgs.append(
                    Msg(
                        "partnership.owner-count",
                        {"country": Country(country), "expected": expected, "count": len(found), "owners": found},
                    )
                )
        expected_by_country = params.leads_per_country or {}
        for country, found in sorted(owners_by_country.items()):
            if country not in expected_by_country:
                msgs.append(Msg("partnership.owner-country", {"country": Country(country), "owners": found}))
    if plan.allowed_countries is not None:
        allowed = plan.allowed
        for p in partners:
            if p.country not in plan.allowed_countries:
                msgs.append(
                    Msg(
                        "partnership.country-not-allowed",
                        {"partner": p.name, "country": Country(p.country), "allowed": allowed},
                    )
                )
    facts: dict[str, Any] = {
        "required_countries": list(plan.required),
        "partners_per_country": dict(sorted(by_country.items())),
        "lead_partners": leads,
        "expected_lead_partners": params.lead_partners,
        "partners": rows,
    }
    if leads_per_country is not None:
        facts["expected_owners_per_country"] = dict(leads_per_country)
        facts["owners_per_country"] = dict(sorted(owners_by_country.items()))
        facts["implicit_owners"] = [p.name for p in owners if p.role != "lead"]
    if params.allowed_countries is not None:
        facts["allowed_countries"] = list(params.allowed_countries)
    if msgs:
        return Outcome(False, msgs, facts)
    countries = [Country(c) for c in sorted(by_country)]
    if leads_per_country is not None:
        named = [f"{p.name} ({p.country})" for p in owners]
        return Outcome(True, [Msg("partnership.ok-owners", {"countries": countries, "owners": named})], facts)
    return Outcome(True, [Msg("partnership.ok", {"countries": countries, "leads": leads})], facts)


def check_eligible_organisation(params: EligibleOrganisationParams, ctx: Context) -> Outcome:
    types = by_code(ctx.reference.organisation_types)
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


def _regions_by_code(ctx: Context) -> dict[str, Region]:
    """The catalogue's regions by code, made once per check (every programme-area rule reads them)."""
    found: dict[str, Region] | None = ctx.memo.get("regions")
    if found is None:
        found = ctx.memo["regions"] = by_code(ctx.reference.regions)
    return found


_VALIDITY: dict[int, tuple[Region, tuple[str | None, str | None]]] = {}


def _validity_texts(region: Region) -> tuple[str | None, str | None]:
    """A region's validity dates as ISO texts, made once per region object (the client parses the regions once
    per answer); kept with the region itself, so that its id is never another's."""
    kept = _VALIDITY.get(id(region))
    if kept is not None and kept[0] is region:
        return kept[1]
    texts = (
        iso(region.valid_from) if region.valid_from else None,
        iso(region.valid_to) if region.valid_to else None,
    )
    if len(_VALIDITY) >= 4096:
        _VALIDITY.clear()
    _VALIDITY[id(region)] = (region, texts)
    return texts


def check_programme_area(params: ProgrammeAreaParams, ctx: Context) -> Outcome:
    app = ctx.application
    day = app.start_date if params.date == "start_date" else ctx.as_of
    day_text = iso(day)
    regions = _regions_by_code(ctx)
    owners = owners_of(ctx, implicit=True)
    if params.scope == "owners":
        checked = owners
    elif params.scope == "other-partners":
        owner_ids = {id(o) for o in owners}
        checked = [p for p in app.partners if id(p) not in owner_ids]
    else:
        checked = list(app.partners)
    msgs: list[Msg] = []
    rows = []
    for p in checked:
        region = regions.get(p.region)
        inside = region is not None and region.valid_on(day)
        row: dict[str, Any] = {"partner": p.name, "country": p.country, "region": p.region, "inside": inside}
        if region is not None:
            row["valid_from"], row["valid_to"] = _validity_texts(region)
            if region.successors:
                row["successors"] = list(region.successors)
        if not inside:
            msgs.append(Msg("area.outside", {"partner": p.name, "region": p.region, "date": day_text}))
            if region is not None and region.valid_to is not None and day > region.valid_to:
                msgs.append(
                    Msg(
                        "area.expired",
                        {
                            "region": p.region,
                            "valid_to": iso(region.valid_to),
                            "successors": list(region.successors),
                        },
                    )
                )
            elif region is not None and region.valid_from is not None and day < region.valid_from:
                msgs.append(Msg("area.not-yet", {"region": p.region, "valid_from": iso(region.valid_from)}))
            if params.justification_allowed:
                given = bool(p.region_justification and p.region_justification.strip())
                row["justification_needed"] = True
                row["justification_given"] = given
                msgs.append(Msg("area.justification-given" if given else "area.justification-missing"))
        rows.append(row)
    facts = {"date": day_text, "scope": params.scope, "partners": rows}
    if msgs:
        return Outcome(False, msgs, facts)
    scope = const_msg(params, "scope", lambda: Msg(f"area.scope.{params.scope}"))
    if not checked:
        return Outcome(True, [const_msg(params, "none", lambda: Msg("area.none", {"scope": scope}))], facts)
    if params.scope == "all":
        return Outcome(True, [Msg("area.ok", {"date": day_text})], facts)
    return Outcome(True, [Msg("area.ok-scope", {"date": day_text, "scope": scope})], facts)


def check_project_duration(params: ProjectDurationParams, ctx: Context) -> Outcome:
    app = ctx.application
    start, end = app.start_date, app.end_date
    known = by_code(ctx.reference.project_types)
    pt = known.get(app.project_type)
    type_name = Text.of(pt.name if pt else None, app.project_type)
    limit: int | None = params.max_months.get(app.project_type)
    limit_from = "params" if limit is not None else None
    if limit is None and params.use_catalogue_default and pt is not None and pt.max_duration_months:
        limit, limit_from = pt.max_duration_months, "catalogue"
    facts: dict[str, Any] = {
        "start_date": iso(start),
        "end_date": iso(end),
        "project_type": app.project_type,
        "max_months": limit,
        "max_months_from": limit_from,
    }
    dates = {"start": iso(start), "end": iso(end)}
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
    given = const_msg(
        params, "ok", lambda: Msg("texts.ok", {"fields": [Msg(f"texts.name.{n}") for n in params.min_length]})
    )
    return Outcome(True, [given], facts)


def check_change_flexibility(params: ChangeFlexibilityParams, ctx: Context) -> Outcome:
    """Not a condition of the application: the programme's flexibility for changes of a contracted project,
    reported so that the applications service reads it from the report of the changed version (a
    reallocation within it is notified, not decided)."""
    share = str(params.reallocation_share)
    return Outcome(True, [Msg("flexibility.share", {"share": share})], {"reallocation_share": share})
