"""Domain rules of the applications service: structural validation, access, the workflow's moves,
submission (frozen versions, references, eligibility reports), decisions and the budget.

Every operation that needs another service runs in two steps: `prepare_*` reads what it needs in a
short session of its own and makes the remote calls with no lock held; the second step, inside the
request's transaction (and `run_idempotent`), locks the application, checks that it has not changed
since (its `revision`), and stores the result. Nothing is stored when a remote call fails.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from services.applications import repository as repo
from services.applications.clients import BudgetClient, CatalogueClient, EligibilityClient
from services.applications.config import Settings
from services.applications.errors import (
    ApplicationNotFound,
    CallNotOpen,
    ConcurrentChange,
    InvalidApplication,
    ReportNotFound,
    VersionNotFound,
)
from services.applications.models import Application, ApplicationVersion, StatusChange
from services.applications.schemas import ApplicationOut, DecisionRequest, HistoryEntry, WithdrawRequest
from services.applications.workflow import WHO, Action, Actor, Status, allowed_actions, next_status
from shared.auth import Principal, issue_token
from shared.db import Database
from shared.money import Money, decimal_str
from shared.pagination import Page, PageParams, encode_cursor, paginate
from shared.problems import FieldError, Forbidden, Unprocessable
from shared.schemas.applications import ApplicationContent
from shared.schemas.budget import CommitmentLineIn, CommitmentRequest
from shared.schemas.eligibility import Report

SYSTEM_ELIGIBILITY = "system:eligibility"
REQUESTED_FUNDS = ("ERDF", "NO-STATE")
"""The financing sources that are programme money, committed in the budget at approval."""


@dataclass(frozen=True)
class Upstreams:
    catalogue: CatalogueClient
    eligibility: EligibilityClient
    budget: BudgetClient


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def canonical_json(value: Any) -> str:
    """The one text form of stored documents: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- validation that needs no other service -------------------------------------------------------


def validate_content(content: ApplicationContent) -> None:
    """422 naming the field: at most one lead partner, and the end not before the start. (Zero leads,
    missing countries and every programme rule are the eligibility service's to report.)"""
    errors: list[FieldError] = []
    leads = [i for i, p in enumerate(content.partners) if p.role == "lead"]
    for i in leads[1:]:
        errors.append(
            FieldError(
                field=f"partners.{i}.role",
                message=f"an application has exactly one lead partner; partners.{leads[0]} is already the lead",
            )
        )
    if content.end_date < content.start_date:
        errors.append(
            FieldError(
                field="end_date",
                message=f"the project ends ({content.end_date}) before it starts ({content.start_date})",
            )
        )
    if errors:
        raise InvalidApplication("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


def countries_of(content: ApplicationContent) -> str:
    countries = sorted({p.country for p in content.partners})
    return "," + ",".join(countries) + "," if countries else ""


def totals(content: ApplicationContent) -> tuple[dict[str, Decimal], dict[str, dict[str, Decimal]]]:
    """(total budget per currency, requested programme money per fund and currency)."""
    budget: dict[str, Decimal] = defaultdict(Decimal)
    requested: dict[str, dict[str, Decimal]] = {fund: defaultdict(Decimal) for fund in REQUESTED_FUNDS}
    for partner in content.partners:
        for line in partner.budget:
            budget[line.amount.currency] += line.amount.amount
        for fin in partner.financing:
            if fin.source in requested:
                requested[fin.source][fin.amount.currency] += fin.amount.amount
    return dict(budget), {fund: dict(per) for fund, per in requested.items()}


def commitment_lines(content: ApplicationContent) -> list[CommitmentLineIn]:
    """One line per fund (and per currency when partners budget in different ones; the budget
    service converts), summed over the partners; nothing for a fund that is not asked for."""
    _, requested = totals(content)
    return [
        CommitmentLineIn(fund=fund, amount=Money.of(amount, currency))
        for fund in REQUESTED_FUNDS
        for currency, amount in sorted(requested[fund].items())
        if amount > 0
    ]


# --- access ---------------------------------------------------------------------------------------


def owns(principal: Principal, app: Application) -> bool:
    if app.owner_sub == principal.sub:
        return True
    return bool(principal.organisation and app.owner_org and principal.organisation == app.owner_org)


def can_see(principal: Principal, app: Application) -> bool:
    return principal.is_staff or owns(principal, app)


def require_rights(principal: Principal, app: Application, action: Action) -> str:
    """403 unless the caller may perform `action` (on an application they can see); the role recorded."""
    who: Actor = WHO[action]
    if who == "officer":
        if principal.has("officer"):
            return "officer"
        if principal.has("admin"):
            return "admin"
        raise Forbidden(f"only an officer may {action.value} an application")
    if owns(principal, app):
        return "applicant"
    if principal.has("admin"):
        return "admin"
    raise Forbidden(f"only the applicant who owns the application may {action.value} it")


async def load_visible(
    session: Any, principal: Principal, application_id: str, *, for_update: bool = False
) -> Application:
    """The application if the caller may see it; 404 otherwise (never telling whether it exists)."""
    app = await repo.get(session, application_id, for_update=for_update)
    if app is None or not can_see(principal, app):
        raise ApplicationNotFound(f"no application {application_id}")
    return app


def to_out(app: Application) -> ApplicationOut:
    content = ApplicationContent.model_validate(app.content)
    return ApplicationOut(
        **content.model_dump(),
        id=uuid.UUID(app.id),
        reference=app.reference,
        status=Status(app.status),
        version=app.version,
        owner=app.owner_sub,
        organisation=app.owner_org,
        commitment_id=uuid.UUID(app.commitment_id) if app.commitment_id else None,
        allowed_actions=[a for a in allowed_actions(Status(app.status)) if WHO[a] != "system"],
        created_at=repo.as_utc(app.created_at),
        updated_at=repo.as_utc(app.updated_at),
        submitted_at=repo.as_utc(app.submitted_at) if app.submitted_at else None,
        decided_at=repo.as_utc(app.decided_at) if app.decided_at else None,
    )


def transition(
    session: Any,
    app: Application,
    action: Action,
    *,
    actor: str,
    role: str,
    at: dt.datetime,
    reason: str | None = None,
    version: int | None = None,
) -> None:
    """Move `app` by `action` (the table decides, 409 otherwise) and record who, when and why."""
    target = next_status(app.status, action)
    repo.add_history(
        session,
        StatusChange(
            application_id=app.id,
            from_status=app.status,
            to_status=target.value,
            action=action.value,
            actor=actor,
            role=role,
            reason=reason,
            version=version,
            at=at,
        ),
    )
    app.status = target.value
    app.revision += 1
    app.updated_at = at


async def _snapshot(
    db: Database,
    principal: Principal,
    application_id: str,
    action: Action | None,
    idempotency: tuple[str, str | None] | None = None,
) -> tuple[Application, bool]:
    """Read the application in a short session of its own (no lock kept during remote calls) and
    check visibility, rights and whether the workflow allows `action`. Returns (application,
    already_done) where already_done means the Idempotency-Key was used: the caller replays."""
    async with db.sessionmaker() as session:
        app = await load_visible(session, principal, application_id)
        if action is not None:
            require_rights(principal, app, action)
        if idempotency is not None and idempotency[1] is not None:
            if await repo.idempotency_key_used(session, idempotency[0], idempotency[1]):
                return app, True
        if action is not None:
            next_status(app.status, action)
        return app, False


async def _locked(session: Any, application_id: str, revision: int, action: Action) -> Application:
    """The application, locked, unchanged since it was read before the remote calls."""
    app = await repo.get(session, application_id, for_update=True)
    if app is None:
        raise ApplicationNotFound(f"no application {application_id}")
    if app.revision != revision:
        next_status(app.status, action)  # it moved on: say so with the current status
        raise ConcurrentChange("the application was changed while this request was being processed; retry")
    return app


# --- drafts ---------------------------------------------------------------------------------------


async def create(session: Any, principal: Principal, content: ApplicationContent) -> ApplicationOut:
    validate_content(content)
    at = now()
    app = Application(
        id=str(uuid.uuid4()),
        owner_sub=principal.sub,
        owner_org=principal.organisation,
        programme=content.programme,
        call_id=str(content.call_id),
        specific_objective=content.specific_objective,
        project_type=content.project_type,
        acronym=content.acronym,
        countries=countries_of(content),
        content=content.model_dump(mode="json"),
        status=Status.DRAFT.value,
        reference=None,
        version=0,
        revision=1,
        commitment_id=None,
        created_at=at,
        updated_at=at,
        submitted_at=None,
        decided_at=None,
    )
    repo.add(session, app)
    repo.add_history(
        session,
        StatusChange(
            application_id=app.id,
            from_status=None,
            to_status=Status.DRAFT.value,
            action=Action.CREATE.value,
            actor=principal.sub,
            role="applicant" if principal.has("applicant") else "admin",
            reason=None,
            version=None,
            at=at,
        ),
    )
    await session.flush()
    return to_out(app)


async def update(
    session: Any, principal: Principal, application_id: str, content: ApplicationContent
) -> ApplicationOut:
    app = await load_visible(session, principal, application_id, for_update=True)
    require_rights(principal, app, Action.UPDATE)
    next_status(app.status, Action.UPDATE)
    validate_content(content)
    app.programme, app.call_id = content.programme, str(content.call_id)
    app.specific_objective, app.project_type = content.specific_objective, content.project_type
    app.acronym, app.countries = content.acronym, countries_of(content)
    app.content = content.model_dump(mode="json")
    app.revision += 1
    app.updated_at = now()
    await session.flush()
    return to_out(app)


async def get(session: Any, principal: Principal, application_id: str) -> ApplicationOut:
    return to_out(await load_visible(session, principal, application_id))


# --- eligibility ----------------------------------------------------------------------------------


def today(settings: Settings, at: dt.datetime) -> dt.date:
    return at.astimezone(ZoneInfo(settings.timezone)).date()


async def pre_check(
    db: Database,
    up: Upstreams,
    settings: Settings,
    principal: Principal,
    application_id: str,
    accept_language: str | None,
) -> Report:
    """The eligibility report of the application as it stands; nothing is changed or stored."""
    app, _ = await _snapshot(db, principal, application_id, None)
    if not principal.is_staff:
        require_rights(principal, app, Action.UPDATE)
    content = ApplicationContent.model_validate(app.content)
    return await up.eligibility.check(content, as_of=today(settings, now()), accept_language=accept_language)


@dataclass(frozen=True)
class SubmissionPlan:
    application_id: str
    revision: int
    prefix: str
    report: Report
    at: dt.datetime


async def prepare_submission(
    db: Database,
    up: Upstreams,
    settings: Settings,
    principal: Principal,
    application_id: str,
    *,
    idempotency: tuple[str, str | None],
    accept_language: str | None,
) -> SubmissionPlan | None:
    """Everything a submission needs from other services, asked before any lock: the call (open
    now?), the programme's reference prefix, and the eligibility report. None: a replay."""
    app, replay = await _snapshot(db, principal, application_id, Action.SUBMIT, idempotency)
    if replay:
        return None
    content = ApplicationContent.model_validate(app.content)
    call = await up.catalogue.call(app.call_id)
    if call is None:
        raise InvalidApplication(
            f"the catalogue has no call {app.call_id}", errors=[FieldError(field="call_id", message="no such call")]
        )
    if call.programme != app.programme:
        raise InvalidApplication(
            f"the call {call.number} belongs to {call.programme}, not {app.programme}",
            errors=[FieldError(field="call_id", message="a call of another programme")],
        )
    at = now()
    if not call.is_open(at):
        closes = call.closes_at.isoformat() if call.closes_at else "open-ended (rolling call)"
        window = f"{call.opens_at.isoformat()}–{closes}"
        state = "has not opened yet" if at < call.opens_at else "is closed"
        raise CallNotOpen(
            f"the call {call.number} {state}: submissions are accepted from {window}; now is {at.isoformat()}",
            call_id=str(call.id),
            opens_at=call.opens_at,
            closes_at=call.closes_at,
        )
    prefix = await up.catalogue.reference_prefix(app.programme)
    report = await up.eligibility.check(content, as_of=today(settings, at), accept_language=accept_language)
    return SubmissionPlan(application_id=app.id, revision=app.revision, prefix=prefix, report=report, at=at)


def _assessment_reason(report: Report) -> str:
    failed = [r.rule for r in report.results if not r.passed and r.severity == "error"]
    warnings = [r.rule for r in report.results if not r.passed and r.severity == "warning"]
    text = f"failed rules: {', '.join(failed)}" if failed else "no rule of severity error failed"
    if warnings:
        text += f"; warnings: {', '.join(warnings)}"
    return f"{text} (rule set {report.rule_set.id} v{report.rule_set.version}, as of {report.as_of})"


async def submit(session: Any, settings: Settings, principal: Principal, plan: SubmissionPlan) -> ApplicationOut:
    """Freeze version n+1 with its report, give the reference at the first submission, and move the
    application to submitted and at once to eligible or ineligible as the report says."""
    app = await _locked(session, plan.application_id, plan.revision, Action.SUBMIT)
    role = require_rights(principal, app, Action.SUBMIT)
    at = plan.at
    if app.reference is None:
        year = at.astimezone(ZoneInfo(settings.timezone)).year
        number = await repo.next_reference_number(session, app.programme, year)
        app.reference = f"{plan.prefix}-{year}-{number:04d}"
        app.submitted_at = at
    version = app.version + 1
    document = {
        "application_id": app.id,
        "number": version,
        "reference": app.reference,
        "programme": app.programme,
        "submitted_at": at.isoformat().replace("+00:00", "Z"),
        "submitted_by": principal.sub,
        "content": app.content,
    }
    repo.add_version(
        session,
        ApplicationVersion(
            application_id=app.id,
            number=version,
            document=canonical_json(document),
            report=canonical_json(plan.report.model_dump(mode="json")),
            created_at=at,
        ),
    )
    app.version = version
    transition(session, app, Action.SUBMIT, actor=principal.sub, role=role, at=at, version=version)
    assess = Action.ASSESS_ELIGIBLE if plan.report.eligible else Action.ASSESS_INELIGIBLE
    transition(
        session,
        app,
        assess,
        actor=SYSTEM_ELIGIBILITY,
        role="system",
        at=at,
        reason=_assessment_reason(plan.report),
        version=version,
    )
    await session.flush()
    return to_out(app)


async def latest_report(session: Any, principal: Principal, application_id: str) -> str:
    app = await load_visible(session, principal, application_id)
    version = await repo.get_version(session, app.id, app.version) if app.version else None
    if version is None:
        raise ReportNotFound(f"the application {application_id} has not been submitted yet")
    return version.report


async def version_document(session: Any, principal: Principal, application_id: str, number: int) -> str:
    app = await load_visible(session, principal, application_id)
    version = await repo.get_version(session, app.id, number)
    if version is None:
        raise VersionNotFound(f"the application {application_id} has no version {number}")
    return version.document


async def versions_page(session: Any, principal: Principal, application_id: str, params: PageParams) -> str:
    """The page as JSON text, each item the stored document verbatim."""
    app = await load_visible(session, principal, application_id)
    after = _int_cursor(params, "n")
    rows = await repo.list_versions(session, app.id, after=after, limit=params.limit + 1)
    items = rows[: params.limit]
    cursor = encode_cursor({"n": items[-1].number}) if len(rows) > params.limit and items else None
    return '{"items":[' + ",".join(v.document for v in items) + '],"next_cursor":' + json.dumps(cursor) + "}"


def _int_cursor(params: PageParams, key: str) -> int:
    if params.cursor is None:
        return 0
    value = params.cursor.get(key)
    if not isinstance(value, int):
        raise Unprocessable(
            "the cursor is not one this API returned",
            errors=[FieldError(field="query.cursor", message="invalid cursor")],
        )
    return value


async def history_page(
    session: Any, principal: Principal, application_id: str, params: PageParams
) -> Page[HistoryEntry]:
    app = await load_visible(session, principal, application_id)
    rows = await repo.list_history(session, app.id, after=_int_cursor(params, "h"), limit=params.limit + 1)
    page = paginate(rows, params, lambda e: {"h": e.id})
    return Page[HistoryEntry](
        items=[
            HistoryEntry(
                id=e.id,
                from_status=Status(e.from_status) if e.from_status else None,
                to_status=Status(e.to_status),
                action=e.action,
                actor=e.actor,
                role=e.role,
                reason=e.reason,
                version=e.version,
                at=repo.as_utc(e.at),
            )
            for e in page.items
        ],
        next_cursor=page.next_cursor,
    )


# --- decisions, re-opening, withdrawal ------------------------------------------------------------


def service_bearer(settings: Settings) -> str:
    """This service's own token for the budget (releasing on withdrawal)."""
    if settings.service_token:
        return settings.service_token
    if settings.environment == "production":
        raise RuntimeError("APPLICATIONS_SERVICE_TOKEN must be set in production")
    return issue_token(settings.auth, sub="service:applications", roles=["officer"], ttl_seconds=600)


@dataclass(frozen=True)
class DecisionPlan:
    application_id: str
    revision: int
    action: Action
    reason: str | None
    commitment_id: str | None
    at: dt.datetime


async def prepare_decision(
    db: Database,
    up: Upstreams,
    principal: Principal,
    application_id: str,
    body: DecisionRequest,
    *,
    idempotency: tuple[str, str | None],
    bearer: str,
) -> DecisionPlan | None:
    """Check the move, and for an approval commit the budget (before any lock): one line per fund
    of the submitted version, on the priority of its specific objective, with the officer's token."""
    reason = (body.reason or "").strip() or None
    if body.decision == "rejected" and reason is None:
        raise InvalidApplication(
            "a rejection needs a reason",
            errors=[FieldError(field="reason", message="required when the decision is rejected")],
        )
    action = Action.APPROVE if body.decision == "approved" else Action.REJECT
    app, replay = await _snapshot(db, principal, application_id, action, idempotency)
    if replay:
        return None
    commitment_id = None
    if action is Action.APPROVE:
        async with db.sessionmaker() as session:
            version = await repo.get_version(session, app.id, app.version)
        if version is None:  # cannot happen for an eligible application; fail loudly rather than commit nothing
            raise VersionNotFound(f"the application {application_id} has no submitted version")
        content = ApplicationContent.model_validate(json.loads(version.document)["content"])
        lines = commitment_lines(content)
        if lines:
            priority = await up.catalogue.priority_of(app.programme, app.specific_objective)
            commitment = await up.budget.commit(
                CommitmentRequest(
                    programme=app.programme,
                    application_id=app.id,
                    priority=priority,
                    specific_objective=app.specific_objective,
                    call_id=uuid.UUID(app.call_id),
                    reference=app.reference,
                    lines=lines,
                ),
                bearer=bearer,
                idempotency_key=f"approve:{app.id}:v{app.version}",
            )
            commitment_id = str(commitment.id)
    return DecisionPlan(
        application_id=app.id,
        revision=app.revision,
        action=action,
        reason=reason,
        commitment_id=commitment_id,
        at=now(),
    )


async def decide(session: Any, principal: Principal, plan: DecisionPlan) -> ApplicationOut:
    app = await _locked(session, plan.application_id, plan.revision, plan.action)
    role = require_rights(principal, app, plan.action)
    if plan.commitment_id:
        app.commitment_id = plan.commitment_id
    app.decided_at = plan.at
    transition(
        session, app, plan.action, actor=principal.sub, role=role, at=plan.at, reason=plan.reason, version=app.version
    )
    await session.flush()
    return to_out(app)


async def undo_commitment(db: Database, up: Upstreams, settings: Settings, plan: DecisionPlan) -> None:
    """An approval whose commitment was made but which could not be stored gives the money back, unless
    the application holds that very commitment (a concurrent identical approval recorded it)."""
    if not plan.commitment_id:
        return
    async with db.sessionmaker() as session:
        app = await repo.get(session, plan.application_id)
    if app is None or app.commitment_id != plan.commitment_id:
        await up.budget.release(
            plan.commitment_id,
            reason="the approval could not be recorded",
            bearer=service_bearer(settings),
            idempotency_key=f"approve-undo:{plan.application_id}:{plan.commitment_id}",
        )


async def reopen(session: Any, principal: Principal, application_id: str, reason: str) -> ApplicationOut:
    """An officer returns an ineligible application to draft for completion."""
    app = await load_visible(session, principal, application_id, for_update=True)
    role = require_rights(principal, app, Action.REOPEN)
    transition(
        session, app, Action.REOPEN, actor=principal.sub, role=role, at=now(), reason=reason, version=app.version
    )
    await session.flush()
    return to_out(app)


@dataclass(frozen=True)
class WithdrawalPlan:
    application_id: str
    revision: int
    reason: str | None
    released: str | None


async def prepare_withdrawal(
    db: Database,
    up: Upstreams,
    settings: Settings,
    principal: Principal,
    application_id: str,
    body: WithdrawRequest | None,
    *,
    idempotency: tuple[str, str | None],
) -> WithdrawalPlan | None:
    """Check the move, and release any commitment recorded for the application (service token)."""
    app, replay = await _snapshot(db, principal, application_id, Action.WITHDRAW, idempotency)
    if replay:
        return None
    reason = ((body.reason if body else None) or "").strip() or None
    if app.commitment_id:
        await up.budget.release(
            app.commitment_id,
            reason=f"application {app.reference or app.id} withdrawn" + (f": {reason}" if reason else ""),
            bearer=service_bearer(settings),
            idempotency_key=f"withdraw:{app.id}:{app.commitment_id}",
        )
    return WithdrawalPlan(application_id=app.id, revision=app.revision, reason=reason, released=app.commitment_id)


async def withdraw(session: Any, principal: Principal, plan: WithdrawalPlan) -> ApplicationOut:
    app = await _locked(session, plan.application_id, plan.revision, Action.WITHDRAW)
    role = require_rights(principal, app, Action.WITHDRAW)
    reason = plan.reason
    if plan.released:
        reason = (reason + "; " if reason else "") + f"commitment {plan.released} released"
    transition(
        session,
        app,
        Action.WITHDRAW,
        actor=principal.sub,
        role=role,
        at=now(),
        reason=reason,
        version=app.version or None,
    )
    await session.flush()
    return to_out(app)


# --- lists and export -----------------------------------------------------------------------------


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
        country=country.upper() if country else None,
        submitted_from=start_of(submitted_from) if submitted_from else None,
        submitted_before=start_of(submitted_to + dt.timedelta(days=1)) if submitted_to else None,
    )


def _created_cursor(params: PageParams) -> tuple[dt.datetime, str] | None:
    if params.cursor is None:
        return None
    try:
        return dt.datetime.fromisoformat(str(params.cursor["c"])).astimezone(dt.UTC), str(params.cursor["i"])
    except (KeyError, ValueError):
        raise Unprocessable(
            "the cursor is not one this API returned",
            errors=[FieldError(field="query.cursor", message="invalid cursor")],
        ) from None


async def list_page(
    session: Any, principal: Principal, filters: repo.ListFilters, params: PageParams
) -> Page[ApplicationOut]:
    rows = await repo.list_applications(
        session, principal=principal, filters=filters, limit=params.limit + 1, after=_created_cursor(params)
    )
    page = paginate(rows, params, lambda a: {"c": repo.as_utc(a.created_at).isoformat(), "i": a.id})
    return Page[ApplicationOut](items=[to_out(a) for a in page.items], next_cursor=page.next_cursor)


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


async def export_rows(session: Any, principal: Principal, filters: repo.ListFilters) -> list[list[str]]:
    """Every application of the filtered list (all pages), one row each, amounts per currency."""
    out: list[list[str]] = [list(CSV_COLUMNS)]
    after: tuple[dt.datetime, str] | None = None
    while True:
        rows = await repo.list_applications(session, principal=principal, filters=filters, limit=500, after=after)
        for app in rows:
            content = ApplicationContent.model_validate(app.content)
            budget, requested = totals(content)
            out.append(
                [
                    app.reference or "",
                    app.id,
                    app.acronym,
                    app.status,
                    app.programme,
                    app.call_id,
                    app.specific_objective,
                    ";".join(c for c in app.countries.split(",") if c),
                    repo.as_utc(app.submitted_at).isoformat() if app.submitted_at else "",
                    *(decimal_str(budget[c]) if c in budget else "" for c in CSV_CURRENCIES),
                    *(
                        decimal_str(requested[f][c]) if c in requested[f] else ""
                        for f in REQUESTED_FUNDS
                        for c in CSV_CURRENCIES
                    ),
                ]
            )
        if len(rows) < 500:
            return out
        after = (repo.as_utc(rows[-1].created_at), rows[-1].id)
