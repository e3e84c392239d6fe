"""A partner report's figures, computed every time from its lines (SQL aggregates: `repository.line_sums`),
never stored — so they cannot drift from the lines (Jems' denormalised totals needed data-fix migrations).

- **declared** per category = Σ (amount − non-eligible VAT) of the real-cost lines, per currency;
- **flat rates** = the baseline partner's flat-rate options (their `computed` rate and base categories),
  each `shared.money.of_rate(rate, base)` — rounded once, half up — of the declared base, and of the
  certified base after control: they are computed, never typed (Regulation (EU) 2021/1060 Art. 53(1)(d),
  54–56);
- **certified**, **deducted** per the controller's verification; **parked** = declared on lines moved to a
  later report (neither certified nor deducted here);
- Swedish side, once submitted: **certified in EUR** = each currency's certified total converted at the
  rate stored on the report (`shared.money.convert`, one rounding per currency and report). The Commission's
  monthly accounting rate of the month in which the expenditure was submitted to the controller —
  Regulation (EU) 2021/1059 Art. 39 ("use of the euro"). What was verified: the Interreg regulation's
  recital on conversion ("the monthly conversion rate … in the month during which the expenditure was
  submitted for verification") and the Interreg programmes' handbooks for Swedish partners ("the month in
  which the financial report is sent to the national control", Interreg Nord's projekthandbok); the
  article's own wording was not retrieved, so its number is the issue's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from services.applications.projects.reporting.repository import LineSums
from services.applications.projects.reporting.schemas import CurrencyTotals, FlatRate
from shared.money import Money, convert, of_rate
from shared.schemas.applications import Partner


@dataclass(frozen=True)
class FlatOption:
    code: str
    category: str
    rate: Decimal
    base: tuple[str, ...]


def flat_options(partner: Partner | None) -> list[FlatOption]:
    """The partner's flat rates as its baseline budget computed them."""
    if partner is None:
        return []
    out: list[FlatOption] = []
    for line in partner.budget:
        c = line.computed
        if c is not None and c.kind == "flat-rate" and c.rate is not None:
            out.append(FlatOption(c.option, line.category, c.rate, tuple(c.base_categories)))
    return out


def currency_totals(
    sums: list[LineSums], options: list[FlatOption], rates: dict[str, dict[str, str]] | None
) -> list[CurrencyTotals]:
    by_currency: dict[str, list[LineSums]] = defaultdict(list)
    for s in sums:
        by_currency[s.currency].append(s)
    out: list[CurrencyTotals] = []
    for currency in sorted(by_currency):
        rows = by_currency[currency]
        declared: dict[str, Decimal] = defaultdict(Decimal)
        certified: dict[str, Decimal] = defaultdict(Decimal)
        deducted = parked = Decimal(0)
        for s in rows:
            eligible = s.amount - s.vat
            declared[s.category] += eligible
            certified[s.category] += s.certified
            deducted += s.deducted
            if s.parked:
                parked += eligible
        flats: list[FlatRate] = []
        for o in options:
            d_base = sum((declared[c] for c in o.base), Decimal(0))
            c_base = sum((certified[c] for c in o.base), Decimal(0))
            flats.append(
                FlatRate(
                    option=o.code,
                    category=o.category,
                    rate=o.rate,
                    base_categories=list(o.base),
                    declared_base=Money.of(d_base, currency),
                    declared=Money.of(of_rate(d_base, o.rate, currency), currency),
                    certified_base=Money.of(c_base, currency),
                    certified=Money.of(of_rate(c_base, o.rate, currency), currency),
                )
            )
        declared_total = sum(declared.values(), Decimal(0)) + sum((f.declared.amount for f in flats), Decimal(0))
        certified_total = sum(certified.values(), Decimal(0)) + sum((f.certified.amount for f in flats), Decimal(0))
        rate, certified_eur = rate_of(currency, rates), None
        if rate is not None:
            certified_eur = Money.of(convert(certified_total, units_per_eur=rate), "EUR")
        elif currency == "EUR" and rates is not None:
            certified_eur = Money.of(certified_total, "EUR")
        out.append(
            CurrencyTotals(
                currency=currency,
                lines=sum(s.lines for s in rows),
                verified_lines=sum(s.verified for s in rows),
                declared={k: Money.of(v, currency) for k, v in sorted(declared.items())},
                certified={k: Money.of(v, currency) for k, v in sorted(certified.items())},
                flat_rates=flats,
                declared_total=Money.of(declared_total, currency),
                certified_total=Money.of(certified_total, currency),
                deducted=Money.of(deducted, currency),
                parked=Money.of(parked, currency),
                rate=rate,
                certified_eur=certified_eur,
            )
        )
    return out


def rate_of(currency: str, rates: dict[str, dict[str, str]] | None) -> Decimal | None:
    if rates is None or currency not in rates:
        return None
    return Decimal(rates[currency]["units_per_eur"])


def certified_eur(totals: list[CurrencyTotals]) -> Money | None:
    """The report's certified total in EUR (Swedish side, submitted): None while a currency has no rate."""
    if not totals or any(t.certified_eur is None for t in totals):
        return None
    return Money.of(sum((t.certified_eur.amount for t in totals if t.certified_eur), Decimal(0)), "EUR")


def certified_in(totals: list[CurrencyTotals], currency: str) -> Decimal:
    return sum((t.certified_total.amount for t in totals if t.currency == currency), Decimal(0))
