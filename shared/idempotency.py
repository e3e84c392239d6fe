"""`Idempotency-Key` for every POST that creates something or moves state or money.

The same key with the same body returns the first result (same status, same JSON); the same key with
another body gets 422; a second request racing the first with the same key waits for it and then
returns its result: the key is claimed (its row inserted) BEFORE the work, so PostgreSQL makes the
second request wait on the key's primary key until the first commits (then it replays the answer) or
rolls back (then it does the work itself); SQLite serialises writers anyway. The claim is one statement
(`INSERT … ON CONFLICT DO NOTHING RETURNING`): no savepoint, and a lookup only when the key was used.

The key row is written in the same transaction as the work, so the work and its recorded result
commit together or not at all: a request that failed can be retried with its key and is done once.
Keys are scoped to the caller and the endpoint, so two clients cannot collide. (Work that must happen
once whoever asks, such as a commitment per application version, is made idempotent by its business
key in the service itself; the key only makes one client's retry safe.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, PrimaryKeyConstraint, String, Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from shared.app import DbSession
from shared.auth import CurrentPrincipal
from shared.clock import Now
from shared.problems import Conflict, FieldError, Unprocessable

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Makes a retry safe: the same key and body return the first result; another body gets 422",
    ),
]


IDEMPOTENCY_TABLE = "idempotency_keys"


def _idempotency_columns() -> list[Any]:
    return [
        Column("scope", String(300), nullable=False),
        Column("key", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("scope", "key", name=f"pk_{IDEMPOTENCY_TABLE}"),
    ]


def idempotency_table(md: MetaData) -> Table:
    """The service's table of used keys, in the service's metadata (`models.py`)."""
    return Table(IDEMPOTENCY_TABLE, md, *_idempotency_columns())


def create_idempotency_table(op: Any) -> None:
    """The migration step that creates the table from this one definition (`op` is `alembic.op`)."""
    op.create_table(IDEMPOTENCY_TABLE, *_idempotency_columns())


def drop_idempotency_table(op: Any) -> None:
    op.drop_table(IDEMPOTENCY_TABLE)


def key_scope(caller: str, request: Request) -> str:
    """The scope a key is recorded under: the caller and the endpoint (keys of different clients never collide)."""
    return f"{caller}|{request.method} {request.url.path}"


async def fingerprint(request: Request) -> str:
    """Hash of method, path, query and body (JSON compared by value, not by whitespace)."""
    raw = await request.body()
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() if raw else b""
    except ValueError:
        canonical = raw
    h = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), str(request.url.query).encode(), canonical):
        h.update(part)
        h.update(b"\x00")
    return h.hexdigest()


async def run_idempotent(
    *,
    session: AsyncSession,
    table: Table,
    request: Request,
    key: str | None,
    caller: str,
    at: datetime,
    work: Callable[[], Awaitable[BaseModel | dict[str, Any] | Answer]],
    status_code: int = 200,
    headers: Callable[[dict[str, Any]], dict[str, str]] | None = None,
) -> JSONResponse:
    """Do `work()` once per (caller, endpoint, key) and answer with its JSON; replay it for a retry.

    Without a key the work is simply done. Errors raised by `work` are not recorded: the transaction
    rolls back and a retry with the same key tries again.
    """
    if key is None:
        result = await work()
        body, status = _answer(result, status_code)
        if isinstance(result, Answer) and result.finish is not None:
            await result.finish()
        return JSONResponse(body, status_code=status, headers=headers(body) if headers else None)

    scope = key_scope(caller, request)
    digest = await fingerprint(request)

    async def _lookup() -> Any:
        return (await session.execute(select(table).where(table.c.scope == scope, table.c.key == key))).one_or_none()

    def _replay(row: Any) -> JSONResponse:
        if row.request_hash != digest:
            raise Unprocessable(
                "this Idempotency-Key was already used with a different request body",
                errors=[FieldError(field="header.Idempotency-Key", message="reused with another body")],
            )
        return JSONResponse(
            row.response,
            status_code=row.status_code,
            headers={"Idempotent-Replayed": "true", **(headers(row.response) if headers else {})},
        )

    if not await _claim(session, table, scope=scope, key=key, digest=digest, at=at):
        # The key was used: by an earlier request, or by a concurrent one that has committed by now
        # (PostgreSQL held the claim until then; had it rolled back, the claim would have succeeded).
        existing = await _lookup()
        if existing is None or existing.status_code == 0:
            raise Conflict(
                "a request with this Idempotency-Key is still being processed; retry to get its result",
                slug="idempotency-race",
            )
        return _replay(existing)

    result = await work()
    body, status = _answer(result, status_code)
    await session.execute(
        table.update().where(table.c.scope == scope, table.c.key == key).values(status_code=status, response=body)
    )
    if isinstance(result, Answer) and result.finish is not None:
        await result.finish()
    return JSONResponse(body, status_code=status, headers=headers(body) if headers else None)


_CLAIMS: dict[tuple[Table, str], ReturningInsert[Any]] = {}
"""The claim statement per (table, dialect), built once."""


async def _claim(session: AsyncSession, table: Table, *, scope: str, key: str, digest: str, at: datetime) -> bool:
    """Record the key (answer still empty) unless it is recorded already: True when this request claimed it.
    On PostgreSQL a concurrent claim of the same key waits here until the other transaction ends."""
    dialect = session.get_bind().dialect.name
    stmt = _CLAIMS.get((table, dialect))
    if stmt is None:
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            upsert(table)
            .values(
                scope=bindparam("i_scope"),
                key=bindparam("i_key"),
                request_hash=bindparam("i_hash"),
                status_code=0,
                response=bindparam("i_response", type_=table.c.response.type),
                created_at=bindparam("i_at", type_=table.c.created_at.type),
            )
            .on_conflict_do_nothing(index_elements=["scope", "key"])
            .returning(table.c.key)
        )
        _CLAIMS[(table, dialect)] = stmt
    params = {"i_scope": scope, "i_key": key, "i_hash": digest, "i_response": {}, "i_at": at}
    return (await session.execute(stmt, params)).first() is not None


@dataclass(frozen=True)
class Answer:
    """What `work` returns when its status is not the endpoint's usual one (e.g. 200 for an existing
    resource at an endpoint that answers 201 when it creates)."""

    body: BaseModel | dict[str, Any]
    status_code: int
    finish: Callable[[], Awaitable[None]] | None = None
    """The work's last step, run after its answer is recorded, in the same transaction: a row lock it
    takes is then held only to the commit. If it raises, nothing is recorded (the transaction rolls
    back), so the answer must not depend on it."""


def _answer(result: BaseModel | dict[str, Any] | Answer, status_code: int) -> tuple[Any, int]:
    if isinstance(result, Answer):
        return jsonable_encoder(result.body), result.status_code
    return jsonable_encoder(result), status_code


@dataclass(frozen=True)
class Idempotent:
    """The request's idempotency context: call it with the endpoint's work (see `run_idempotent`)."""

    session: AsyncSession
    table: Table
    request: Request
    key: str | None
    caller: str
    at: datetime

    @property
    def scope(self) -> str:
        """Where this request's key is recorded (`key_scope`)."""
        return key_scope(self.caller, self.request)

    async def __call__(
        self,
        *,
        work: Callable[[], Awaitable[BaseModel | dict[str, Any] | Answer]],
        status_code: int = 200,
        headers: Callable[[dict[str, Any]], dict[str, str]] | None = None,
    ) -> JSONResponse:
        return await run_idempotent(
            session=self.session,
            table=self.table,
            request=self.request,
            key=self.key,
            caller=self.caller,
            at=self.at,
            work=work,
            status_code=status_code,
            headers=headers,
        )


def idempotency(table: Table) -> Callable[..., Awaitable[Idempotent]]:
    """Dependency factory for a service's POSTs: `Annotated[Idempotent, Depends(idempotency(table))]`.

    It shares the request's session (FastAPI caches `DbSession` per request), so the work and its key
    commit together; the caller is the token's subject, so keys of different clients never collide."""

    async def dependency(
        request: Request, session: DbSession, principal: CurrentPrincipal, now: Now, key: IdempotencyKeyHeader = None
    ) -> Idempotent:
        return Idempotent(session=session, table=table, request=request, key=key, caller=principal.sub, at=now)

    return dependency
