"""All SQL of the budget service. Never commits; the request's session does (shared.app.DbSession)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, insert, literal, null, or_, select, tuple_, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import CompoundSelect

from services.budget.models import (
    BudgetBalance,
    BudgetFund,
    BudgetPriority,
    BudgetProgramme,
    BudgetSpecificObjective,
    Commitment,
    CommitmentLine,
    ExchangeRate,
    LedgerEntry,
    ProgrammeFixedRate,
)


@dataclass
class Reference:
    currency: str | None = None
    priority: bool = False
    objective_priority: str | None = None
    funds: set[str] = field(default_factory=set)


class BudgetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # reference data ---------------------------------------------------------------------------
    async def programme(self, code: str) -> BudgetProgramme | None:
        return await self.session.get(BudgetProgramme, code)

    async def programmes(self) -> Sequence[BudgetProgramme]:
        return (await self.session.scalars(select(BudgetProgramme).order_by(BudgetProgramme.code))).all()

    async def priorities(self, programme: str) -> Sequence[BudgetPriority]:
        q = select(BudgetPriority).where(BudgetPriority.programme == programme).order_by(BudgetPriority.position)
        return (await self.session.scalars(q)).all()

    async def priority(self, programme: str, code: str) -> BudgetPriority | None:
        return await self.session.get(BudgetPriority, (programme, code))

    async def specific_objective(self, programme: str, code: str) -> BudgetSpecificObjective | None:
        return await self.session.get(BudgetSpecificObjective, (programme, code))

    async def specific_objectives(self, programme: str) -> Sequence[BudgetSpecificObjective]:
        q = select(BudgetSpecificObjective).where(BudgetSpecificObjective.programme == programme)
        return (await self.session.scalars(q)).all()

    async def reference(self, programme: str, priority: str, objective: str | None, funds: list[str]) -> Reference:
        """What a commitment must check, in one round trip: the programme's currency, whether the priority
        exists, the specific objective's priority and which of `funds` the programme has."""
        params = {"programme": programme, "priority": priority, "objective": objective, "funds": funds}
        ref = Reference()
        for kind, code, extra in (await self.session.execute(_REFERENCE, params)).all():
            if kind == "programme":
                ref.currency = extra
            elif kind == "priority":
                ref.priority = True
            elif kind == "fund":
                ref.funds.add(code)
            else:
                ref.objective_priority = extra
        return ref

    async def funds(self, programme: str) -> Sequence[BudgetFund]:
        q = select(BudgetFund).where(BudgetFund.programme == programme).order_by(BudgetFund.position)
        return (await self.session.scalars(q)).all()

    async def fund(self, programme: str, code: str) -> BudgetFund | None:
        return await self.session.get(BudgetFund, (programme, code))

    def add(self, *objects: Any) -> None:
        self.session.add_all(objects)

    # balances -----------------------------------------------------------------------------------
    async def ensure_balance(self, programme: str, fund: str, priority: str, currency: str) -> None:
        """Create a zero balance row if missing; a concurrent creator is not an error (ON CONFLICT DO NOTHING)."""
        values = {
            "programme": programme,
            "fund": fund,
            "priority": priority,
            "currency": currency,
            "allocated": Decimal(0),
            "committed": Decimal(0),
            "released": Decimal(0),
            "paid": Decimal(0),
        }
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(BudgetBalance)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["programme", "fund", "priority"])
        )
        await self.session.execute(stmt)

    async def lock_balances(
        self, programme: str, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], BudgetBalance]:
        """The balance rows of (fund, priority) `keys`, locked until the transaction ends.

        PostgreSQL: one `SELECT … ORDER BY fund, priority FOR UPDATE`. The order is what prevents
        deadlocks: every writer (commitment, release, payment, reallocation, sync) locks its rows in
        ascending (fund, priority) order, so two transactions wanting overlapping rows always queue on the
        first row they share and never each hold a row the other waits for. PostgreSQL sorts before it
        locks (the LockRows step runs over the sorted rows), so ORDER BY fixes the lock order in one round
        trip; a waiter gets the row's committed values once the holder commits (READ COMMITTED re-reads
        the locked row), and `populate_existing` replaces any stale copy in the session. Callers take
        these locks as late as they can (after their inserts) so the rows are held only for the check,
        the update and the commit.

        SQLite has no row locks: every transaction starts with BEGIN IMMEDIATE (shared.db), so writers
        run one at a time and the plain SELECT already reads the current values.
        """
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        q = (
            select(BudgetBalance)
            .where(BudgetBalance.programme == programme, tuple_(BudgetBalance.fund, BudgetBalance.priority).in_(wanted))
            .order_by(BudgetBalance.fund, BudgetBalance.priority)
            .execution_options(populate_existing=True)
        )
        if self.dialect == "postgresql":
            q = q.with_for_update()
        return {(b.fund, b.priority): b for b in (await self.session.scalars(q)).all()}

    async def lock_balance_values(
        self, programme: str, priority: str, funds: Iterable[str]
    ) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
        """(allocated, committed, released) per fund of the (fund, `priority`) rows, locked like
        `lock_balances` (same order, one statement), without ORM objects: the commitment path is the hot one."""
        stmt = _LOCK_VALUES_FOR_UPDATE if self.dialect == "postgresql" else _LOCK_VALUES
        params = {"programme": programme, "priority": priority, "funds": sorted(set(funds))}
        return {f: (a, c, r) for f, a, c, r in (await self.session.execute(stmt, params)).all()}

    async def add_committed(self, programme: str, priority: str, amounts: dict[str, Decimal]) -> None:
        """committed += amount per fund, in one statement (rows locked by the caller)."""
        await self.session.execute(
            _ADD_COMMITTED,
            [
                {"b_programme": programme, "b_priority": priority, "b_fund": f, "b_amount": a}
                for f, a in sorted(amounts.items())
            ],
        )

    async def insert_commitment(
        self, commitment: dict[str, Any], lines: list[dict[str, Any]], entries: list[dict[str, Any]]
    ) -> None:
        """The commitment, its lines and its ledger rows, as three plain INSERTs."""
        await self.session.execute(_INSERT_COMMITMENT, [commitment])
        await self.session.execute(_INSERT_LINES, lines)
        await self.session.execute(_INSERT_LEDGER, entries)

    async def balances(self, programme: str) -> Sequence[BudgetBalance]:
        q = select(BudgetBalance).where(BudgetBalance.programme == programme)
        return (await self.session.scalars(q)).all()

    async def ledger_sums(self, programme: str) -> list[tuple[str, str, str, Decimal]]:
        """(fund, priority, kind, sum of amount) over the ledger of a programme."""
        q = (
            select(LedgerEntry.fund, LedgerEntry.priority, LedgerEntry.kind, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.programme == programme)
            .group_by(LedgerEntry.fund, LedgerEntry.priority, LedgerEntry.kind)
        )
        return [(f, p, k, s if s is not None else Decimal(0)) for f, p, k, s in (await self.session.execute(q)).all()]

    async def ledger_by_period(self, programme: str) -> list[tuple[str, str, str, Decimal]]:
        """(month, fund, kind, sum) of commitments and releases."""
        q = (
            select(LedgerEntry.month, LedgerEntry.fund, LedgerEntry.kind, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.programme == programme, LedgerEntry.kind.in_(("commitment", "release")))
            .group_by(LedgerEntry.month, LedgerEntry.fund, LedgerEntry.kind)
        )
        return [(m, f, k, s) for m, f, k, s in (await self.session.execute(q)).all()]

    async def committed_by(self, programme: str, *columns: Any) -> list[tuple[Any, ...]]:
        """Sums of commitment lines grouped by `columns` of Commitment and the fund:
        (*columns, fund, amount_programme, released, paid)."""
        q = (
            select(
                *columns,
                CommitmentLine.fund,
                func.sum(CommitmentLine.amount_programme),
                func.sum(CommitmentLine.released),
                func.sum(CommitmentLine.paid),
            )
            .join(Commitment, Commitment.id == CommitmentLine.commitment_id)
            .where(Commitment.programme == programme)
            .group_by(*columns, CommitmentLine.fund)
        )
        return [tuple(r) for r in (await self.session.execute(q)).all()]

    # commitments --------------------------------------------------------------------------------
    async def commitment(self, commitment_id: uuid.UUID, *, lock: bool = False) -> Commitment | None:
        q = select(Commitment).where(Commitment.id == commitment_id).execution_options(populate_existing=True)
        if lock and self.dialect == "postgresql":
            q = q.with_for_update()
        return (await self.session.scalars(q)).one_or_none()

    async def lines(self, commitment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[CommitmentLine]]:
        if not commitment_ids:
            return {}
        q = (
            select(CommitmentLine)
            .where(CommitmentLine.commitment_id.in_(commitment_ids))
            .order_by(CommitmentLine.commitment_id, CommitmentLine.line_no)
            .execution_options(populate_existing=True)
        )
        out: dict[uuid.UUID, list[CommitmentLine]] = {cid: [] for cid in commitment_ids}
        for line in (await self.session.scalars(q)).all():
            out[line.commitment_id].append(line)
        return out

    async def list_commitments(
        self, *, programme: str | None, application_id: str | None, after: tuple[str, str] | None, limit: int
    ) -> Sequence[Commitment]:
        """Newest first; keyset (created_at iso, id)."""
        q = select(Commitment)
        if programme:
            q = q.where(Commitment.programme == programme)
        if application_id:
            q = q.where(Commitment.application_id == application_id)
        if after is not None:
            created = dt.datetime.fromisoformat(after[0])
            cid = uuid.UUID(after[1])
            q = q.where(
                or_(Commitment.created_at < created, and_(Commitment.created_at == created, Commitment.id < cid))
            )
        q = q.order_by(Commitment.created_at.desc(), Commitment.id.desc()).limit(limit)
        return (await self.session.scalars(q)).all()

    # exchange rates -----------------------------------------------------------------------------
    async def monthly_rate(self, currency: str, month: str) -> ExchangeRate | None:
        return await self.session.get(ExchangeRate, (currency, month))

    async def fixed_rate(self, programme: str, currency: str) -> ProgrammeFixedRate | None:
        return await self.session.get(ProgrammeFixedRate, (programme, currency))

    async def fixed_rates(self, programme: str) -> Sequence[ProgrammeFixedRate]:
        q = (
            select(ProgrammeFixedRate)
            .where(ProgrammeFixedRate.programme == programme)
            .order_by(ProgrammeFixedRate.currency)
        )
        return (await self.session.scalars(q)).all()

    async def list_rates(
        self, *, currency: str | None, after: tuple[str, str] | None, limit: int
    ) -> Sequence[ExchangeRate]:
        """Newest month first, then currency; keyset (month, currency)."""
        q = select(ExchangeRate)
        if currency:
            q = q.where(ExchangeRate.currency == currency)
        if after is not None:
            q = q.where(
                or_(
                    ExchangeRate.month < after[0],
                    and_(ExchangeRate.month == after[0], ExchangeRate.currency > after[1]),
                )
            )
        q = q.order_by(ExchangeRate.month.desc(), ExchangeRate.currency).limit(limit)
        return (await self.session.scalars(q)).all()


# The commitment path's statements, built once (SQLAlchemy then reuses their compiled form).
_b = cast(Table, BudgetBalance.__table__)
_REFERENCE: CompoundSelect[Any] = union_all(
    select(literal("programme").label("kind"), BudgetProgramme.code, BudgetProgramme.currency.label("extra")).where(
        BudgetProgramme.code == bindparam("programme")
    ),
    select(literal("priority"), BudgetPriority.code, null()).where(
        BudgetPriority.programme == bindparam("programme"), BudgetPriority.code == bindparam("priority")
    ),
    select(literal("fund"), BudgetFund.code, null()).where(
        BudgetFund.programme == bindparam("programme"), BudgetFund.code.in_(bindparam("funds", expanding=True))
    ),
    select(literal("objective"), BudgetSpecificObjective.code, BudgetSpecificObjective.priority).where(
        BudgetSpecificObjective.programme == bindparam("programme"),
        BudgetSpecificObjective.code == bindparam("objective"),
    ),
)
_LOCK_VALUES = (
    select(_b.c.fund, _b.c.allocated, _b.c.committed, _b.c.released)
    .where(
        _b.c.programme == bindparam("programme"),
        _b.c.priority == bindparam("priority"),
        _b.c.fund.in_(bindparam("funds", expanding=True)),
    )
    .order_by(_b.c.fund, _b.c.priority)
)
_LOCK_VALUES_FOR_UPDATE = _LOCK_VALUES.with_for_update()
_ADD_COMMITTED = (
    update(_b)
    .where(
        _b.c.programme == bindparam("b_programme"),
        _b.c.priority == bindparam("b_priority"),
        _b.c.fund == bindparam("b_fund"),
    )
    .values(committed=_b.c.committed + bindparam("b_amount", type_=_b.c.committed.type))
)
_INSERT_COMMITMENT = insert(cast(Table, Commitment.__table__))
_INSERT_LINES = insert(cast(Table, CommitmentLine.__table__))
_INSERT_LEDGER = insert(cast(Table, LedgerEntry.__table__))
