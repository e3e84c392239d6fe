"""Submission: the eligibility pre-check, and submitting a draft (prepare → apply).

`prepare_submission` asks the catalogue (is the call open now? the reference prefix) and the
eligibility service (the report) before any lock; `submit` then freezes version n+1 with its report,
gives the reference at the first submission and moves the application to submitted and at once to
eligible or ineligible as the report says. Nothing is stored when a remote call fails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.access import require_rights
from services.applications.config import Settings
from services.applications.content import canonical_json
from services.applications.errors import CallNotOpen, InvalidApplication
from services.applications.models import ApplicationVersion
from services.applications.moves import KeyScope, locked, planned, snapshot, transition
from services.applications.schemas import ApplicationOut
from services.applications.upstreams import Upstreams, reference_prefix
from services.applications.views import application_out
from services.applications.workflow import Action
from shared.auth import Principal
from shared.db import Database
from shared.problems import FieldError
from shared.schemas.applications import ApplicationContent
from shared.schemas.catalogue import Call
from shared.schemas.eligibility import Report

SYSTEM_ELIGIBILITY = "system:eligibility"
"""The actor recorded for the assessment that follows a submission."""


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
    return await up.eligibility.check(content, as_of=local_date(settings, now), accept_language=accept_language)


@dataclass(frozen=True)
class SubmissionPlan:
    application_id: str
    revision: int
    prefix: str
    report: Report
    at: dt.datetime


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
    now?), the programme's reference prefix, and the eligibility report. None: a replay."""
    app, replay = await snapshot(db, principal, application_id, Action.SUBMIT, idempotency)
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
    _require_open(call, now)
    prefix = await reference_prefix(up.catalogue, app.programme)
    report = await up.eligibility.check(content, as_of=local_date(settings, now), accept_language=accept_language)
    return SubmissionPlan(application_id=app.id, revision=app.revision, prefix=prefix, report=report, at=now)


def assessment_reason(report: Report) -> str:
    """The history's reason for the assessment: the failed rules (or none), warnings, and the rule set."""
    failed = [r.rule for r in report.results if not r.passed and r.severity == "error"]
    warnings = [r.rule for r in report.results if not r.passed and r.severity == "warning"]
    text = f"failed rules: {', '.join(failed)}" if failed else "no rule of severity error failed"
    if warnings:
        text += f"; warnings: {', '.join(warnings)}"
    return f"{text} (rule set {report.rule_set.id} v{report.rule_set.version}, as of {report.as_of})"


async def submit(
    session: AsyncSession, settings: Settings, principal: Principal, plan: SubmissionPlan | None
) -> ApplicationOut:
    """Freeze version n+1 with its report, give the reference at the first submission, and move the
    application to submitted and at once to eligible or ineligible as the report says."""
    plan = planned(plan)
    app = await locked(session, plan.application_id, plan.revision, Action.SUBMIT)
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
        reason=assessment_reason(plan.report),
        version=version,
    )
    await session.flush()
    return application_out(app)
