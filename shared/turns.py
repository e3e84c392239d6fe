"""Turns taken in arrival order, where the database's own waiting is not fair: SQLite's write lock (its
busy timeout polls, so a late writer may win while an early one sleeps) and a hot row on PostgreSQL (every
commit wakes all the row's waiters, who race for it). A request waits its turn on a FIFO asyncio lock and
gives it back when its transaction ends (SQLite) or once it holds the row's lock (a hot row); the
database's lock still decides between processes."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.util import await_only

log = logging.getLogger("db")


class WriterTurns:
    """SQLite writers of this process take the write lock in the order they ask for it.

    SQLite's own wait for its write lock (the busy timeout) is polling: a waiting writer sleeps 1, 2, 5
    … up to 100 ms between attempts, and one that arrives later may take the lock while an earlier one
    sleeps, so under a burst of writes a few wait many times as long as the rest (a commitment's p99
    was 9.5 × its p50). So before `BEGIN IMMEDIATE` a writer waits for its turn on a FIFO asyncio lock
    of the engine, and gives the turn back when its connection returns to the pool (the transaction has
    committed or rolled back by then). Other processes on the same file (a `load-data`, a second
    replica) are still ordered by SQLite's busy timeout. A turn not given back within `WAIT_SECONDS`
    (it cannot happen while connections go back to the pool) lets the writer go on to SQLite's lock
    rather than wait forever; that is logged."""

    WAIT_SECONDS = 60.0

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    def take(self, conn: Connection) -> None:
        """Wait for this connection's turn to write (runs in SQLAlchemy's greenlet, so it can await)."""
        if conn.info.get(_TURN) is not None:  # a second transaction on a connection that holds the turn
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        if not await_only(_acquire(lock, self.WAIT_SECONDS)):
            log.warning("no SQLite writer turn within %s s; waiting on SQLite's lock instead", self.WAIT_SECONDS)
            return
        conn.info[_TURN] = lock

    def give_back(self, _dbapi_connection: Any, record: Any, *_args: Any) -> None:
        lock = record.info.pop(_TURN, None) if record is not None else None
        if lock is not None and lock.locked():
            lock.release()


_TURN = "interreg_writer_turn"


async def _acquire(lock: asyncio.Lock, seconds: float) -> bool:
    """True once `lock` is had, False if not within `seconds` (in the caller's task: `asyncio.wait_for`
    would make a task of its own for every turn, a hop through the event loop even for a free lock)."""
    try:
        async with asyncio.timeout(seconds):
            await lock.acquire()
    except TimeoutError:
        return False
    return True


_HOT_ROWS: weakref.WeakValueDictionary[tuple[asyncio.AbstractEventLoop, Hashable], asyncio.Lock] = (
    weakref.WeakValueDictionary()
)


@asynccontextmanager
async def hot_row_turn(key: Hashable, *, wait_seconds: float = 60.0) -> AsyncIterator[None]:
    """Wait, in arrival order, for this process's turn at the hot row `key` (e.g. one balance every
    commitment of a priority updates); the block is the statements that take the row's lock.

    On PostgreSQL many transactions waiting for one row lock are not served in the order they came:
    each commit wakes every waiter and they race for the row, so under a burst a few wait many times as
    long as the rest. Queued here first, the requests of a process reach the row one at a time, in
    order. The turn is handed on when the block ends, once the row's lock is the transaction's (not
    when the transaction ends): the next request's statement then waits for that lock in the database,
    the only one of this process waiting there, so the database serves them in arrival order too, and
    the row is taken again as soon as the holder commits, with no hop through the event loop between
    (handing the turn on at the commit made the row wait for the next request to be scheduled, send its
    statement and be answered: a commitment's throughput halved). Several replicas each send one
    waiter. A turn not had within `wait_seconds` (it cannot happen while statements end) lets the
    request go on to the database's own lock; that is logged."""
    loop = asyncio.get_running_loop()
    lock = _HOT_ROWS.get((loop, key))
    if lock is None:
        lock = _HOT_ROWS[(loop, key)] = asyncio.Lock()
    if not await _acquire(lock, wait_seconds):
        log.warning("no turn at hot row %r within %s s; waiting on the database's lock instead", key, wait_seconds)
        yield
        return
    try:
        yield
    finally:
        lock.release()
