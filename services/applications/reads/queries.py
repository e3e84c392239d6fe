"""Reading applications: one application, its frozen versions and their eligibility reports (served
verbatim), its history, and the filtered list as pages (keyset cursors) or as CSV."""

from __future__ import annotations

import datetime as dt
import json
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.config import Settings
from services.applications.errors import ReportNotFound, VersionNotFound
from services.applications.intake.content import REQUESTED_FUNDS, totals
from services.applications.models import Application
from services.applications.reads.listing import Listed, stored_page
from services.applications.reads.views import application_etag, application_json, application_out, history_entry
from services.applications.schemas.applications import ApplicationOut, HistoryEntry
from services.applications.workflow.access import allowed_for, load_visible, owns
from services.applications.workflow.transitions import Action, Status
from shared.auth import Principal
from shared.csv_export import to_csv
from shared.money import decimal_str
from shared.pagination import Keyset, Page, PageParams, next_cursor, paginate
from shared.schemas.applications import ApplicationContent


class AfterApplication(Keyset):
    """Keyset of the application list, newest first: the last item's creation and id."""

    created_at: AwareDatetime
    id: UUID


class AfterVersion(Keyset):
    """Keyset of an application's versions: the last version's number."""

    number: int = Field(ge=1, strict=True)


class AfterHistoryEntry(Keyset):
    """Keyset of an application's history: the last entry's id."""

    id: int = Field(ge=1, strict=True)


async def get(session: AsyncSession, principal: Principal, application_id: str) -> tuple[ApplicationOut, str]:
    """The application as the caller sees it, and its ETag."""
    app = await load_visible(session, principal, application_id)
    return application_out(app, principal), application_etag(app)


async def latest_report(session: AsyncSession, principal: Principal, application_id: str) -> str:
    """The eligibility report stored with the latest version, as its JSON text."""
    app = await load_visible(session, principal, application_id)
    version = await repo.get_version(session, app.id, app.version) if app.version else None
    if version is None:
        raise ReportNotFound(f"the application {application_id} has not been submitted yet")
    if version.report is None:
        raise ReportNotFound(
            f"the eligibility report of version {version.number} of the application {application_id} is "
            "still owed: the check is delivered as soon as the eligibility service answers"
        )
    return version.report


async def version_document(session: AsyncSession, principal: Principal, application_id: str, number: int) -> str:
    """One frozen version, as its JSON text."""
    app = await load_visible(session, principal, application_id)
    version = await repo.get_version(session, app.id, number)
    if version is None:
        raise VersionNotFound(f"the application {application_id} has no version {number}")
    return version.document


async def versions_page(session: AsyncSession, principal: Principal, application_id: str, params: PageParams) -> str:
    """The page as JSON text, each item the stored document verbatim."""
    app = await load_visible(session, principal, application_id)
    after = params.after(AfterVersion)
    rows = await repo.list_versions(session, app.id, after=after.number if after else 0, limit=params.limit + 1)
    cursor = next_cursor(rows, params, lambda v: AfterVersion(number=v.number))
    items = rows[: params.limit]
    return '{"items":[' + ",".join(v.document for v in items) + '],"next_cursor":' + json.dumps(cursor) + "}"


async def history_page(
    session: AsyncSession, principal: Principal, application_id: str, params: PageParams
) -> Page[HistoryEntry]:
    app = await load_visible(session, principal, application_id)
    after = params.after(AfterHistoryEntry)
    rows = await repo.list_history(session, app.id, after=after.id if after else 0, limit=params.limit + 1)
    page = paginate(rows, params, lambda e: AfterHistoryEntry(id=e.id))
    return Page[HistoryEntry](items=[history_entry(e) for e in page.items], next_cursor=page.next_cursor)


def list_filters(
    settings: Settings,
    *,
    status: Status | None,
    programme: str | None,
    call_id: str | None,
    specific_objective: str | None,
    country: str | None,
    submitted_from: dt.date | None,
    submitted_to: dt.date | None,
) -> repo.ListFilters:
    """Dates are days of the programme's clock (Europe/Stockholm), both ends included."""
    tz = ZoneInfo(settings.timezone)

    def start_of(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)

    return repo.ListFilters(
        status=status.value if status else None,
        programme=programme,
        call_id=call_id,
        specific_objective=specific_objective,
        country=country,
        submitted_from=start_of(submitted_from) if submitted_from else None,
        submitted_before=start_of(submitted_to + dt.timedelta(days=1)) if submitted_to else None,
    )


def _after_application(app: Application | Listed) -> AfterApplication:
    return AfterApplication(created_at=app.created_at, id=UUID(app.id))


async def list_page(
    session: AsyncSession, principal: Principal, filters: repo.ListFilters, params: PageParams
) -> bytes:
    """A page of the list as the JSON of `Page[ApplicationOut]`: each item as `application_out` answers it,
    written from the stored body's text (`views.application_json`)."""
    after = params.after(AfterApplication)
    rows = await stored_page(
        session,
        principal=principal,
        filters=filters,
        limit=params.limit + 1,
        after=(after.created_at.astimezone(dt.UTC), str(after.id)) if after else None,
    )
    cursor = next_cursor(rows, params, _after_application)
    # The caller's moves depend on the status, the kind and whether the caller owns it: once for each.
    moves: dict[tuple[str, str, bool], list[Action]] = {}

    def allowed(row: Listed) -> list[Action]:
        key = (row.status, row.kind, owns(principal, row))
        if key not in moves:
            moves[key] = allowed_for(principal, row)
        return moves[key]

    items = b",".join(application_json(row, row.content_json, principal, allowed(row)) for row in rows[: params.limit])
    return b'{"items":[' + items + b'],"next_cursor":' + json.dumps(cursor).encode() + b"}"


CSV_CURRENCIES = ("EUR", "SEK", "NOK")
CSV_COLUMNS = [
    "reference",
    "id",
    "acronym",
    "status",
    "programme",
    "call_id",
    "specific_objective",
    "countries",
    "submitted_at",
    *(f"total_budget_{c}" for c in CSV_CURRENCIES),
    *(f"requested_{f.replace('-', '_')}_{c}" for f in REQUESTED_FUNDS for c in CSV_CURRENCIES),
]
EXPORT_BATCH = 500


def _csv_row(app: Application) -> list[str]:
    budget, requested = totals(ApplicationContent.model_validate(app.content))
    return [
        app.reference or "",
        app.id,
        app.acronym,
        app.status,
        app.programme,
        app.call_id,
        app.specific_objective,
        ";".join(c for c in app.countries.split(",") if c),
        app.submitted_at.isoformat() if app.submitted_at else "",
        *(decimal_str(budget[c]) if c in budget else "" for c in CSV_CURRENCIES),
        *(decimal_str(requested[f][c]) if c in requested[f] else "" for f in REQUESTED_FUNDS for c in CSV_CURRENCIES),
    ]


async def export_rows(session: AsyncSession, principal: Principal, filters: repo.ListFilters) -> list[list[str]]:
    """Every application of the filtered list (all pages), one row each, amounts per currency."""
    out: list[list[str]] = [list(CSV_COLUMNS)]
    after: tuple[dt.datetime, str] | None = None
    while True:
        rows = await repo.list_applications(
            session, principal=principal, filters=filters, limit=EXPORT_BATCH, after=after
        )
        out.extend(_csv_row(app) for app in rows)
        if len(rows) < EXPORT_BATCH:
            return out
        after = (rows[-1].created_at, rows[-1].id)


async def export_csv(session: AsyncSession, principal: Principal, filters: repo.ListFilters) -> str:
    """`export_rows` as CSV text (RFC 4180 line ends), safe to open in a spreadsheet (`shared.csv_export`)."""
    return to_csv(await export_rows(session, principal, filters))
