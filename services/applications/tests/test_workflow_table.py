"""Unit tests of the transition table and of the arithmetic that needs no database."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from services.applications.errors import InvalidApplication, TransitionNotAllowed
from services.applications.intake.content import commitment_lines, totals, validate_content
from services.applications.tests.helpers import CONCEPT_NOTE_ONLY, DOCUMENTED, FULL_ONLY, gron
from services.applications.workflow.transitions import TRANSITIONS, Action, Status, allowed_actions, next_status
from shared.schemas.applications import ApplicationContent

ALL = list(itertools.product(Status, [a for a in Action if a is not Action.CREATE]))
REFUSED = [(s, a) for s, a in ALL if (s.value, a.value) not in DOCUMENTED]


@pytest.mark.parametrize(("current", "action", "target"), [(s, a, t) for (s, a), t in DOCUMENTED.items()], ids=str)
def test_documented_moves_go_where_documented(current: str, action: str, target: str) -> None:
    kind = "concept-note" if action in CONCEPT_NOTE_ONLY else "full"
    assert next_status(current, Action(action), kind).value == target


@pytest.mark.parametrize(
    ("action", "kind"),
    [(a, "full") for a in sorted(CONCEPT_NOTE_ONLY)] + [(a, "concept-note") for a in sorted(FULL_ONLY)],
    ids=str,
)
def test_actions_of_the_other_kind_are_a_409_naming_it(action: str, kind: str) -> None:
    current = next(s for (s, a) in DOCUMENTED if a == action)
    with pytest.raises(TransitionNotAllowed) as err:
        next_status(current, Action(action), kind)
    body = err.value.body()
    assert body["status"] == 409 and body["current_status"] == current and body["attempted_transition"] == action
    assert ("concept note" if kind == "concept-note" else "full application") in body["detail"]
    assert action not in [a.value for a in allowed_actions(Status(current), kind)]


def test_kinds_share_every_other_move() -> None:
    for (current, action), target in DOCUMENTED.items():
        if action not in CONCEPT_NOTE_ONLY | FULL_ONLY:
            for kind in ("full", "concept-note"):
                assert next_status(current, Action(action), kind).value == target


@pytest.mark.parametrize(("status", "action"), REFUSED, ids=str)
def test_every_other_transition_is_a_409_naming_status_and_transition(status: Status, action: Action) -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        next_status(status.value, action)
    body = err.value.body()
    assert body["status"] == 409
    assert body["current_status"] == status.value and body["attempted_transition"] == action.value
    assert status.value in body["detail"] and action.value in body["detail"]


def test_the_table_holds_the_documented_moves_and_nothing_else() -> None:
    assert {(s.value, a.value): t.value for (s, a), t in TRANSITIONS.items()} == DOCUMENTED


@pytest.mark.parametrize("final", ["rejected", "withdrawn", "terminated", "closed"])
def test_ends_are_final(final: str) -> None:
    for action in Action:
        if action is not Action.CREATE:
            with pytest.raises(TransitionNotAllowed):
                next_status(final, action)


def test_commitment_lines_sum_each_fund_per_currency() -> None:
    body = gron()
    body["partners"].append(
        {
            "name": "Innlandet fylkeskommune",
            "organisation_number": "920717152",
            "country": "NO",
            "organisation_type": "public-authority",
            "region": "NO020",
            "role": "partner",
            "budget": [{"category": "staff", "amount": {"amount": "1000000.00", "currency": "NOK"}}],
            "financing": [
                {"source": "NO-STATE", "amount": {"amount": "500000.00", "currency": "NOK"}},
                {"source": "own-public", "amount": {"amount": "500000.00", "currency": "NOK"}},
            ],
        }
    )
    body["partners"][1]["financing"].append({"source": "NO-STATE", "amount": {"amount": "0.50", "currency": "EUR"}})
    content = ApplicationContent.model_validate(body)
    lines = [(line.fund, str(line.amount)) for line in commitment_lines(content)]
    assert lines == [("ERDF", "390000.00 EUR"), ("NO-STATE", "150000.50 EUR"), ("NO-STATE", "500000.00 NOK")]
    budget, requested = totals(content)
    assert budget == {"EUR": Decimal("900000.00"), "NOK": Decimal("1000000.00")}
    assert requested["ERDF"] == {"EUR": Decimal("390000.00")}


def test_no_programme_money_asked_means_no_lines() -> None:
    body = gron()
    for p in body["partners"]:
        p["financing"] = [f for f in p["financing"] if f["source"] not in ("ERDF", "NO-STATE")]
    assert commitment_lines(ApplicationContent.model_validate(body)) == []


def test_structure_rules_name_the_field() -> None:
    body = gron()
    body["end_date"], body["start_date"] = "2024-01-01", "2025-01-01"
    with pytest.raises(InvalidApplication) as err:
        validate_content(ApplicationContent.model_validate(body))
    assert [e.field for e in err.value.errors or []] == ["end_date"]
    # Project owners (none, one, or one per country) are the eligibility rules' business, not structure.
    for roles in (("partner", "partner"), ("lead", "lead")):
        body = gron()
        body["partners"][0]["role"], body["partners"][1]["role"] = roles
        validate_content(ApplicationContent.model_validate(body))
