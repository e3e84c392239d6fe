"""Reconciliation: every balance recomputed from the ledger and compared with the stored one.

The balances are running sums kept in the same transaction as the ledger entries; this proves they
still agree (and names fund, priority, column and both figures where they do not). It also compares,
per project commitment and fund, the ledger's payments with what the paid claims paid: a project is
paid only through its claims, each by the one ledger entry naming it, so any difference is money paid
beside a claim (or a claim marked paid without its entry).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget import schemas as s
from services.budget.claims import repository as claims_repo
from services.budget.ledger.entries import BALANCE_COLUMNS
from services.budget.programmes import require_programme

COLUMNS = ("allocated", "committed", "released", "paid", "corrected", "recovered")


def differences(
    ledger_sums: Iterable[tuple[str, str, str, Decimal]], balances: Iterable[m.BudgetBalance]
) -> tuple[int, list[s.Difference]]:
    """(rows checked, differences) between the ledger's sums per (fund, priority, kind) and the stored
    balances. Pure: the arithmetic of `reconcile`, unit-tested on rows made in memory."""
    from_ledger: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(COLUMNS, Decimal(0)))
    for fund, priority, kind, total in ledger_sums:
        for column, sign in BALANCE_COLUMNS[kind]:
            from_ledger[(fund, priority)][column] += sign * total
    stored = {(b.fund, b.priority): b for b in balances}
    found = []
    keys = sorted(set(from_ledger) | set(stored))
    for key in keys:
        b = stored.get(key)
        for col in COLUMNS:
            have = getattr(b, col) if b is not None else Decimal(0)
            want = from_ledger[key][col] if key in from_ledger else Decimal(0)
            if have != want:
                found.append(s.Difference(fund=key[0], priority=key[1], column=col, balance=have, ledger=want))
    return len(keys), found


def claim_differences(
    ledger_paid: dict[tuple[uuid.UUID, str], Decimal], claims_paid: dict[tuple[uuid.UUID, str], Decimal]
) -> tuple[int, list[s.ClaimDifference]]:
    """(commitment × fund pairs checked, differences) between the ledger's payments of project
    commitments and their paid claims. Pure, like `differences`."""
    keys = sorted(set(ledger_paid) | set(claims_paid), key=lambda k: (str(k[0]), k[1]))
    found = [
        s.ClaimDifference(
            commitment_id=cid,
            fund=fund,
            ledger_paid=ledger_paid.get((cid, fund), Decimal(0)),
            claims_paid=claims_paid.get((cid, fund), Decimal(0)),
        )
        for cid, fund in keys
        if ledger_paid.get((cid, fund), Decimal(0)) != claims_paid.get((cid, fund), Decimal(0))
    ]
    return len(keys), found


async def reconcile(session: AsyncSession, programme_code: str) -> s.Reconciliation:
    """Recompute every balance of a programme from the ledger and list where they differ."""
    programme = await require_programme(session, programme_code)
    checked, found = differences(
        await repo.ledger_sums(session, programme.code), await repo.balances(session, programme.code)
    )
    claims_checked, by_claims = claim_differences(
        await claims_repo.project_ledger_paid(session, programme.code),
        await claims_repo.paid_claims(session, programme.code),
    )
    return s.Reconciliation(
        programme=programme.code,
        consistent=not found and not by_claims,
        checked_rows=checked,
        differences=found,
        checked_claims=claims_checked,
        claim_differences=by_claims,
    )
