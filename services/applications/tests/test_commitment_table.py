"""The table of `commitment_status` (workflow/commitment.py) against a hand-written one, pair by pair."""

from __future__ import annotations

import itertools
import pathlib
import re

import pytest

from services.applications.workflow.commitment import (
    TRANSITIONS,
    CommitmentEvent,
    CommitmentMoveNotAllowed,
    CommitmentStatus,
    may,
    move_commitment,
    next_commitment_status,
)

# (current, event) -> next, as docs/service-pattern.md and the module's docstring describe it; "" is none.
DOCUMENTED: dict[tuple[str, str], str] = {
    ("", "owe"): "pending",
    ("refused", "owe"): "pending",
    ("releasing", "owe"): "pending",
    ("released", "owe"): "pending",
    ("pending", "accept"): "active",
    ("releasing", "accept"): "releasing",
    ("pending", "refuse"): "refused",
    ("releasing", "refuse"): "refused",
    ("pending", "owe-release"): "releasing",
    ("active", "owe-release"): "releasing",
    ("releasing", "release"): "released",
    ("releasing", "nothing-to-release"): "",
    ("pending", "release"): "pending",
    ("pending", "nothing-to-release"): "pending",
    ("active", "release"): "active",
    ("active", "nothing-to-release"): "active",
}
STATES = ["", *[s.value for s in CommitmentStatus]]
ALL = list(itertools.product(STATES, [e.value for e in CommitmentEvent]))


class Row:
    def __init__(self, status: str | None) -> None:
        self.commitment_status = status


@pytest.mark.parametrize(("current", "event"), ALL, ids=lambda v: v or "none")
def test_every_pair_moves_as_documented_or_is_refused(current: str, event: str) -> None:
    row = Row(current or None)
    if (current, event) in DOCUMENTED:
        assert may(current or None, CommitmentEvent(event))
        assert (move_commitment(row, CommitmentEvent(event)) or "") == DOCUMENTED[(current, event)]
        assert (row.commitment_status or "") == DOCUMENTED[(current, event)]
    else:
        assert not may(current or None, CommitmentEvent(event))
        with pytest.raises(CommitmentMoveNotAllowed, match=event):
            next_commitment_status(current or None, CommitmentEvent(event))
        with pytest.raises(CommitmentMoveNotAllowed):
            move_commitment(row, CommitmentEvent(event))
        assert row.commitment_status == (current or None)  # a refused move changes nothing


def test_the_table_holds_the_documented_moves_and_nothing_else() -> None:
    table = {((s or ""), e.value): (t or "") for (s, e), t in TRANSITIONS.items()}
    assert table == DOCUMENTED


def test_no_module_but_the_table_assigns_the_field() -> None:
    root = pathlib.Path(__file__).resolve().parent.parent
    assigning = re.compile(r"\.commitment_status\s*=[^=]")
    found = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "tests" not in p.parts and assigning.search(p.read_text(encoding="utf-8"))
    ]
    assert found == ["workflow/commitment.py"]
