"""Statements compiled once and run as the driver's SQL: for a hot path whose statement is large enough
that SQLAlchemy's per-execution work (walking the statement for its compiled-cache key, building the
parameters by name) costs more than the round trip, and for a statement that is a transaction of its own."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession


class Precompiled:
    """A statement compiled once for a dialect and executed on a session's connection as the driver's
    SQL with positional parameters (`Connection.exec_driver_sql`), for a hot path whose statement is
    large: `session.execute` walks the whole statement on every call to make its compiled-cache key and
    then builds the parameters by name (for a commitment's one statement, with its CTEs, more CPU than the
    round trip). The bind processors of the statement's types (exact decimals, JSON, instants) are
    applied as `session.execute` would; bound values of the statement itself (literals) are kept. Results
    are the driver's rows, without result processors: for statements that return plain values (counts,
    codes)."""

    __slots__ = ("_values", "sql")

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if compiled.positiontup is None:
            raise ValueError(f"{dialect.name} has no positional parameters to precompile for")
        self.sql = compiled.string
        values: list[tuple[str, Any, bool, Any]] = []
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            values.append((name, processor, not bind.required, bind.effective_value))
        self._values = tuple(values)

    def parameters(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The positional parameters for `params` (by bind name), processed as SQLAlchemy would."""
        out = []
        for name, processor, fixed, value in self._values:
            if not fixed:
                value = params[name]
            out.append(value if processor is None else processor(value))
        return tuple(out)

    async def execute(self, session: AsyncSession, params: Mapping[str, Any]) -> Any:
        """Run it in `session`'s transaction (begun if need be); the `CursorResult`."""
        connection = await session.connection()
        return await connection.exec_driver_sql(self.sql, self.parameters(params))

    async def run_alone(
        self, engine: AsyncEngine, params: Mapping[str, Any], *, turn: AbstractAsyncContextManager[None] | None = None
    ) -> Any:
        """Run it as a transaction of its own: one statement outside any transaction (PostgreSQL commits
        it when it ends, or undoes all of it if it fails), on a pooled connection of its own, straight on
        the driver: no BEGIN and COMMIT round trips, no session (on a commitment, a fifth of its CPU).
        The driver's row (asyncpg: a `Record`). The caller's session must hold no connection meanwhile (a
        request holding two could, with every pooled connection so held, wait for ever). The driver's
        errors come wrapped as `session.execute` wraps them (`DBAPIError`, the original as `orig`), with
        a connection that broke or was abandoned mid-statement (cancelled, timed out) invalidated: its
        state is unknown, so the pool replaces it. `turn` (e.g. `shared.turns.hot_row_turn`) is waited for
        once the connection is in hand, and held while the statement runs: whoever holds the turn never
        waits for a pooled connection that the requests queued behind it hold."""
        raw = await engine.raw_connection()
        sent = False
        try:
            async with turn or nullcontext():
                sent = True
                return await raw.driver_connection.fetchrow(self.sql, *self.parameters(params))  # type: ignore[union-attr]
        except asyncpg.PostgresError as exc:  # the server refused the statement: the connection is fine
            raise DBAPIError(self.sql, None, exc) from exc
        except asyncpg.InterfaceError as exc:
            raw.invalidate(exc)
            raise DBAPIError(self.sql, None, exc, connection_invalidated=True) from exc
        except BaseException as exc:  # OSError, TimeoutError, cancellation: the statement's fate is unknown
            if sent:  # (cancelled while waiting for the turn, the connection was never used)
                raw.invalidate(exc if isinstance(exc, Exception) else None)
            raise
        finally:
            raw.close()  # back to the pool (an invalidated connection is discarded)
