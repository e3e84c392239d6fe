"""The consolidation of assessments: exact means and totals, thresholds compared exactly, figures shown
rounded half up (the oracle here is arithmetic done by hand, never the code)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from services.applications.assessment.scoring import consolidate, shown
from shared.schemas.assessment import CriteriaSet


def criteria(minimum_total: str = "3.00") -> CriteriaSet:
    return CriteriaSet.model_validate(
        {
            "code": "t",
            "name": {"en": "Test"},
            "scale_min": 1,
            "scale_max": 5,
            "minimum_total": minimum_total,
            "criteria": [
                {"code": "a", "name": {"en": "A"}, "weight": "0.25", "minimum": "3"},
                {"code": "b", "name": {"en": "B"}, "weight": "0.75", "minimum": None},
            ],
        }
    )


def marks(a: int, b: int) -> list[dict[str, Any]]:
    return [{"criterion": "a", "score": a, "justification": "x"}, {"criterion": "b", "score": b, "justification": "y"}]


def test_means_are_fractions_and_the_total_is_weighted_exactly() -> None:
    result = consolidate(criteria(), [marks(4, 3), marks(4, 3), marks(3, 4)])
    a, b = result.criteria
    assert a.scores == (4, 4, 3) and a.mean == Fraction(11, 3) and a.met  # 3.666… ≥ 3
    assert b.mean == Fraction(10, 3)
    # 0.25 × 11/3 + 0.75 × 10/3 = 11/12 + 30/12 = 41/12 = 3.41666…
    assert result.total == Fraction(41, 12) and result.meets_thresholds
    assert shown(result.total) == Decimal("3.42") and shown(a.mean) == Decimal("3.67")
    assert "mean (4 + 4 + 3) / 3 = 11/3 ≈ 3.67 ≥ minimum 3: met" in a.explanation()
    assert "= 41/12 ≈ 3.42 ≥ minimum 3.00: meets the thresholds" in result.explanation()


def test_a_total_just_below_the_minimum_fails_even_when_it_shows_as_the_minimum() -> None:
    # b = 2.995 exactly is impossible with whole points; use the minimum instead: total 0.25×3 + 0.75×(8/3) = 2.75.
    result = consolidate(criteria("2.76"), [marks(3, 3), marks(3, 3), marks(3, 2)])
    assert result.total == Fraction(11, 4) and not result.total_met and not result.meets_thresholds
    result = consolidate(criteria("2.75"), [marks(3, 3), marks(3, 3), marks(3, 2)])
    assert result.total_met and result.meets_thresholds


def test_a_criterion_below_its_minimum_fails_the_application_whatever_the_total() -> None:
    result = consolidate(criteria("1.00"), [marks(2, 5), marks(3, 5)])  # a: 5/2 < 3
    assert result.total_met and not result.criteria[0].met and not result.meets_thresholds
    assert "below the minimum on a" in result.explanation() and "NOT met" in result.criteria[0].explanation()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(2995, 1000), "3.00"),  # half up at exactly half a hundredth
        (Fraction(2994999, 1000000), "2.99"),
        (Fraction(177, 40), "4.43"),  # 4.425
        (Fraction(-2995, 1000), "-3.00"),  # away from zero
        (Fraction(1, 3), "0.33"),
    ],
)
def test_shown_rounds_half_up_once_from_the_exact_value(value: Fraction, expected: str) -> None:
    assert shown(value) == Decimal(expected) and str(shown(value)) == expected
