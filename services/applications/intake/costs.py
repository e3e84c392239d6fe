"""Simplified cost options in an application's budget: the amounts the applications service computes.

A budget line that names a `cost_option` of its programme (the catalogue's `Programme.cost_options`)
gets its amount from this service, never from the applicant; the line then carries `computed`: the
option, its rate or unit amount, the base it was computed from, the formula, the rounding and the legal
basis. Every save of a draft computes every such line again from the lines as sent, so a change to a
base (staff costs) recomputes every flat rate that depends on it; an amount or `computed` sent for such
a line is replaced.

The one rounding rule: each computed line is `shared.money.of_rate` — the exact product, rounded once,
half up to the cent — and a flat rate's base is the exact sum of the partner's lines in its base
categories (option lines among them computed first). 15 % of SEK 1,000,000.00 is 150,000.00; 15 % of
333,333.33 is 49,999.9995, which rounds to 50,000.00.

Refused with 422 `invalid-application`, every problem naming its line (`partners.0.budget.1`):
- an option the programme does not offer, or named on a line of another category;
- a flat rate and real costs (or two options) for one category: an option excludes every other line in
  its category and in each category it `covers` (the 40 % flat rate covers every category but staff);
- `units` on a line that is not a unit cost, or a unit cost without them;
- options computed from each other (each in the other's base);
- an option with a `condition` (the staff flat rate's, CPR Art. 55(1)) on a line that does not confirm it;
- a partner whose currency no line gives, or a lump sum or unit cost without an amount in it.
"""

from __future__ import annotations

from decimal import Decimal

from services.applications.errors import InvalidApplication
from shared.clients.catalogue import CatalogueClient
from shared.money import RATE_ROUNDING, Money, decimal_str, of_rate
from shared.problems import FieldError
from shared.schemas.applications import ApplicationContent, BudgetLine, Partner
from shared.schemas.cost_options import Computation, CostOption


async def priced(catalogue: CatalogueClient, content: ApplicationContent) -> ApplicationContent:
    """`content` with every cost-option line computed from its programme's options, once the catalogue has
    said that the programme and the call exist and the call is the programme's (422 naming the field
    otherwise: a draft never names what does not exist). The catalogue's answers come from its client's
    cache (revalidated with their ETags); an unreachable catalogue is a 503 and nothing is stored."""
    programme = await catalogue.programme(content.programme)
    if programme is None:
        raise InvalidApplication(
            f"the catalogue has no programme {content.programme!r}",
            errors=[FieldError(field="programme", message="not a programme of the catalogue")],
        )
    call = await catalogue.call(content.call_id)
    if call is None or call.programme != content.programme:
        raise InvalidApplication(
            f"the catalogue has no call {content.call_id} of the programme {content.programme!r}",
            errors=[FieldError(field="call_id", message=f"not a call of {content.programme}")],
        )
    options: dict[str, CostOption] = {o.code: o for o in programme.cost_options}
    return price(content, options)


def price(content: ApplicationContent, options: dict[str, CostOption]) -> ApplicationContent:
    """`content` with the amounts of its cost-option lines computed from `options` (the programme's);
    422 listing every problem at once."""
    errors: list[FieldError] = []
    partners = [_price_partner(i, p, options, errors) for i, p in enumerate(content.partners)]
    if errors:
        raise InvalidApplication("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return content.model_copy(update={"partners": partners})


def percent(rate: Decimal) -> str:
    """A rate as a percentage without trailing zeros: 0.15 -> `15 %`, 0.125 -> `12.5 %`."""
    return f"{decimal_str((rate * 100).normalize())} %"


def _chosen_options(
    path: str, lines: list[BudgetLine], options: dict[str, CostOption], errors: list[FieldError]
) -> dict[int, CostOption]:
    """The lines that name an option, by index, each with its option; a problem for each wrong one."""
    chosen: dict[int, CostOption] = {}
    for j, line in enumerate(lines):
        option = options.get(line.cost_option) if line.cost_option is not None else None
        if line.cost_option is not None and option is None:
            offered = ", ".join(sorted(options)) or "none"
            errors.append(
                FieldError(
                    field=f"{path}.{j}.cost_option",
                    message=f"the programme offers no cost option '{line.cost_option}' (it offers: {offered})",
                )
            )
        elif option is not None and option.category != line.category:
            errors.append(
                FieldError(
                    field=f"{path}.{j}.category",
                    message=f"the option {option.code} is for {option.category} costs, not {line.category}",
                )
            )
        elif option is not None and option.condition is not None and line.condition_confirmed is not True:
            errors.append(
                FieldError(
                    field=f"{path}.{j}.condition_confirmed",
                    message=f"the option {option.code} may be used only when its condition holds: "
                    f"{option.condition.get('en') or next(iter(option.condition.values()))} (confirm it with "
                    "condition_confirmed: true)",
                )
            )
        elif option is not None:
            chosen[j] = option
        unit_cost = option is not None and option.kind == "unit-cost"
        if line.units is not None and not unit_cost:
            errors.append(FieldError(field=f"{path}.{j}.units", message="only a unit-cost option line has units"))
        if unit_cost and line.units is None:
            errors.append(FieldError(field=f"{path}.{j}.units", message="a unit-cost option line needs its units"))
    return chosen


def _exclusions(path: str, lines: list[BudgetLine], chosen: dict[int, CostOption], errors: list[FieldError]) -> None:
    """A problem for every line in a category an option of another line takes (its own or one it covers)."""
    reported: set[frozenset[int]] = set()
    for j, option in chosen.items():
        taken = {option.category, *option.covers}
        for k, line in enumerate(lines):
            if k == j or line.category not in taken or frozenset((j, k)) in reported:
                continue
            reported.add(frozenset((j, k)))
            what = f"the option {line.cost_option}" if line.cost_option else "real costs"
            how = "is" if line.category == option.category else "is covered by"
            errors.append(
                FieldError(
                    field=f"{path}.{k}",
                    message=f"{what} for {line.category}: the category {how} the option {option.code} "
                    f"({path}.{j}); a flat rate and other costs for the same category exclude each other",
                )
            )


def _amount_in(option: CostOption, currency: str) -> Money | None:
    return next((a for a in option.amounts if a.currency == currency), None)


def _compute(
    line: BudgetLine, option: CostOption, base_lines: list[BudgetLine], amounts: list[Decimal], currency: str
) -> tuple[Decimal, Computation] | None:
    """The amount of one option line and how it was computed; None when the option has no amount in
    `currency`. `base_lines`/`amounts`: the partner's other lines in the option's base, with their amounts."""
    common = {"option": option.code, "kind": option.kind, "rounding": RATE_ROUNDING, "legal_basis": option.legal_basis}
    if option.kind == "flat-rate" and option.rate is not None:
        base = sum(amounts, Decimal(0))
        amount = of_rate(base, option.rate, currency)
        categories = list(dict.fromkeys(b.category for b in base_lines)) or list(option.base)
        formula = (
            f"{percent(option.rate)} × {decimal_str(Money.of(base, currency).amount)} {currency} "
            f"({', '.join(categories)}) = {decimal_str(amount)} {currency}"
        )
        return amount, Computation(
            **common,
            rate=option.rate,
            base=Money.of(base, currency),
            base_categories=list(option.base),
            formula=formula,
        )
    each = _amount_in(option, currency)
    if each is None:
        return None
    if option.kind == "unit-cost" and line.units is not None:
        amount = of_rate(each.amount, line.units, currency)
        formula = f"{decimal_str(line.units)} × {each} = {decimal_str(amount)} {currency}"
        return amount, Computation(**common, units=line.units, unit_amount=each, formula=formula)
    return each.amount, Computation(**common, formula=f"lump sum {each}")


def _price_partner(i: int, partner: Partner, options: dict[str, CostOption], errors: list[FieldError]) -> Partner:
    path = f"partners.{i}.budget"
    lines = list(partner.budget)
    before = len(errors)
    chosen = _chosen_options(path, lines, options, errors)
    _exclusions(path, lines, chosen, errors)
    if not chosen:
        cleaned = [line.model_copy(update={"computed": None}) if line.computed else line for line in lines]
        return partner.model_copy(update={"budget": cleaned})
    currency = partner.currency
    if currency is None:
        errors.append(
            FieldError(
                field=f"partners.{i}",
                message="the partner's currency is unknown: give a line of real costs or a financing line",
            )
        )
    if currency is None or len(errors) > before:
        return partner
    amounts: dict[int, Decimal] = {
        k: line.amount.amount for k, line in enumerate(lines) if k not in chosen and line.amount is not None
    }
    pending = dict(chosen)
    while pending:
        # An option is computed once no other pending option line lies in its base.
        ready = [j for j, o in pending.items() if not any(k != j and lines[k].category in o.base for k in pending)]
        if not ready:
            codes = ", ".join(sorted({o.code for o in pending.values()}))
            errors.append(FieldError(field=path, message=f"the options {codes} would be computed from each other"))
            return partner
        for j in ready:
            option = pending.pop(j)
            base = [k for k in range(len(lines)) if k != j and lines[k].category in option.base]
            result = _compute(lines[j], option, [lines[k] for k in base], [amounts[k] for k in base], currency)
            if result is None:
                errors.append(
                    FieldError(
                        field=f"{path}.{j}.cost_option", message=f"the option {option.code} has no {currency} amount"
                    )
                )
                return partner
            amounts[j] = result[0]
            lines[j] = lines[j].model_copy(update={"amount": Money.of(result[0], currency), "computed": result[1]})
    return partner.model_copy(update={"budget": lines})
