"""The append-only ledger: every movement of money is one entry, built here and only here.

Kinds: `allocation` (sync), `reallocation` (admin; a minus row on the source and a plus row on the
target), `commitment`, `release`, `payment`, and a paid claim's corrections: `correction` (set off on a
later claim's payment) and `recovery` (the money came back), both negative on `paid`. `amount` is signed and in the programme's currency; the
original amount and currency and the rate that converted it are kept beside it. The entry's month is
the accounting month (Europe/Brussels) of its instant: the month whose rate applied.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal, TypedDict

from services.budget.rates.conversion import Conversion
from shared.money import Money

Kind = Literal["allocation", "reallocation", "commitment", "release", "payment", "correction", "recovery"]

BALANCE_COLUMNS: dict[str, tuple[tuple[str, int], ...]] = {
    "allocation": (("allocated", 1),),
    "reallocation": (("allocated", 1),),
    "commitment": (("committed", 1),),
    "release": (("released", 1),),
    "payment": (("paid", 1),),
    "correction": (("paid", 1), ("corrected", -1)),
    "recovery": (("paid", 1), ("recovered", -1)),
}
"""The running sums of `budget_balances` that each kind of entry moves, by its signed amount times the
sign: a correction or recovery (negative) lowers `paid` and raises `corrected` or `recovered` by as much."""


class Entry(TypedDict):
    """The columns of one `ledger_entries` row."""

    programme: str
    fund: str
    priority: str
    kind: str
    amount: Decimal
    currency: str
    original_amount: Decimal
    original_currency: str
    rate: Decimal | None
    rate_source: str
    month: str
    commitment_id: uuid.UUID | None
    specific_objective: str | None
    call_id: uuid.UUID | None
    reason: str | None
    actor: str
    created_at: dt.datetime


def entry(
    *,
    kind: Kind,
    programme: str,
    fund: str,
    priority: str,
    amount: Decimal,
    currency: str,
    actor: str,
    now: dt.datetime,
    reason: str | None,
    original: Money | None = None,
    conversion: Conversion | None = None,
    commitment_id: uuid.UUID | None = None,
    specific_objective: str | None = None,
    call_id: uuid.UUID | None = None,
    month: str,
) -> Entry:
    """One ledger entry of `amount` (signed, in the programme's `currency`) at the instant `now`.

    `original` is what the request stated (default: the amount itself) and `conversion` how it became
    `amount` (default: identity, no rate). `month`: the accounting month of `now` on the rate clock (`rates.conversion.month_of`).
    """
    conversion = conversion or Conversion(amount)
    return Entry(
        programme=programme,
        fund=fund,
        priority=priority,
        kind=kind,
        amount=amount,
        currency=currency,
        original_amount=original.amount if original is not None else amount,
        original_currency=original.currency if original is not None else currency,
        rate=conversion.rate,
        rate_source=conversion.source,
        month=month,
        commitment_id=commitment_id,
        specific_objective=specific_objective,
        call_id=call_id,
        reason=reason,
        actor=actor,
        created_at=now,
    )
