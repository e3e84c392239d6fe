"""The version of a service's reference data, as its database holds it, known in process within a bound.

In-process caches of reference data (the catalogue's encoded answers) are keyed by a *data version*: a
value that the database changes on every write of that data and only then. Several replicas share one
database, so the version lives there; each replica reads it at most once per `interval` of its app
clock (`app.state.clock`), so a change made through another replica is noticed within `interval`, and
in between a read costs no database round trip. A replica's own writes are seen at once:
`ExpireOnWriteMiddleware` makes the next read re-read the version after any request that may write
(every method but GET, HEAD and OPTIONS), once its transaction has committed.

`read` may also answer an instant after which the version must be re-read whatever the interval (the
catalogue: the next opening or closing of a call, when answers that show a call's status change).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Collection, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.clock import Clock
from shared.db import Database

T = TypeVar("T")

Reader = Callable[[dt.datetime], Awaitable[tuple[Hashable, dt.datetime | None]]]
"""Reads (version, valid until or None) at an instant; `DataVersion` calls it in a read-only session."""


class DataVersion:
    """The current data version, re-read from the database at most every `interval` (app clock).

    Concurrent requests that find it due share one read. `expire()` forces the next `current()` to
    re-read (after a write of this replica), and a read that was already under way when `expire()` was
    called cannot put its older answer back.
    """

    def __init__(self, read: Reader, clock: Clock, interval: dt.timedelta) -> None:
        self.read = read
        self.clock = clock
        self.interval = interval
        self._value: Hashable = None
        self._due: dt.datetime | None = None  # None: unknown or expired
        self._checked_at: dt.datetime | None = None
        self._generation = 0
        self._reading: asyncio.Future[Hashable] | None = None

    async def current(self) -> Hashable:
        """The data version, read from the database if the last read is older than `interval`."""
        now = self.clock()
        if self._due is not None and self._checked_at is not None and self._checked_at <= now < self._due:
            return self._value
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._refresh(now, self._generation))
        reading = self._reading
        try:
            return await asyncio.shield(reading)
        finally:
            if self._reading is reading and reading.done():
                self._reading = None

    async def _refresh(self, now: dt.datetime, generation: int) -> Hashable:
        value, valid_until = await self.read(now)
        if generation == self._generation:
            due = now + self.interval
            self._value, self._checked_at = value, now
            self._due = min(due, valid_until) if valid_until is not None else due
        return value

    def expire(self) -> None:
        """Re-read the version on the next `current()` (this replica has just written)."""
        self._generation += 1
        self._due = None
        self._reading = None


def version_row(
    db: Database, read: Callable[[AsyncSession], Awaitable[Hashable]], clock: Clock, interval: dt.timedelta
) -> DataVersion:
    """The `DataVersion` of a version row that `read` returns (in a read-only session of `db`), re-read at
    most every `interval` of `clock`."""

    async def reader(_now: dt.datetime) -> tuple[Hashable, dt.datetime | None]:
        async with db.reader() as session:
            return await read(session), None

    return DataVersion(reader, clock, interval)


class PerVersion(Generic[T]):
    """A value `load` reads from the database, read again only when `version` has changed. Concurrent
    callers that find it stale share one read. It is tagged with the version known *before* the read, so
    a write that lands during the read makes the next caller read again rather than keep the older tag."""

    def __init__(self, version: DataVersion, load: Callable[[], Awaitable[T]]) -> None:
        self.version = version
        self.load = load
        self._kept: tuple[Hashable, T] | None = None
        self._lock = asyncio.Lock()

    async def current(self) -> T:
        version = await self.version.current()
        kept = self._kept
        if kept is not None and kept[0] == version:
            return kept[1]
        async with self._lock:
            kept = self._kept
            if kept is not None and kept[0] == version:  # read meanwhile by another caller
                return kept[1]
            value = await self.load()
            self._kept = (version, value)
            return value


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ExpireOnWriteMiddleware:
    """After a request that may write (not GET/HEAD/OPTIONS), expire `app.state.data_version` when the
    answer starts: the request's transaction has committed by then (`shared.app.DbSession`), so the
    client's next read, on this replica, sees its write. `unversioned_paths`: paths whose writes change
    none of the versioned data (the eligibility check writes nothing; a commitment writes no programme
    reference data): they expire nothing."""

    def __init__(self, app: ASGIApp, *, unversioned_paths: Collection[str] = ()) -> None:
        self.app = app
        self.unversioned_paths = frozenset(unversioned_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") in SAFE_METHODS
            or scope.get("path") in self.unversioned_paths
        ):
            await self.app(scope, receive, send)
            return
        version: DataVersion | None = getattr(scope["app"].state, "data_version", None)

        async def send_and_expire(message: Message) -> None:
            if message["type"] == "http.response.start" and version is not None:
                version.expire()
            await send(message)

        try:
            await self.app(scope, receive, send_and_expire)
        finally:
            if version is not None:
                version.expire()


def create_data_version(op: Any, tables: list[str]) -> None:
    """Migration step: the `data_version` table (one row, id 1, version 1) and the triggers that bump it on
    every write of `tables` (`create_version_triggers`). `op` is `alembic.op`."""
    import sqlalchemy as sa

    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 1)")
    create_version_triggers(op, "data_version", tables)


def drop_data_version(op: Any, tables: list[str]) -> None:
    """The downgrade of `create_data_version`."""
    drop_version_triggers(op, "data_version", tables)
    op.drop_table("data_version")


def create_version_triggers(op: Any, version_table: str, tables: list[str]) -> None:
    """Migration step: `version_table` (one row, id 1) is bumped by the database on every inserted,
    updated or deleted row of each of `tables`, whichever process writes (row triggers: a statement that
    changes nothing, such as a reload of unchanged data, bumps nothing). `op` is `alembic.op`."""
    bind = op.get_bind()
    bump = (
        f"INSERT INTO {version_table} (id, version) VALUES (1, 1) "
        f"ON CONFLICT (id) DO UPDATE SET version = {version_table}.version + 1"
    )
    if bind.dialect.name == "postgresql":
        op.execute(
            f"CREATE OR REPLACE FUNCTION bump_{version_table}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {bump}; RETURN NULL; END $$"
        )
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_{version_table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION bump_{version_table}()"
            )
    else:
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_{version_table}_{event.lower()} AFTER {event} ON {table} BEGIN {bump}; END"
                )


def drop_version_triggers(op: Any, version_table: str, tables: list[str]) -> None:
    """The downgrade of `create_version_triggers`."""
    bind = op.get_bind()
    for table in tables:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{version_table} ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{version_table}_{event}")
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS bump_{version_table}()")
