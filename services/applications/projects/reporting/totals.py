"""A partner report's figures, derived from its lines: the sums kept per category, currency and parked
(`reporting/repository.py`: written in the transaction of every change of a line, checked against the lines
by `reporting/sums.py`), never typed — so reading them costs a row per category whatever the number of lines,
and they cannot drift unnoticed (Jems' denormalised totals needed data-fix migrations).

- **declared** per category = Σ (amount − non-eligible VAT) of the lines, per currency: real costs, and the
  lump sums and unit costs whose amounts the lines computed from the baseline;
- **flat rates** = the baseline partner's flat-rate options (their `computed` rate and base categories),
  each `shared.money.of_rate(rate, base)` — rounded once, half up — of the declared base, and of the
  certified base after control: they are computed, never typed (Regulation (EU) 2021/1060 Art. 53(1)(d),
  54–56);
- **certified**, **deducted** per the controller's verification; **parked** = declared on lines moved to a
  later report (neither certified nor deducted here);
- Swedish side, once submitted: **certified in EUR** = each currency's certified total converted at the
  rate stored on the report (`shared.money.convert`, one rounding per currency and report): the
  Commission's monthly accounting exchange rate of the month in which the expenditure was submitted to the
  controller. The issue cites Regulation (EU) 2021/1059 Art. 39 for it. **The article's own text was not
  found** (searched: the regulation's title, "use of the euro", "conversion into euro", "monthly accounting
  exchange rate of the Commission in the month during which expenditure was submitted for verification";
  the stored pages of Regulation 2021/1059 give its opening and other articles only), so the number is the
  issue's and nothing here quotes the article. What was found, and what the rule rests on until the
  article is read: a subsidy contract of an Interreg programme on Jems (markettransfer.info, clause
  "Verification of expenditure", point 5): «Expenditure incurred by LP and PPs in a currency other than the
  EUR shall be automatically converted into EUR by JEMS by using the monthly accounting exchange rate of
  the European Commission in the month during which expenditure is submitted for verification to the
  national controller»; and a recital quoted by wordscope.be without naming its act (by its wording — "the
  experience from the 2007-2013 programming period" — one of the 2014–2020 rules): «an explicit derogation should be established for the conversion of expenditure
  incurred in a currency other than the euro, by applying the monthly conversion rate at a date as close to
  the point in time of the expenditure as possible or in the month in which the expenditure was submitted
  for verification or in the month during which expenditure was reported to the lead beneficiary».
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
