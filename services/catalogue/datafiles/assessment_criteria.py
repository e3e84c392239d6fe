"""A programme's assessment criteria in its data file (`assessment_criteria:`, see data/FORMAT.md) and the
checks that span them. The wire model is `shared.schemas.assessment.CriteriaSet`; the applications
service scores against it (services/applications/scoring.py).

A set is refused when its codes repeat, when its weights do not sum to exactly 1, when its scale is
empty, or when a threshold lies outside the scale; a call naming a set the programme does not define is
refused too. Each criterion is an entry with its own `source`, like the set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from services.catalogue.datafiles import sources
from services.catalogue.datafiles.sources import Sourced
from shared.i18n import LocalizedText
from shared.money import to_decimal

CODE_PATTERN = r"^[a-z0-9][a-z0-9\-]*$"
Exact = Annotated[Decimal, BeforeValidator(to_decimal)]


class CriterionIn(Sourced):
    code: str = Field(pattern=CODE_PATTERN, max_length=64)
    name: LocalizedText
    description: LocalizedText | None = None
    weight: Exact = Field(gt=0, le=1)
    minimum: Exact | None = None


class CriteriaSetIn(Sourced):
    """One set of criteria of a programme file; the first set is the programme's default."""

    code: str = Field(pattern=CODE_PATTERN, max_length=64)
    name: LocalizedText
    description: LocalizedText | None = None
    scale_min: int = Field(ge=0, le=100)
    scale_max: int = Field(ge=1, le=100)
    minimum_total: Exact | None = None
    criteria: list[CriterionIn] = Field(min_length=1, max_length=30)


class CallOptionsIn(BaseModel):
    """What a data-file call adds to its dates and scope: the criteria it is assessed against and its
    place in a two-step call (mixed into `format.CallIn`)."""

    assessment_criteria: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="Code of a criteria set (default: the programme's first)"
    )
    concept_note: bool = False
    """Step 1 of a two-step call: its applications are concept notes."""
    concept_note_call: str | None = Field(default=None, max_length=64)
    """Step 2 of a two-step call: the number of the step-1 call whose invited concept notes it takes."""


def check_assessment(sets: list[CriteriaSetIn], calls: Sequence[Any]) -> list[tuple[str, str]]:
    """Each problem of the file's criteria sets, and of what its calls (`CallOptionsIn`) name, as (field
    path, message)."""
    problems: list[tuple[str, str]] = []
    seen = Counter(s.code for s in sets)
    for i, s in enumerate(sets):
        path = f"assessment_criteria[{i}]"
        if seen[s.code] > 1:
            problems.append((f"{path}.code", f"duplicate code '{s.code}'"))
        if s.scale_min >= s.scale_max:
            problems.append((f"{path}.scale_max", f"the scale {s.scale_min}–{s.scale_max} is empty"))
        if s.minimum_total is not None and not s.scale_min <= s.minimum_total <= s.scale_max:
            problems.append((f"{path}.minimum_total", f"{s.minimum_total} is outside the scale"))
        total = sum((c.weight for c in s.criteria), Decimal(0))
        if total != 1:
            problems.append((f"{path}.criteria", f"the weights sum to {total}, not 1"))
        codes = Counter(c.code for c in s.criteria)
        for j, c in enumerate(s.criteria):
            if codes[c.code] > 1:
                problems.append((f"{path}.criteria[{j}].code", f"duplicate code '{c.code}'"))
            if c.minimum is not None and not s.scale_min <= c.minimum <= s.scale_max:
                problems.append((f"{path}.criteria[{j}].minimum", f"{c.minimum} is outside the scale"))
            problems.extend(
                (f"{path}.criteria[{j}].sources.{key}", message) for key, message in sources.unknown_keys(c)
            )
    known = {s.code for s in sets}
    step_one = {c.number for c in calls if c.concept_note}
    for i, c in enumerate(calls):
        if c.assessment_criteria is not None and c.assessment_criteria not in known:
            problems.append(
                (f"calls[{i}].assessment_criteria", f"unknown assessment criteria '{c.assessment_criteria}'")
            )
        if c.concept_note_call is not None and (c.concept_note or c.concept_note_call not in step_one):
            problems.append((f"calls[{i}].concept_note_call", f"'{c.concept_note_call}' is not a concept-note call"))
    return problems


def dump(s: CriteriaSetIn) -> dict[str, Any]:
    """A set kept as JSON inside its programme's row, each criterion with its own expanded `sources`."""
    return {**sources.dump(s), "criteria": [sources.dump(c) for c in s.criteria]}
