"""The state-aid check kinds: de minimis aid per undertaking over a window, and the aid of one regime per
undertaking and project (e.g. GBER Art. 20a), each against a ceiling."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from services.eligibility.engine.context import (
    Context,
    Outcome,
    add_months,
    currency_of,
    iso,
    money_json,
    money_str,
    partner_sums,
    to_currency,
)
from services.eligibility.engine.figures import Amount, Msg, const_msg
from services.eligibility.engine.params import (
    AidPerProjectCapParams,
    DeMinimisParams,
)
from shared.money import Money, cross_convert, rate_str
from shared.schemas.applications import FinancingSource, Partner


def _aid_window(params: DeMinimisParams, day: dt.date) -> tuple[dt.date, dt.date]:
    if params.window == "fiscal-years":
        return dt.date(day.year - params.years + 1, 1, 1), day
    return add_months(day, -12 * params.years) + dt.timedelta(days=1), day


Rates = dict[tuple[str, str], dict[str, str]]
"""(currency, month) → the rate a check converted with, as its facts show it."""


def _in_cap(
    amount: Decimal,
    currency: str,
    cap: Money,
    ctx: Context,
    partner: Partner,
    missing: list[Msg],
    on: dt.date,
    conversion: str,
    used: Rates,
) -> Decimal:
    """`amount` in the cap's currency: at the programme's fixed rate (`programme-fixed`), or at the budget's
    EUR rate of the month of `on`, the day the aid is granted (`monthly`, sent as `aid_rates`); 0 and a
    message naming what is missing when there is no rate."""
    if currency == cap.currency:
        return amount
    if conversion == "monthly":
        return _at_monthly(amount, currency, cap, ctx, partner, missing, on, used)
    converted = to_currency(amount, currency, cap.currency, ctx.reference.programme)
    if converted is None:
        args = {"partner": partner.name, "currency": currency, "cap_currency": cap.currency}
        if not any(m.args == args for m in missing):
            missing.append(Msg("deminimis.no-rate", args))
        return Decimal(0)
    return converted


def _rate(ctx: Context, currency: str, month: str) -> tuple[Decimal, str] | None:
    """Units of `currency` per EUR in `month`, and where the rate comes from: the budget's rate sent with the
    check (`aid_rates`), else the programme's fixed rate (the one the budget itself answers for such a
    currency); None when there is neither."""
    if currency == "EUR":
        return Decimal(1), "identity"
    for r in ctx.application.aid_rates:
        if r.currency == currency and r.month == month:
            return r.units_per_eur, r.source
    for f in ctx.reference.programme.fixed_exchange_rates:
        if f.currency == currency:
            return f.units_per_eur, "programme-fixed"
    return None


def _at_monthly(
    amount: Decimal,
    currency: str,
    cap: Money,
    ctx: Context,
    partner: Partner,
    missing: list[Msg],
    on: dt.date,
    used: Rates,
) -> Decimal:
    """`amount` in the cap's currency at the rates of the month of `on` (via EUR, rounded once)."""
    month = f"{on.year:04d}-{on.month:02d}"
    found_from, found_to = _rate(ctx, currency, month), _rate(ctx, cap.currency, month)
    if found_from is None or found_to is None:
        args = {"partner": partner.name, "currency": currency if found_from is None else cap.currency, "month": month}
        if not any(m.args == args for m in missing):
            missing.append(Msg("deminimis.rate-missing", args))
        return Decimal(0)
    for code, (units, source) in ((currency, found_from), (cap.currency, found_to)):
        if code != "EUR":
            used[(code, month)] = {
                "currency": code,
                "month": month,
                "units_per_eur": rate_str(units),
                "source": source,
            }
    return cross_convert(amount, units_from=found_from[0], units_to=found_to[0], target=cap.currency)


def _declaring(ctx: Context, regime: str) -> dict[str, list[Partner]]:
    """The partners that declare aid under `regime`, by organisation number (worked out once per check and
    regime: several rules ask; read it, never change it)."""
    key = ("declaring", regime)
    found: dict[str, list[Partner]] | None = ctx.memo.get(key)
    if found is None:
        found = {}
        for p in ctx.application.partners:
            if p.state_aid is not None and p.state_aid.regime == regime:
                found.setdefault(p.organisation_number, []).append(p)
        ctx.memo[key] = found
    return found


def _aid_here(
    partners: list[Partner],
    sources: list[FinancingSource],
    cap: Money,
    ctx: Context,
    missing: list[Msg],
    conversion: str,
    used: Rates,
) -> Decimal:
    """This application's aid to `partners`, granted on the check date."""
    return sum(
        (
            _in_cap(
                partner_sums(ctx, p).financed(s), currency_of(p, ctx), cap, ctx, p, missing, ctx.as_of, conversion, used
            )
            for p in partners
            for s in sources
        ),
        Decimal(0),
    )


def _period(params: DeMinimisParams) -> Msg:
    """The period a de minimis regulation applies in (its parameters alone)."""
    return _span(params.applies_from, params.applies_until)


def _span(start: dt.date | None, end: dt.date | None) -> Msg:
    """The period a ceiling applies in."""
    if start and end:
        return Msg("deminimis.period", {"start": iso(start), "end": iso(end)})
    if start:
        return Msg("deminimis.period-from", {"start": iso(start)})
    return Msg("deminimis.period-until", {"end": iso(end) if end else ""})


def check_de_minimis(params: DeMinimisParams, ctx: Context) -> Outcome:
    """De minimis aid per undertaking (organisation number) over the window: this application's aid, the
    aid declared as received before, and the aid this programme's approved applications granted
    (`granted_aid`, sent by the applications service), together at most the cap."""
    day, cap = ctx.as_of, params.cap
    regulation = params.regulation
    facts: dict[str, Any] = {"regulation": regulation, "cap": money_json(cap), "as_of": iso(day)}
    outside = (params.applies_from is not None and day < params.applies_from) or (
        params.applies_until is not None and day > params.applies_until
    )
    if outside:
        period = const_msg(params, "period", lambda: _period(params))
        facts["applies"] = False
        msg = Msg("deminimis.not-applicable", {"regulation": regulation, "period": period, "date": iso(day)})
        return Outcome(True, [msg], facts)
    start, end = _aid_window(params, day)
    start_text, end_text = iso(start), iso(end)
    facts.update({"applies": True, "window_start": start_text, "window_end": end_text})
    groups = _declaring(ctx, "de-minimis")
    if not groups:
        facts["organisations"] = []
        return Outcome(
            True, [const_msg(params, "none", lambda: Msg("deminimis.none", {"regulation": regulation}))], facts
        )
    window = Msg(f"deminimis.window.{params.window}", {"years": params.years, "start": start_text, "end": end_text})
    missing: list[Msg] = []
    msgs: list[Msg] = []
    rows = []
    used: Rates = {}
    conversion = params.conversion
    for number, partners in groups.items():
        first = partners[0]
        here = _aid_here(partners, params.aid_sources, cap, ctx, missing, conversion, used)
        declared_items = {
            (a.granted_on, a.amount.amount, a.amount.currency, a.granted_by)
            for p in partners
            for a in (p.state_aid.previous_de_minimis if p.state_aid else [])
            if start <= a.granted_on <= end
        }
        declared = sum(
            (_in_cap(a, c, cap, ctx, first, missing, on, conversion, used) for on, a, c, _ in declared_items),
            Decimal(0),
        )
        granted_items = [
            g
            for g in ctx.application.granted_aid
            if g.organisation_number == number and g.regime == "de-minimis" and start <= g.granted_on <= end
        ]
        granted = sum(
            (
                _in_cap(g.amount.amount, g.amount.currency, cap, ctx, first, missing, g.granted_on, conversion, used)
                for g in granted_items
            ),
            Decimal(0),
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
    if conversion == "monthly":
        facts["rates"] = [used[k] for k in sorted(used)]
    failed = bool(missing) or any(not r["passed"] for r in rows)
    if failed:
        return Outcome(False, missing + [m for m in msgs if m.key != "deminimis.ok"], facts)
    return Outcome(True, msgs, facts)


def check_aid_per_project_cap(params: AidPerProjectCapParams, ctx: Context) -> Outcome:
    """The aid of one regime per undertaking (organisation number) in this project at most the cap."""
    cap, day = params.cap, ctx.as_of
    facts: dict[str, Any] = {
        "regime": params.regime,
        "regulation": params.regulation,
        "cap": money_json(cap),
    }
    if (params.applies_from is not None and day < params.applies_from) or (
        params.applies_until is not None and day > params.applies_until
    ):
        facts.update({"applies": False, "as_of": iso(day)})
        period = _span(params.applies_from, params.applies_until)
        msg = Msg("deminimis.not-applicable", {"regulation": params.regulation, "period": period, "date": iso(day)})
        return Outcome(True, [msg], facts)
    groups = _declaring(ctx, params.regime)
    if not groups:
        facts["organisations"] = []
        return Outcome(
            True, [const_msg(params, "none", lambda: Msg("aidcap.none", {"regulation": params.regulation}))], facts
        )
    missing: list[Msg] = []
    msgs: list[Msg] = []
    rows = []
    shown = []
    used: Rates = {}
    for number, partners in groups.items():
        here = _aid_here(partners, params.aid_sources, cap, ctx, missing, params.conversion, used)
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
    if params.conversion == "monthly":
        facts["rates"] = [used[k] for k in sorted(used)]
    if missing or msgs:
        return Outcome(False, missing + msgs, facts)
    ok = Msg("aidcap.ok", {"regulation": params.regulation, "cap": Amount(cap.amount, cap.currency), "amounts": shown})
    return Outcome(True, [ok], facts)
