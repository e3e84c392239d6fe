"""The outbox cannot jam (shared/outbox.py), on SQLite and PostgreSQL: a kind this relay has no handler
for and a handler that raises fail their own messages only; after `max_attempts` a message is dead —
listed, holding back the later messages of its aggregate and saying so — until it is replayed once,
then delivered, and the messages it held back after it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from shared import outbox, outbox_admin, outbox_records
from shared.clock import FixedClock
from shared.db import Database
from tests.harness import fresh_database

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MAX_ATTEMPTS = 3


class Recorder:
    """A handler that records what it sent and settled; `fail` raises ValueError for those keys."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.settled: list[str] = []
        self.fail: set[str] = set()

    async def send(self, message: outbox.Message) -> Any:
        if message.key in self.fail:
            raise ValueError(f"cannot read {message.key}")
        self.sent.append(message.key)
        return message.key

    async def settle(self, session: AsyncSession, message: outbox.Message, result: Any) -> str:
        self.settled.append(result)
        return "delivered"


@pytest.fixture
def url(backend: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(backend, "outbox", tmp_path) as made:
        yield made


@pytest.fixture
async def store(url: str) -> AsyncIterator[tuple[Database, Any]]:
    md = MetaData()
    table = outbox_records.outbox_table(md)
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(md.create_all)
    try:
        yield db, table
    finally:
        await db.dispose()


async def record(db: Database, table: Any, *messages: tuple[str, str, str]) -> None:
    async with db.sessionmaker.begin() as session:
        for kind, key, aggregate in messages:
            assert await outbox_records.enqueue(
                session, table, kind=kind, key=key, aggregate=aggregate, payload={}, at=T0
            )


async def listed(
    db: Database, table: Any, state: outbox_admin.MessageState | None = None
) -> dict[str, outbox_admin.MessageRow]:
    async with db.sessionmaker() as session:
        return {m.key: m for m in await outbox_admin.list_messages(session, table, state=state, limit=100)}


async def test_an_unknown_kind_and_a_raising_handler_delay_no_other_message(store: tuple[Database, Any]) -> None:
    db, table = store
    clock = FixedClock(T0)
    ok = Recorder()
    ok.fail = {"boom"}
    relay = outbox.Relay("test", db, table, {"ok": ok}, clock, batch=2, max_attempts=MAX_ATTEMPTS)
    await record(
        db,
        table,
        ("from-a-newer-replica", "unknown", "app-1"),
        ("ok", "boom", "app-2"),
        ("ok", "after-boom", "app-2"),
        ("ok", "first", "app-3"),
        ("ok", "second", "app-4"),
    )

    await relay.drain()
    # Every other aggregate's message was delivered in the same drain, batches of two notwithstanding;
    # different aggregates are delivered side by side, so in no particular order between them.
    assert sorted(ok.settled) == ["first", "second"]
    seen = await listed(db, table)
    assert {k: m.state for k, m in seen.items()} == {
        "unknown": "failing",
        "boom": "failing",
        "after-boom": "owed",
        "first": "delivered",
        "second": "delivered",
    }
    assert seen["unknown"].last_error == "no handler for messages of kind 'from-a-newer-replica'"
    assert seen["boom"].last_error == "ValueError: cannot read boom"
    assert seen["boom"].attempts == 1 and seen["boom"].available_at > T0  # waits for its back-off

    for _ in range(MAX_ATTEMPTS - 1):
        clock.advance(dt.timedelta(hours=1))
        await relay.drain()
    dead = await listed(db, table, "dead")
    assert sorted(dead) == ["boom", "unknown"]
    assert all(m.attempts == MAX_ATTEMPTS and m.dead_at == clock() for m in dead.values())
    # A dead message holds back the later ones of its aggregate, and they say so.
    waiting = (await listed(db, table))["after-boom"]
    assert waiting.state == "owed" and waiting.held_back_by == dead["boom"].id
    clock.advance(dt.timedelta(days=2))
    assert await relay.drain() == 0  # dead ones are never claimed; nothing behind them overtakes
    async with db.sessionmaker() as session:
        assert await outbox_admin.backlog(session, table) == (1, T0)  # after-boom is owed; the dead are counted apart
        assert await outbox_admin.dead_count(session, table) == 2

    # Mended, then replayed once: delivered, and what it held back right after it.
    ok.fail.clear()
    async with db.sessionmaker.begin() as session:
        replayed = await outbox_admin.replay(session, table, dead["boom"].id, by="admin-1", at=clock())
    assert replayed is not None and replayed.state == "failing" and replayed.attempts == 0
    assert replayed.replayed_by == "admin-1" and replayed.dead_at is None
    async with db.sessionmaker.begin() as session:
        with pytest.raises(outbox_admin.NotDeadYet) as again:
            await outbox_admin.replay(session, table, dead["boom"].id, by="admin-1", at=clock())
    assert again.value.state == "failing"
    await relay.drain()
    assert ok.settled[2:] == ["boom", "after-boom"]  # one aggregate's messages: in their order
    after = await listed(db, table)
    assert after["boom"].state == "delivered" and after["boom"].last_error is None
    assert after["after-boom"].state == "delivered" and after["after-boom"].held_back_by is None
    assert after["unknown"].state == "dead"  # still waiting for a relay that knows its kind


async def test_a_settle_that_raises_is_rolled_back_and_tried_again(store: tuple[Database, Any]) -> None:
    db, table = store
    clock = FixedClock(T0)

    class SettleFails(Recorder):
        broken = True

        async def settle(self, session: AsyncSession, message: outbox.Message, result: Any) -> str:
            if self.broken:
                raise KeyError("missing")
            return await super().settle(session, message, result)

    handler = SettleFails()
    relay = outbox.Relay("test", db, table, {"ok": handler}, clock, max_attempts=MAX_ATTEMPTS)
    await record(db, table, ("ok", "one", "app-1"), ("ok", "two", "app-2"))
    await relay.drain()
    seen = await listed(db, table)
    assert [seen[k].state for k in ("one", "two")] == ["failing", "failing"]
    assert seen["one"].last_error == "KeyError: 'missing'"
    handler.broken = False
    clock.advance(dt.timedelta(minutes=5))
    await relay.drain()
    assert sorted(handler.settled) == ["one", "two"]
    assert {m.state for m in (await listed(db, table)).values()} == {"delivered"}


async def test_the_back_off_takes_jitter_off_and_waits_for_a_receivers_retry_after(
    store: tuple[Database, Any],
) -> None:
    db, table = store
    clock = FixedClock(T0)

    class AskLater(Recorder):
        async def send(self, message: outbox.Message) -> Any:
            if message.key == "later":
                raise outbox.Retry("busy", after=120)
            raise outbox.Retry("down")

    relay = outbox.Relay(
        "test",
        db,
        table,
        {"ok": AskLater()},
        clock,
        backoff_seconds=10,
        max_backoff_seconds=600,
        jitter=0.5,
        rng=lambda: 1.0,
    )
    await record(db, table, ("ok", "now", "app-1"), ("ok", "later", "app-2"))
    await relay.drain()
    seen = await listed(db, table)
    assert seen["now"].available_at == T0 + dt.timedelta(seconds=5)  # 10 s less half of it
    assert seen["later"].available_at == T0 + dt.timedelta(seconds=120)  # never before Retry-After
    assert relay._backoff(20, after=10_000) == dt.timedelta(seconds=600)  # both bounded by the longest delay


class BatchRecorder(Recorder):
    """A `Batched` handler: each batch is one `send_many` call; `fail` fails a message in the batch's answer,
    `unsettled` makes its settle raise (in the batch's transaction and alone)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []
        self.unsettled: set[str] = set()

    async def send_many(self, messages: list[outbox.Message]) -> list[Any]:
        self.calls.append([m.key for m in messages])
        return [ValueError(f"cannot read {m.key}") if m.key in self.fail else m.key for m in messages]

    async def settle(self, session: AsyncSession, message: outbox.Message, result: Any) -> str:
        if message.key in self.unsettled:
            raise RuntimeError(f"cannot store {message.key}")
        return await super().settle(session, message, result)

    async def settle_many(self, session: AsyncSession, sent: list[tuple[outbox.Message, Any]]) -> list[str]:
        return [await self.settle(session, message, result) for message, result in sent]


async def test_a_batch_is_sent_once_and_its_bad_messages_fail_alone(store: tuple[Database, Any]) -> None:
    db, table = store
    batched = BatchRecorder()
    batched.fail, batched.unsettled = {"unreadable"}, {"unstorable"}
    relay = outbox.Relay("test", db, table, {"many": batched}, FixedClock(T0), batch=10, workers=2)
    assert isinstance(batched, outbox.Batched)
    keys = ["a", "unreadable", "b", "unstorable", "c"]
    await record(db, table, *(("many", key, f"app-{key}") for key in keys))

    assert await relay.drain() == 5
    # One call for the five (the second worker found nothing to claim: the first held them all).
    assert batched.calls == [keys]
    # The unstorable one failed the batch's transaction after "a" and "b" (rolled back with it): every
    # message was then settled alone, each in its own transaction.
    assert batched.settled == ["a", "b", "a", "b", "c"]
    states = {k: (m.state, m.last_error) for k, m in (await listed(db, table)).items()}
    assert states == {
        "a": ("delivered", None),
        "b": ("delivered", None),
        "c": ("delivered", None),
        "unreadable": ("failing", "ValueError: cannot read unreadable"),
        "unstorable": ("failing", "RuntimeError: cannot store unstorable"),
    }


async def test_rounds_at_once_keep_each_aggregates_order(store: tuple[Database, Any]) -> None:
    db, table = store
    ok, batched = Recorder(), BatchRecorder()
    relay = outbox.Relay("test", db, table, {"one": ok, "many": batched}, FixedClock(T0), batch=2, workers=3)
    await record(
        db,
        table,
        *(
            (kind, f"{kind}-{aggregate}-{n}", f"app-{aggregate}")
            for n in range(4)
            for aggregate in "xy"
            for kind in ("one", "many")
        ),
    )
    assert await relay.drain() == 16
    for kind, handler in (("one", ok), ("many", batched)):
        for aggregate in "xy":
            mine = [key for key in handler.settled if key.startswith(f"{kind}-{aggregate}-")]
            assert mine == [f"{kind}-{aggregate}-{n}" for n in range(4)]
