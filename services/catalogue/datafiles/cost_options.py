"""A programme's simplified cost options in its data file (`cost_options:`, see data/FORMAT.md) and the
checks that span them. The wire model is `shared.schemas.cost_options.CostOption`; the applications
service computes the amounts (services/applications/costs.py).

An option is refused when its kind's values are missing or do not belong to it (a flat rate without a
rate or a base, a lump sum without an amount), when its base holds its own category (it would be
computed from itself), or when it covers its own category or base.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field

from services.catalogue.datafiles.sources import Sourced
from shared.i18n import LocalizedText
from shared.money import Money, to_decimal
from shared.schemas.cost_options import OPTION_CODE, CostCategory, CostOptionKind


class _Money(Money):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CostOptionIn(Sourced):
    """One simplified cost option of a programme file."""

    code: str = Field(pattern=OPTION_CODE)
    kind: CostOptionKind
    category: CostCategory
    name: LocalizedText
    description: LocalizedText | None = None
    legal_basis: LocalizedText
    rate: Annotated[Decimal, BeforeValidator(to_decimal)] | None = Field(default=None, gt=0, le=1)
    base: list[CostCategory] = Field(default_factory=list)
    covers: list[CostCategory] = Field(default_factory=list)
    amounts: list[_Money] = Field(default_factory=list)
    unit: LocalizedText | None = None
    condition: LocalizedText | None = None
    """What the applicant confirms to use the option (a budget line's `condition_confirmed`)."""


def check_cost_options(options: list[CostOptionIn]) -> list[tuple[str, str]]:
    """Each problem of the file's cost options as (field path, message)."""
    problems: list[tuple[str, str]] = []
    seen = Counter(o.code for o in options)
    for i, o in enumerate(options):
        path = f"cost_options[{i}]"
        if seen[o.code] > 1:
            problems.append((f"{path}.code", f"duplicate code '{o.code}'"))
        if o.kind == "flat-rate":
            if o.rate is None:
                problems.append((f"{path}.rate", "a flat rate needs its rate"))
            if not o.base:
                problems.append((f"{path}.base", "a flat rate needs the categories it is computed on"))
            if o.category in o.base:
                problems.append((f"{path}.base", f"'{o.category}' cannot be computed from itself"))
            if o.amounts or o.unit:
                problems.append((f"{path}.amounts", "a flat rate has no amounts and no unit"))
        else:
            if o.rate is not None or o.base:
                problems.append((f"{path}.rate", f"a {o.kind} has no rate and no base"))
            if not o.amounts:
                problems.append((f"{path}.amounts", f"a {o.kind} needs its amount (one per currency)"))
            currencies = Counter(a.currency for a in o.amounts)
            for j, a in enumerate(o.amounts):
                if currencies[a.currency] > 1:
                    problems.append((f"{path}.amounts[{j}]", f"a second amount in {a.currency}"))
            if (o.kind == "unit-cost") != (o.unit is not None):
                problems.append((f"{path}.unit", "a unit cost, and only a unit cost, names its unit"))
        for j, c in enumerate(o.covers):
            if c == o.category or c in o.base:
                problems.append((f"{path}.covers[{j}]", f"'{c}' is the option's own category or base"))
    return problems
