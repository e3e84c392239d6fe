"""Turns taken in arrival order, where the database's own waiting is not fair: SQLite's write lock (its
busy timeout polls, so a late writer may win while an early one sleeps) and a hot row on PostgreSQL (every
commit wakes all the row's waiters, who race for it). A request waits its turn on a FIFO asyncio lock and
gives it back when its transaction ends; the database's lock still decides between processes."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Hashable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
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
        try:
            await_only(asyncio.wait_for(lock.acquire(), self.WAIT_SECONDS))
        except TimeoutError:
            log.warning("no SQLite writer turn within %s s; waiting on SQLite's lock instead", self.WAIT_SECONDS)
            return
        conn.info[_TURN] = lock

    def give_back(self, _dbapi_connection: Any, record: Any, *_args: Any) -> None:
        lock = record.info.pop(_TURN, None) if record is not None else None
        if lock is not None and lock.locked():
            lock.release()


_TURN = "interreg_writer_turn"


_HOT_ROWS: weakref.WeakValueDictionary[tuple[asyncio.AbstractEventLoop, Hashable], asyncio.Lock] = (
    weakref.WeakValueDictionary()
)


async def hot_row_turn(session: AsyncSession, key: Hashable, *, wait_seconds: float = 60.0) -> None:
    """Wait, in arrival order, for this process's turn at the hot row `key` (e.g. one balance every
    commitment of a priority updates), held until `session`'s transaction commits or rolls back.

    On PostgreSQL many transactions waiting for one row lock are not served in the order they came:
    each commit wakes every waiter and they race for the row, so under a burst a few wait many times as
    long as the rest. Queued here first, the requests of a process reach the row one at a time, in
    order; several replicas each send one. A turn not given back within `wait_seconds` (it cannot
    happen while transactions end) lets the request go on to the database's own lock."""
    loop = asyncio.get_running_loop()
    lock = _HOT_ROWS.get((loop, key))
    if lock is None:
        lock = _HOT_ROWS[(loop, key)] = asyncio.Lock()
    try:
        await asyncio.wait_for(lock.acquire(), wait_seconds)
    except TimeoutError:
        log.warning("no turn at hot row %r within %s s; waiting on the database's lock instead", key, wait_seconds)
        return
    held = [lock]  # the session's events keep the lock alive (the registry holds it weakly)

    def give_back(*_args: Any) -> None:
        if held:  # once: a later transaction of the same session has no turn
            held.pop().release()

    event.listen(session.sync_session, "after_commit", give_back)
    event.listen(session.sync_session, "after_soft_rollback", give_back)
