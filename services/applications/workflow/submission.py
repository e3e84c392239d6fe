"""Submission: the eligibility pre-check, and submitting a draft (prepare → apply → deliver).

`prepare_submission` asks the catalogue (is the call open now, by the catalogue's one definition? the
reference prefix) before any lock; nothing is stored when it cannot answer (503). `submit` then freezes
version n+1, gives the reference at the first submission, moves the application to `submitted` and
records in the same transaction the check it owes the eligibility service (the outbox). The relay
delivers it (`assessing.Assess`): the report, made for the instant of the submission, is stored with
the version and moves the application to `eligible` or `ineligible`. An eligibility service that is
down delays the assessment; it never loses or refuses a submission.

A completion (an application `returned` with questions) is submitted the same way, by its deadline
instead of within the call's window (which has usually closed by then): the next version, the same
reference, the applicant's answer in the history, and the eligibility check of the new version made for
the instant of the first submission (the completion belongs to that submission: the call was open then).
The call decides the `kind` (a concept note in step 1 of a two-step call, `steps.py`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.config import Settings
from services.applications.errors import CallNotOpen, DeadlinePassed, InvalidApplication
from services.applications.intake import steps
from services.applications.intake.content import canonical_json
from services.applications.models import Application, ApplicationVersion
from services.applications.outbound.kinds import MessageKind
from services.applications.outbound.upstreams import Upstreams, reference_prefix
from services.applications.reads.views import application_out
from services.applications.schemas.applications import ApplicationOut
from services.applications.workflow.access import require_rights
from services.applications.workflow.moves import KeyScope, locked, planned, snapshot, transition
from services.applications.workflow.transitions import Action, Status
from shared.auth import Principal
from shared.db import Database
from shared.outbox_records import Wake
from shared.problems import FieldError
from shared.schemas.applications import ApplicationContent
from shared.schemas.catalogue import Call
from shared.schemas.eligibility import Report

SYSTEM_ELIGIBILITY = "system:eligibility"
"""The actor recorded for the assessment that follows a submission."""
"""The outbox message a submission owes: the eligibility check of the version."""


def local_date(settings: Settings, at: dt.datetime) -> dt.date:
    """The day of `at` on the programme's clock (Europe/Stockholm)."""
    return at.astimezone(ZoneInfo(settings.timezone)).date()


async def pre_check(
    db: Database,
    up: Upstreams,
    settings: Settings,
    principal: Principal,
    application_id: str,
    accept_language: str | None,
    *,
    now: dt.datetime,
) -> Report:
    """The eligibility report of the application as it stands; nothing is changed or stored."""
    app, _ = await snapshot(db, principal, application_id, None)
    if not principal.is_staff:
        require_rights(principal, app, Action.UPDATE)
    content = ApplicationContent.model_validate(app.content)
    return await up.eligibility.check(content, at=now, as_of=local_date(settings, now), accept_language=accept_language)


@dataclass(frozen=True)
class SubmissionPlan:
    application_id: str
    revision: int
    prefix: str
    accept_language: str | None
    at: dt.datetime
    kind: str


def _require_open(call: Call, at: dt.datetime) -> None:
    if call.is_open(at):
        return
    closes = call.closes_at.isoformat() if call.closes_at else "open-ended (rolling call)"
    window = f"{call.opens_at.isoformat()}–{closes}"
    state = "has not opened yet" if at < call.opens_at else "is closed"
    raise CallNotOpen(
        f"the call {call.number} {state}: submissions are accepted from {window}; now is {at.isoformat()}",
        call_id=str(call.id),
        opens_at=call.opens_at,
        closes_at=call.closes_at,
    )


async def prepare_submission(
    db: Database,
    up: Upstreams,
    settings: Settings,
    principal: Principal,
    application_id: str,
    *,
    idempotency: KeyScope,
    accept_language: str | None,
    now: dt.datetime,
) -> SubmissionPlan | None:
    """Everything a submission needs from other services, asked before any lock: the call (open
    now?) and the programme's reference prefix. None: a replay."""
    app, replay = await snapshot(db, principal, application_id, Action.SUBMIT, idempotency)
    if replay:
        return None
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
    if app.status == Status.RETURNED:
        _require_deadline(app.return_deadline, now)
    else:
        _require_open(call, now)
    kind = await steps.kind_at_submission(db, app, call)
    prefix = await reference_prefix(up.catalogue, app.programme)
    return SubmissionPlan(
        application_id=app.id,
        revision=app.revision,
        prefix=prefix,
        accept_language=accept_language,
        at=now,
        kind=kind,
    )


def _require_deadline(deadline: dt.datetime | None, at: dt.datetime) -> None:
    if deadline is not None and at > deadline:
        raise DeadlinePassed(
            f"the completion was due by {deadline.isoformat()}; now is {at.isoformat()}", deadline=deadline
        )


def assessment_reason(report: Report) -> str:
    """The history's reason for the assessment: the failed rules (or none), warnings, and the rule set."""
    failed = [r.rule for r in report.results if not r.passed and r.severity == "error"]
    warnings = [r.rule for r in report.results if not r.passed and r.severity == "warning"]
    text = f"failed rules: {', '.join(failed)}" if failed else "no rule of severity error failed"
    if warnings:
        text += f"; warnings: {', '.join(warnings)}"
    return f"{text} (rule set {report.rule_set.id} v{report.rule_set.version}, as of {report.as_of})"


async def submit(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    plan: SubmissionPlan | None,
    *,
    wake: Wake,
    answer: str | None = None,
) -> ApplicationOut:
    """Freeze version n+1, give the reference at the first submission, move the application to
    `submitted` and record the eligibility check owed for the version (delivered by the relay). `answer`:
    the applicant's answer to the questions of a completion, kept in the history."""
    plan = planned(plan)
    app = await locked(session, plan.application_id, plan.revision, Action.SUBMIT)
    role = require_rights(principal, app, Action.SUBMIT)
    at = plan.at
    completion = app.status == Status.RETURNED
    checked_at = app.submitted_at if completion and app.submitted_at is not None else at
    app.kind = plan.kind
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
            application_id=app.id, number=version, document=canonical_json(document), report=None, created_at=at
        ),
    )
    app.version = version
    reason = (f"answer: {answer.strip()}" if answer and answer.strip() else "completion") if completion else None
    await transition(session, app, Action.SUBMIT, actor=principal.sub, role=role, at=at, reason=reason, version=version)
    app.return_deadline = None
    await repo.enqueue(
        session,
        kind=MessageKind.ASSESS,
        key=f"{MessageKind.ASSESS}:{app.id}:v{version}",
        aggregate=app.id,
        payload={
            "application_id": app.id,
            "version": version,
            "at": checked_at.isoformat(),
            "as_of": local_date(settings, checked_at).isoformat(),
            "accept_language": plan.accept_language,
        },
        at=at,
        wake=wake,
    )
    await session.flush()
    return application_out(app, principal)


async def assess(session: AsyncSession, application_id: str, version: int, report: Report, *, at: dt.datetime) -> str:
    """Store the report delivered for `version` (`assessed`), the application and version read here."""
    app = await repo.get(session, application_id, for_update=True)
    stored = await repo.get_version(session, application_id, version)
    outcome = await assessed(session, app, stored, report, at=at)
    await session.flush()
    return outcome


async def assessed(
    session: AsyncSession,
    app: Application | None,
    stored: ApplicationVersion | None,
    report: Report,
    *,
    at: dt.datetime,
) -> str:
    """Store the report delivered for the version `stored` of `app` (locked by the caller) and move a
    still-submitted application to eligible or ineligible as it says; a report for an application
    withdrawn meanwhile is stored and moves nothing. Nothing is flushed: the caller's transaction does."""
    if app is None or stored is None:
        return "gone"
    stored.report = canonical_json(report.model_dump(mode="json"))
    if app.status == Status.SUBMITTED and app.version == stored.number:
        action = Action.ASSESS_ELIGIBLE if report.eligible else Action.ASSESS_INELIGIBLE
        await transition(
            session,
            app,
            action,
            actor=SYSTEM_ELIGIBILITY,
            role="system",
            at=at,
            reason=assessment_reason(report),
            version=stored.number,
        )
    return "delivered"
