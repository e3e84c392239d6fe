"""Transactional outbox: the messages a service owes other services, recorded in the same transaction
as the state change that owes them, and delivered by a relay until they are settled.

    request transaction:  state change + `enqueue(...)`          (one commit: both or neither)
    relay, later:         claim → `send` (remote, no lock held) → `settle` (local effect + done, one commit)

- **Business key.** Every message has a unique `key` (e.g. `budget.commit:<application>:v2`); enqueuing a
  key twice keeps the first. The receiver is called with the same key as its Idempotency-Key, and is
  idempotent by its own business key as well, so a message delivered twice (a crash between `send`
  and `settle`) has its effect once.
- **Order.** Messages of one `aggregate` (an application) are delivered one at a time in the order they
  were recorded: a release never overtakes the commitment it releases. A batch holds the oldest message
  of each aggregate due, and its messages are sent at once (a burst of submissions is checked in parallel,
  not one after another).
- **Several replicas.** A claim is a short transaction that leases a batch (`claimed_until`); on
  PostgreSQL it skips rows another relay holds (`FOR UPDATE SKIP LOCKED`), on SQLite (one process)
  writers are serialised anyway. A relay that dies loses its lease, and the message is claimed again
  after `lease_seconds`.
- **Retry.** A failed attempt (the receiver unreachable, a 5xx, a time-out: `Retry`/`UpstreamError`; a kind
  with no handler; any other exception of `send` or `settle`) records its error on the message, which is
  retried with back-off (`backoff_seconds` × 2^attempts, at most `max_backoff_seconds`, less up to `jitter`
  of it at random; never before a `Retry(after=…)`: a receiver's Retry-After) while the relay goes on with
  the rest of its batch. A final answer (accepted or refused) is settled by the handler.
- **Dead letters.** After `max_attempts` failed attempts a message is `dead`: not claimed until an admin
  replays it (`shared.outbox_admin`: listed with its last error, counted, replayed with fresh attempts);
  it still holds back its aggregate's later messages, which name it (`held_back_by`).
- **Wake-up.** A commit that enqueued something wakes the relay at once (`after_commit`); otherwise it
  polls every `poll_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Protocol

import structlog
from prometheus_client import Counter
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    event,
    exists,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shared.clock import Clock
from shared.db import Database, UTCDateTime
from shared.observability import current_request_id, current_traceparent, request_context
from shared.problems import ProblemError

OUTBOX_TABLE = "outbox"
log = structlog.get_logger("outbox")

DELIVERIES = Counter("outbox_deliveries_total", "Outbox messages settled", ["service", "kind", "outcome"])
FAILURES = Counter("outbox_failures_total", "Outbox delivery attempts that failed", ["service", "kind"])
DEAD = Counter(
    "outbox_dead_letters_total", "Outbox messages that became dead after their last attempt", ["service", "kind"]
)


def _columns(name: str = OUTBOX_TABLE) -> list[Any]:
    """The table as its first migration created it (kept as it was: that migration calls this)."""
    return [
        Column("id", BigInteger().with_variant(Integer, "sqlite"), autoincrement=True, nullable=False),
        Column("kind", String(40), nullable=False),
        Column("key", String(200), nullable=False),
        Column("aggregate", String(100), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("request_id", String(128), nullable=True),
        Column("traceparent", String(128), nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("available_at", UTCDateTime(), nullable=False),
        Column("claimed_until", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False),
        Column("last_error", Text, nullable=True),
        Column("delivered_at", UTCDateTime(), nullable=True),
        Column("outcome", String(20), nullable=True),
        PrimaryKeyConstraint("id", name=f"pk_{name}"),
        UniqueConstraint("key", name=f"uq_{name}_key"),
        Index(f"ix_{name}_pending", "delivered_at", "aggregate", "id"),
    ]


def _dead_letter_columns() -> list[Any]:  # added by the dead-letter migration (`add_dead_letter_columns`)
    return [Column(n, UTCDateTime(), nullable=True) for n in ("dead_at", "replayed_at")] + [
        Column("replayed_by", String(200), nullable=True)
    ]


def outbox_columns(name: str) -> list[Any]:
    """Every column of an outbox-shaped table `name` as it stands now (a new table's migration: webhooks)."""
    return [*_columns(name), *_dead_letter_columns()]


def outbox_table(md: MetaData, name: str = OUTBOX_TABLE) -> Table:
    """The service's outbox, in the service's metadata (`models.py`)."""
    return Table(name, md, *outbox_columns(name))


def add_dead_letter_columns(op: Any) -> None:
    """The migration step that adds `dead_at`, `replayed_at` and `replayed_by` (`op` is `alembic.op`)."""
    with op.batch_alter_table(OUTBOX_TABLE) as batch:
        [batch.add_column(column) for column in _dead_letter_columns()]


def drop_dead_letter_columns(op: Any) -> None:
    with op.batch_alter_table(OUTBOX_TABLE) as batch:
        [batch.drop_column(column.name) for column in _dead_letter_columns()]


def create_outbox_table(op: Any) -> None:
    """The migration step that creates the table from this one definition (`op` is `alembic.op`)."""
    op.create_table(OUTBOX_TABLE, *_columns())


def drop_outbox_table(op: Any) -> None:
    op.drop_table(OUTBOX_TABLE)


Wake = Callable[[], None]
"""What a request calls (after its commit) to have the relay look for work at once."""


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    key: str
    aggregate: str
    payload: dict[str, Any]
    attempts: int
    request_id: str | None
    traceparent: str | None
    created_at: dt.datetime


class Retry(Exception):
    """Raised by a handler's `send` for a transient failure: try again later — not before `after`
    seconds when the receiver said so (`Retry-After`), else after the relay's back-off."""

    def __init__(self, message: str, *, after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


class Handler(Protocol):
    """What a relay does with one kind of message."""

    async def send(self, message: Message) -> Any:
        """The remote effect (no database transaction held). Returns the receiver's final answer, or
        raises `Retry`/`UpstreamError` for a transient failure."""

    async def settle(self, session: AsyncSession, message: Message, result: Any) -> str:
        """The answer's local effect, in the transaction that marks the message done; the outcome recorded."""


async def enqueue(
    session: AsyncSession,
    table: Table,
    *,
    kind: str,
    key: str,
    aggregate: str,
    payload: dict[str, Any],
    at: dt.datetime,
    wake: Wake | None = None,
) -> bool:
    """Record a message in the caller's transaction (False: its key is already recorded, nothing added).
    `wake` is called once the transaction commits."""
    found = (await session.execute(select(table.c.id).where(table.c.key == key))).first()
    if found is not None:
        return False
    request_id, traceparent = current_request_id(), current_traceparent()
    await session.execute(
        table.insert().values(
            kind=kind,
            key=key,
            aggregate=aggregate,
            payload=payload,
            request_id=request_id,
            traceparent=traceparent,
            created_at=at,
            available_at=at,
            attempts=0,
        )
    )
    if wake is not None:
        event.listen(session.sync_session, "after_commit", lambda _s: wake(), once=True)
    return True


def aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


class Relay:
    """Delivers a service's outbox (see the module docstring). `run()` is the background loop started in
    the app's lifespan; `drain()` delivers everything due now (the CLI and tests)."""

    def __init__(
        self,
        service: str,
        db: Database,
        table: Table,
        handlers: Mapping[str, Handler],
        clock: Clock,
        *,
        batch: int = 20,
        lease_seconds: float = 60.0,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 300.0,
        poll_seconds: float = 1.0,
        max_attempts: int = 100,
        jitter: float = 0.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.service, self.db, self.table, self.handlers, self.clock = service, db, table, handlers, clock
        self.batch = batch
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.jitter, self.rng = jitter, rng
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Look for work now (called after a commit that enqueued something)."""
        self._wakeup.set()

    def _backoff(self, attempts: int, after: float | None = None) -> dt.timedelta:
        """The module docstring's back-off; a receiver's `after` is honoured up to `max_backoff_seconds`."""
        delay = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** max(0, attempts - 1))
        delay *= 1.0 - self.jitter * self.rng()
        if after is not None:
            delay = max(delay, min(after, self.max_backoff_seconds))
        return dt.timedelta(seconds=delay)

    async def _claim(self) -> list[Message]:
        t = self.table
        now = self.clock()
        earlier = aliased(t)
        due = (
            select(t.c.id)
            .where(
                t.c.delivered_at.is_(None),
                t.c.dead_at.is_(None),
                t.c.available_at <= now,
                (t.c.claimed_until.is_(None)) | (t.c.claimed_until < now),
                # one message per aggregate at a time, oldest first (a dead one holds back the later ones)
                ~exists().where(
                    and_(earlier.c.aggregate == t.c.aggregate, earlier.c.delivered_at.is_(None), earlier.c.id < t.c.id)
                ),
            )
            .order_by(t.c.id)
            .limit(self.batch)
            .with_for_update(skip_locked=True, of=t)
        )
        async with self.db.sessionmaker.begin() as session:
            ids = list((await session.execute(due)).scalars())
            if not ids:
                return []
            await session.execute(
                update(t).where(t.c.id.in_(ids)).values(claimed_until=now + self.lease, attempts=t.c.attempts + 1)
            )
            rows = (await session.execute(select(t).where(t.c.id.in_(ids)).order_by(t.c.id))).all()
        return [Message(**{f.name: getattr(r, f.name) for f in fields(Message)}) for r in rows]

    async def _deliver(self, message: Message) -> bool:
        """One attempt, as part of the request (and trace) that recorded the message; True when settled."""
        with request_context(message.request_id, message.traceparent, service=self.service):
            return await self._attempt(message)

    async def _attempt(self, message: Message) -> bool:
        t = self.table
        handler = self.handlers.get(message.kind)
        try:
            if handler is None:
                raise Retry(f"no handler for messages of kind {message.kind!r}")
            result = await handler.send(message)
        except Exception as exc:  # whatever the handler raises fails this message only, never the batch
            await self._failed(message, exc)
            return False
        try:
            async with self.db.sessionmaker.begin() as session:
                row = (
                    await session.execute(select(t.c.delivered_at).where(t.c.id == message.id).with_for_update())
                ).one_or_none()
                if row is None or row.delivered_at is not None:
                    return True  # settled by another relay meanwhile
                outcome = await handler.settle(session, message, result)
                await session.execute(
                    update(t)
                    .where(t.c.id == message.id)
                    .values(delivered_at=self.clock(), outcome=outcome, claimed_until=None, last_error=None)
                )
        except Exception as exc:  # the local effect failed and was rolled back: try the message again later
            await self._failed(message, exc)
            return False
        DELIVERIES.labels(self.service, message.kind, outcome).inc()
        log.info(
            "outbox message settled", kind=message.kind, key=message.key, outcome=outcome, attempts=message.attempts
        )
        return True

    async def _failed(self, message: Message, exc: Exception) -> None:
        """Record a failed attempt: retried after its back-off, or dead after `max_attempts`."""
        expected = isinstance(exc, Retry | ProblemError)  # an answer this service understood, not a fault
        error = str(exc) if expected else f"{type(exc).__name__}: {exc}"
        dead = message.attempts >= self.max_attempts
        FAILURES.labels(self.service, message.kind).inc()
        fields = {"kind": message.kind, "key": message.key, "attempts": message.attempts, "error": error}
        if dead:
            DEAD.labels(self.service, message.kind).inc()
            log.error("outbox message dead after its last attempt; an admin may replay it", **fields)
        elif expected:
            log.warning("outbox delivery failed; will retry", **fields)
        else:
            log.error("outbox delivery raised; will retry", exc_info=exc, **fields)
        now = self.clock()
        async with self.db.sessionmaker.begin() as session:
            await session.execute(
                update(self.table)
                .where(self.table.c.id == message.id, self.table.c.delivered_at.is_(None))
                .values(
                    claimed_until=None,
                    available_at=now + self._backoff(message.attempts, exc.after if isinstance(exc, Retry) else None),
                    last_error=error[:2000],
                    dead_at=now if dead else None,
                )
            )

    async def deliver_due(self) -> int:
        """Claim one batch and try each message once, all at once (a batch holds one message per
        aggregate, so nothing that must wait for another is sent beside it); the number claimed."""
        messages = await self._claim()
        await asyncio.gather(*(self._deliver(message) for message in messages))
        return len(messages)

    async def drain(self, *, rounds: int = 1000) -> int:
        """Deliver until nothing is due now (messages waiting for a back-off are left); the number tried."""
        total = 0
        for _ in range(rounds):
            claimed = await self.deliver_due()
            if claimed == 0:
                break
            total += claimed
        return total

    async def run(self) -> None:
        """The background loop: deliver, then wait for a wake-up or the poll interval."""
        while True:
            try:
                busy = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be down: keep the loop alive and try again
                logging.getLogger("outbox").exception("outbox relay round failed")
                busy = 0
            if busy:
                continue
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass


async def run_relay(relay: Relay) -> Callable[[], Awaitable[None]]:
    """Start `relay.run()` as a task (in the app's lifespan); returns the coroutine function that stops it."""
    task = asyncio.create_task(relay.run(), name=f"outbox-relay-{relay.service}")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop
