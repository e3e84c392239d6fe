"""Transactional outbox: the messages a service owes other services, recorded in the same transaction
as the state change that owes them, and delivered by a relay until they are settled.

    request transaction:  state change + `outbox_records.enqueue(...)`   (one commit: both or neither)
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
- **Batches.** A kind whose handler is `Batched` is sent as one call for all its messages of a batch
  (`send_many`: the eligibility checks of a burst of submissions in one request) and settled in one
  transaction (`settle_many`); when that transaction fails, each message is settled alone, so one bad
  message fails only itself. Other kinds, and a batch's lone message (so that it stays in its request's
  trace), are sent at once, at most `concurrency` at a time.
- **Rounds at once.** `workers` rounds of claim → send → settle run at once, so one round's call waits
  while another settles (a claim never takes what another holds, nor a message behind it).
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
from typing import Any, Protocol, runtime_checkable

import structlog
from prometheus_client import Counter
from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shared.clock import Clock
from shared.db import Database
from shared.observability import request_context
from shared.problems import ProblemError

log = structlog.get_logger("outbox")

DELIVERIES = Counter("outbox_deliveries_total", "Outbox messages settled", ["service", "kind", "outcome"])
FAILURES = Counter("outbox_failures_total", "Outbox delivery attempts that failed", ["service", "kind"])
DEAD = Counter(
    "outbox_dead_letters_total", "Outbox messages that became dead after their last attempt", ["service", "kind"]
)


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


@runtime_checkable
class Batched(Handler, Protocol):
    """A handler that sends and settles the messages of its kind in a batch together."""

    async def send_many(self, messages: list[Message]) -> list[Any]:
        """Per message, in order: its answer, or the exception its `send` alone would have raised (that
        message fails, the others go on). Raising fails every message of the batch with that exception."""

    async def settle_many(self, session: AsyncSession, sent: list[tuple[Message, Any]]) -> list[str]:
        """Every answer's local effect, in the one transaction that marks them done; their outcomes, in order."""


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
        concurrency: int = 20,
        workers: int = 1,
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
        self._sending = asyncio.Semaphore(concurrency)
        self.workers = workers
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
        pending = aliased(t)
        # One message per aggregate at a time, oldest first (a dead one holds back the later ones): a message
        # is due when it is the oldest undelivered one of its aggregate, a lookup in the pending index per
        # message. (An anti-join, "no earlier undelivered message", is the same set, but PostgreSQL plans it
        # from the table's statistics, which a burst outruns, as a nested loop over the whole backlog per
        # message: 330 ms a claim for a backlog of 1,000, against 4 ms for this.)
        oldest = (
            select(func.min(pending.c.id))
            .where(pending.c.delivered_at.is_(None), pending.c.aggregate == t.c.aggregate)
            .scalar_subquery()
        )
        due = (
            select(t.c.id)
            .where(
                t.c.id == oldest,
                t.c.delivered_at.is_(None),
                t.c.dead_at.is_(None),
                t.c.available_at <= now,
                (t.c.claimed_until.is_(None)) | (t.c.claimed_until < now),
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
            async with self._sending:
                handler = self.handlers.get(message.kind)
                try:
                    if handler is None:
                        raise Retry(f"no handler for messages of kind {message.kind!r}")
                    result = await handler.send(message)
                except Exception as exc:  # whatever the handler raises fails this message only, never the batch
                    await self._failed(message, exc)
                    return False
            return await self._settle(handler, message, result)

    async def _settle(self, handler: Handler, message: Message, result: Any) -> bool:
        try:
            async with self.db.sessionmaker.begin() as session:
                if not await self._unsettled(session, [message]):
                    return True  # settled by another relay meanwhile
                outcome = await handler.settle(session, message, result)
                await self._done(session, [message], [outcome])
        except Exception as exc:  # the local effect failed and was rolled back: try the message again later
            await self._failed(message, exc)
            return False
        self._settled(message, outcome)
        return True

    async def _deliver_many(self, handler: Batched, messages: list[Message]) -> None:
        """A batch of one kind: sent in one call, settled in one transaction (the module docstring). The call
        is a request of its own (its id, `batch`, is in each message's settled line): it cannot be part of
        each message's request and trace, as a message sent alone is."""
        with request_context(service=self.service) as batch:
            try:
                answers = await handler.send_many(messages)
            except Exception as exc:  # the call failed: every message of it, each retried after its back-off
                answers = [exc] * len(messages)
        sent = []
        for message, answer in zip(messages, answers, strict=True):
            if isinstance(answer, Exception):
                with request_context(message.request_id, message.traceparent, service=self.service):
                    await self._failed(message, answer)
            else:
                sent.append((message, answer))
        if not sent:
            return
        try:
            async with self.db.sessionmaker.begin() as session:
                unsettled = await self._unsettled(session, [message for message, _ in sent])
                sent = [(message, answer) for message, answer in sent if message.id in unsettled]
                outcomes = await handler.settle_many(session, sent) if sent else []
                await self._done(session, [message for message, _ in sent], outcomes)
        except Exception:  # one message's effect failed the transaction (rolled back): each settled alone
            log.warning("outbox batch settle failed; settling its messages one by one", exc_info=True)
            for message, answer in sent:
                with request_context(message.request_id, message.traceparent, service=self.service):
                    await self._settle(handler, message, answer)
            return
        for (message, _), outcome in zip(sent, outcomes, strict=True):
            with request_context(message.request_id, message.traceparent, service=self.service):
                self._settled(message, outcome, batch=batch)

    async def _unsettled(self, session: AsyncSession, messages: list[Message]) -> set[int]:
        """The ids of `messages` still undelivered, locked until the transaction ends."""
        t = self.table
        ids = [message.id for message in messages]
        query = select(t.c.id).where(t.c.id.in_(ids), t.c.delivered_at.is_(None)).with_for_update()
        return set((await session.execute(query)).scalars())

    async def _done(self, session: AsyncSession, messages: list[Message], outcomes: list[str]) -> None:
        """Mark `messages` delivered with their outcomes (one statement per distinct outcome)."""
        t = self.table
        by_outcome: dict[str, list[int]] = {}
        for message, outcome in zip(messages, outcomes, strict=True):
            by_outcome.setdefault(outcome, []).append(message.id)
        now = self.clock()
        for outcome, ids in by_outcome.items():
            await session.execute(
                update(t)
                .where(t.c.id.in_(ids))
                .values(delivered_at=now, outcome=outcome, claimed_until=None, last_error=None)
            )

    def _settled(self, message: Message, outcome: str, batch: str | None = None) -> None:
        """Count and log a settled message (`batch`: the request id of the batch it was sent in)."""
        DELIVERIES.labels(self.service, message.kind, outcome).inc()
        log.info(
            "outbox message settled",
            kind=message.kind,
            key=message.key,
            outcome=outcome,
            attempts=message.attempts,
            **({"batch": batch} if batch else {}),
        )

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
        aggregate, so nothing that must wait for another is sent beside it): the messages of a `Batched`
        kind together, the others each alone; the number claimed."""
        messages = await self._claim()
        batches: dict[str, tuple[Batched, list[Message]]] = {}
        alone: list[Message] = []
        for message in messages:
            handler = self.handlers.get(message.kind)
            if isinstance(handler, Batched):
                batches.setdefault(message.kind, (handler, []))[1].append(message)
            else:
                alone.append(message)
        alone += [batch[0] for _, batch in batches.values() if len(batch) == 1]  # alone: in its request's trace
        await asyncio.gather(
            *(self._deliver(message) for message in alone),
            *(self._deliver_many(handler, batch) for handler, batch in batches.values() if len(batch) > 1),
        )
        return len(messages)

    async def drain(self, *, rounds: int = 1000) -> int:
        """Deliver until nothing is due now (messages waiting for a back-off are left); the number tried.
        `workers` rounds run at once, each until its claim finds nothing."""
        total = 0

        async def worker() -> None:
            nonlocal total
            for _ in range(rounds):
                claimed = await self.deliver_due()
                if claimed == 0:
                    break
                total += claimed

        await asyncio.gather(*(worker() for _ in range(self.workers)))
        return total

    async def run(self) -> None:
        """The background loop of `workers` rounds at once: deliver, then wait for a wake-up or the poll
        interval."""
        await asyncio.gather(*(self._loop() for _ in range(self.workers)))

    async def _loop(self) -> None:
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
