"""Project rows as answers: the project (personal data only for those who may see it), its list row and
CSV (never personal data), partner reports with their computed totals, lines, project reports."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.models import Application
from services.applications.projects import repository as repo
from services.applications.projects.baseline import Project, controls
from services.applications.projects.models import ExpenditureLine, PartnerReport, ProjectContract, ProjectReport
from services.applications.projects.reporting import repository as lines_repo
from services.applications.projects.reporting.schemas import ClaimOwed, LineOut, PartnerReportOut, ProjectReportOut
from services.applications.projects.reporting.totals import certified_eur, currency_totals, flat_options
from services.applications.projects.schemas import OwnerData, PartnerOut, PeriodOut, ProjectOut, ProjectSummary
from shared.auth import Principal
from shared.csv_export import to_csv
from shared.etags import etag_of
from shared.money import Money, decimal_str

RATE_PLACES = Decimal("0.0000000001")


def project_etag(project: Project) -> str:
    """The project's strong ETag: the revision of its contract (contract data, contracting, closure), its
    application's revision and the budget side of the decision."""
    return etag_of(project.contract.revision, project.app.revision, project.app.commitment_status)


def partner_report_etag(report: PartnerReport) -> str:
    """A partner report's strong ETag: its revision (every change of its progress, lines, status or
    project report counts one)."""
    return etag_of(report.revision)


def summary(app: Application, contract: ProjectContract | None) -> ProjectSummary:
    return ProjectSummary(
        id=app.id,
        reference=app.reference,
        acronym=app.acronym,
        programme=app.programme,
        status=contract.status if contract else "contracting",
        baseline_version=contract.baseline_version if contract else app.version,
        start_date=contract.start_date if contract else None,
        end_date=contract.end_date if contract else None,
        contracted_at=contract.contracted_at if contract else None,
        commitment_id=app.commitment_id,
    )


CSV_COLUMNS = [
    "id",
    "reference",
    "acronym",
    "programme",
    "status",
    "baseline_version",
    "start_date",
    "end_date",
    "contracted_at",
    "commitment_id",
]


def projects_csv(rows: list[ProjectSummary]) -> str:
    """The list as CSV: the summary's columns only (no contacts, no bank accounts)."""

    def cell(value: object) -> str:
        return "" if value is None else str(value)

    return to_csv([CSV_COLUMNS, *([cell(getattr(r, c)) for c in CSV_COLUMNS] for r in rows)])


async def may_see_personal_data(session: AsyncSession, project: Project, principal: Principal) -> bool:
    if principal.is_staff or principal.has("finance") or project.owner_sides(principal):
        return True
    return bool(await controls(session, project, principal))


async def project_out(session: AsyncSession, project: Project, principal: Principal) -> ProjectOut:
    assigned = await repo.assignments(session, project.id)
    partners = [
        PartnerOut(
            number=i,
            name=p.name,
            organisation_number=p.organisation_number,
            country=p.country,
            role=p.role,
            side=project.side_of(i),
            currency=p.currency,
            controller=assigned.get(i),
        )
        for i, p in enumerate(project.content.partners, start=1)
    ]
    owners = None
    if await may_see_personal_data(session, project, principal):
        owners = {side: OwnerData.model_validate(data) for side, data in project.contract.owners.items()}
    c = project.contract
    return ProjectOut(
        **summary(project.app, c).model_dump(),
        decision_date=c.decision_date,
        contract_date=c.contract_date,
        periods=[
            PeriodOut(number=p.number, start=p.start, end=p.end, deadline=p.deadline, kind=p.kind, final=p.final)
            for p in await repo.periods(session, project.id)
        ],
        partners=partners,
        owners=owners,
        co_financing={
            fund: decimal_str((money / costs).quantize(RATE_PLACES).normalize())
            for fund, (money, costs) in project.co_financing().items()
        },
    )


def line_out(row: ExpenditureLine) -> LineOut:
    def money(value: Decimal | None) -> Money | None:
        return None if value is None else Money.of(value, row.currency)

    return LineOut(
        number=row.number,
        category=row.category,
        cost_option=row.cost_option,
        units=row.units.normalize() if row.units is not None else None,
        invoice_number=row.invoice_number,
        invoice_date=row.invoice_date,
        payment_date=row.payment_date,
        supplier=row.supplier,
        description=row.description,
        amount=Money.of(row.amount, row.currency),
        vat=Money.of(row.vat, row.currency) if row.vat else None,
        declared=Money.of(row.amount - row.vat, row.currency),
        certified=money(row.certified),
        deducted=money(row.deducted),
        typology=row.typology,
        comment=row.comment,
        parked=row.parked,
        parked_from=row.parked_from,
        verified_by=row.verified_by,
    )


async def partner_report_out(session: AsyncSession, project: Project, report: PartnerReport) -> PartnerReportOut:
    partner = project.partner(report.partner)
    totals = currency_totals(await lines_repo.line_sums(session, report.id), flat_options(partner), report.rates)
    return PartnerReportOut(
        id=report.id,
        project_id=report.application_id,
        partner=report.partner,
        partner_name=partner.name if partner else "",
        period=report.period,
        side=report.side,
        status=report.status,
        version=report.version,
        baseline_version=report.baseline_version,
        progress=report.progress,
        rates=report.rates,
        submitted_at=report.submitted_at,
        controller=report.controller,
        completed_by=report.completed_by,
        certified_by=report.certified_by,
        certified_at=report.certified_at,
        project_report_id=report.project_report_id,
        totals=totals,
        certified_eur=certified_eur(totals) if report.side == "SE" and report.rates is not None else None,
    )


async def project_report_out(session: AsyncSession, report: ProjectReport) -> ProjectReportOut:
    included = await repo.included(session, report.id)
    claims = await repo.claims(session, [report.id])
    return ProjectReportOut(
        id=report.id,
        project_id=report.application_id,
        period=report.period,
        final=report.final,
        status=report.status,
        baseline_version=report.baseline_version,
        progress=report.progress,
        submitted=report.submitted,
        partner_reports=[r.id for r in included],
        verified_by=report.verified_by,
        verified_at=report.verified_at,
        claims=[
            ClaimOwed(
                fund=c.fund, amount=Money.of(c.amount, c.currency), state=c.state, claim_id=c.claim_id, detail=c.detail
            )
            for c in claims
        ],
    )
