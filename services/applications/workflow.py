"""The application workflow: ONE transition table, the only place that says what may follow what.

    draft ──submit──▶ submitted ──assess──▶ eligible ──approve──▶ approved
      ▲                         └─assess──▶ ineligible   eligible/ineligible ──reject──▶ rejected
      └──────────────reopen (officer)────── ineligible
    draft | submitted | eligible | ineligible ──withdraw──▶ withdrawn

`update` (PUT of the body) is listed too, as a move from draft to draft, so that "only a draft can be
edited" is answered by the same table and the same 409.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from services.applications.errors import TransitionNotAllowed


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    CREATE = "create"
    """Not a transition: the entry into the workflow (a new draft), recorded in the history."""
    UPDATE = "update"
    SUBMIT = "submit"
    ASSESS_ELIGIBLE = "assess-eligible"
    ASSESS_INELIGIBLE = "assess-ineligible"
    APPROVE = "approve"
    REJECT = "reject"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"


Actor = Literal["applicant", "officer", "system"]

S, A = Status, Action
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.DRAFT, A.UPDATE): S.DRAFT,
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.ASSESS_ELIGIBLE): S.ELIGIBLE,
    (S.SUBMITTED, A.ASSESS_INELIGIBLE): S.INELIGIBLE,
    (S.ELIGIBLE, A.APPROVE): S.APPROVED,
    (S.ELIGIBLE, A.REJECT): S.REJECTED,
    (S.INELIGIBLE, A.REJECT): S.REJECTED,
    (S.INELIGIBLE, A.REOPEN): S.DRAFT,
    (S.DRAFT, A.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.ELIGIBLE, A.WITHDRAW): S.WITHDRAWN,
    (S.INELIGIBLE, A.WITHDRAW): S.WITHDRAWN,
}
"""(current status, action) -> next status. Anything not listed is refused with 409."""

WHO: dict[Action, Actor] = {
    A.CREATE: "applicant",
    A.UPDATE: "applicant",
    A.SUBMIT: "applicant",
    A.ASSESS_ELIGIBLE: "system",
    A.ASSESS_INELIGIBLE: "system",
    A.APPROVE: "officer",
    A.REJECT: "officer",
    A.REOPEN: "officer",
    A.WITHDRAW: "applicant",
}
"""Who performs each action: the owning applicant, an officer, or the service itself (admins may do
what applicants and officers do)."""


def allowed_actions(status: Status) -> list[Action]:
    return [a for (s, a) in TRANSITIONS if s == status]


def next_status(current: str, action: Action) -> Status:
    """The status after `action`, or 409 naming the current status and the attempted transition."""
    status = Status(current)
    target = TRANSITIONS.get((status, action))
    if target is None:
        allowed = ", ".join(allowed_actions(status)) or "none: the application is closed"
        raise TransitionNotAllowed(
            f"cannot {action.value} an application that is {status.value} "
            f"(attempted transition: {status.value} --{action.value}-->; allowed from {status.value}: {allowed})",
            current_status=status.value,
            attempted_transition=action.value,
        )
    return target
