"""The events this service emits (CloudEvents through `shared.webhooks`): the one list of their types,
and what each carries. Thin: ids, status, version, the reference, and a `link` to the resource on this
service's API — never a name, an e-mail, a bank account or any other personal data.

| type | when | subject |
|---|---|---|
| `se.interreg.application.<what>` | each workflow move (`ACTION_EVENTS`) | `applications/<id>` |
| `se.interreg.application.committed` | the budget accepted the approval's commitment (`active`) | `applications/<id>` |
| `se.interreg.project.contracted` | the project is contracted | `projects/<id>` |
| `se.interreg.partner-report.submitted`, `….certified` | a partner report is submitted, certified | `partner-reports/<id>` |
| `se.interreg.project-report.submitted`, `….verified` | both sides submitted, the secretariat verified | `project-reports/<id>` |
| `se.interreg.change-request.<step>` | a change request is created, submitted, checked, found ineligible, assessed, decided, approved (a new approved version), notified, refused by the budget, rejected, withdrawn | `change-requests/<id>` |
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.workflow.transitions import Action
from shared.webhooks.events import emit, emitter_of

if TYPE_CHECKING:
    from services.applications.models import Application
    from services.applications.projects.changes.models import ChangeRequest
    from services.applications.projects.models import PartnerReport, ProjectReport

P = "se.interreg."


class EventType(StrEnum):
    SUBMITTED = P + "application.submitted"
    ELIGIBLE = P + "application.eligible"
    INELIGIBLE = P + "application.ineligible"
    RETURNED = P + "application.returned"
    REOPENED = P + "application.reopened"
    APPROVED = P + "application.approved"
    RESERVED = P + "application.reserved"
    REJECTED = P + "application.rejected"
    INVITED = P + "application.invited"
    WITHDRAWN = P + "application.withdrawn"
    COMMITMENT_REFUSED = P + "application.commitment-refused"
    APPROVAL_REVERTED = P + "application.approval-reverted"
    COMMITTED = P + "application.committed"
    TERMINATED = P + "application.terminated"
    CLOSED = P + "application.closed"
    CONTRACTED = P + "project.contracted"
    PARTNER_REPORT_SUBMITTED = P + "partner-report.submitted"
    PARTNER_REPORT_CERTIFIED = P + "partner-report.certified"
    PROJECT_REPORT_SUBMITTED = P + "project-report.submitted"
    PROJECT_REPORT_VERIFIED = P + "project-report.verified"
    CHANGE_CREATED = P + "change-request.created"
    CHANGE_SUBMITTED = P + "change-request.submitted"
    CHANGE_CHECKED = P + "change-request.checked"
    CHANGE_INELIGIBLE = P + "change-request.ineligible"
    CHANGE_ASSESSED = P + "change-request.assessed"
    CHANGE_DECIDED = P + "change-request.decided"
    CHANGE_APPROVED = P + "change-request.approved"
    CHANGE_NOTIFIED = P + "change-request.notified"
    CHANGE_REFUSED = P + "change-request.budget-refused"
    CHANGE_REJECTED = P + "change-request.rejected"
    CHANGE_WITHDRAWN = P + "change-request.withdrawn"


E = EventType
ACTION_EVENTS: dict[Action, EventType] = {
    Action.SUBMIT: E.SUBMITTED,
    Action.ASSESS_ELIGIBLE: E.ELIGIBLE,
    Action.ASSESS_INELIGIBLE: E.INELIGIBLE,
    Action.RETURN: E.RETURNED,
    Action.REOPEN: E.REOPENED,
    Action.APPROVE: E.APPROVED,
    Action.RESERVE: E.RESERVED,
    Action.REJECT: E.REJECTED,
    Action.INVITE: E.INVITED,
    Action.WITHDRAW: E.WITHDRAWN,
    Action.BUDGET_REFUSED: E.COMMITMENT_REFUSED,
    Action.REVERT: E.APPROVAL_REVERTED,
    Action.TERMINATE: E.TERMINATED,
    Action.CLOSE: E.CLOSED,
}
"""The workflow moves other systems care about (the assessment's moves, from eligible to eligible, and
editing a draft are not events)."""

DESCRIPTIONS: dict[str, str] = {
    **{
        t.value: f"the application moved by `{a.value}` (data: status, version, reference)"
        for a, t in ACTION_EVENTS.items()
    },
    E.COMMITTED: "the budget accepted the approval's commitment (`commitment_status` active)",
    E.CONTRACTED: "the project is contracted (data: baseline version)",
    E.PARTNER_REPORT_SUBMITTED: "a partner report was submitted to its controller",
    E.PARTNER_REPORT_CERTIFIED: "a partner report's control was certified",
    E.PROJECT_REPORT_SUBMITTED: "a project report was submitted by both sides",
    E.PROJECT_REPORT_VERIFIED: "a project report was verified: the budget is owed its claims",
    E.CHANGE_CREATED: "a project owner made a change request (data: type, parts, base version)",
    E.CHANGE_SUBMITTED: "every touched side's owner submitted the change request: its check is owed",
    E.CHANGE_CHECKED: "the eligibility rules passed on the change request's resulting version",
    E.CHANGE_INELIGIBLE: "the eligibility rules failed on the change request's resulting version",
    E.CHANGE_ASSESSED: "the secretariat assessed the change request",
    E.CHANGE_DECIDED: "an officer or the committee approved the change request: the budget is asked what rises",
    E.CHANGE_APPROVED: "the change request is applied: the project's new approved version (data: version)",
    E.CHANGE_NOTIFIED: "a change within the programme's flexibility was notified and applied (data: version)",
    E.CHANGE_REFUSED: "the budget refused the change request's increase (no room): back to assessed",
    E.CHANGE_REJECTED: "the change request was rejected",
    E.CHANGE_WITHDRAWN: "the change request was withdrawn",
}
"""Every type with what it means (`GET /v1/webhooks/event-types`)."""


async def application_event(session: AsyncSession, app: Application, type: EventType, *, at: dt.datetime) -> None:
    link = emitter_of(session).link(f"/v1/applications/{app.id}")
    data = {
        "id": app.id,
        "status": app.status,
        "version": app.version or None,
        "reference": app.reference,
        "programme": app.programme,
        "call_id": app.call_id,
        "commitment_status": app.commitment_status,
        "link": link,
    }
    await emit(session, type=type, subject=f"applications/{app.id}", data=data, at=at)


async def moved(session: AsyncSession, app: Application, action: Action, *, at: dt.datetime) -> None:
    """The event of a workflow move, if it is one (`ACTION_EVENTS`)."""
    type = ACTION_EVENTS.get(action)
    if type is not None:
        await application_event(session, app, type, at=at)


async def contracted(session: AsyncSession, project_id: str, baseline_version: int, *, at: dt.datetime) -> None:
    link = emitter_of(session).link(f"/v1/projects/{project_id}")
    data = {"id": project_id, "status": "contracted", "baseline_version": baseline_version, "link": link}
    await emit(session, type=E.CONTRACTED, subject=f"projects/{project_id}", data=data, at=at)


async def partner_report(session: AsyncSession, report: PartnerReport, type: EventType, *, at: dt.datetime) -> None:
    link = emitter_of(session).link(f"/v1/partner-reports/{report.id}")
    data = {
        "id": report.id,
        "project_id": report.application_id,
        "partner": report.partner,
        "period": report.period,
        "side": report.side,
        "status": report.status,
        "version": report.version,
        "link": link,
    }
    await emit(session, type=type, subject=f"partner-reports/{report.id}", data=data, at=at)


async def project_report(session: AsyncSession, report: ProjectReport, type: EventType, *, at: dt.datetime) -> None:
    link = emitter_of(session).link(f"/v1/project-reports/{report.id}")
    data = {
        "id": report.id,
        "project_id": report.application_id,
        "period": report.period,
        "final": report.final,
        "status": report.status,
        "link": link,
    }
    await emit(session, type=type, subject=f"project-reports/{report.id}", data=data, at=at)


CHANGE_EVENTS: dict[str, EventType] = {
    "draft": E.CHANGE_CREATED,
    "submitted": E.CHANGE_SUBMITTED,
    "checked": E.CHANGE_CHECKED,
    "ineligible": E.CHANGE_INELIGIBLE,
    "assessed": E.CHANGE_ASSESSED,
    "approving": E.CHANGE_DECIDED,
    "approved": E.CHANGE_APPROVED,
    "notified": E.CHANGE_NOTIFIED,
    "rejected": E.CHANGE_REJECTED,
    "withdrawn": E.CHANGE_WITHDRAWN,
}
"""The event of each status a change request reaches (a side's submission, still a draft, is none)."""


async def change_request(
    session: AsyncSession, cr: ChangeRequest, *, at: dt.datetime, type: EventType | None = None
) -> None:
    link = emitter_of(session).link(f"/v1/change-requests/{cr.id}")
    data = {
        "id": cr.id,
        "project_id": cr.application_id,
        "number": cr.number,
        "type": cr.type,
        "status": cr.status,
        "parts": cr.parts,
        "base_version": cr.base_version,
        "version": cr.version,
        "link": link,
    }
    chosen = type or CHANGE_EVENTS[cr.status]
    await emit(session, type=chosen, subject=f"change-requests/{cr.id}", data=data, at=at)
