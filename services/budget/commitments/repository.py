"""The SQL that writes a commitment (the hot path): the commitment, its lines and ledger entries, the
idempotency answer and the room taken from the balances; on PostgreSQL in one statement. Module functions
taking the session first; they never commit (the request's session does), except a new commitment of one
fund made before its session began a transaction, whose one statement is its own transaction."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, case, func, insert, literal, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.dml import Insert, Update

from services.budget.models import BudgetBalance, Commitment, CommitmentLine, LedgerEntry
from services.budget.repository import append_ledger
from shared.idempotency import Recording
from shared.precompiled import Precompiled
from shared.turns import hot_row_turn


async def take_room(session: AsyncSession, programme: str, priority: str, amounts: Mapping[str, Decimal]) -> str | None:
    """committed += amount per fund, each only if the (fund, `priority`) row has that much available,
    in fund order (the row lock is taken here and held to the commit: the last statements of a
    commitment). None when every fund had room; else the first fund that had not (nothing is added
    for it: the caller rolls back)."""
    for fund, amount in sorted(amounts.items()):
        params = {"b_programme": programme, "b_priority": priority, "b_fund": fund, "b_amount": amount}
        if (await session.execute(_TAKE_ROOM, params)).first() is None:
            return fund
    return None


Inserts = tuple[Mapping[str, Any], Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]
"""A commitment, its lines and its ledger entries, to be written (`finish_commitment`)."""

Shape = tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]
"""Which columns a commitment, each of its lines and each of its ledger entries write: the key its
statements are built and compiled once under."""


def _shape_and_params(inserts: Inserts) -> tuple[Shape, dict[str, Any]]:
    """The statements' `Shape` and their bound parameters: `c_<column>` for the commitment, `l<i>_<column>`
    for its lines, `e<i>_<column>` for its ledger entries."""
    commitment, lines, entries = inserts
    shape = (tuple(commitment), tuple(tuple(ln) for ln in lines), tuple(tuple(e) for e in entries))
    params = {f"c_{k}": v for k, v in commitment.items()}
    for i, ln in enumerate(lines):
        params.update({f"l{i}_{k}": v for k, v in ln.items()})
    for i, e in enumerate(entries):
        params.update({f"e{i}_{k}": v for k, v in e.items()})
    return shape, params


async def insert_commitment(
    session: AsyncSession,
    commitment: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    entries: Sequence[Mapping[str, Any]],
) -> None:
    """The commitment, its lines and its ledger entries (the hot path: no ORM unit of work). On
    PostgreSQL one statement, one round trip (`_commitment_insert`); on SQLite, where a statement is
    no round trip, three plain INSERTs."""
    if not session.get_bind().dialect.name == "postgresql":
        await session.execute(_INSERT_COMMITMENT, [dict(commitment)])
        await session.execute(_INSERT_LINES, list(lines))
        await append_ledger(session, entries)
        return
    shape, params = _shape_and_params((commitment, lines, entries))
    await session.execute(_commitment_insert(shape), params)


async def finish_commitment(
    session: AsyncSession,
    inserts: Inserts | None,
    recording: Recording,
    programme: str,
    priority: str,
    amounts: Mapping[str, Decimal],
) -> str | None:
    """The last statements of a commitment: its `inserts` (unless written already), the idempotency
    answer (`recording`) and then the room per fund (`take_room`; the balance rows stay locked from there
    to the commit). None when every fund had room (or the key was taken: `recording.recorded` is False,
    and the caller's transaction is rolled back); else the first fund that had not (the caller rolls back).

    On PostgreSQL, for a new commitment, one statement, one round trip: the commitment's INSERT with the
    rest as data-modifying CTEs. The room is part of it when the commitment takes one fund (one balance
    row: no lock order to keep), and when the answer is the key's claim, the room's UPDATE is made only
    if the claim inserted its row (so the claim is made before the row lock is taken); the rows of several
    funds are taken one statement each, in fund order (`take_room`). A new commitment of one fund whose
    session has begun no transaction (nothing was read through it: its rates and reference data came from
    memory) is that statement as a transaction of its own (`_finish_alone`): no BEGIN and COMMIT round
    trips, the row's lock held only while the statement runs. The commitments of one priority reach its
    balance rows in arrival order (`hot_row_turn`, handed on once this one holds the rows' locks), each
    with its connection in hand before it waits: a request holding the turn never waits for a pooled
    connection that the requests queued behind it hold. Otherwise (SQLite, where a statement is no round
    trip and writers take turns at BEGIN; a commitment written already) plain statements, the answer
    first."""
    if session.get_bind().dialect.name != "postgresql":
        return await _finish_in_statements(session, inserts, recording, programme, priority, amounts)
    turn = hot_row_turn(("budget_balances", programme, priority))
    if inserts is None:  # written already (an application version's, under its savepoint)
        await session.connection()  # in hand before the turn
        async with turn:
            return await _finish_in_statements(session, inserts, recording, programme, priority, amounts)
    one_fund = len(amounts) == 1
    shape, params = _shape_and_params(inserts)
    if recording.statement is not None:
        params.update(recording.params)
    if one_fund:
        ((fund, amount),) = amounts.items()
        params.update({"b_programme": programme, "b_priority": priority, "b_fund": fund, "b_amount": amount})
    claims = recording.claims
    engine = session.bind
    if one_fund and (claims or recording.statement is None) and isinstance(engine, AsyncEngine):
        if not session.in_transaction():  # nothing read or written in the session: one statement alone
            return await _finish_alone(engine, shape, recording, params, fund, turn)
    statement = _precompiled(shape, recording.statement, one_fund, claims, session.get_bind().dialect)
    await session.connection()  # in hand before the turn
    async with turn:
        row = (await statement.execute(session, params)).one()
        if claims and not row.claimed:
            recording.done(False)
            return None
        recording.done()
        if one_fund:
            return None if row.taken else fund
        return await take_room(session, programme, priority, amounts)


async def _finish_in_statements(
    session: AsyncSession,
    inserts: Inserts | None,
    recording: Recording,
    programme: str,
    priority: str,
    amounts: Mapping[str, Decimal],
) -> str | None:
    """`finish_commitment` in plain statements: the answer first, then the inserts (unless written
    already), then the room per fund."""
    if not await recording.run():
        return None
    if inserts is not None:
        await insert_commitment(session, *inserts)
    return await take_room(session, programme, priority, amounts)


_REFUSAL = "no room in the balance: the commitment undoes itself"


async def _finish_alone(
    engine: AsyncEngine,
    shape: Shape,
    recording: Recording,
    params: Mapping[str, Any],
    fund: str,
    turn: AbstractAsyncContextManager[None],
) -> str | None:
    """`finish_commitment` as a transaction of its own, when the request's session has not begun one
    (`_alone`, run by `Precompiled.run_alone`): a new commitment of one fund, whose key (if any) is
    claimed with its answer. None when it is made (or the key was taken: `recording.recorded` False);
    `fund` when the balance lacks the room, the statement then undone as a whole, the claim included."""
    statement = _alone(shape, recording.statement, engine.dialect)
    try:
        row = await statement.run_alone(engine, params, turn=turn)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "P0001" and getattr(exc.orig, "message", None) == _REFUSAL:
            return fund
        raise
    recording.done(bool(row["claimed"]))
    return None


@functools.lru_cache(maxsize=64)
def _alone(
    shape: Shape,
    record: Insert | None,
    dialect: Dialect,
) -> Precompiled:
    """A new commitment of one fund as one statement that is its own transaction (PostgreSQL): the key's
    claim with its answer (`record`, unless the request has no key), then the room taken from the
    balance only if the claim inserted its row (the claim before the row lock, as in `_finishing`), then
    the commitment, its lines and ledger entries, each inserted only if the room was taken. Its one row:
    `claimed` (1 without a key), `taken`. A claim made without the room would stay, the statement
    committing as it ends: then `budget_refuse` (migration 20261204_commitment_refusal) raises and the
    whole statement is undone. Compiled once per shape (`Precompiled`)."""
    commitment_keys, line_keys, entry_keys = shape
    ctes, claimed, take = _answer_then_room(record, claims=record is not None)
    room = take.cte("taken_room")
    ctes.append(room)

    def row_if_taken(table: Table, prefix: str, keys: tuple[str, ...], name: str) -> Any:
        values = select(*(bindparam(f"{prefix}_{k}", type_=table.c[k].type) for k in keys)).select_from(room)
        return insert(table).from_select(list(keys), values).cte(name)

    ctes.append(row_if_taken(_commitment_table, "c", commitment_keys, "new_commitment"))
    ctes += [row_if_taken(_lines, f"l{i}", keys, f"new_line_{i}") for i, keys in enumerate(line_keys)]
    ctes += [row_if_taken(_ledger, f"e{i}", keys, f"new_entry_{i}") for i, keys in enumerate(entry_keys)]
    taken = select(func.count()).select_from(room).scalar_subquery()
    refused = case((claimed > taken, func.budget_refuse(literal(_REFUSAL, type_=String))), else_=literal(0))
    statement = select(claimed.label("claimed"), taken.label("taken"), refused.label("refused")).add_cte(*ctes)
    return Precompiled(statement, dialect)


def _answer_then_room(record: Insert | Update | None, *, claims: bool) -> tuple[list[Any], Any, Any]:
    """The parts both one-statement forms share: the CTE recording the answer (`record`, if any), the
    `claimed` column (1 when the key's claim inserted its row; 1 when nothing is claimed) and the room's
    UPDATE, which for a claim is made only if the claim inserted its row, and after it: the claim may
    wait for a racing request with the key, which must not be waiting for the balance row in turn."""
    ctes: list[Any] = []
    claimed: Any = literal(1)
    take = _TAKE_ROOM
    if record is not None:
        recorded = record.cte("recorded_answer")
        ctes.append(recorded)
        if claims:
            claimed = select(func.count()).select_from(recorded).scalar_subquery()
            take = take.where(select(literal(1)).select_from(recorded).exists())
    return ctes, claimed, take


@functools.lru_cache(maxsize=64)
def _precompiled(
    shape: Shape,
    record: Insert | Update | None,
    room: bool,
    claims: bool,
    dialect: Dialect,
) -> Precompiled:
    """`_finishing`, compiled once for the dialect: the hot path's one statement is large, and
    `session.execute` would walk it on every call to find its compiled form (`shared.precompiled.Precompiled`)."""
    return Precompiled(_finishing(shape, record, room, claims), dialect)


def _finishing(
    shape: Shape,
    record: Insert | Update | None,
    room: bool,
    claims: bool,
) -> Any:
    """The one statement of `finish_commitment` on PostgreSQL, built (and compiled: `_precompiled`) once
    per shape (which columns, how many lines and entries; how the answer is recorded; whether the room is
    taken). The main statement and its CTEs touch different tables; the lines'
    foreign key is checked at the end of the statement, when the commitment row is there. It returns
    one row: `claimed` (1 when the key's claim inserted its row) and `taken` (rows the room's UPDATE took)."""
    ctes, claimed, take = _answer_then_room(record, claims=claims)
    taken: Any = literal(0)
    if room:
        room_cte = take.cte("taken_room")
        ctes.append(room_cte)
        taken = select(func.count()).select_from(room_cte).scalar_subquery()
    return _commitment_insert(shape).add_cte(*ctes).returning(claimed.label("claimed"), taken.label("taken"))


@functools.lru_cache(maxsize=64)
def _commitment_insert(shape: Shape) -> Any:
    """One INSERT of a commitment, its lines and ledger entries on PostgreSQL: each line and entry is a
    data-modifying CTE of the commitment's INSERT (the lines' foreign key is checked at the end of the
    statement, when the commitment row is there; nothing reads meaning into the order of ledger ids). One row per CTE, with bound parameters, so that
    SQLAlchemy caches its compiled form (a multi-row VALUES is compiled anew on every execution); built
    once per shape (which columns, how many lines and entries)."""
    commitment_keys, line_keys, entry_keys = shape

    def row(table: Table, prefix: str, keys: tuple[str, ...]) -> Any:
        return insert(table).values({k: bindparam(f"{prefix}_{k}", type_=table.c[k].type) for k in keys})

    ctes = [row(_lines, f"l{i}", keys).cte(f"new_line_{i}") for i, keys in enumerate(line_keys)]
    ctes += [row(_ledger, f"e{i}", keys).cte(f"new_entry_{i}") for i, keys in enumerate(entry_keys)]
    return row(_commitment_table, "c", commitment_keys).add_cte(*ctes)


# Built once (SQLAlchemy then reuses their compiled form).
_b = cast(Table, BudgetBalance.__table__)
_AMOUNT = bindparam("b_amount", type_=_b.c.committed.type)
_TAKE_ROOM = (
    update(_b)
    .where(
        _b.c.programme == bindparam("b_programme"),
        _b.c.priority == bindparam("b_priority"),
        _b.c.fund == bindparam("b_fund"),
        _b.c.allocated - (_b.c.committed - _b.c.released) >= _AMOUNT,
    )
    .values(committed=_b.c.committed + _AMOUNT)
    .returning(_b.c.fund)
)
_commitment_table = cast(Table, Commitment.__table__)
_lines = cast(Table, CommitmentLine.__table__)
_ledger = cast(Table, LedgerEntry.__table__)
_INSERT_COMMITMENT = insert(_commitment_table)
_INSERT_LINES = insert(_lines)
