"""What the checks of the rule engine read and return (`ReferenceData`, `Context`, `Outcome`), and the helpers
they share: a partner's sums and the project owners computed once per check, money and share texts, months.

Amounts are compared exactly with `Decimal` and written out with the currency's minor units half up.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal, NamedTuple, Protocol, TypeVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field

from services.eligibility.engine.figures import Msg
from shared.money import ExactDecimal, Money, convert, decimal_str, quantum
from shared.schemas.applications import CheckRequest, Partner
from shared.schemas.catalogue import Call, OrganisationType, Programme, ProjectType, Region

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


class Outcome(NamedTuple):
    """What a check found: whether it passed, its messages (rendered by `report_of`) and its figures."""

    passed: bool
    messages: list[Msg]
    facts: dict[str, Any]


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


class PartnerSums:
    """A partner's budget and financing added up once per check (each in the order of its lines, as
    `costs` and `financed` add them), its currency (`currency_of`) and the texts of its sums, written once
    per check however many rules show them (`money_str`)."""

    __slots__ = ("_texts", "by_source", "costs", "currency", "financing")

    def __init__(self, costs: Decimal, financing: Decimal, by_source: dict[str, Decimal], currency: str) -> None:
        self.costs = costs
        self.financing = financing
        self.by_source = by_source
        self.currency = currency
        self._texts: dict[str | None, str] = {}

    def financed(self, source: str) -> Decimal:
        return self.by_source.get(source, ZERO)

    def costs_text(self) -> str:
        """`money_str(self.costs, self.currency)`."""
        found = self._texts.get(None)
        if found is None:
            found = self._texts[None] = money_str(self.costs, self.currency)
        return found

    def financed_text(self, source: str) -> str:
        """`money_str(self.financed(source), self.currency)`."""
        found = self._texts.get(source)
        if found is None:
            found = self._texts[source] = money_str(self.by_source.get(source, ZERO), self.currency)
        return found


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
        currency = partner.currency or ctx.reference.programme.currency
        found = ctx.memo[key] = PartnerSums(eligible, total, by_source, currency)
    return found


def owners_of(ctx: Context, *, implicit: bool) -> list[Partner]:
    """`project_owners` of the application, computed once per check (a new list each time)."""
    key = ("owners", implicit)
    found: list[Partner] | None = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = project_owners(ctx.application.partners, implicit=implicit)
    return list(found)


class _Coded(Protocol):
    code: str


C = TypeVar("C", bound=_Coded)

_BY_CODE: dict[int, tuple[list[Any], dict[str, Any]]] = {}


def by_code(items: list[C] | None) -> dict[str, C]:
    """A catalogue list by code (the last of a code wins). A check gets one list object per catalogue answer
    (`checks._kept`), so the index is made once per list object, kept with the list itself so that its id is
    never another's. Shared: read it, never change it."""
    if not items:
        return {}
    kept = _BY_CODE.get(id(items))
    if kept is not None and kept[0] is items:
        return kept[1]
    made = {t.code: t for t in items}
    if len(_BY_CODE) >= 256:
        _BY_CODE.clear()
    _BY_CODE[id(items)] = (items, made)
    return made


def currency_of(partner: Partner, ctx: Context) -> str:
    return partner.currency or ctx.reference.programme.currency


def dec(value: Decimal) -> str:
    return decimal_str(value)


_ISO_DATES: dict[dt.date, str] = {}
"""ISO texts of the dates the checks show (a project's start and end, check dates, validity limits)."""


def iso(day: dt.date) -> str:
    """`day.isoformat()`, made once per date: CPython writes it with a printf-style format, which costs a
    check more than its dictionary lookup (a dozen dates per report)."""
    found = _ISO_DATES.get(day)
    if found is None:
        if len(_ISO_DATES) >= 4096:
            _ISO_DATES.clear()
        found = _ISO_DATES[day] = day.isoformat()
    return found


_QUANTA: dict[str, Decimal] = {}
"""Each currency's minor unit (`quantum`), made once per currency."""


def money_str(value: Decimal, currency: str) -> str:
    """`decimal_str(round_minor(value, currency))`, in one step."""
    unit = _QUANTA.get(currency)
    if unit is None:
        unit = _QUANTA[currency] = quantum(currency)
    # A quantized finite value's exponent is the unit's (-2 for EUR): its str() is plain notation, as "f" writes it.
    return str(value.quantize(unit, ROUND_HALF_UP))


_ZERO_TEXTS: dict[str, str] = {}


def zero_money_str(currency: str) -> str:
    """`money_str(Decimal(0), currency)`, made once per currency."""
    found = _ZERO_TEXTS.get(currency)
    if found is None:
        found = _ZERO_TEXTS[currency] = money_str(ZERO, currency)
    return found


def share_str(value: Decimal) -> str:
    """`decimal_str` of the share to four places: its exponent is -4, so its str() is the same plain text."""
    return str(value.quantize(SHARE_PLACES, rounding=ROUND_HALF_UP))


def money_json(value: Money) -> dict[str, str]:
    """`value.model_dump(mode="json")`, without pydantic's serializer: a new dict of the same two strings."""
    return {"amount": decimal_str(value.amount), "currency": value.currency}


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months, clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    d = day.day
    if d > 28:  # only the 29th to the 31st can be past a month's end (`calendar.monthrange`, without its weekday)
        last = 29 if month0 == 1 and calendar.isleap(year) else _MONTH_DAYS[month0]
        d = min(d, last)
    return dt.date(year, month0 + 1, d)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def months_spanned(start: dt.date, end: dt.date) -> int:
    """Calendar months a project from `start` to `end` (both inclusive) is running, counting a started
    month as a month: 2023-01-01–2023-12-31 is 12 months, 2023-01-01–2024-01-01 is 13."""
    months = max(0, (end.year - start.year) * 12 + end.month - start.month)
    while add_months(start, months) <= end:
        months += 1
    while months > 0 and add_months(start, months - 1) > end:
        months -= 1
    return months


def partners_of(partners: Iterable[Partner], country: str | None) -> list[Partner]:
    return [p for p in partners if country is None or p.country == country]


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


def to_currency(amount: Decimal, source: str, target: str, programme: Programme) -> Decimal | None:
    """`amount` in `source` currency expressed in `target`, at the programme's fixed rate; None if there is none."""
    if source == target:
        return amount
    rates = {r.currency: r.units_per_eur for r in programme.fixed_exchange_rates}
    if target == "EUR" and source in rates:
        return convert(amount, units_per_eur=rates[source], to_eur=True)
    if source == "EUR" and target in rates:
        return convert(amount, units_per_eur=rates[target], to_eur=False)
    return None
