"""The money side of the committee's work: what each application asks in the programme's currency, what
the budget has available per fund and priority, and what would remain if applications were approved in
order — the ranked list of a call, the check of a session's approvals, the reserve list's proposal.

The figures are the budget service's (`GET /v1/programmes/{p}/budget`: available = allocated − committed,
net of releases), less what approvals still owe it (`commitment_status: pending`, not yet delivered by the
outbox); money a release still owes is not counted back until the budget has it. Each requested line
(one per fund and currency, as the approval commits it) is converted exactly as the budget converts it:
at the rate the budget names for the instant (`GET …/conversion-rates/{currency}?at=`: its programme's
fixed rate, else the monthly rate of the month on the budget's rate clock, `BUDGET_RATE_TIMEZONE`), via
EUR, rounded once, half up, to the cent (`shared.money.cross_convert`, the function the budget commits
with); sums and comparisons are
exact Decimal arithmetic on those cents. The budget's own refusal stays the final word when the money goes
elsewhere between this reading and the commitment's delivery.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from services.applications.errors import ExchangeRateMissing
from services.applications.intake.content import commitment_lines
from services.applications.models import Application
from services.applications.outbound.upstreams import Upstreams
from services.applications.schemas.assessment import FundFigure, RequestedLine
from shared.clients.budget import RateMissing
from shared.money import Money, cross_convert
from shared.schemas.applications import ApplicationContent

ROUNDING = (
    "each requested line converted to the programme's currency as the budget converts it (fixed rate, else "
    "the month's rate, via EUR, rounded once half up to the cent); sums and comparisons exact"
)


@dataclass(frozen=True)
class Line:
    fund: str
    amount: Money
    programme: Decimal
    """`amount` in the programme's currency."""


@dataclass(frozen=True)
class Figures:
    programme: str
    currency: str
    available: dict[tuple[str, str], Decimal]
    """(fund, priority) → available, less what approvals still owe."""
    priorities: dict[str, str]
    """Specific objective → priority."""
    rates: dict[str, Decimal]
    """Currency → units per EUR, as the budget converts."""
    submitted: dict[str, list[Line]] = field(default_factory=dict, compare=False)
    """Application id → `lines(app)` of its content as submitted, worked out once per ranking or session."""

    def priority(self, app: Application) -> str:
        return self.priorities.get(app.specific_objective, "")

    def to_programme(self, amount: Money) -> Decimal:
        if amount.currency == self.currency:
            return amount.amount
        units_from, units_to = self.rates[amount.currency], self.rates[self.currency]
        return cross_convert(amount.amount, units_from=units_from, units_to=units_to, target=self.currency)

    def lines(self, app: Application, content: ApplicationContent | None = None) -> list[Line]:
        """What an approval of `app` commits, per fund and currency (its content as submitted, or `content`:
        as a reduced grant gives it)."""
        if content is None and app.id in self.submitted:
            return self.submitted[app.id]
        parsed = content or ApplicationContent.model_validate(app.content)
        lines = [Line(x.fund, x.amount, self.to_programme(x.amount)) for x in commitment_lines(parsed)]
        if content is None:
            self.submitted[app.id] = lines
        return lines

    def funds_of(self, priority: str) -> list[str]:
        return sorted(f for f, p in self.available if p == priority)

    def figures(self, left: dict[tuple[str, str], Decimal], priority: str | None = None) -> list[FundFigure]:
        return [
            FundFigure(fund=f, priority=p, available=Money.of(amount, self.currency))
            for (f, p), amount in sorted(left.items())
            if priority is None or p == priority
        ]

    def requested(self, lines: list[Line]) -> list[RequestedLine]:
        return [
            RequestedLine(fund=x.fund, amount=x.amount, amount_programme=Money.of(x.programme, self.currency))
            for x in lines
        ]


async def read_figures(
    up: Upstreams, programme: str, apps: list[Application], owing: list[Application], *, now: dt.datetime
) -> Figures:
    """The budget's figures for `programme`, the rates to convert what `apps` and `owing` ask, and the
    available money less what `owing` (approvals whose commitment is not delivered yet) will take."""
    report = await up.budget.report(programme)
    objectives = await up.catalogue.specific_objectives(programme)
    # Each content validated once, here: its lines name the currencies to convert and are kept for `lines`.
    asked = {app.id: commitment_lines(ApplicationContent.model_validate(app.content)) for app in [*apps, *owing]}
    rates: dict[str, Decimal] = {}
    for currency in sorted({x.amount.currency for lines in asked.values() for x in lines} | {report.currency}):
        rate = await up.budget.conversion_rate(programme, currency, now)
        if isinstance(rate, RateMissing):
            raise ExchangeRateMissing(
                f"the budget has no exchange rate for {currency} in {rate.month}: an admin sets it "
                f"(PUT /v1/exchange-rates/{currency}/{rate.month} of the budget) before the committee ranks",
                currency=currency,
                month=rate.month,
            )
        rates[currency] = rate.units_per_eur
    figures = Figures(
        programme=programme,
        currency=report.currency,
        available={(row.fund, row.priority): row.available.amount for row in report.rows},
        priorities={o.code: o.priority for o in objectives},
        rates=rates,
    )
    for app_id, lines in asked.items():
        figures.submitted[app_id] = [Line(x.fund, x.amount, figures.to_programme(x.amount)) for x in lines]
    for app in owing:
        for line in figures.lines(app):
            key = (line.fund, figures.priority(app))
            figures.available[key] = figures.available.get(key, Decimal(0)) - line.programme
    return figures


def needs(figures: Figures, app: Application, content: ApplicationContent | None = None) -> dict[str, Decimal]:
    """What an approval takes per fund (in the programme's currency; `content`: as granted)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for line in figures.lines(app, content):
        out[line.fund] += line.programme
    return dict(out)


def fits(
    figures: Figures, left: dict[tuple[str, str], Decimal], app: Application, content: ApplicationContent | None = None
) -> bool:
    """Whether every fund of `app`'s priority has what it asks (a fund with no money there does not)."""
    priority = figures.priority(app)
    asks = needs(figures, app, content).items()
    return all(amount <= left.get((fund, priority), Decimal(0)) for fund, amount in asks)


def take(
    figures: Figures, left: dict[tuple[str, str], Decimal], app: Application, content: ApplicationContent | None = None
) -> None:
    """Take what `app` asks from `left` (after `fits`)."""
    priority = figures.priority(app)
    for fund, amount in needs(figures, app, content).items():
        left[(fund, priority)] = left.get((fund, priority), Decimal(0)) - amount
