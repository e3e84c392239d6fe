"""Turns taken in arrival order. On SQLite the writers of one process take the write lock in the order
they asked for it (a FIFO turn before BEGIN IMMEDIATE), give it back when their transaction ends, commit
or rollback, and never make a reader wait. A hot row (`hot_row_turn`, the budget's balance rows on
PostgreSQL) is reached the same way: in arrival order, the turn held until the transaction ends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db import Database
from shared.turns import hot_row_turn


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


async def test_a_hot_row_is_reached_in_arrival_order_and_given_back_when_the_transaction_ends(db: Database) -> None:
    reached: list[int] = []

    async def commitment(n: int, *, fail: bool = False, priority: str = "TA") -> None:
        async with db.reader() as session:
            try:
                await hot_row_turn(session, ("balance", priority))
                reached.append(n)
                await session.execute(text("SELECT 1"))
                if fail:
                    raise RuntimeError("no room")
                await session.commit()
            except RuntimeError:
                await session.rollback()

    async with db.reader() as first:
        await hot_row_turn(first, ("balance", "TA"))
        queued = []
        for n in range(1, 6):  # n = 2 fails: its rollback gives the turn back too
            queued.append(asyncio.create_task(commitment(n, fail=n == 2)))
            await asyncio.sleep(0.02)
        other = asyncio.create_task(commitment(99, priority="1"))  # another row: no turn to wait for
        await asyncio.wait_for(other, timeout=5)
        assert reached == [99]
        await first.commit()
    await asyncio.wait_for(asyncio.gather(*queued), timeout=10)
    assert reached == [99, 1, 2, 3, 4, 5]
