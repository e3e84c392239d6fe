"""The change request's transition table against the one its docstring draws, written out by hand."""

from __future__ import annotations

import pytest

from services.applications.projects.changes.states import CHANGE, ChangeAction, ChangeStatus, change_next
from services.applications.projects.errors import StatusDoesNotAllow

DOCUMENTED: dict[tuple[str, str], str] = {
    ("draft", "submit-side"): "draft",
    ("draft", "submit"): "submitted",
    ("submitted", "check-eligible"): "checked",
    ("submitted", "check-ineligible"): "ineligible",
    ("submitted", "notify"): "notified",
    ("submitted", "check-assessed"): "assessed",
    ("checked", "assess"): "assessed",
    ("assessed", "approve"): "approving",
    ("approving", "apply"): "approved",
    ("approving", "budget-refused"): "assessed",
    ("checked", "reject"): "rejected",
    ("assessed", "reject"): "rejected",
    ("checked", "recheck"): "submitted",
    ("ineligible", "recheck"): "submitted",
    ("assessed", "recheck"): "submitted",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("checked", "withdraw"): "withdrawn",
    ("ineligible", "withdraw"): "withdrawn",
    ("assessed", "withdraw"): "withdrawn",
}


def test_the_table_is_the_documented_one() -> None:
    assert {(s.value, a.value): t.value for (s, a), t in CHANGE.items()} == DOCUMENTED


@pytest.mark.parametrize("status", list(ChangeStatus))
def test_every_move_not_listed_is_a_409(status: ChangeStatus) -> None:
    for action in ChangeAction:
        if (status.value, action.value) in DOCUMENTED:
            assert change_next(status.value, action) == DOCUMENTED[(status.value, action.value)]
        else:
            with pytest.raises(StatusDoesNotAllow):
                change_next(status.value, action)
