"""Simplified cost options (SCO, förenklade kostnadsalternativ / forenklede kostnadsmodeller) on the wire:
what a programme offers (the catalogue's `Programme.cost_options`) and how the applications service
computed a budget line from one (`Computation`).

The kinds are those of Regulation (EU) 2021/1060 (CPR) Art. 53(1): flat-rate financing, lump sums and
unit costs.
- `flat-rate`: `rate` × the partner's costs in the `base` categories (e.g. office and administration at
  15 % of direct staff costs);
- `lump-sum`: the option's fixed amount, in the partner's currency;
- `unit-cost`: the applicant's number of units × the option's amount per unit, in the partner's currency.

An option's line stands for its `category` and excludes real costs in that category and in every
category it `covers` (the 40 % flat rate on staff costs covers every other category). The amounts are
computed by the applications service, never typed by the applicant, rounded once per line, half up to
the cent (`shared.money.of_rate`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.i18n import LocalizedText
from shared.money import ExactDecimal, Money

CostCategory = Literal[
    "staff",
    "office-administration",
    "travel-accommodation",
    "external-expertise",
    "equipment",
    "infrastructure-works",
    "other-costs",
]
"""The cost categories of Regulation (EU) 2021/1059 Art. 38–44, and `other-costs`: every cost other than
staff, when a flat rate on staff costs covers them (CPR Art. 56)."""

CostOptionKind = Literal["flat-rate", "lump-sum", "unit-cost"]

OPTION_CODE = r"^[a-z0-9][a-z0-9\-]{0,63}$"


def _sources() -> dict[str, str]:
    return {}


class CostOption(BaseModel):
    """One simplified cost option a programme offers, with its legal basis (article numbers)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "office-administration-15",
                    "kind": "flat-rate",
                    "category": "office-administration",
                    "name": {"en": "Office and administration: 15 % of direct staff costs"},
                    "legal_basis": {"en": "Regulation (EU) 2021/1059 Art. 40(2); Regulation (EU) 2021/1060 Art. 54(b)"},
                    "rate": "0.15",
                    "base": ["staff"],
                    "covers": [],
                    "amounts": [],
                    "sources": {"rate": "outside the seeds: Regulation (EU) 2021/1060 Art. 54(b) …"},
                }
            ]
        }
    )

    code: str = Field(pattern=OPTION_CODE, examples=["office-administration-15"])
    kind: CostOptionKind
    category: CostCategory = Field(description="The budget category the option's line stands for")
    name: LocalizedText
    description: LocalizedText | None = None
    legal_basis: LocalizedText = Field(description="The regulation and article numbers the option rests on")
    rate: ExactDecimal | None = Field(default=None, description='Flat rates: the share of the base, e.g. "0.15"')
    base: list[CostCategory] = Field(default=[], description="Flat rates: the categories whose costs are the base")
    covers: list[CostCategory] = Field(
        default=[], description="Further categories the option replaces: no real costs there, no other option"
    )
    amounts: list[Money] = Field(
        default=[], description="Lump sums: the amount; unit costs: the amount per unit; one per currency"
    )
    unit: LocalizedText | None = Field(default=None, description="Unit costs: what one unit is")
    condition: LocalizedText | None = Field(
        default=None,
        description="A condition of the option's legal basis the applicant confirms on each line that uses it "
        "(`condition_confirmed: true`), e.g. no public procurement above the thresholds for the staff flat rate",
    )
    sources: dict[str, str] = Field(default_factory=_sources, description="Where each value came from")


class Computation(BaseModel):
    """How the applications service computed a cost-option line (read-only: a value sent is replaced)."""

    model_config = ConfigDict(extra="forbid")

    option: str = Field(examples=["office-administration-15"])
    kind: CostOptionKind
    rate: ExactDecimal | None = None
    base: Money | None = Field(default=None, description="Flat rates: the sum the rate was applied to")
    base_categories: list[CostCategory] = []
    units: ExactDecimal | None = None
    unit_amount: Money | None = None
    formula: str = Field(examples=["15 % × 1000000.00 SEK (staff) = 150000.00 SEK"])
    rounding: str = Field(description="The rounding rule applied, once, to the line's amount")
    legal_basis: LocalizedText
