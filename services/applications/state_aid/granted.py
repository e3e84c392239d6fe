"""State aid the programme has granted, per partner and organisation number: what every eligibility check
counts, and the secretariat's report (JSON and CSV).

The aid an approved application grants a partner is its programme money — its financing lines of the
programme's funds (`content.REQUESTED_FUNDS`: ERDF, NO-STATE) — under the regime the partner declared
(`state_aid.regime`; none when it declared nothing), granted on the day of the approval in the
programme's time zone.

Why the aid travels with the check, and how: the eligibility service must count the de minimis aid this
programme's approved applications gave the same organisation number. It could read it from this
service, but this service is the one asking it for the check: the two would wait on each other (a cycle
of blocking calls, and a check that depends on a service that may be down). So the eligibility service
stays a pure function of its request, and this service, before every check, reads the aid its approved
applications granted to the partners' organisation numbers — in a short read-only session of its own,
closed before the request goes out, never inside a transaction — and sends it as
`CheckRequest.granted_aid`. `AidAwareEligibility` does that for every check this service asks for (the
pre-check and the assessment of a submission, and the State-aid rules run again at every approval,
`at_decision.py`), so no call site can forget it. A second application of an organisation therefore sees
the aid of the first from the moment the first is approved. The aid of an approval is what it granted (a
committee's reduced grant, `committee/grants.py`), else the submitted version's programme money.

Every check also carries `aid_rates`: the budget's EUR rate (`GET …/conversion-rates/{currency}?at=` in the
middle of the month) of each currency and month that aid in another currency than EUR was, or is, granted
in — this application's on the check day, the declared aid and the programme's aid on their grant days. A
month the budget has no rate for is left out; the rules then fail naming the month and how an admin sets it
(`PUT /v1/exchange-rates/{currency}/{month}` of the budget), so the pre-check warns before the committee.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.intake.content import REQUESTED_FUNDS
from services.applications.models import Application, Grant
from shared.clients.budget import BudgetClient, RateMissing
from shared.clients.eligibility import EligibilityClient
from shared.csv_export import to_csv
from shared.db import Database
from shared.money import Money, decimal_str
from shared.schemas.applications import ApplicationContent
from shared.schemas.eligibility import Report
from shared.schemas.state_aid import AidRate, AidRegime, GrantedAid


class AidGranted(BaseModel):
    """The aid one approved application granted one partner."""

    application_id: UUID
    reference: str | None = Field(examples=["SE-NO-2024-0001"])
    acronym: str
    programme: str
    granted_on: dt.date = Field(description="The day of the approval (Europe/Stockholm)")
    partner: str
    organisation_number: str
    country: str
    economic_activity: bool | None = Field(description="As declared; null when the partner declared nothing")
    regime: AidRegime | None = Field(description="As declared; null when the partner declared nothing")
    amount: Money = Field(description="The partner's programme money (ERDF, NO-STATE)")


class AidTotal(BaseModel):
    """All aid of one regime the programme granted one organisation, in one currency."""

    organisation_number: str
    regime: AidRegime | None
    amount: Money


class StateAidReport(BaseModel):
    """Per partner, the aid granted under each regime by the approved applications, and the totals per
    organisation number and regime."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "programme": "interreg-se-no-2021-2027",
                    "rows": [
                        {
                            "application_id": "9b2f4a8e-0c41-4f7e-8a43-6f1d2f6b8e21",
                            "reference": "SE-NO-2024-0001",
                            "acronym": "GIV",
                            "programme": "interreg-se-no-2021-2027",
                            "granted_on": "2024-09-20",
                            "partner": "Kongsvinger Industri AS",
                            "organisation_number": "912345678",
                            "country": "NO",
                            "economic_activity": True,
                            "regime": "de-minimis",
                            "amount": {"amount": "150000.00", "currency": "NOK"},
                        }
                    ],
                    "totals": [
                        {
                            "organisation_number": "912345678",
                            "regime": "de-minimis",
                            "amount": {"amount": "150000.00", "currency": "NOK"},
                        }
                    ],
                }
            ]
        }
    )

    programme: str | None = Field(description="The programme reported on; null for all")
    rows: list[AidGranted]
    totals: list[AidTotal]


CSV_HEADER = (
    "reference",
    "acronym",
    "programme",
    "granted_on",
    "partner",
    "organisation_number",
    "country",
    "economic_activity",
    "regime",
    "amount",
    "currency",
)


def aid_of(app: Application, timezone: ZoneInfo, grant: Grant | None = None) -> list[AidGranted]:
    """The aid an approved application granted each of its partners that receives programme money: as the
    approval granted it (`grant`: a committee may grant less than asked), else as submitted."""
    content = ApplicationContent.model_validate(grant.content if grant is not None else app.content)
    decided = app.decided_at or app.updated_at
    return aid_rows(app, content, decided.astimezone(timezone).date())


def aid_rows(app: Application, content: ApplicationContent, granted_on: dt.date) -> list[AidGranted]:
    """The aid `content` gives each partner with programme money, granted on `granted_on`."""
    out = []
    for p in content.partners:
        lines = [f for f in p.financing if f.source in REQUESTED_FUNDS]
        if not lines:
            continue
        currency = lines[0].amount.currency
        amount = sum((f.amount.amount for f in lines), Decimal(0))
        out.append(
            AidGranted(
                application_id=UUID(app.id),
                reference=app.reference,
                acronym=app.acronym,
                programme=app.programme,
                granted_on=granted_on,
                partner=p.name,
                organisation_number=p.organisation_number,
                country=p.country,
                economic_activity=p.state_aid.economic_activity if p.state_aid else None,
                regime=p.state_aid.regime if p.state_aid else None,
                amount=Money.of(amount, currency),
            )
        )
    return out


def as_granted_aid(rows: list[AidGranted], numbers: set[str]) -> list[GrantedAid]:
    """The rows of the organisations `numbers` under a declared regime, as a check counts them."""
    return [
        GrantedAid(
            organisation_number=row.organisation_number,
            regime=row.regime,
            amount=row.amount,
            granted_on=row.granted_on,
            reference=row.reference,
        )
        for row in rows
        if row.organisation_number in numbers and row.regime is not None
    ]


async def approved_aid(session: AsyncSession, programme: str | None, timezone: ZoneInfo) -> list[AidGranted]:
    """The aid every approved application (of `programme`, or all) granted, as each approval granted it."""
    apps = await repo.approved(session, programme=programme)
    grants = await repo.grants(session, apps)
    return [row for app in apps for row in aid_of(app, timezone, grants.get(app.id))]


async def granted_aid(db: Database, content: ApplicationContent, timezone: ZoneInfo) -> list[GrantedAid]:
    """The aid this programme's approved applications granted, under a declared regime, to the
    organisation numbers of `content`'s partners. Read in a short session of its own (no transaction is
    held while the eligibility service answers)."""
    numbers = {p.organisation_number for p in content.partners}
    if not numbers:
        return []
    async with db.sessionmaker() as session:
        rows = await approved_aid(session, content.programme, timezone)
    return as_granted_aid(rows, numbers)


def _months(content: ApplicationContent, granted: list[GrantedAid], as_of: dt.date) -> set[tuple[str, str]]:
    """(currency, yyyy-mm) of every amount of aid a check converts: this application's (granted on the
    check day), the declared aid and the programme's granted aid (each on its grant day)."""
    out: set[tuple[str, str]] = set()
    for p in content.partners:
        if p.state_aid is None or p.state_aid.regime in ("not-aid", "other"):
            continue
        out |= {(f.amount.currency, f"{as_of:%Y-%m}") for f in p.financing if f.source in REQUESTED_FUNDS}
        out |= {(a.amount.currency, f"{a.granted_on:%Y-%m}") for a in p.state_aid.previous_de_minimis}
    out |= {(g.amount.currency, f"{g.granted_on:%Y-%m}") for g in granted}
    return {(c, m) for c, m in out if c != "EUR"}


async def aid_rates(budget: BudgetClient, programme: str, months: set[tuple[str, str]]) -> list[AidRate]:
    """The budget's rate of each (currency, month) (`GET …/conversion-rates/{currency}?at=` mid-month); a
    month the budget has no rate for is left out, and the State-aid rules name it."""
    out = []
    for currency, month in sorted(months):
        year, number = (int(x) for x in month.split("-"))
        rate = await budget.conversion_rate(programme, currency, dt.datetime(year, number, 15, 12, tzinfo=dt.UTC))
        if isinstance(rate, RateMissing) or rate.source == "identity":
            continue
        out.append(AidRate(currency=currency, month=rate.month, units_per_eur=rate.units_per_eur, source=rate.source))
    return out


class AidAwareEligibility(EligibilityClient):
    """The eligibility client this service uses: every check carries `granted_aid` and the `aid_rates` it
    needs (see the module's docstring), whatever else the caller passes; aid the caller passes as
    `granted_aid` (the earlier approvals of a committee session) is counted as well."""

    def __init__(self, client: httpx.AsyncClient, db: Database, timezone: str, budget: BudgetClient) -> None:
        super().__init__(client)
        self.db = db
        self.timezone = ZoneInfo(timezone)
        self.budget = budget

    async def check(self, content: ApplicationContent, **kwargs: Any) -> Report:
        """The report of `content` (`EligibilityClient.check`), with the aid already granted and its rates."""
        granted = [*await granted_aid(self.db, content, self.timezone), *kwargs.get("granted_aid", ())]
        kwargs["granted_aid"] = granted
        as_of = kwargs["as_of"]
        kwargs["aid_rates"] = await aid_rates(self.budget, content.programme, _months(content, granted, as_of))
        return await super().check(content, **kwargs)


async def report(
    session: AsyncSession, *, programme: str | None, organisation_number: str | None, timezone: ZoneInfo
) -> StateAidReport:
    """Per partner the aid the approved applications granted, and the totals per organisation number,
    regime and currency (amounts in different currencies are never added)."""
    rows = [
        row
        for row in await approved_aid(session, programme, timezone)
        if organisation_number is None or row.organisation_number == organisation_number
    ]
    sums: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    regimes: dict[str, AidRegime | None] = {}
    for row in rows:
        key = row.regime or ""
        regimes[key] = row.regime
        sums[(row.organisation_number, key, row.amount.currency)] += row.amount.amount
    totals = [
        AidTotal(organisation_number=number, regime=regimes[key], amount=Money.of(amount, currency))
        for (number, key, currency), amount in sorted(sums.items())
    ]
    return StateAidReport(programme=programme, rows=rows, totals=totals)


def report_csv(answer: StateAidReport) -> str:
    """The report's rows as CSV for the secretariat (spreadsheet-safe cells, `shared.csv_export`)."""
    lines = [list(CSV_HEADER)]
    for r in answer.rows:
        lines.append(
            [
                r.reference or "",
                r.acronym,
                r.programme,
                r.granted_on.isoformat(),
                r.partner,
                r.organisation_number,
                r.country,
                "" if r.economic_activity is None else ("yes" if r.economic_activity else "no"),
                r.regime or "",
                decimal_str(r.amount.amount),
                r.amount.currency,
            ]
        )
    return to_csv(lines)
