"""The consolidated score of an application's assessments, computed exactly and explained per criterion.

Each assessor scores every criterion of the set in whole points on its scale. Per criterion the score is
the mean of the submitted assessments (a fraction: 3, 4 and 4 give 11/3, never 3.67); the total is the sum
of weight × mean; a criterion passes when its mean is at least its `minimum`, the application when every
criterion passes and the total is at least `minimum_total`. Every comparison is made on the exact
fractions; the figures shown are rounded once, half up, to two decimals (`shown`), with the exact value
beside them (`p/q`), so that 2.995 is never shown as passing a 3.00 it does not reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

from shared.schemas.assessment import CriteriaSet

PLACES = 2
ROUNDING = (
    "means and totals are exact fractions (compared exactly with the thresholds); shown rounded once, half up, "
    "to two decimals, with the exact value as p/q"
)


def shown(value: Fraction) -> Decimal:
    """`value` rounded half up (away from zero at exactly half) to two decimals, from the exact fraction."""
    scale = 10**PLACES
    magnitude = floor(abs(value) * scale + Fraction(1, 2))
    return (Decimal(magnitude if value >= 0 else -magnitude) / scale).quantize(Decimal(1).scaleb(-PLACES))


def exact(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


@dataclass(frozen=True)
class CriterionResult:
    criterion: str
    weight: Decimal
    scores: tuple[int, ...]
    mean: Fraction
    minimum: Decimal | None
    met: bool

    @property
    def weighted(self) -> Fraction:
        return Fraction(self.weight) * self.mean

    def explanation(self) -> str:
        joined = " + ".join(str(s) for s in self.scores)
        text = f"mean ({joined}) / {len(self.scores)} = {exact(self.mean)} ≈ {shown(self.mean)}"
        if self.minimum is not None:
            text += f" {'≥' if self.met else '<'} minimum {self.minimum}: {'met' if self.met else 'NOT met'}"
        return text + f"; × weight {self.weight} = {shown(self.weighted)}"


@dataclass(frozen=True)
class Consolidated:
    criteria: tuple[CriterionResult, ...]
    total: Fraction
    minimum_total: Decimal | None
    assessments: int

    @property
    def total_met(self) -> bool:
        return self.minimum_total is None or self.total >= Fraction(self.minimum_total)

    @property
    def meets_thresholds(self) -> bool:
        return self.total_met and all(c.met for c in self.criteria)

    def explanation(self) -> str:
        parts = " + ".join(str(shown(c.weighted)) for c in self.criteria)
        text = f"total {parts} = {exact(self.total)} ≈ {shown(self.total)}"
        if self.minimum_total is not None:
            text += f" {'≥' if self.total_met else '<'} minimum {self.minimum_total}"
        failed = [c.criterion for c in self.criteria if not c.met]
        if failed:
            text += f"; below the minimum on {', '.join(failed)}"
        return text + (": meets the thresholds" if self.meets_thresholds else ": does NOT meet the thresholds")


def consolidate(criteria: CriteriaSet, submitted: Sequence[Sequence[dict[str, Any]]]) -> Consolidated:
    """The consolidation of the submitted assessments (each a list of `{criterion, score, …}` covering
    every criterion of the set, as `assessments.score` stores them)."""
    if not submitted:
        raise ValueError("no submitted assessment to consolidate")
    results = []
    total = Fraction(0)
    for criterion in criteria.criteria:
        scores = tuple(int(next(s["score"] for s in lines if s["criterion"] == criterion.code)) for lines in submitted)
        mean = Fraction(sum(scores), len(scores))
        met = criterion.minimum is None or mean >= Fraction(criterion.minimum)
        result = CriterionResult(criterion.code, criterion.weight, scores, mean, criterion.minimum, met)
        results.append(result)
        total += result.weighted
    return Consolidated(tuple(results), total, criteria.minimum_total, len(submitted))
