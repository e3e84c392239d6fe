"""The SQL of expenditure lines and of their kept sums. Never commits.

The report's totals read `expenditure_sums` (`line_sums`: a row per category, currency and parked, whatever
the number of lines), kept here in the transaction of every change of a line — `insert_lines`,
`delete_line` and `set_verification` are the only writes of lines, each under the report's row lock — and
compared with the lines' own aggregate (`counted_sums`, one GROUP BY over the primary key's range) by
`reporting/totals.py`'s check. The line list pages by `(report_id, number)`: it costs the same whatever the
size of the table or of the report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.projects.models import ExpenditureLine, ExpenditureSum
from shared.db import Amount


async def last_line_number(session: AsyncSession, report_id: str) -> int:
    stmt = select(func.max(ExpenditureLine.number)).where(ExpenditureLine.report_id == report_id)
    return int((await session.execute(stmt)).scalar_one() or 0)


async def insert_lines(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Many lines in one executemany (the CSV import), their sums added to the report's kept sums."""
    if rows:
        await session.execute(insert(ExpenditureLine), rows)
        for report_id in {r["report_id"] for r in rows}:
            await _keep(
                session,
                report_id,
                (
                    LineSums(r["category"], r["currency"], bool(r["parked"]), 1, 0, r["amount"], r["vat"], ZERO, ZERO)
                    for r in rows
                    if r["report_id"] == report_id
                ),
            )


async def line(session: AsyncSession, report_id: str, number: int) -> ExpenditureLine | None:
    return await session.get(ExpenditureLine, (report_id, number))


async def delete_line(session: AsyncSession, report_id: str, number: int) -> int:
    """The line deleted and its sums taken from the report's kept sums; how many lines were deleted."""
    row = await line(session, report_id, number)
    if row is None:
        return 0
    gone = contribution(row).negated()
    await session.delete(row)
    await session.flush()
    await _keep(session, report_id, [gone])
    return 1


async def set_verification(
    session: AsyncSession,
    row: ExpenditureLine,
    *,
    certified: Decimal,
    deducted: Decimal,
    parked: bool,
    typology: str | None,
    comment: str | None,
    by: str,
    at: Any,
) -> None:
    """The controller's verification written on the line, the report's kept sums moved with it."""
    before = contribution(row).negated()
    row.certified, row.deducted, row.parked, row.typology = certified, deducted, parked, typology
    row.comment, row.verified_by, row.verified_at = comment, by, at
    await _keep(session, row.report_id, [before, contribution(row)])


async def lines_page(session: AsyncSession, report_id: str, *, after: int, limit: int) -> list[ExpenditureLine]:
    stmt = (
        select(ExpenditureLine)
        .where(ExpenditureLine.report_id == report_id, ExpenditureLine.number > after)
        .order_by(ExpenditureLine.number)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


ZERO = Decimal(0)
SumsKey = tuple[str, str, bool]


@dataclass(frozen=True)
class LineSums:
    category: str
    currency: str
    parked: bool
    lines: int
    verified: int
    amount: Decimal
    vat: Decimal
    certified: Decimal
    deducted: Decimal

    @property
    def key(self) -> SumsKey:
        return (self.category, self.currency, self.parked)

    def figures(self) -> tuple[int, int, Decimal, Decimal, Decimal, Decimal]:
        return (self.lines, self.verified, self.amount, self.vat, self.certified, self.deducted)

    def negated(self) -> LineSums:
        return LineSums(self.category, self.currency, self.parked, *(-v for v in self.figures()))  # type: ignore[arg-type]


def contribution(row: ExpenditureLine) -> LineSums:
    """What one line adds to its report's sums."""
    return LineSums(
        row.category,
        row.currency,
        bool(row.parked),
        1,
        int(row.verified_at is not None),
        row.amount,
        row.vat,
        row.certified or ZERO,
        row.deducted or ZERO,
    )


async def _keep(session: AsyncSession, report_id: str, changes: Iterable[LineSums]) -> None:
    """Add `changes` to the report's kept sums (the caller holds the report's row lock): one UPDATE per
    category, currency and parked, an INSERT where it had no row, and a row whose lines are gone deleted."""
    merged: dict[SumsKey, list[Any]] = {}
    for c in changes:
        into = merged.setdefault(c.key, [0, 0, ZERO, ZERO, ZERO, ZERO])
        for k, v in enumerate(c.figures()):
            into[k] += v
    t = ExpenditureSum
    for (category, currency, parked), (n, v, amount, vat, certified, deducted) in merged.items():
        if not any((n, v, amount, vat, certified, deducted)):
            continue
        result: Any = await session.execute(
            update(t)
            .where(t.report_id == report_id, t.category == category, t.currency == currency, t.parked == parked)
            .values(
                lines=t.lines + n,
                verified=t.verified + v,
                amount=t.amount + amount,
                vat=t.vat + vat,
                certified=t.certified + certified,
                deducted=t.deducted + deducted,
            )
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:
            await session.execute(
                insert(t).values(
                    report_id=report_id,
                    category=category,
                    currency=currency,
                    parked=parked,
                    lines=n,
                    verified=v,
                    amount=amount,
                    vat=vat,
                    certified=certified,
                    deducted=deducted,
                )
            )
    if any(f[0] < 0 for f in merged.values()):
        await session.execute(
            delete(t).where(t.report_id == report_id, t.lines <= 0).execution_options(synchronize_session=False)
        )


async def line_sums(session: AsyncSession, report_id: str) -> list[LineSums]:
    """The report's kept sums per (category, currency, parked): a row each, whatever its number of lines."""
    t = ExpenditureSum
    stmt = select(t).where(t.report_id == report_id).order_by(t.category, t.currency, t.parked)
    return [
        LineSums(r.category, r.currency, bool(r.parked), r.lines, r.verified, r.amount, r.vat, r.certified, r.deducted)
        for r in (await session.execute(stmt)).scalars()
    ]


async def counted_sums(session: AsyncSession, report_id: str | None = None) -> dict[tuple[str, SumsKey], LineSums]:
    """The sums counted from the lines themselves (one report's, or every report's), by report and key."""

    def total(column: Any) -> Any:
        return type_coerce(func.coalesce(func.sum(column), 0), Amount())

    c = ExpenditureLine
    stmt = select(
        c.report_id,
        c.category,
        c.currency,
        c.parked,
        func.count(),
        func.count(c.verified_at),
        total(c.amount),
        total(c.vat),
        total(c.certified),
        total(c.deducted),
    ).group_by(c.report_id, c.category, c.currency, c.parked)
    if report_id is not None:
        stmt = stmt.where(c.report_id == report_id)
    out: dict[tuple[str, SumsKey], LineSums] = {}
    for rid, cat, cur, p, n, v, a, t, ce, d in (await session.execute(stmt)).all():
        s = LineSums(cat, cur, bool(p), int(n), int(v), Decimal(a), Decimal(t), Decimal(ce), Decimal(d))
        out[(rid, s.key)] = s
    return out


async def kept_sums(session: AsyncSession, report_id: str | None = None) -> dict[tuple[str, SumsKey], LineSums]:
    t = ExpenditureSum
    stmt = select(t) if report_id is None else select(t).where(t.report_id == report_id)
    out: dict[tuple[str, SumsKey], LineSums] = {}
    for r in (await session.execute(stmt)).scalars():
        s = LineSums(
            r.category, r.currency, bool(r.parked), r.lines, r.verified, r.amount, r.vat, r.certified, r.deducted
        )
        out[(r.report_id, s.key)] = s
    return out


async def unverified(session: AsyncSession, report_id: str, *, limit: int) -> list[int]:
    stmt = (
        select(ExpenditureLine.number)
        .where(ExpenditureLine.report_id == report_id, ExpenditureLine.verified_at.is_(None))
        .order_by(ExpenditureLine.number)
        .limit(limit)
    )
    return [int(n) for n in (await session.execute(stmt)).scalars()]


async def all_lines(session: AsyncSession, report_id: str) -> list[tuple[Any, ...]]:
    """Every line's declared content in order (the digest of a submitted version)."""
    c = ExpenditureLine
    stmt = (
        select(
            c.number,
            c.category,
            c.cost_option,
            c.invoice_number,
            c.invoice_date,
            c.payment_date,
            c.supplier,
            c.description,
            c.amount,
            c.currency,
            c.vat,
        )
        .where(c.report_id == report_id)
        .order_by(c.number)
    )
    return [tuple(r) for r in (await session.execute(stmt)).all()]
