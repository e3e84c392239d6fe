"""A change request's status: ONE transition table (tested against a hand-written one); anything not listed
is a 409 naming the status and the attempted move.

    draft ──submit-side (one touched side's owner)──▶ draft │ submitted (every touched side has)
    submitted ──check-eligible──▶ checked ──assess (secretariat)──▶ assessed ──approve──▶ approving ──apply──▶ approved
    submitted ──check-eligible, within the flexibility──▶ notified (applied, no decision)
    submitted ──check-ineligible──▶ ineligible
    approving ──budget-refused (no room: the budget's figures on it)──▶ assessed
    checked, ineligible, assessed ──recheck (another request made the next approved version)──▶ submitted
    submitted ──check-assessed (eligible again, its assessment kept)──▶ assessed
    checked, assessed ──reject──▶ rejected;  draft, submitted, checked, ineligible, assessed ──withdraw──▶ withdrawn
"""

from __future__ import annotations

from enum import StrEnum

from services.applications.projects.errors import StatusDoesNotAllow


class ChangeStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHECKED = "checked"
    INELIGIBLE = "ineligible"
    ASSESSED = "assessed"
    APPROVING = "approving"
    APPROVED = "approved"
    NOTIFIED = "notified"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ChangeAction(StrEnum):
    SUBMIT_SIDE = "submit-side"
    SUBMIT = "submit"
    CHECK_ELIGIBLE = "check-eligible"
    CHECK_INELIGIBLE = "check-ineligible"
    NOTIFY = "notify"
    ASSESS = "assess"
    APPROVE = "approve"
    APPLY = "apply"
    BUDGET_REFUSED = "budget-refused"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    RECHECK = "recheck"
    CHECK_ASSESSED = "check-assessed"


S, A = ChangeStatus, ChangeAction
CHANGE: dict[tuple[ChangeStatus, ChangeAction], ChangeStatus] = {
    (S.DRAFT, A.SUBMIT_SIDE): S.DRAFT,
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.CHECK_ELIGIBLE): S.CHECKED,
    (S.SUBMITTED, A.CHECK_INELIGIBLE): S.INELIGIBLE,
    (S.SUBMITTED, A.NOTIFY): S.NOTIFIED,
    (S.CHECKED, A.ASSESS): S.ASSESSED,
    (S.ASSESSED, A.APPROVE): S.APPROVING,
    (S.APPROVING, A.APPLY): S.APPROVED,
    (S.APPROVING, A.BUDGET_REFUSED): S.ASSESSED,
    (S.SUBMITTED, A.CHECK_ASSESSED): S.ASSESSED,
    **{(s, A.RECHECK): S.SUBMITTED for s in (S.CHECKED, S.INELIGIBLE, S.ASSESSED)},
    (S.CHECKED, A.REJECT): S.REJECTED,
    (S.ASSESSED, A.REJECT): S.REJECTED,
    **{(s, A.WITHDRAW): S.WITHDRAWN for s in (S.DRAFT, S.SUBMITTED, S.CHECKED, S.INELIGIBLE, S.ASSESSED)},
}
OPEN = frozenset({S.DRAFT, S.SUBMITTED, S.CHECKED, S.INELIGIBLE, S.ASSESSED, S.APPROVING})
"""The statuses of a request still open: its parts conflict with another's."""


def change_next(current: str, action: ChangeAction) -> ChangeStatus:
    status = ChangeStatus(current)
    target = CHANGE.get((status, action))
    if target is None:
        allowed = ", ".join(a.value for (s, a) in CHANGE if s == status) or "none"
        raise StatusDoesNotAllow(
            {
                "sv": f"en ändringsbegäran som är {status.value} kan inte få {action.value} (tillåtet: {allowed})",
                "nb": f"en endringsanmodning som er {status.value}, kan ikke få {action.value} (tillatt: {allowed})",
                "en": f"cannot {action.value} a change request that is {status.value} (allowed: {allowed})",
            },
            current_status=status.value,
            attempted_transition=action.value,
        )
    return target
