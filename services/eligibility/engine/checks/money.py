"""The check kinds about money: co-financing shares, funding caps, balanced financing, fund countries, own
financing. Shares are checked exactly (`funding <= limit * costs`), never by comparing rounded shares, so
65.00 % passes and 65.01 % fails."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.eligibility.engine.context import (
    SHARE_PLACES,
    Context,
    Outcome,
    by_code,
    currency_of,
    dec,
    money_json,
    money_str,
    partner_sums,
    partners_of,
    share_str,
    to_currency,
    zero_money_str,
)
from services.eligibility.engine.figures import Amount, Country, Msg, Percent, Text, const_msg, shown
from services.eligibility.engine.params import (
    CoFinancingParams,
    FinancingBalancesParams,
    FundCountryParams,
    FundingCapParams,
    OwnFinancingParams,
)
from shared.schemas.applications import Partner


def _scope(country: str | None, params: object) -> Msg:
    """The partners a rule looks at (a country's, or all), made once per rule's parameters."""
    return const_msg(
        params,
        "scope",
        lambda: Msg("scope.country", {"country": Country(country)}) if country else Msg("scope.all"),
    )


def check_co_financing(params: CoFinancingParams, ctx: Context) -> Outcome:
    key = params.source.lower().replace("-", "_")
    share_key = f"{key}_share"
    limit = params.max_share
    limit_text = dec(limit)
    msgs: list[Msg] = []
    rows = []
    shares = []
    concerned = partners_of(ctx.application.partners, params.country)
    source = params.source
    for p in concerned:
        sums = partner_sums(ctx, p)
        currency = sums.currency
        eligible = sums.costs
        funding = sums.financed(source)
        allowed = limit * eligible
        ok = funding <= allowed  # exact: never compare rounded shares
        share = funding / eligible if eligible else None
        excess = funding - allowed if not ok else Decimal(0)
        rows.append(
            {
                "partner": p.name,
                "country": p.country,
                key: sums.financed_text(source),
                "eligible_costs": sums.costs_text(),
                share_key: share_str(share) if share is not None else None,
                "limit": limit_text,
                "excess": zero_money_str(currency) if ok else money_str(excess, currency),
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
                        "limit": shown(params, "limit", lambda: Percent(limit, None)),
                        "excess": Amount(excess, currency),
                    },
                )
            )
    facts = {"source": params.source, "country": params.country, "limit": limit_text, "partners": rows}
    if msgs:
        return Outcome(False, msgs, facts)
    if not concerned:
        return Outcome(True, [Msg("cofinancing.none", {"scope": _scope(params.country, params)})], facts)
    return Outcome(
        True,
        [
            Msg(
                "cofinancing.ok",
                {
                    "source": params.source,
                    "limit": shown(params, "limit", lambda: Percent(limit, None)),
                    "shares": shares,
                },
            )
        ],
        facts,
    )


def check_funding_cap(params: FundingCapParams, ctx: Context) -> Outcome:
    app = ctx.application
    cap = params.max_amount
    facts: dict[str, Any] = {
        "project_type": params.project_type,
        "country": params.country,
        "source": params.source,
        "cap": money_json(cap),
        "per_partner": params.per_partner,
    }
    if params.project_type is not None and app.project_type != params.project_type:
        facts["applies"] = False
        known = by_code(ctx.reference.project_types).get(params.project_type)
        name = Text.of(known.name if known is not None else None, params.project_type)
        return Outcome(True, [Msg("cap.not-applicable", {"type": name})], facts)
    facts["applies"] = True
    msgs: list[Msg] = []
    rows = []
    converted: list[tuple[Partner, Decimal]] = []
    for p in partners_of(app.partners, params.country):
        currency = currency_of(p, ctx)
        amount = partner_sums(ctx, p).financed(params.source)
        in_cap = to_currency(amount, currency, cap.currency, ctx.reference.programme)
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
    scope_all = _scope(params.country, params)
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
            "cap": shown(params, "cap", lambda: Amount(cap.amount, cap.currency)),
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
                    "cap": shown(params, "cap", lambda: Amount(cap.amount, cap.currency)),
                },
            )
        ]
    return Outcome(True, msgs, facts)


def check_financing_balances(params: FinancingBalancesParams, ctx: Context) -> Outcome:
    msgs: list[Msg] = []
    rows = []
    for p in ctx.application.partners:
        sums = partner_sums(ctx, p)
        currency = sums.currency
        budget, financing = sums.costs, sums.financing
        difference = financing - budget
        rows.append(
            {
                "partner": p.name,
                "budget": sums.costs_text(),
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
        sums = partner_sums(ctx, p)
        currency = sums.currency
        for source in sums.by_source:  # the partner's sources, in the order of its lines
            allowed = funds.get(source)
            if allowed is None:
                continue
            amount = sums.financed(source)
            ok = p.country in allowed or amount == 0
            rows.append(
                {
                    "partner": p.name,
                    "country": p.country,
                    "fund": source,
                    "amount": sums.financed_text(source),
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
    # The pairs are the parameters' funds, else the catalogue's (one parsed answer): the same message for them.
    owner = params if params.funds is not None else ctx.reference.programme
    return Outcome(True, [const_msg(owner, "fund.ok", lambda: _funds_ok(funds))], facts)


def _funds_ok(funds: dict[str, list[str]]) -> Msg:
    pairs = [Msg("fund.pair", {"fund": f, "countries": [Country(c) for c in cs]}) for f, cs in sorted(funds.items())]
    return Msg("fund.ok", {"pairs": pairs})


def check_own_financing(params: OwnFinancingParams, ctx: Context) -> Outcome:
    floor = params.min_share
    floor_text = dec(floor)
    msgs: list[Msg] = []
    rows = []
    shares: list[tuple[str, Percent]] = []
    concerned = partners_of(ctx.application.partners, params.country)
    for p in concerned:
        sums = partner_sums(ctx, p)
        currency = sums.currency
        eligible = sums.costs
        own = sum((sums.financed(source) for source in params.sources), Decimal(0))
        required = floor * eligible
        ok = own >= required  # exact: never compare rounded shares
        share = own / eligible if eligible else None
        shortfall = required - own if not ok else Decimal(0)
        share_text = None
        if share is not None:
            # The share as the facts show it (four places), and as the message shows that figure.
            rounded = share.quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
            share_text = str(rounded)  # `share_str(share)`: its exponent is -4, so str() writes it plainly
            shares.append((p.name, Percent(rounded)))
        rows.append(
            {
                "partner": p.name,
                "country": p.country,
                "own_financing": money_str(own, currency),
                "eligible_costs": sums.costs_text(),
                "own_share": share_text,
                "floor": floor_text,
                "shortfall": zero_money_str(currency) if ok else money_str(shortfall, currency),
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
                        "floor": shown(params, "floor", lambda: Percent(floor, None)),
                        "shortfall": Amount(shortfall, currency),
                    },
                )
            )
    facts = {"country": params.country, "sources": list(params.sources), "floor": floor_text, "partners": rows}
    if msgs:
        return Outcome(False, msgs, facts)
    scope = _scope(params.country, params)
    if not concerned:
        return Outcome(True, [Msg("own.none", {"scope": scope})], facts)
    return Outcome(
        True,
        [
            Msg(
                "own.ok",
                {"scope": scope, "floor": shown(params, "floor", lambda: Percent(floor, None)), "shares": shares},
            )
        ],
        facts,
    )
