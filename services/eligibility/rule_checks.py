"""The check kinds about the project and its partners: the partnership, the organisation types, the programme
area, the duration, the call and its specific objectives, the required texts. Each is a pure function of
its parameters and a `Context` (no I/O) returning an `Outcome`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from services.eligibility.messages import Country, Msg, Text
from services.eligibility.rule_context import (
    Context,
    Outcome,
    add_months,
    months_spanned,
    owners_of,
)
from services.eligibility.rule_params import (
    CallOpenParams,
    EligibleOrganisationParams,
    PartnershipParams,
    ProgrammeAreaParams,
    ProjectDurationParams,
    RequiredTextsParams,
    SpecificObjectiveOpenParams,
)
from shared.schemas.catalogue import Call, Region


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


def _regions_by_code(ctx: Context) -> dict[str, Region]:
    """The catalogue's regions by code, made once per check (every programme-area rule reads them)."""
    found: dict[str, Region] | None = ctx.memo.get("regions")
    if found is None:
        found = ctx.memo["regions"] = {r.code: r for r in ctx.reference.regions or []}
    return found


def check_programme_area(params: ProgrammeAreaParams, ctx: Context) -> Outcome:
    app = ctx.application
    day = app.start_date if params.date == "start_date" else ctx.as_of
    day_text = day.isoformat()
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
            row["valid_from"] = region.valid_from.isoformat() if region.valid_from else None
            row["valid_to"] = region.valid_to.isoformat() if region.valid_to else None
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
    facts = {"date": day_text, "scope": params.scope, "partners": rows}
    if msgs:
        return Outcome(False, msgs, facts)
    if not checked:
        return Outcome(True, [Msg("area.none", {"scope": Msg(f"area.scope.{params.scope}")})], facts)
    if params.scope == "all":
        return Outcome(True, [Msg("area.ok", {"date": day_text})], facts)
    return Outcome(True, [Msg("area.ok-scope", {"date": day_text, "scope": Msg(f"area.scope.{params.scope}")})], facts)


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


def _local_time(at: dt.datetime, tz: ZoneInfo) -> str:
    """The instant as a wall-clock time in `tz`, as `strftime("%Y-%m-%d %H:%M:%S")` writes it (the ISO text cut
    before its offset is the same text for a four-digit year, at a fraction of strftime's cost)."""
    local = at.astimezone(tz)
    if local.year < 1000:  # strftime does not pad the year
        return local.strftime("%Y-%m-%d %H:%M:%S")
    return local.isoformat(" ", "seconds")[:19]


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
            "call_id": _call_texts(call, ctx.timezone).call_id,  # str(call.id), made once per call
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
