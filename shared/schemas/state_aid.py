"""State aid (statsstöd / statsstøtte) on the wire: a partner's declaration in its application, and the
aid the programme already granted to an organisation, which the applications service adds to a check.

Regimes (`AidRegime`):
- `not-aid`: the support is not State aid (e.g. the organisation carries out no economic activity);
- `de-minimis`: de minimis aid — Regulation (EU) 2023/2831 from 1 January 2024, Regulation (EU)
  No 1407/2013 before; capped per undertaking over three years (rule kind `de-minimis`);
- `gber-20a`: block-exempted aid to undertakings for their participation in European territorial
  cooperation projects, Regulation (EU) No 651/2014 (GBER) Art. 20a; capped per undertaking and project;
- `other`: another legal basis, named in `legal_basis`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.money import Money, PositiveMoney, Rate
from shared.text import Bounded, IsoText

AidRegime = Literal["not-aid", "de-minimis", "gber-20a", "other"]
AID_REGIMES: tuple[AidRegime, ...] = ("not-aid", "de-minimis", "gber-20a", "other")


class DeclaredAid(BaseModel):
    """De minimis aid the undertaking received before from another granting authority (aid of this
    programme is counted from its approved applications, so it is not declared here)."""

    model_config = ConfigDict(extra="forbid")

    granted_on: Annotated[dt.date, IsoText] = Field(
        description="The day the aid was granted (the legal right to it arose)"
    )
    amount: PositiveMoney
    granted_by: Annotated[str, Bounded(300, min_length=1)] = Field(examples=["Tillväxtverket"])


class StateAid(BaseModel):
    """A partner's state-aid declaration."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "economic_activity": True,
                    "regime": "de-minimis",
                    "previous_de_minimis": [
                        {
                            "granted_on": "2024-03-01",
                            "amount": {"amount": "120000.00", "currency": "EUR"},
                            "granted_by": "Tillväxtverket",
                        }
                    ],
                }
            ]
        },
    )

    economic_activity: bool = Field(description="Whether the partner offers goods or services on a market")
    regime: AidRegime
    legal_basis: Annotated[str, Bounded(500)] | None = Field(
        default=None, description="For regime `other`: the legal basis"
    )
    previous_de_minimis: list[DeclaredAid] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> StateAid:
        if not self.economic_activity and self.regime != "not-aid":
            raise ValueError(
                "an organisation without economic activity is not an undertaking: its support is not State aid "
                f"(regime not-aid, not {self.regime})"
            )
        if self.regime == "other" and not (self.legal_basis and self.legal_basis.strip()):
            raise ValueError("regime other needs its legal_basis")
        return self


class GrantedAid(BaseModel):
    """Aid this programme granted to an organisation by an approved application (sent by the
    applications service with a check; never typed by an applicant)."""

    model_config = ConfigDict(extra="forbid")

    organisation_number: Annotated[str, Bounded(40, min_length=1)]
    regime: AidRegime
    amount: Money
    granted_on: dt.date = Field(description="The day of the approval (Europe/Stockholm)")
    reference: Annotated[str, Bounded(60)] | None = Field(default=None, examples=["SE-NO-2024-0001"])


class AidRate(BaseModel):
    """A rate the State-aid rules convert aid into EUR at: the budget service's rate of `currency` for the
    month of the grant (`GET /v1/programmes/{p}/conversion-rates/{currency}?at=`: the Commission's monthly
    accounting rate, or the programme's fixed rate where it has one). Sent by the applications service with a
    check, one per currency and month the aid of the check needs; a month without its rate is not sent, and
    the rules then name the month."""

    model_config = ConfigDict(extra="forbid")

    currency: Annotated[str, Bounded(3, min_length=3)] = Field(examples=["SEK"])
    month: Annotated[str, Bounded(7, min_length=7)] = Field(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2024-01"], description="yyyy-mm of the grant"
    )
    units_per_eur: Rate = Field(gt=0, examples=["11.2805"], description="Units of the currency per 1 EUR")
    source: Literal["monthly", "programme-fixed"] = Field(
        description="`monthly`: the Commission's monthly rate the budget keeps; `programme-fixed`: the programme's"
    )
