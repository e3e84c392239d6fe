"""Async SQLAlchemy for every service: engines for SQLite (embedded default) and PostgreSQL, one
transaction per request, exact decimal columns, and the Alembic wiring each service's env.py calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import JSON, BigInteger, DateTime, MetaData, Numeric, String, event, pool
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator

from shared.turns import WriterTurns

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def metadata() -> MetaData:
    """A MetaData with the project's constraint naming convention (stable names for migrations)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class Fixed(TypeDecorator[Decimal]):
    """An exact fixed-point decimal: NUMERIC(precision, scale) on PostgreSQL; on SQLite, which has no
    exact decimal type, an integer count of 10^-scale units, so that SUM() stays exact there too.
    Values with more places than `scale` are refused, never rounded."""

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int = 2, precision: int = 18) -> None:
        super().__init__()
        self.scale = scale
        self.precision = precision

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        q = Decimal(1).scaleb(-self.scale)
        if value != value.quantize(q):
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        if dialect.name == "sqlite":
            return int(value.scaleb(self.scale))
        return value.quantize(q)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        q = Decimal(1).scaleb(-self.scale)
        if dialect.name == "sqlite":
            return (Decimal(int(value)).scaleb(-self.scale)).quantize(q)
        return Decimal(value).quantize(q)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware instant, stored and read back in UTC on both backends. SQLite keeps no offset, so
    the value is normalised to UTC on the way in and marked UTC on the way out; a naive datetime is refused
    (it would be stored as whatever local time it meant). Every timestamp column of every service is one."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored; give a time zone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    @property
    def python_type(self) -> type[dt.datetime]:
        return dt.datetime


class CompactJSON(TypeDecorator[Any]):
    """A JSON column written by orjson (compact UTF-8, what `json.dumps` would write less its spaces and
    escapes; read back the same), for a document written on a hot path: an idempotency key's recorded
    answer, written with every idempotent POST. The column is JSON in the database as before."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        def process(value: Any) -> str:
            return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()

        return process


def Amount() -> Fixed:
    """A money amount column (two decimals)."""
    return Fixed(scale=2, precision=18)


def Code(length: int = 64) -> String:
    return String(length)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


READ_ONLY = "interreg_read_only"
"""Execution option marking a connection whose transactions only read (on SQLite: a deferred BEGIN)."""


def create_engine(
    url: str,
    *,
    echo: bool = False,
    connect_timeout: float | None = None,
    statement_timeout: float | None = None,
    pool_size: int = 30,
    max_overflow: int = 0,
) -> AsyncEngine:
    """An AsyncEngine. On SQLite (WAL, so readers never block the writer nor each other) a transaction
    that may write starts with BEGIN IMMEDIATE, which takes the write lock up front and so serialises
    writers (the embedded default's answer to concurrency: no lost update, no over-commit, and no
    deferred reader failing to upgrade mid-transaction); a busy timeout makes a writer wait instead of
    failing with 'database is locked'. A read-only transaction (a connection with the execution option
    `READ_ONLY`, as `Database.reader` gives; the request session of GET/HEAD requests) starts with a
    plain deferred BEGIN: it reads a snapshot and takes no lock, so readers scale and wait for no writer."""
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Pooled: opening a connection (and its aiosqlite thread) costs milliseconds, more than a read.
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 60},
            poolclass=pool.AsyncAdaptedQueuePool,
            pool_size=5,
            max_overflow=10,
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        turns = WriterTurns()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Connection) -> None:
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
                return
            turns.take(conn)
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        for name in ("checkin", "invalidate", "close"):  # the transaction has ended: the next writer's turn
            event.listen(engine.sync_engine.pool, name, turns.give_back)
        return engine
    # PostgreSQL: a server that refuses or never answers fails the connection after `connect_timeout`
    # (also the wait for a pooled connection); a statement is cancelled by the server after
    # `statement_timeout`, and given up on by the client a second later if the server is silent.
    connect_args: dict[str, Any] = {}
    if connect_timeout is not None:
        connect_args["timeout"] = connect_timeout
    if statement_timeout is not None:
        connect_args["command_timeout"] = statement_timeout + 1
        connect_args["server_settings"] = {"statement_timeout": str(int(statement_timeout * 1000))}
    # By default up to 30 connections, each kept once opened (`<SERVICE>_DATABASE_POOL_SIZE`): with a pool
    # of 10 and 20 "overflow", a burst's connections were closed on their return and opened again (TCP, SSL
    # negotiation, startup) moments later, a round of handshakes in the middle of the requests waiting.
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=connect_timeout if connect_timeout is not None else 30,
        connect_args=connect_args,
    )
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 1.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is handed out."""


def _ping_when_idle(engine: AsyncEngine) -> None:
    """SQLAlchemy's `pool_pre_ping`, but only for a connection that has been idle in the pool for more
    than `PING_AFTER_IDLE_SECONDS`: on asyncpg that ping is three round trips (BEGIN, `;`, ROLLBACK) and
    under load, when every connection comes back within milliseconds, it was a fifth of a request's
    statements. A connection the server dropped while it sat idle (a restart, an idle timeout, a
    firewall) is replaced before use (`DisconnectionError` makes the pool reconnect); one that breaks
    within the second is caught by SQLAlchemy's disconnect handling, which fails that statement and
    invalidates the whole pool so the next checkouts reconnect."""

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            raise DisconnectionError(f"a pooled connection did not answer: {exc}") from exc


class Database:
    """The engine and session factory of one service, made in the app's lifespan."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        connect_timeout: float | None = None,
        statement_timeout: float | None = None,
        pool_size: int = 30,
        max_overflow: int = 0,
    ) -> None:
        self.url = url
        self.engine = create_engine(
            url,
            echo=echo,
            connect_timeout=connect_timeout,
            statement_timeout=statement_timeout,
            pool_size=pool_size,
            max_overflow=max_overflow,
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.reader = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False, autoflush=False
        )
        """Sessions that only read: on SQLite a plain BEGIN (no write lock); writes belong in `sessionmaker`."""

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def dispose(self) -> None:
        await self.engine.dispose()


async def session_scope(db: Database, *, read_only: bool = False) -> AsyncIterator[AsyncSession]:
    """One transaction: commit when the body finishes, roll back on any error. The only commit.
    `read_only` (GET/HEAD requests) takes a `Database.reader` session: on SQLite no write lock."""
    async with (db.reader if read_only else db.sessionmaker)() as session:
        try:
            yield session
            if session.in_transaction():  # a session that never began one has nothing to commit
                await session.commit()
        except BaseException:
            if session.in_transaction():
                await session.rollback()
            raise


def run_migrations(connection_url: str, target_metadata: MetaData, context: Any) -> None:
    """Body of every service's Alembic `env.py` (online, async engine; offline emits SQL)."""
    if context.is_offline_mode():
        context.configure(
            url=connection_url,
            target_metadata=target_metadata,
            literal_binds=True,
            render_as_batch=is_sqlite(connection_url),
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    def _do(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def _run() -> None:
        engine = create_engine(connection_url)
        async with engine.connect() as conn:
            await conn.run_sync(_do)
            await conn.commit()
        await engine.dispose()

    existing = context.config.attributes.get("connection")
    if existing is not None:
        _do(existing)
        return
    asyncio.run(_run())


def upgrade(alembic_ini: Path, url: str, revision: str = "head") -> None:
    """Run a service's migrations programmatically (the `migrate` command and the tests)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(alembic_ini))
    cfg.set_main_option("script_location", str(alembic_ini.parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(cfg, revision)
        return
    # Called from async code (tests): env.py runs its own event loop, so give it a thread.
    import threading

    errors: list[BaseException] = []

    def _target() -> None:
        try:
            command.upgrade(cfg, revision)
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=_target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
