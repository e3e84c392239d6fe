"""The open-data feed: the programme's approved projects as keep.eu collects them, public, JSON and CSV.

**What is published.** Per project: its id and reference, programme, acronym, name and summary (sv/nb/en as
written), dates, specific objective and its priority, project type, status (`approved`, `contracted`,
`closed`), the day of the decision, the total budget, the EU (ERDF) and the Norwegian state funding
(NO-STATE) with their rates; per partner: its name, role, country, organisation type, NUTS region, budget,
funding and rates. **No personal data**: no contacts, e-mails, people's names, bank accounts, organisation
numbers (a sole trader's is a personal identity number), owners' subject ids, free-text justifications or
State-aid declarations — the fields are listed here and nothing else is copied.

**Derived, never copied.** Each answer is read from the service's own tables in the reader's transaction:
applications in status `approved` or `closed`, the grant of their current approval (the approved version's
content as granted, a committee's reduced grant included; the approved version itself for an approval
recorded before grants were), and the contract's status and dates. So a decision is in the feed as soon as
its transaction commits, a reverted approval leaves it at once, and there is nothing that can drift. The
priority of a specific objective is the catalogue's (its answers are kept by ETag; 503 when it cannot
answer). Amounts are in each partner's own currency; a project's totals are one figure per currency, and a
rate (funding ÷ the budget of the partners receiving that fund) is given where those partners budget in one
currency.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from services.applications.models import Application, ApplicationVersion, Grant
from services.applications.outbound.upstreams import Upstreams
from services.applications.projects import repository as repo
from services.applications.projects.models import ProjectContract
from services.applications.projects.states import ProjectStatus
from services.applications.workflow.transitions import Status
from shared.csv_export import to_csv
from shared.db import Database
from shared.i18n import LocalizedText
from shared.money import Money, decimal_str
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.schemas.applications import ApplicationContent, Partner

PUBLISHED_STATUSES = (Status.APPROVED.value, Status.CLOSED.value)
EU_FUND, NORWEGIAN_FUND = "ERDF", "NO-STATE"
RATE_PLACES = Decimal("0.0001")
CSV_LIMIT = 100_000
FeedStatus = Literal["approved", "contracted", "closed"]


class OpenDataPartner(BaseModel):
    number: int = Field(description="Its place in the approved version (from 1)")
    name: str = Field(examples=["Region Värmland"])
    role: Literal["lead", "partner"]
    country: str = Field(examples=["SE"])
    organisation_type: str = Field(examples=["public-authority"], description="The catalogue's code")
    region: str = Field(examples=["SE311"], description="NUTS code")
    budget: Money = Field(description="Its total budget, in its currency")
    eu_funding: Money | None = Field(description="ERDF granted")
    eu_rate: str | None = Field(examples=["0.65"], description="ERDF ÷ its budget")
    norwegian_funding: Money | None = Field(description="Norwegian state funds (NO-STATE) granted")
    norwegian_rate: str | None = Field(examples=["0.5"], description="NO-STATE ÷ its budget")


class OpenDataProject(BaseModel):
    id: UUID
    reference: str | None = Field(examples=["SE-NO-2025-0001"])
    programme: str = Field(examples=["interreg-se-no-2021-2027"])
    acronym: str = Field(examples=["GIV"])
    name: LocalizedText
    summary: LocalizedText
    start_date: dt.date
    end_date: dt.date
    specific_objective: str = Field(examples=["1B"])
    priority: str = Field(examples=["1"])
    project_type: str = Field(examples=["main-project"])
    status: FeedStatus
    decided_on: dt.date | None = Field(description="The day of the decision (UTC)")
    total_budget: list[Money] = Field(description="The partners' budgets summed, one figure per currency")
    eu_funding: list[Money] = Field(description="ERDF granted, one figure per currency")
    eu_rate: str | None = Field(description="ERDF ÷ the budget of the partners it funds (one currency), else null")
    norwegian_funding: list[Money] = Field(description="NO-STATE granted, one figure per currency")
    norwegian_rate: str | None = Field(description="NO-STATE ÷ the budget of the partners it funds, else null")
    partners: list[OpenDataPartner]


class FeedAfter(Keyset):
    id: str


def _content(grant: Grant | None, version: ApplicationVersion | None) -> ApplicationContent | None:
    if grant is not None:
        return ApplicationContent.model_validate(grant.content)
    if version is not None:
        return ApplicationContent.model_validate(json.loads(version.document)["content"])
    return None


def _budget(partner: Partner) -> Decimal:
    return sum((line.amount.amount for line in partner.budget if line.amount is not None), Decimal(0))


def _fund(partner: Partner, fund: str) -> Decimal | None:
    lines = [f.amount.amount for f in partner.financing if f.source == fund]
    return sum(lines, Decimal(0)) if lines else None


def _rate(money: Decimal | None, costs: Decimal) -> str | None:
    if money is None or costs <= 0:
        return None
    return decimal_str((money / costs).quantize(RATE_PLACES).normalize())


def _totals(pairs: Iterable[tuple[Decimal | None, str]]) -> list[Money]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for amount, currency in pairs:
        if amount is not None:
            sums[currency] += amount
    return [Money.of(sums[c], c) for c in sorted(sums)]


def _project_rate(partners: list[Partner], fund: str) -> str | None:
    funded = [p for p in partners if _fund(p, fund) is not None]
    if len({p.currency for p in funded}) != 1:
        return None
    return _rate(sum((_fund(p, fund) or Decimal(0) for p in funded), Decimal(0)), sum(map(_budget, funded), Decimal(0)))


def _partner(number: int, p: Partner) -> OpenDataPartner:
    currency = p.currency or "EUR"
    costs, eu, no = _budget(p), _fund(p, EU_FUND), _fund(p, NORWEGIAN_FUND)
    return OpenDataPartner(
        number=number,
        name=p.name,
        role=p.role,
        country=p.country,
        organisation_type=p.organisation_type,
        region=p.region,
        budget=Money.of(costs, currency),
        eu_funding=Money.of(eu, currency) if eu is not None else None,
        eu_rate=_rate(eu, costs),
        norwegian_funding=Money.of(no, currency) if no is not None else None,
        norwegian_rate=_rate(no, costs),
    )


def _status(app: Application, contract: ProjectContract | None) -> FeedStatus:
    if app.status == Status.CLOSED.value:
        return "closed"
    return "contracted" if contract is not None and contract.status == ProjectStatus.CONTRACTED.value else "approved"


def project(
    app: Application, contract: ProjectContract | None, content: ApplicationContent, priority: str
) -> OpenDataProject:
    """One project as published: the fields listed on the model, nothing else of the application."""
    partners = content.partners
    currency = [p.currency or "EUR" for p in partners]
    return OpenDataProject(
        id=UUID(app.id),
        reference=app.reference,
        programme=app.programme,
        acronym=content.acronym,
        name=dict(content.title),
        summary=dict(content.summary),
        start_date=(contract.start_date if contract and contract.start_date else content.start_date),
        end_date=(contract.end_date if contract and contract.end_date else content.end_date),
        specific_objective=content.specific_objective,
        priority=priority,
        project_type=content.project_type,
        status=_status(app, contract),
        decided_on=app.decided_at.astimezone(dt.UTC).date() if app.decided_at else None,
        total_budget=_totals(zip(map(_budget, partners), currency, strict=True)),
        eu_funding=_totals(zip((_fund(p, EU_FUND) for p in partners), currency, strict=True)),
        eu_rate=_project_rate(partners, EU_FUND),
        norwegian_funding=_totals(zip((_fund(p, NORWEGIAN_FUND) for p in partners), currency, strict=True)),
        norwegian_rate=_project_rate(partners, NORWEGIAN_FUND),
        partners=[_partner(i, p) for i, p in enumerate(partners, start=1)],
    )


async def _projects(
    db: Database, up: Upstreams, *, programme: str | None, after: str | None, limit: int
) -> list[OpenDataProject]:
    """The rows in a short read of their own, then the catalogue's priorities (no transaction held)."""
    async with db.sessionmaker() as session:
        rows = await repo.published(session, statuses=PUBLISHED_STATUSES, programme=programme, after=after, limit=limit)
        # Approvals recorded before grants were (no grant row): the approved version as asked.
        versions = await repo.current_versions(session, [a for a, _, g in rows if g is None])
    found = [(a, c, content) for a, c, g in rows if (content := _content(g, versions.get(a.id))) is not None]
    priorities: dict[tuple[str, str], str] = {}
    for code in sorted({a.programme for a, _, _ in found}):
        for objective in await up.catalogue.specific_objectives(code):
            priorities[(code, objective.code)] = objective.priority or ""
    return [
        project(a, c, content, priorities.get((a.programme, content.specific_objective), "")) for a, c, content in found
    ]


async def page(db: Database, up: Upstreams, params: PageParams, *, programme: str | None) -> Page[OpenDataProject]:
    after = params.after(FeedAfter)
    items = await _projects(db, up, programme=programme, after=after.id if after else None, limit=params.limit + 1)
    return paginate(items, params, lambda p: FeedAfter(id=str(p.id)))


PROJECT_COLUMNS = (
    "id",
    "reference",
    "programme",
    "acronym",
    "name_sv",
    "name_nb",
    "name_en",
    "summary_sv",
    "summary_nb",
    "summary_en",
    "start_date",
    "end_date",
    "specific_objective",
    "priority",
    "project_type",
    "status",
    "decided_on",
    "total_budget",
    "eu_funding",
    "eu_rate",
    "norwegian_funding",
    "norwegian_rate",
)
PARTNER_COLUMNS = (
    "partner_number",
    "partner_name",
    "partner_role",
    "partner_country",
    "partner_organisation_type",
    "partner_region",
    "partner_currency",
    "partner_budget",
    "partner_eu_funding",
    "partner_eu_rate",
    "partner_norwegian_funding",
    "partner_norwegian_rate",
)
CSV_COLUMNS = PROJECT_COLUMNS + PARTNER_COLUMNS


def _money_cell(values: list[Money]) -> str:
    return "; ".join(str(m) for m in values)


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _project_cells(p: OpenDataProject) -> list[str]:
    texts = [p.name.get(lang, "") for lang in ("sv", "nb", "en")] + [
        p.summary.get(lang, "") for lang in ("sv", "nb", "en")
    ]
    return [
        str(p.id),
        _cell(p.reference),
        p.programme,
        p.acronym,
        *texts,
        p.start_date.isoformat(),
        p.end_date.isoformat(),
        p.specific_objective,
        p.priority,
        p.project_type,
        p.status,
        _cell(p.decided_on),
        _money_cell(p.total_budget),
        _money_cell(p.eu_funding),
        _cell(p.eu_rate),
        _money_cell(p.norwegian_funding),
        _cell(p.norwegian_rate),
    ]


def _partner_cells(x: OpenDataPartner) -> list[str]:
    def amount(m: Money | None) -> str:
        return "" if m is None else decimal_str(m.amount)

    return [
        str(x.number),
        x.name,
        x.role,
        x.country,
        x.organisation_type,
        x.region,
        x.budget.currency,
        decimal_str(x.budget.amount),
        amount(x.eu_funding),
        _cell(x.eu_rate),
        amount(x.norwegian_funding),
        _cell(x.norwegian_rate),
    ]


async def csv(db: Database, up: Upstreams, *, programme: str | None) -> str:
    """The feed as CSV, one row per project and partner (a project without partners: one row), by project id
    and partner number; spreadsheet-safe cells (`shared.csv_export`)."""
    rows: list[list[str]] = [list(CSV_COLUMNS)]
    for p in await _projects(db, up, programme=programme, after=None, limit=CSV_LIMIT):
        head = _project_cells(p)
        rows += [head + _partner_cells(x) for x in p.partners] or [head + [""] * len(PARTNER_COLUMNS)]
    return to_csv(rows)
