"""Expenditure lines of a draft partner report: entered one by one, listed by keyset pages, deleted, or
imported as CSV in one statement (an executemany: 10,000 lines in one request).

A line is refused (422 naming its field) when it types a flat rate — a line naming a flat-rate option, or
a line in a category the partner's baseline budgets as a flat rate: flat rates are computed from the
declared base, never typed —, when a Norwegian-side line is not in NOK, or when its category is not one
the cost categories know. No cap on the number of lines (Jems' hard-coded 150 is one of its users' pains).

CSV (`text/csv`, UTF-8, a header row): `category, cost_option, invoice_number, invoice_date, payment_date,
supplier, description, amount, currency, vat` (`cost_option`, `payment_date`, `description`, `vat` may be
empty). Every row is checked before anything is stored; a bad row is a 422 whose `errors` name the row
(counting the header as row 1, as a spreadsheet shows it) and the field, and nothing is stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.projects.baseline import Project, record, require_owner
from services.applications.projects.errors import InvalidProjectData, LineNotFound
from services.applications.projects.reporting import repository as lines_repo
from services.applications.projects.reporting.partner_reports import subject, visible_report
from services.applications.projects.reporting.schemas import ImportResult, LineIn, LineOut
from services.applications.projects.reporting.totals import flat_options
from services.applications.projects.states import ReportAction, report_next
from services.applications.projects.texts import say
from services.applications.projects.views import line_out
from shared.auth import Principal
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.problems import FieldError

CSV_FIELDS = (
    "category",
    "cost_option",
    "invoice_number",
    "invoice_date",
    "payment_date",
    "supplier",
    "description",
    "amount",
    "currency",
    "vat",
)
REQUIRED_COLUMNS = ("category", "invoice_number", "invoice_date", "supplier", "amount", "currency")
MAX_REPORTED_ERRORS = 100


class ByNumber(Keyset):
    number: int


def check(project: Project, partner: int, side: str, line: LineIn, field: str) -> list[FieldError]:
    """What the report refuses of a structurally valid line."""
    errors: list[FieldError] = []
    flats = flat_options(project.partner(partner))
    if line.category in {o.category for o in flats}:
        errors.append(
            FieldError(
                field=f"{field}category",
                message=f"{line.category} is a flat rate of the partner's "
                "baseline: computed from the declared base, never typed",
            )
        )
    if line.cost_option is not None:
        baseline = project.partner(partner)
        known = {b.cost_option: b.computed for b in (baseline.budget if baseline else []) if b.cost_option}
        computed = known.get(line.cost_option)
        if computed is None:
            errors.append(
                FieldError(
                    field=f"{field}cost_option", message=f"the partner's baseline has no option {line.cost_option}"
                )
            )
        elif computed.kind == "flat-rate":
            errors.append(FieldError(field=f"{field}cost_option", message="a flat rate is computed, never typed"))
    if side == "NO" and line.amount.currency != "NOK":
        errors.append(FieldError(field=f"{field}amount.currency", message="the Norwegian side reports in NOK"))
    return errors


def row_of(report_id: str, number: int, line: LineIn) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "number": number,
        "category": line.category,
        "cost_option": line.cost_option,
        "invoice_number": line.invoice_number,
        "invoice_date": line.invoice_date,
        "payment_date": line.payment_date,
        "supplier": line.supplier,
        "description": line.description,
        "amount": line.amount.amount,
        "currency": line.amount.currency,
        "vat": line.vat.amount if line.vat else 0,
        "parked": False,
    }


async def add(
    session: AsyncSession, principal: Principal, report_id: str, line: LineIn, *, now: dt.datetime
) -> LineOut:
    project, report = await visible_report(session, principal, report_id, now=now, for_update=True)
    require_owner(project, principal, report.side)
    report_next(report.status, ReportAction.EDIT)
    errors = check(project, report.partner, report.side, line, "")
    if errors:
        raise InvalidProjectData("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    number = await lines_repo.last_line_number(session, report.id) + 1
    await lines_repo.insert_lines(session, [row_of(report.id, number, line)])
    report.revision += 1
    stored = await lines_repo.line(session, report.id, number)
    assert stored is not None
    return line_out(stored)


async def page(
    session: AsyncSession, principal: Principal, report_id: str, params: PageParams, *, now: dt.datetime
) -> Page[LineOut]:
    _, report = await visible_report(session, principal, report_id, now=now)
    after = params.after(ByNumber)
    rows = await lines_repo.lines_page(session, report.id, after=after.number if after else 0, limit=params.limit + 1)
    out = [line_out(r) for r in rows]
    return paginate(out, params, lambda o: ByNumber(number=o.number))


async def remove(session: AsyncSession, principal: Principal, report_id: str, number: int, *, now: dt.datetime) -> None:
    project, report = await visible_report(session, principal, report_id, now=now, for_update=True)
    require_owner(project, principal, report.side)
    report_next(report.status, ReportAction.EDIT)
    if await lines_repo.delete_line(session, report.id, number) == 0:
        raise LineNotFound(f"the report has no line {number}")
    report.revision += 1


def _cell(row: dict[str, str | None], name: str) -> str | None:
    value = (row.get(name) or "").strip()
    return value or None


def parse_csv(text: str, project: Project, partner: int, side: str, language: str) -> list[LineIn]:
    """Every row checked; 422 naming each bad row and field (up to 100), nothing kept."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    absent = [c for c in REQUIRED_COLUMNS if c not in header]
    if absent:
        errors = [FieldError(field=f"row 1.{c}", message="column missing from the header") for c in absent]
        raise InvalidProjectData(
            say("csv-invalid", language, errors="; ".join(f"{e.field}: {e.message}" for e in errors)), errors=errors
        )
    lines: list[LineIn] = []
    errors = []
    for i, row in enumerate(reader, start=2):
        currency = _cell(row, "currency") or ""
        data: dict[str, Any] = {k: _cell(row, k) for k in CSV_FIELDS if k not in ("amount", "vat", "currency")}
        data = {k: v for k, v in data.items() if v is not None}
        data["amount"] = {"amount": _cell(row, "amount"), "currency": currency}
        if _cell(row, "vat") is not None:
            data["vat"] = {"amount": _cell(row, "vat"), "currency": currency}
        try:
            line = LineIn.model_validate(data)
        except ValidationError as exc:
            for e in exc.errors():
                loc = ".".join(str(p) for p in e["loc"]) or "row"
                errors.append(FieldError(field=f"row {i}.{loc}", message=e["msg"]))
        else:
            errors.extend(check(project, partner, side, line, f"row {i}."))
            lines.append(line)
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
    if errors:
        shown = "; ".join(f"{e.field}: {e.message}" for e in errors[:10])
        raise InvalidProjectData(say("csv-invalid", language, errors=shown), errors=errors)
    return lines


async def import_csv(
    session: AsyncSession, principal: Principal, report_id: str, text: str, *, now: dt.datetime, language: str
) -> ImportResult:
    project, report = await visible_report(session, principal, report_id, now=now, for_update=True)
    role = require_owner(project, principal, report.side)
    report_next(report.status, ReportAction.EDIT)
    lines = parse_csv(text, project, report.partner, report.side, language)
    first = await lines_repo.last_line_number(session, report.id) + 1
    await lines_repo.insert_lines(session, [row_of(report.id, first + k, line) for k, line in enumerate(lines)])
    report.revision += 1
    record(
        session,
        project.id,
        subject(report),
        "import-lines",
        actor=principal.sub,
        role=role,
        at=now,
        from_status=report.status,
        to_status=report.status,
        reason=f"{len(lines)} lines imported from CSV",
    )
    await session.flush()
    return ImportResult(
        imported=len(lines),
        first_number=first if lines else None,
        last_number=first + len(lines) - 1 if lines else None,
    )
