"""The application workflow: ONE transition table, the only place that says what may follow what.

    draft ──submit──▶ submitted ──assess──▶ eligible ──approve──▶ approved ──terminate──▶ terminated
      ▲                 ▲       └─assess──▶ ineligible  │  ▲   ▲          └──close─────▶ closed
      │                 │                               │  │   └─approve── reserve ◀──reserve── eligible
      │                 └──submit── returned ◀──return──┘  └──budget-refused (system), revert (admin)──▶ eligible
      └──────────────reopen (officer)────── ineligible   eligible/ineligible/returned/reserve ──reject──▶ rejected
    draft | submitted | eligible | ineligible | returned | reserve ──withdraw──▶ withdrawn
    eligible ──assign-assessors | declare-interests | score──▶ eligible   (the assessment, services/applications/assessments.py)
    eligible ──invite──▶ invited   (a concept note: step 1 of a two-step call)

`submitted` lasts until the eligibility service's report arrives (the outbox delivers the check); an
approval commits the budget through the outbox, and if the budget refuses it (the money went to another
application meanwhile) the system returns the application to `eligible` with the budget's reason.
`terminate` (ended early) and `close` (ended, possibly under budget) release what was not paid, and so
does `revert` (an admin undoing an approval within the configured period).

An eligible application is assessed (officers assigned as assessors declare their interests and score it)
while it stays `eligible`; an officer may `return` it for completion (`returned`: the applicant edits it
and submits the next version, checked again); the committee's session approves it, puts it on the
`reserve` list or rejects it. A concept note (the `kind` of an application to a step-1 call) is
`invite`d to a full application instead of approved: `KIND_ONLY` lists the actions of one kind only.

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
    TERMINATED = "terminated"
    CLOSED = "closed"
    RETURNED = "returned"
    RESERVE = "reserve"
    INVITED = "invited"


class Action(StrEnum):
    CREATE = "create"
    """Not a transition: the entry into the workflow (a new draft), recorded in the history."""
    UPDATE = "update"
    SUBMIT = "submit"
    ASSESS_ELIGIBLE = "assess-eligible"
    ASSESS_INELIGIBLE = "assess-ineligible"
    APPROVE = "approve"
    BUDGET_REFUSED = "budget-refused"
    REJECT = "reject"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    TERMINATE = "terminate"
    CLOSE = "close"
    RETURN = "return"
    ASSIGN = "assign-assessors"
    DECLARE = "declare-interests"
    SCORE = "score"
    RESERVE = "reserve"
    REVERT = "revert"
    INVITE = "invite"


Actor = Literal["applicant", "officer", "assessor", "admin", "system"]
Kind = Literal["full", "concept-note"]

S, A = Status, Action
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.DRAFT, A.UPDATE): S.DRAFT,
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.ASSESS_ELIGIBLE): S.ELIGIBLE,
    (S.SUBMITTED, A.ASSESS_INELIGIBLE): S.INELIGIBLE,
    (S.ELIGIBLE, A.APPROVE): S.APPROVED,
    (S.APPROVED, A.BUDGET_REFUSED): S.ELIGIBLE,
    (S.APPROVED, A.TERMINATE): S.TERMINATED,
    (S.APPROVED, A.CLOSE): S.CLOSED,
    (S.ELIGIBLE, A.REJECT): S.REJECTED,
    (S.INELIGIBLE, A.REJECT): S.REJECTED,
    (S.INELIGIBLE, A.REOPEN): S.DRAFT,
    (S.DRAFT, A.WITHDRAW): S.WITHDRAWN,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    (S.ELIGIBLE, A.WITHDRAW): S.WITHDRAWN,
    (S.INELIGIBLE, A.WITHDRAW): S.WITHDRAWN,
    (S.ELIGIBLE, A.RETURN): S.RETURNED,
    (S.RETURNED, A.UPDATE): S.RETURNED,
    (S.RETURNED, A.SUBMIT): S.SUBMITTED,
    (S.RETURNED, A.REJECT): S.REJECTED,
    (S.RETURNED, A.WITHDRAW): S.WITHDRAWN,
    (S.ELIGIBLE, A.ASSIGN): S.ELIGIBLE,
    (S.ELIGIBLE, A.DECLARE): S.ELIGIBLE,
    (S.ELIGIBLE, A.SCORE): S.ELIGIBLE,
    (S.ELIGIBLE, A.RESERVE): S.RESERVE,
    (S.RESERVE, A.APPROVE): S.APPROVED,
    (S.RESERVE, A.REJECT): S.REJECTED,
    (S.RESERVE, A.WITHDRAW): S.WITHDRAWN,
    (S.APPROVED, A.REVERT): S.ELIGIBLE,
    (S.ELIGIBLE, A.INVITE): S.INVITED,
}
"""(current status, action) -> next status. Anything not listed is refused with 409."""

WHO: dict[Action, Actor] = {
    A.CREATE: "applicant",
    A.UPDATE: "applicant",
    A.SUBMIT: "applicant",
    A.ASSESS_ELIGIBLE: "system",
    A.ASSESS_INELIGIBLE: "system",
    A.APPROVE: "officer",
    A.BUDGET_REFUSED: "system",
    A.TERMINATE: "officer",
    A.CLOSE: "officer",
    A.REJECT: "officer",
    A.REOPEN: "officer",
    A.WITHDRAW: "applicant",
    A.RETURN: "officer",
    A.ASSIGN: "officer",
    A.DECLARE: "assessor",
    A.SCORE: "assessor",
    A.RESERVE: "officer",
    A.REVERT: "admin",
    A.INVITE: "officer",
}
"""Who performs each action: the owning applicant, an officer, an officer assigned as the application's
assessor, an admin only, or the service itself (admins may do what applicants and officers do)."""

KIND_ONLY: dict[Action, Kind] = {
    A.APPROVE: "full",
    A.RETURN: "full",
    A.ASSIGN: "full",
    A.DECLARE: "full",
    A.SCORE: "full",
    A.RESERVE: "full",
    A.INVITE: "concept-note",
}
"""Actions for one kind of application only: a concept note is invited to a full application, never
approved, assessed or returned; a full application is never invited."""


def allowed_actions(status: Status, kind: str = "full") -> list[Action]:
    return [a for (s, a) in TRANSITIONS if s == status and KIND_ONLY.get(a, kind) == kind]


KIND_NAMES_IN: dict[str, dict[str, str]] = {
    "full": {"sv": "fullständig ansökan", "nb": "fullstendig søknad", "en": "full application"},
    "concept-note": {"sv": "projektidé", "nb": "prosjektskisse", "en": "concept note"},
}


def next_status(current: str, action: Action, kind: str = "full") -> Status:
    """The status after `action`, or 409 naming the current status and the attempted transition (in sv,
    nb and en; the action and status codes stay as the API spells them)."""
    status = Status(current)
    target = TRANSITIONS.get((status, action))
    move = f"{status.value} --{action.value}-->"
    if target is not None and KIND_ONLY.get(action, kind) != kind:
        allowed = ", ".join(allowed_actions(status, kind))
        this, other = KIND_NAMES_IN[kind], KIND_NAMES_IN[KIND_ONLY[action]]
        raise TransitionNotAllowed(
            {
                "sv": f"{action.value} gäller inte en {this['sv']}, bara en {other['sv']} "
                f"(försökt övergång: {move}; tillåtet från {status.value}: {allowed})",
                "nb": f"{action.value} gjelder ikke en {this['nb']}, bare en {other['nb']} "
                f"(forsøkt overgang: {move}; tillatt fra {status.value}: {allowed})",
                "en": f"cannot {action.value} a {this['en']}: {action.value} is for a {other['en']} only "
                f"(attempted transition: {move}; allowed from {status.value}: {allowed})",
            },
            current_status=status.value,
            attempted_transition=action.value,
        )
    if target is None:
        allowed = ", ".join(allowed_actions(status, kind))
        raise TransitionNotAllowed(
            {
                "sv": f"en ansökan som är {status.value} kan inte få {action.value} "
                f"(försökt övergång: {move}; tillåtet från {status.value}: {allowed or 'inget: ansökan är avslutad'})",
                "nb": f"en søknad som er {status.value}, kan ikke få {action.value} "
                f"(forsøkt overgang: {move}; tillatt fra {status.value}: {allowed or 'ingenting: søknaden er avsluttet'})",
                "en": f"cannot {action.value} an application that is {status.value} "
                f"(attempted transition: {move}; allowed from {status.value}: "
                f"{allowed or 'none: the application is closed'})",
            },
            current_status=status.value,
            attempted_transition=action.value,
        )
    return target
