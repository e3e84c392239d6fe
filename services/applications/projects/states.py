"""The project stage's status fields, each with ONE transition table (tested against a hand-written one in
`tests/test_projects_states.py`); anything not listed is a 409 naming the status and the attempted move.

Project (the contract of an approved application):

    contracting ──contract (officer: PUT …/contract)──▶ contracting ──contracting──▶ contracted ──close──▶ closed
    contracting | contracted ──assign-controller (officer: PUT …/controllers/{partner})──▶ the same

Partner report (Jems' states, with reopening as one explicit action):

    draft ──submit──▶ submitted ──start-control──▶ in-control ──complete-control──▶ control-completed
      ▲                  │                            │  ▲                              │
      └────reopen────────┴──────────reopen────────────┘  └──────reopen (control)───────┤
                                                                                      certify (second person)
                                                                                       ▼
                                                                                    certified ──reopen (control)──▶ in-control

Reopening a report (`submitted` or `in-control` → `draft`) gives it back to its owner; its next submission
is its next version, with the rates of that submission's month. Reopening a control (`control-completed`
or `certified` → `in-control`) gives it back to the controller. A certified report a project report
includes can no longer be reopened (409).

Project report:

    draft ──submit (one owner's side)──▶ draft | submitted (when both sides have) ──verify──▶ verified
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from services.applications.projects.errors import StatusDoesNotAllow

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class ProjectStatus(StrEnum):
    CONTRACTING = "contracting"
    CONTRACTED = "contracted"
    CLOSED = "closed"


class ProjectAction(StrEnum):
    CONTRACT = "contract"
    CONTRACTING = "contracting"
    CLOSE = "close"
    ASSIGN_CONTROLLER = "assign-controller"


class ReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_CONTROL = "in-control"
    CONTROL_COMPLETED = "control-completed"
    CERTIFIED = "certified"


class ReportAction(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    START_CONTROL = "start-control"
    VERIFY_LINE = "verify-line"
    COMPLETE_CONTROL = "complete-control"
    CERTIFY = "certify"
    REOPEN = "reopen"
    REOPEN_CONTROL = "reopen-control"


class ProjectReportStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VERIFIED = "verified"


class ProjectReportAction(StrEnum):
    SUBMIT_SIDE = "submit-side"
    SUBMIT = "submit"
    VERIFY = "verify"


PS, PA = ProjectStatus, ProjectAction
PROJECT: dict[tuple[ProjectStatus, ProjectAction], ProjectStatus] = {
    (PS.CONTRACTING, PA.CONTRACT): PS.CONTRACTING,
    (PS.CONTRACTING, PA.CONTRACTING): PS.CONTRACTED,
    (PS.CONTRACTED, PA.CLOSE): PS.CLOSED,
    (PS.CONTRACTING, PA.ASSIGN_CONTROLLER): PS.CONTRACTING,
    (PS.CONTRACTED, PA.ASSIGN_CONTROLLER): PS.CONTRACTED,
}

RS, RA = ReportStatus, ReportAction
REPORT: dict[tuple[ReportStatus, ReportAction], ReportStatus] = {
    (RS.DRAFT, RA.EDIT): RS.DRAFT,
    (RS.DRAFT, RA.SUBMIT): RS.SUBMITTED,
    (RS.SUBMITTED, RA.START_CONTROL): RS.IN_CONTROL,
    (RS.SUBMITTED, RA.REOPEN): RS.DRAFT,
    (RS.IN_CONTROL, RA.VERIFY_LINE): RS.IN_CONTROL,
    (RS.IN_CONTROL, RA.COMPLETE_CONTROL): RS.CONTROL_COMPLETED,
    (RS.IN_CONTROL, RA.REOPEN): RS.DRAFT,
    (RS.CONTROL_COMPLETED, RA.CERTIFY): RS.CERTIFIED,
    (RS.CONTROL_COMPLETED, RA.REOPEN_CONTROL): RS.IN_CONTROL,
    (RS.CERTIFIED, RA.REOPEN_CONTROL): RS.IN_CONTROL,
}

QS, QA = ProjectReportStatus, ProjectReportAction
PROJECT_REPORT: dict[tuple[ProjectReportStatus, ProjectReportAction], ProjectReportStatus] = {
    (QS.DRAFT, QA.SUBMIT_SIDE): QS.DRAFT,
    (QS.DRAFT, QA.SUBMIT): QS.SUBMITTED,
    (QS.SUBMITTED, QA.VERIFY): QS.VERIFIED,
}


WHAT: dict[str, dict[str, str]] = {
    "project": {"sv": "ett projekt", "nb": "et prosjekt", "en": "a project"},
    "partner report": {"sv": "en partnerrapport", "nb": "en partnerrapport", "en": "a partner report"},
    "project report": {"sv": "en projektrapport", "nb": "en prosjektrapport", "en": "a project report"},
}


def _next(table: dict[tuple[S, A], S], what: str, current: S, action: A) -> S:
    target = table.get((current, action))
    if target is None:
        allowed = ", ".join(a.value for (s, a) in table if s == current)
        move, it = f"{current.value} --{action.value}-->", WHAT[what]
        raise StatusDoesNotAllow(
            {
                "sv": f"{it['sv']} som är {current.value} kan inte få {action.value} (försökt övergång: {move}; "
                f"tillåtet från {current.value}: {allowed or 'inget'})",
                "nb": f"{it['nb']} som er {current.value}, kan ikke få {action.value} (forsøkt overgang: {move}; "
                f"tillatt fra {current.value}: {allowed or 'ingenting'})",
                "en": f"cannot {action.value} {it['en']} that is {current.value} "
                f"(allowed from {current.value}: {allowed or 'none'})",
            },
            current_status=current.value,
            attempted_transition=action.value,
        )
    return target


def project_next(current: str, action: ProjectAction) -> ProjectStatus:
    return _next(PROJECT, "project", ProjectStatus(current), action)


def report_next(current: str, action: ReportAction) -> ReportStatus:
    return _next(REPORT, "partner report", ReportStatus(current), action)


def project_report_next(current: str, action: ProjectReportAction) -> ProjectReportStatus:
    return _next(PROJECT_REPORT, "project report", ProjectReportStatus(current), action)
