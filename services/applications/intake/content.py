"""The application's content on its own: the structural rules no other service is needed for, the sums
of its budget and of the programme money it asks, the commitment lines of an approval, and the one
text form in which documents are stored."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

import orjson

from services.applications.errors import InvalidApplication
from shared.money import Money
from shared.problems import FieldError
from shared.schemas.applications import ApplicationContent
from shared.schemas.budget import CommitmentLineIn

REQUESTED_FUNDS = ("ERDF", "NO-STATE")
"""The financing sources that are programme money, committed in the budget at approval."""


def canonical_json(value: Any) -> str:
    """The one text form of stored documents: sorted keys, no spaces, UTF-8 kept as is. orjson writes it
    (a tenth of the cost: a submission's report is 7 KB); what it refuses (an integer over 64 bits, a lone
    surrogate, a key that is not a string) is written by `json`, in the same form. The two write a float
    with a small exponent differently (`0.00001`, `1e-05`): the same number either way."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def validate_content(content: ApplicationContent) -> None:
    """422 naming the field when the project ends before it starts. The partnership (how many project
    owners, from which countries) and every other programme rule are the eligibility service's to report:
    Interreg Sverige–Norge has two project owners, a regional fund programme one, so a draft may hold any."""
    if content.end_date < content.start_date:
        error = FieldError(
            field="end_date", message=f"the project ends ({content.end_date}) before it starts ({content.start_date})"
        )
        raise InvalidApplication(f"{error.field}: {error.message}", errors=[error])


def countries_of(content: ApplicationContent) -> str:
    """The partners' countries as stored for the country filter: `,NO,SE,` (sorted, delimited both sides)."""
    countries = sorted({p.country for p in content.partners})
    return "," + ",".join(countries) + "," if countries else ""


def totals(content: ApplicationContent) -> tuple[dict[str, Decimal], dict[str, dict[str, Decimal]]]:
    """(total budget per currency, requested programme money per fund and currency)."""
    budget: dict[str, Decimal] = defaultdict(Decimal)
    requested: dict[str, dict[str, Decimal]] = {fund: defaultdict(Decimal) for fund in REQUESTED_FUNDS}
    for partner in content.partners:
        for line in partner.budget:
            if line.amount is not None:  # always, once saved: cost-option lines are computed (costs.py)
                budget[line.amount.currency] += line.amount.amount
        for fin in partner.financing:
            if fin.source in requested:
                requested[fin.source][fin.amount.currency] += fin.amount.amount
    return dict(budget), {fund: dict(per) for fund, per in requested.items()}


def commitment_lines(content: ApplicationContent) -> list[CommitmentLineIn]:
    """One line per fund (and per currency when partners budget in different ones; the budget
    service converts), summed over the partners; nothing for a fund that is not asked for."""
    _, requested = totals(content)
    return [
        CommitmentLineIn(fund=fund, amount=Money.of(amount, currency))
        for fund in REQUESTED_FUNDS
        for currency, amount in sorted(requested[fund].items())
        if amount > 0
    ]
