"""Turns taken in arrival order. On SQLite the writers of one process take the write lock in the order
they asked for it (a FIFO turn before BEGIN IMMEDIATE), give it back when their transaction ends, commit
or rollback, and never make a reader wait. A hot row (`hot_row_turn`, the budget's balance rows on
PostgreSQL) is reached the same way: in arrival order, the turn handed on once its holder has the row's
lock, so the next request waits for that lock in the database while the holder commits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from shared.db import READ_ONLY, Database
from shared.turns import hot_row_turn
from tests.harness import eventually, fresh_database, let_others_run

GUARD = 10.0
"""Seconds after which an awaited step is taken to hang (it is never waited for otherwise)."""


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'writers.db'}")
    async with database.sessionmaker() as session:
        await session.execute(text("CREATE TABLE entries (n INTEGER)"))
        await session.commit()
    yield database  # type: ignore[misc]
    await database.dispose()


def writers_asking(db: Database) -> asyncio.Queue[None]:
    """One item as each writer of `db` is about to ask for its turn: noted when its session's connection
    is made (`engine_connect`, its pooled DBAPI connection in hand), from where it goes on to BEGIN, whose
    listener (`shared.db`) queues it on the turn's lock, with no wait in between, before the writer's
    task gives the event loop back: so once the item is had, the writer is in the queue."""
    asked: asyncio.Queue[None] = asyncio.Queue()

    @event.listens_for(db.engine.sync_engine, "engine_connect")
    def _asked(conn: Connection) -> None:
        if not conn.get_execution_options().get(READ_ONLY):
            asked.put_nowait(None)

    return asked


async def test_writers_take_the_lock_in_the_order_they_asked(db: Database) -> None:
    written: list[int] = []

    async def write(n: int) -> None:
        async with db.sessionmaker() as session:
            await session.execute(text("INSERT INTO entries (n) VALUES (:n)"), {"n": n})
            written.append(n)
            await session.commit()

    asked = writers_asking(db)
    async with db.sessionmaker() as first:
        await first.execute(text("INSERT INTO entries (n) VALUES (0)"))  # holds the write lock
        asked.get_nowait()
        waiting = []
        for n in range(1, 6):  # each asks while the first still writes, one after the other
            waiting.append(asyncio.create_task(write(n)))
            await asyncio.wait_for(asked.get(), timeout=GUARD)  # n is queued before n + 1 starts
        assert written == []
        await first.commit()
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=30)
    assert written == [1, 2, 3, 4, 5]
    async with db.reader() as session:
        assert (await session.execute(text("SELECT count(*) FROM entries"))).scalar_one() == 6


async def test_a_rolled_back_writer_gives_its_turn_back(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.sessionmaker() as session:
            await session.execute(text("INSERT INTO entries (n) VALUES (1)"))
            raise RuntimeError("the request failed")
    async with db.sessionmaker() as session:  # would wait forever if the turn were still taken
        await asyncio.wait_for(session.execute(text("INSERT INTO entries (n) VALUES (2)")), timeout=10)
        await session.commit()
    async with db.reader() as session:
        assert (await session.execute(text("SELECT n FROM entries"))).scalars().all() == [2]


async def test_a_reader_does_not_wait_for_queued_writers(db: Database) -> None:
    asked = writers_asking(db)
    async with db.sessionmaker() as writer:
        await writer.execute(text("INSERT INTO entries (n) VALUES (1)"))
        asked.get_nowait()
        queued = asyncio.create_task(_insert(db, 2))
        await asyncio.wait_for(asked.get(), timeout=GUARD)  # the second writer waits for its turn
        async with db.reader() as reader:
            seen = await asyncio.wait_for(reader.execute(text("SELECT count(*) FROM entries")), timeout=5)
            assert seen.scalar_one() == 0  # the snapshot before either write
        await writer.commit()
    await asyncio.wait_for(queued, timeout=10)


async def _insert(db: Database, n: int) -> None:
    async with db.sessionmaker() as session:
        await session.execute(text("INSERT INTO entries (n) VALUES (:n)"), {"n": n})
        await session.commit()


async def test_a_hot_row_turn_is_had_in_arrival_order_and_handed_on_when_its_block_ends() -> None:
    reached: list[int] = []
    holding, release_first = asyncio.Event(), asyncio.Event()
    asking: asyncio.Queue[int] = asyncio.Queue()

    async def commitment(n: int, *, fail: bool = False, priority: str = "TA") -> None:
        asking.put_nowait(n)  # the test's task runs again once this one waits (for the turn)
        try:
            async with hot_row_turn(("balance", priority)):
                reached.append(n)
                await let_others_run()  # a block that awaits (its statement), the others queued meanwhile
                if fail:
                    raise RuntimeError("no room")
        except RuntimeError:
            pass

    async def first() -> None:
        async with hot_row_turn(("balance", "TA")):
            holding.set()
            await release_first.wait()

    holder = asyncio.create_task(first())
    await asyncio.wait_for(holding.wait(), timeout=GUARD)
    queued = []
    for n in range(1, 6):  # n = 2 fails inside its block: the turn is handed on all the same
        queued.append(asyncio.create_task(commitment(n, fail=n == 2)))
        assert await asyncio.wait_for(asking.get(), timeout=GUARD) == n  # n is queued before n + 1 starts
    other = asyncio.create_task(commitment(99, priority="1"))  # another row: no turn to wait for
    await asyncio.wait_for(other, timeout=5)
    assert reached == [99]
    release_first.set()
    await asyncio.wait_for(asyncio.gather(holder, *queued), timeout=10)
    assert reached == [99, 1, 2, 3, 4, 5]


@pytest.fixture
def postgres_url(backend: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(backend, "turns", tmp_path) as url:
        yield url


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_hot_row_is_updated_in_arrival_order_after_its_holder_commits(postgres_url: str) -> None:
    """The turn is handed on once the holder has the row's lock, before it commits: the next statement
    waits for the lock in the database (one waiter of this process at a time), so the row is updated in
    the order the requests came, and each waits for the commit before it, never for a turn."""
    db = Database(postgres_url)
    try:
        async with db.sessionmaker() as session:
            await session.execute(text("CREATE TABLE balance (id INTEGER PRIMARY KEY, seen TEXT NOT NULL)"))
            await session.execute(text("INSERT INTO balance VALUES (1, '')"))
            await session.commit()
        update = text("UPDATE balance SET seen = seen || :n || ' ' WHERE id = 1")

        asking: asyncio.Queue[int] = asyncio.Queue()

        async def commitment(n: int) -> None:
            async with db.sessionmaker() as session:
                asking.put_nowait(n)  # the test's task runs again once this one waits (for the turn or the row)
                async with hot_row_turn(("balance", 1)):
                    await session.execute(update, {"n": str(n)})
                await session.commit()

        async def waiting_for_the_row() -> bool:
            async with db.reader() as session:
                waiting = text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                return bool((await session.execute(waiting)).scalar_one() == 1)

        async with db.sessionmaker() as holder:
            async with hot_row_turn(("balance", 1)):
                await holder.execute(update, {"n": "0"})
            queued = []
            for n in range(1, 6):  # each arrives while the holder has the row, one after the other
                queued.append(asyncio.create_task(commitment(n)))
                assert await asyncio.wait_for(asking.get(), timeout=GUARD) == n  # n is queued before n + 1 starts
            # Polled, as only the database server knows it: the first's UPDATE waits there for the row's lock.
            await eventually(waiting_for_the_row, "the first queued UPDATE waiting for the row's lock")
            assert not any(task.done() for task in queued)  # the first waits for the row, the rest for it
            await holder.commit()
        await asyncio.wait_for(asyncio.gather(*queued), timeout=10)
        async with db.sessionmaker() as session:
            assert (await session.execute(text("SELECT seen FROM balance"))).scalar_one() == "0 1 2 3 4 5 "
    finally:
        await db.dispose()


async def test_a_turn_not_had_in_time_lets_the_request_go_on_to_the_database(caplog: pytest.LogCaptureFixture) -> None:
    """With no time to wait (`wait_seconds=0`: the time is up at the event loop's next pass) a turn that is
    held is not had: the request goes on, logged; once handed on, the turn is had at once."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with hot_row_turn(("balance", "stuck")):
            holding.set()
            await release.wait()

    held = asyncio.create_task(holder())
    await asyncio.wait_for(holding.wait(), timeout=GUARD)
    went_on = False
    async with hot_row_turn(("balance", "stuck"), wait_seconds=0):
        went_on = True
    assert went_on and "no turn at hot row" in caplog.text
    release.set()
    await held
    caplog.clear()
    async with hot_row_turn(("balance", "stuck"), wait_seconds=0):  # the holder's turn was handed on
        assert "no turn at hot row" not in caplog.text
