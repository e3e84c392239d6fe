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
from sqlalchemy import text

from shared.db import Database
from shared.turns import hot_row_turn
from tests.harness import fresh_database


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'writers.db'}")
    async with database.sessionmaker() as session:
        await session.execute(text("CREATE TABLE entries (n INTEGER)"))
        await session.commit()
    yield database  # type: ignore[misc]
    await database.dispose()


async def test_writers_take_the_lock_in_the_order_they_asked(db: Database) -> None:
    written: list[int] = []

    async def write(n: int) -> None:
        async with db.sessionmaker() as session:
            await session.execute(text("INSERT INTO entries (n) VALUES (:n)"), {"n": n})
            written.append(n)
            await session.commit()

    async with db.sessionmaker() as first:
        await first.execute(text("INSERT INTO entries (n) VALUES (0)"))  # holds the write lock
        waiting = []
        for n in range(1, 6):  # each asks while the first still writes, one after the other
            waiting.append(asyncio.create_task(write(n)))
            await asyncio.sleep(0.05)
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
    async with db.sessionmaker() as writer:
        await writer.execute(text("INSERT INTO entries (n) VALUES (1)"))
        queued = asyncio.create_task(_insert(db, 2))
        await asyncio.sleep(0.05)
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
    release_first = asyncio.Event()

    async def commitment(n: int, *, fail: bool = False, priority: str = "TA") -> None:
        try:
            async with hot_row_turn(("balance", priority)):
                reached.append(n)
                await asyncio.sleep(0)
                if fail:
                    raise RuntimeError("no room")
        except RuntimeError:
            pass

    async def first() -> None:
        async with hot_row_turn(("balance", "TA")):
            await release_first.wait()

    holder = asyncio.create_task(first())
    await asyncio.sleep(0.01)
    queued = []
    for n in range(1, 6):  # n = 2 fails inside its block: the turn is handed on all the same
        queued.append(asyncio.create_task(commitment(n, fail=n == 2)))
        await asyncio.sleep(0.01)
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

        async def commitment(n: int) -> None:
            async with db.sessionmaker() as session:
                async with hot_row_turn(("balance", 1)):
                    await session.execute(update, {"n": str(n)})
                await session.commit()

        async with db.sessionmaker() as holder:
            async with hot_row_turn(("balance", 1)):
                await holder.execute(update, {"n": "0"})
            queued = []
            for n in range(1, 6):  # each arrives while the holder has the row, one after the other
                queued.append(asyncio.create_task(commitment(n)))
                await asyncio.sleep(0.05)
            assert not any(task.done() for task in queued)  # the first waits for the row, the rest for it
            await holder.commit()
        await asyncio.wait_for(asyncio.gather(*queued), timeout=10)
        async with db.sessionmaker() as session:
            assert (await session.execute(text("SELECT seen FROM balance"))).scalar_one() == "0 1 2 3 4 5 "
    finally:
        await db.dispose()


async def test_a_turn_not_had_in_time_lets_the_request_go_on_to_the_database(caplog: pytest.LogCaptureFixture) -> None:
    release = asyncio.Event()

    async def holder() -> None:
        async with hot_row_turn(("balance", "stuck")):
            await release.wait()

    held = asyncio.create_task(holder())
    await asyncio.sleep(0.01)
    went_on = False
    async with hot_row_turn(("balance", "stuck"), wait_seconds=0.05):
        went_on = True
    assert went_on and "no turn at hot row" in caplog.text
    release.set()
    await held
    async with hot_row_turn(("balance", "stuck"), wait_seconds=0.05):  # the holder's turn was handed on
        pass
