"""The check kinds about money: co-financing shares, funding caps, balanced financing, fund countries, own
financing. Shares are checked exactly (`funding <= limit * costs`), never by comparing rounded shares, so
65.00 % passes and 65.01 % fails."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.eligibility.messages import Amount, Country, Msg, Percent, Text
from services.eligibility.rule_context import (
    Context,
    Outcome,
    currency_of,
    dec,
    money_json,
    money_str,
    partner_sums,
    partners_of,
    share_str,
    to_currency,
)
from services.eligibility.rule_params import (
    CoFinancingParams,
    FinancingBalancesParams,
    FundCountryParams,
    FundingCapParams,
    OwnFinancingParams,
)
from shared.schemas.applications import Partner


def check_co_financing(params: CoFinancingParams, ctx: Context) -> Outcome:
    key = params.source.lower().replace("-", "_")
    share_key = f"{key}_share"
    limit = params.max_share
    limit_text = dec(limit)
    msgs: list[Msg] = []
    rows = []
    shares = []
    concerned = partners_of(ctx.application.partners, params.country)
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
    concerned = partners_of(ctx.application.partners, params.country)
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
