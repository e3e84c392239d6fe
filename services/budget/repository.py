"""The SQL of the budget service (but the reports' and the writing of a commitment: `reports/repository.py`,
`commitments/repository.py`), as module functions taking the session first. Never commits: the
request's session does (`shared.app.DbSession`), or a CLI command's `session_scope`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, func, insert, literal, null, or_, select, tuple_, union_all
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
    CommitmentMove,
    DataVersion,
    ExchangeRate,
    LedgerEntry,
    ProgrammeFixedRate,
)


@dataclass
class Reference:
    """What a commitment must check of the programme (`ProgrammeReference.reference`)."""

    currency: str | None = None
    priority: bool = False
    funds_projects: bool = False
    """The priority has specific objectives: projects apply to it (its commitments come from applications)."""
    objective_priority: str | None = None
    funds: set[str] = field(default_factory=set)


@dataclass
class ProgrammeReference:
    """What commitments check of one programme, kept in process per data version (`commitments/references.py`)."""

    currency: str | None = None
    priorities: set[str] = field(default_factory=set)
    objectives: dict[str, str] = field(default_factory=dict)
    """Specific objective → its priority."""
    funds: set[str] = field(default_factory=set)

    def reference(self, priority: str, objective: str | None, funds: Iterable[str]) -> Reference:
        """What `reference` answers, from this copy."""
        return Reference(
            currency=self.currency,
            priority=priority in self.priorities,
            funds_projects=priority in self.objectives.values(),
            objective_priority=self.objectives.get(objective) if objective is not None else None,
            funds={f for f in funds if f in self.funds},
        )


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def add(session: AsyncSession, *objects: Any) -> None:
    """Stage new rows in the session (written at the caller's flush)."""
    session.add_all(objects)


# reference data -----------------------------------------------------------------------------------
async def programme(session: AsyncSession, code: str) -> BudgetProgramme | None:
    return await session.get(BudgetProgramme, code)


async def priorities(session: AsyncSession, programme: str) -> Sequence[BudgetPriority]:
    q = select(BudgetPriority).where(BudgetPriority.programme == programme).order_by(BudgetPriority.position)
    return (await session.scalars(q)).all()


async def priority(session: AsyncSession, programme: str, code: str) -> BudgetPriority | None:
    return await session.get(BudgetPriority, (programme, code))


async def specific_objectives(session: AsyncSession, programme: str) -> Sequence[BudgetSpecificObjective]:
    q = select(BudgetSpecificObjective).where(BudgetSpecificObjective.programme == programme)
    return (await session.scalars(q)).all()


async def data_version(session: AsyncSession) -> int:
    """The reference data's version (bumped by triggers on every write of a reference table; 0 before any)."""
    return int((await session.execute(_DATA_VERSION)).scalar_one_or_none() or 0)


async def all_references(session: AsyncSession) -> dict[str, ProgrammeReference]:
    """What commitments check of every programme (`ProgrammeReference`), in one round trip."""
    out: dict[str, ProgrammeReference] = {}
    for kind, programme, code, extra in (await session.execute(_ALL_REFERENCES)).all():
        if kind == "programme":
            out.setdefault(programme, ProgrammeReference()).currency = extra
        else:
            ref = out.setdefault(programme, ProgrammeReference())
            if kind == "priority":
                ref.priorities.add(code)
            elif kind == "fund":
                ref.funds.add(code)
            else:
                ref.objectives[code] = extra
    return out


async def funds(session: AsyncSession, programme: str) -> Sequence[BudgetFund]:
    q = select(BudgetFund).where(BudgetFund.programme == programme).order_by(BudgetFund.position)
    return (await session.scalars(q)).all()


async def fund(session: AsyncSession, programme: str, code: str) -> BudgetFund | None:
    return await session.get(BudgetFund, (programme, code))


# balances -----------------------------------------------------------------------------------------
async def ensure_balance(session: AsyncSession, programme: str, fund: str, priority: str, currency: str) -> None:
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
    upsert = pg_insert if _is_postgresql(session) else sqlite_insert
    stmt = (
        upsert(BudgetBalance).values(**values).on_conflict_do_nothing(index_elements=["programme", "fund", "priority"])
    )
    await session.execute(stmt)


async def lock_balances(
    session: AsyncSession, programme: str, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], BudgetBalance]:
    """The balance rows of (fund, priority) `keys`, locked until the transaction ends.

    PostgreSQL: one `SELECT … ORDER BY fund, priority FOR UPDATE`. The order is what prevents
    deadlocks: every writer locks its rows in ascending (fund, priority) order (release, payment and
    reallocation here; a commitment by its conditional UPDATEs in fund order, `commitments/repository.py`;
    sync only inserts the rows of a new fund), so two transactions wanting overlapping rows always queue
    on the first row they share and never each hold a row the other waits for. PostgreSQL sorts before it
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
    if _is_postgresql(session):
        q = q.with_for_update()
    return {(b.fund, b.priority): b for b in (await session.scalars(q)).all()}


async def available(session: AsyncSession, programme: str, priority: str, fund: str) -> Decimal:
    """What the (fund, priority) row has available now (0 without a row); read without a lock."""
    row = await session.get(BudgetBalance, (programme, fund, priority), populate_existing=True)
    return row.available if row is not None else Decimal(0)


async def balances(session: AsyncSession, programme: str | None = None) -> Sequence[BudgetBalance]:
    """The programme's balances; every programme's when None (the metrics)."""
    q = select(BudgetBalance)
    q = q if programme is None else q.where(BudgetBalance.programme == programme)
    return (await session.scalars(q)).all()


# the ledger ---------------------------------------------------------------------------------------
async def append_ledger(session: AsyncSession, entries: Sequence[Mapping[str, Any]]) -> None:
    """Append entries (built by `ledger.entries.entry`) to the ledger: plain INSERTs, never an update."""
    if entries:
        await session.execute(_INSERT_LEDGER, list(entries))


async def ledger_sums(session: AsyncSession, programme: str) -> list[tuple[str, str, str, Decimal]]:
    """(fund, priority, kind, sum of amount) over the ledger of a programme."""
    q = (
        select(LedgerEntry.fund, LedgerEntry.priority, LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.programme == programme)
        .group_by(LedgerEntry.fund, LedgerEntry.priority, LedgerEntry.kind)
    )
    return [(f, p, k, s if s is not None else Decimal(0)) for f, p, k, s in (await session.execute(q)).all()]


async def ledger_count(session: AsyncSession, programme: str) -> int:
    """How many entries a programme's ledger holds."""
    q = select(func.count()).select_from(LedgerEntry).where(LedgerEntry.programme == programme)
    return int(await session.scalar(q) or 0)


# commitments --------------------------------------------------------------------------------------
async def commitment(session: AsyncSession, commitment_id: uuid.UUID, *, lock: bool = False) -> Commitment | None:
    q = select(Commitment).where(Commitment.id == commitment_id).execution_options(populate_existing=True)
    if lock and _is_postgresql(session):
        q = q.with_for_update()
    return (await session.scalars(q)).one_or_none()


async def active_commitment_of(
    session: AsyncSession, programme: str, application_id: str, version: int
) -> Commitment | None:
    """The one active (not wholly released) commitment of an application's version, if any."""
    q = select(Commitment).where(
        Commitment.programme == programme,
        Commitment.application_id == application_id,
        Commitment.application_version == version,
        Commitment.status != "released",
    )
    return (await session.scalars(q)).one_or_none()


async def move_applied(session: AsyncSession, commitment_id: uuid.UUID, key: str) -> bool:
    return await session.get(CommitmentMove, (commitment_id, key)) is not None


async def lines(session: AsyncSession, commitment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[CommitmentLine]]:
    if not commitment_ids:
        return {}
    q = (
        select(CommitmentLine)
        .where(CommitmentLine.commitment_id.in_(commitment_ids))
        .order_by(CommitmentLine.commitment_id, CommitmentLine.line_no)
        .execution_options(populate_existing=True)
    )
    out: dict[uuid.UUID, list[CommitmentLine]] = {cid: [] for cid in commitment_ids}
    for line in (await session.scalars(q)).all():
        out[line.commitment_id].append(line)
    return out


async def commitments(
    session: AsyncSession,
    *,
    programme: str | None,
    application_id: str | None,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Commitment]:
    """Newest first; keyset (created_at, id), created_at in UTC."""
    q = select(Commitment)
    if programme:
        q = q.where(Commitment.programme == programme)
    if application_id:
        q = q.where(Commitment.application_id == application_id)
    if after is not None:
        created, cid = after
        q = q.where(or_(Commitment.created_at < created, and_(Commitment.created_at == created, Commitment.id < cid)))
    q = q.order_by(Commitment.created_at.desc(), Commitment.id.desc()).limit(limit)
    return (await session.scalars(q)).all()


# exchange rates -----------------------------------------------------------------------------------
async def monthly_rate(session: AsyncSession, currency: str, month: str) -> ExchangeRate | None:
    return await session.get(ExchangeRate, (currency, month))


async def fixed_rate(session: AsyncSession, programme: str, currency: str) -> ProgrammeFixedRate | None:
    return await session.get(ProgrammeFixedRate, (programme, currency))


async def fixed_rates(
    session: AsyncSession, programme: str, *, after: str | None = None, limit: int | None = None
) -> Sequence[ProgrammeFixedRate]:
    """By currency; keyset the currency. Without `limit`, all of them (sync compares every one)."""
    q = select(ProgrammeFixedRate).where(ProgrammeFixedRate.programme == programme)
    if after is not None:
        q = q.where(ProgrammeFixedRate.currency > after)
    q = q.order_by(ProgrammeFixedRate.currency)
    if limit is not None:
        q = q.limit(limit)
    return (await session.scalars(q)).all()


async def monthly_rates(
    session: AsyncSession, *, currency: str | None, after: tuple[str, str] | None, limit: int
) -> Sequence[ExchangeRate]:
    """Newest month first, then currency; keyset (month, currency)."""
    q = select(ExchangeRate)
    if currency:
        q = q.where(ExchangeRate.currency == currency)
    if after is not None:
        month, cur = after
        q = q.where(or_(ExchangeRate.month < month, and_(ExchangeRate.month == month, ExchangeRate.currency > cur)))
    q = q.order_by(ExchangeRate.month.desc(), ExchangeRate.currency).limit(limit)
    return (await session.scalars(q)).all()


# Statements built once (SQLAlchemy then reuses their compiled form).
_ALL_REFERENCES: CompoundSelect[Any] = union_all(
    select(literal("programme").label("kind"), BudgetProgramme.code, BudgetProgramme.code, BudgetProgramme.currency),
    select(literal("priority"), BudgetPriority.programme, BudgetPriority.code, null()),
    select(literal("fund"), BudgetFund.programme, BudgetFund.code, null()),
    select(
        literal("objective"),
        BudgetSpecificObjective.programme,
        BudgetSpecificObjective.code,
        BudgetSpecificObjective.priority,
    ),
)
_DATA_VERSION = select(DataVersion.version).where(DataVersion.id == 1)
_INSERT_LEDGER = insert(cast(Table, LedgerEntry.__table__))
