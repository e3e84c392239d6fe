"""Assessment criteria (the catalogue's `Programme.assessment_criteria`): the published criteria the
secretariat's assessors score an eligible application against, each with a weight and a quality
threshold, on one scale of whole points. The applications service stores a copy with the application
when assessors are assigned and consolidates the scores (services/applications/scoring.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from shared.i18n import LocalizedText
from shared.money import ExactDecimal


def _sources() -> Any:
    return Field(
        default_factory=dict,
        description="Where each value came from, keyed by field or field.language (see the catalogue's `sources`)",
        examples=[{"name.sv": "ours: an example to be replaced by the programme's own"}],
    )


class Criterion(BaseModel):
    code: str = Field(examples=["cross-border-added-value"])
    name: LocalizedText
    description: LocalizedText | None = Field(default=None, description="What the assessor looks at")
    weight: ExactDecimal = Field(description="Share of the total score; the weights of a set sum to exactly 1")
    minimum: ExactDecimal | None = Field(
        default=None, description="Quality threshold: the lowest mean score (over the assessors) that passes"
    )
    sources: dict[str, str] = _sources()


class CriteriaSet(BaseModel):
    """A set of criteria: the programme's first set is its default; a call may name another."""

    code: str = Field(examples=["standard"])
    name: LocalizedText
    description: LocalizedText | None = None
    scale_min: int = Field(description="Lowest score of every criterion (whole points)", examples=[1])
    scale_max: int = Field(description="Highest score of every criterion (whole points)", examples=[5])
    minimum_total: ExactDecimal | None = Field(
        default=None, description="Quality threshold of the weighted total (on the same scale)"
    )
    criteria: list[Criterion] = Field(min_length=1)
    sources: dict[str, str] = _sources()
