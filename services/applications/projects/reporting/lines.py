"""Expenditure lines of a draft partner report: entered one by one, listed by keyset pages, deleted, or
imported as CSV in one statement (an executemany: 10,000 lines in one request). Every write goes through
`reporting/repository.py`, which keeps the report's sums in the same transaction.

A line is real costs (its `amount` typed) or a lump sum or unit cost of the partner's baseline budget
(`cost_option`): its amount computed here from the approved budget — units × the baseline's unit amount
(`shared.money.of_rate`: rounded once, half up), or the lump sum once delivered (reported once: a second
line naming it in any of the partner's reports is refused) — in the baseline's currency, then converted at
submission as every other line. Refused with 422 naming the field: a typed amount, VAT or units where they
do not belong, a unit cost without units, a line in the wrong category for its option, real costs in a
category the baseline budgets with an option; a line typing a flat rate — naming a flat-rate option, or in
a flat-rate category: flat rates are computed from the declared base, never typed —; a Norwegian-side
line not in NOK; a category the cost categories do not know. No cap on the number of lines (Jems'
hard-coded 150 is one of its users' pains).

CSV (`text/csv`, UTF-8, a header row): `category, cost_option, units, invoice_number, invoice_date,
payment_date, supplier, description, amount, currency, vat` (`cost_option`, `units`, `payment_date`,
`description`, `vat` may be empty or absent; `amount` and `currency` are empty on an option's row). Every
row is checked before anything is stored; a bad row is a 422 whose `errors` name the row (counting the
header as row 1, as a spreadsheet shows it) and the field, and nothing is stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.projects import repository as repo
from services.applications.projects.baseline import Project, record, require_owner
from services.applications.projects.errors import InvalidProjectData, LineNotFound
from services.applications.projects.reporting import repository as lines_repo
from services.applications.projects.reporting.partner_reports import subject, visible_report
from services.applications.projects.reporting.schemas import ImportResult, LineIn, LineOut
from services.applications.projects.states import ReportAction, report_next
from services.applications.projects.texts import say
from services.applications.projects.views import line_out
from shared.auth import Principal
from shared.money import Money, of_rate
from shared.pagination import Keyset, Page, PageParams, paginate
from shared.problems import FieldError

CSV_FIELDS = (
    "category",
    "cost_option",
    "units",
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
"""`cost_option` and `units` may be absent from the header: real costs only."""
MAX_REPORTED_ERRORS = 100


class ByNumber(Keyset):
    number: int


def priced(project: Project, partner: int, side: str, line: LineIn, field: str) -> tuple[LineIn, list[FieldError]]:
    """The line with its amount — a lump sum or unit cost computed from the partner's baseline budget —
    and what the report refuses of it (each problem naming its field)."""
    errors: list[FieldError] = []

    def refuse(name: str, message: str) -> None:
        errors.append(FieldError(field=f"{field}{name}", message=message))

    baseline = project.partner(partner)
    options = {b.cost_option: b for b in (baseline.budget if baseline else []) if b.cost_option and b.computed}
    by_category = {b.category: code for code, b in options.items()}
    chosen = options.get(line.cost_option) if line.cost_option is not None else None
    if line.cost_option is None:
        budgeted = by_category.get(line.category)
        if budgeted is not None and options[budgeted].computed.kind == "flat-rate":  # type: ignore[union-attr]
            refuse(
                "category",
                f"{line.category} is a flat rate of the partner's baseline: computed from the declared base, never typed",
            )
        elif budgeted is not None:
            refuse("category", f"the baseline budgets {line.category} as the option {budgeted}: name it")
        if line.units is not None:
            refuse("units", "only a unit-cost line has units")
        if line.amount is None:
            refuse("amount", "a real-cost line needs its amount")
    elif chosen is None or chosen.computed is None:
        refuse("cost_option", f"the partner's baseline has no option {line.cost_option}")
    elif chosen.computed.kind == "flat-rate":
        refuse("cost_option", "a flat rate is computed, never typed")
    else:
        kind, unit = chosen.computed.kind, chosen.computed.unit_amount
        if chosen.category != line.category:
            refuse("category", f"the option {line.cost_option} is in {chosen.category}")
        if line.amount is not None:
            refuse("amount", f"a {kind} line's amount is computed from the approved budget, never typed")
        if line.vat is not None:
            refuse("vat", f"a {kind} line has no VAT: its amount is the approved budget's")
        if kind == "unit-cost" and line.units is None:
            refuse("units", "a unit-cost line needs its units")
        if kind != "unit-cost" and line.units is not None:
            refuse("units", "only a unit-cost line has units")
        if not errors and kind == "unit-cost" and unit is not None and line.units is not None:
            amount = Money.of(of_rate(unit.amount, line.units, unit.currency), unit.currency)
            line = line.model_copy(update={"amount": amount})
        elif not errors and kind == "lump-sum" and chosen.amount is not None:
            line = line.model_copy(update={"amount": chosen.amount})
        if not errors and line.amount is None:
            refuse("cost_option", f"the baseline gives the option {line.cost_option} no amount")
    if line.amount is not None and side == "NO" and line.amount.currency != "NOK":
        refuse("amount.currency", "the Norwegian side reports in NOK")
    return line, errors


def lump_sums(project: Project, partner: int) -> set[str]:
    baseline = project.partner(partner)
    return {
        b.cost_option
        for b in (baseline.budget if baseline else [])
        if b.cost_option and b.computed and b.computed.kind == "lump-sum"
    }


def once(lines: list[LineIn], reported: dict[str, int]) -> list[tuple[int, str]]:
    """A lump sum is reported once, when delivered: (index, message) of each line naming one that a report
    of the partner has already (`reported`: option → period) or that comes twice here."""
    found: list[tuple[int, str]] = []
    seen = {code: f"period {period}" for code, period in reported.items()}
    for k, line in enumerate(lines):
        code = line.cost_option
        if code is not None and code in seen:
            found.append((k, f"the lump sum {code} is reported already ({seen[code]})"))
        elif code is not None:
            seen[code] = "this import"
    return found


def row_of(report_id: str, number: int, line: LineIn) -> dict[str, Any]:
    assert line.amount is not None  # typed, or computed by `priced`
    return {
        "report_id": report_id,
        "number": number,
        "category": line.category,
        "cost_option": line.cost_option,
        "units": line.units,
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
    line, errors = priced(project, report.partner, report.side, line, "")
    if not errors and line.cost_option in lump_sums(project, report.partner):
        reported = await repo.reported_options(session, project.id, report.partner, [line.cost_option or ""])
        errors = [FieldError(field="cost_option", message=m) for _, m in once([line], reported)]
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
        if _cell(row, "amount") is not None:
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
            line, found = priced(project, partner, side, line, f"row {i}.")
            errors.extend(found)
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
    options = lump_sums(project, report.partner)
    rows = [(k + 2, ln) for k, ln in enumerate(lines) if ln.cost_option in options]  # the header is row 1
    if rows:
        named = sorted({ln.cost_option or "" for _, ln in rows})
        reported = await repo.reported_options(session, project.id, report.partner, named)
        errors = [
            FieldError(field=f"row {rows[k][0]}.cost_option", message=m)
            for k, m in once([ln for _, ln in rows], reported)
        ]
        if errors:
            shown = "; ".join(f"{e.field}: {e.message}" for e in errors[:10])
            raise InvalidProjectData(say("csv-invalid", language, errors=shown), errors=errors)
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
