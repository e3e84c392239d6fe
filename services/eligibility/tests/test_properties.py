"""Property tests (hypothesis): balances are exact, and outcomes do not depend on the order of partners,
budget lines or financing lines."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.eligibility.engine.rules import Rule, RuleSet, evaluate

from .helpers import context, gron, m, reference, seeded_rule_set

REFERENCE = reference()
RULE_SET = seeded_rule_set()
BALANCES = RuleSet(
    id="t",
    version=1,
    programme=RULE_SET.programme,
    call_id=None,
    rules=(Rule("financing-balances", "financing-balances", "error", {}),),
)

cents = st.integers(min_value=0, max_value=50_000_000)
lines = st.lists(cents, min_size=1, max_size=5)


def amount(c: int) -> str:
    return str(Decimal(c).scaleb(-2))


@settings(max_examples=150, deadline=None)
@given(budget=lines, financing=lines, other_budget=lines)
def test_financing_balances_never_passes_when_sums_differ(
    budget: list[int], financing: list[int], other_budget: list[int]
) -> None:
    app = gron()
    app["partners"][0]["budget"] = [{"category": "staff", "amount": m(amount(c))} for c in budget]
    app["partners"][0]["financing"] = [{"source": "own-public", "amount": m(amount(c))} for c in financing]
    # the other partner balances exactly
    app["partners"][1]["budget"] = [{"category": "travel-accommodation", "amount": m(amount(c))} for c in other_budget]
    app["partners"][1]["financing"] = [{"source": "own-public", "amount": m(amount(sum(other_budget)))}]
    r = evaluate(BALANCES, context(app, REFERENCE), "en").results[0]
    assert r.passed is (sum(budget) == sum(financing))
    if not r.passed:
        assert r.facts["partners"][0]["difference"] == amount(sum(financing) - sum(budget))


@st.composite
def applications(draw: st.DrawFn) -> dict[str, Any]:
    """Grön industriväxt with random lines and shares around the limits, plus a third partner."""
    app = gron()
    third = copy.deepcopy(app["partners"][1])
    third.update(
        name="Eidskog kommune",
        organisation_number="964950768",
        region=draw(st.sampled_from(["NO020", "NO082", "NO081"])),
    )
    app["partners"].append(third)
    for p in app["partners"]:
        budget = draw(st.lists(st.integers(0, 40_000_000), min_size=1, max_size=4))
        p["budget"] = [
            {"category": draw(st.sampled_from(["staff", "travel-accommodation", "equipment"])), "amount": m(amount(c))}
            for c in budget
        ]
        total = sum(budget)
        eu_source = "ERDF" if p["country"] == "SE" else "NO-STATE"
        eu = draw(st.integers(0, total))
        rest = total - eu + draw(st.sampled_from([0, 0, 1, -1]))
        p["financing"] = [{"source": eu_source, "amount": m(amount(eu))}]
        if rest > 0:
            split = draw(st.integers(0, rest))
            p["financing"] += [
                {"source": "own-public", "amount": m(amount(split))},
                {"source": "other-public", "amount": m(amount(rest - split))},
            ]
    app["project_type"] = draw(st.sampled_from(["pre-project", "main-project"]))
    return app


def outcomes(app: dict[str, Any]) -> tuple[bool, list[tuple[str, bool, str]]]:
    report = evaluate(RULE_SET, context(app, REFERENCE), "en")
    return report.eligible, [(r.rule, r.passed, r.severity) for r in report.results]


@settings(max_examples=60, deadline=None)
@given(app=applications(), data=st.data())
def test_outcomes_do_not_depend_on_order(app: dict[str, Any], data: st.DataObject) -> None:
    shuffled = copy.deepcopy(app)
    shuffled["partners"] = data.draw(st.permutations(shuffled["partners"]))
    for p in shuffled["partners"]:
        p["budget"] = data.draw(st.permutations(p["budget"]))
        p["financing"] = data.draw(st.permutations(p["financing"]))
    assert outcomes(app) == outcomes(shuffled)
