"""The project stage's three transition tables against the tables written out by hand from
`projects/states.py`'s docstring (the oracle, never the tables themselves), and the account checks."""

from __future__ import annotations

import pytest

from services.applications.projects.errors import StatusDoesNotAllow
from services.applications.projects.schemas import iban_valid, norwegian_account_valid
from services.applications.projects.states import (
    PROJECT,
    PROJECT_REPORT,
    REPORT,
    ReportAction,
    report_next,
)

PROJECT_DOCUMENTED = {
    ("contracting", "contract"): "contracting",
    ("contracting", "contracting"): "contracted",
    ("contracted", "close"): "closed",
    ("contracting", "assign-controller"): "contracting",
    ("contracted", "assign-controller"): "contracted",
}
REPORT_DOCUMENTED = {
    ("draft", "edit"): "draft",
    ("draft", "submit"): "submitted",
    ("submitted", "start-control"): "in-control",
    ("submitted", "reopen"): "draft",
    ("in-control", "verify-line"): "in-control",
    ("in-control", "complete-control"): "control-completed",
    ("in-control", "reopen"): "draft",
    ("control-completed", "certify"): "certified",
    ("control-completed", "reopen-control"): "in-control",
    ("certified", "reopen-control"): "in-control",
}
PROJECT_REPORT_DOCUMENTED = {
    ("draft", "submit-side"): "draft",
    ("draft", "submit"): "submitted",
    ("submitted", "verify"): "verified",
}


@pytest.mark.parametrize(
    ("table", "documented"),
    [(PROJECT, PROJECT_DOCUMENTED), (REPORT, REPORT_DOCUMENTED), (PROJECT_REPORT, PROJECT_REPORT_DOCUMENTED)],
)
def test_tables_are_the_documented_ones(table: dict, documented: dict[tuple[str, str], str]) -> None:  # type: ignore[type-arg]
    assert {(s.value, a.value): t.value for (s, a), t in table.items()} == documented


def test_a_move_not_in_the_table_is_a_409_naming_the_status() -> None:
    with pytest.raises(StatusDoesNotAllow) as refused:
        report_next("certified", ReportAction.EDIT)
    assert refused.value.status == 409
    assert refused.value.extra == {"current_status": "certified", "attempted_transition": "edit"}


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("SE4550000000058398257466", True),
        ("NO9386011117947", True),
        ("DE89370400440532013000", True),
        ("SE4550000000058398257467", False),
        ("SE45", False),
    ],
)
def test_iban_check_digits(iban: str, valid: bool) -> None:
    assert iban_valid(iban) is valid


@pytest.mark.parametrize(("number", "valid"), [("86011117947", True), ("86011117948", False), ("8601111794", False)])
def test_norwegian_account_numbers(number: str, valid: bool) -> None:
    assert norwegian_account_valid(number) is valid
