"""`Idempotency-Key` for every POST that creates something or moves state or money.

The same key with the same body returns the first result (same status, same JSON); the same key with
another body gets 422; a second request racing the first with the same key waits for it and then
returns its result: the key is claimed (its row inserted) BEFORE the work, so PostgreSQL makes the
second request wait on the key's primary key until the first commits (then it replays the answer) or
rolls back (then it does the work itself); SQLite serialises writers anyway. The claim is one statement
(`INSERT … ON CONFLICT DO NOTHING RETURNING`): no savepoint, and a lookup only when the key was used.
A work that only reads until its last step (`reads_only`, e.g. a new commitment) is done first and the
key claimed with its answer in one statement, before that last step writes anything (on PostgreSQL as
part of the last step's own statement); a racing request waits on that claim the same way, and a request
that finds the key taken rolls back and replays the recorded answer.

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

import orjson
from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Integer, MetaData, PrimaryKeyConstraint, String, Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert, ReturningInsert, Update

from shared.app import DbSession
from shared.auth import TokenPrincipal, authenticated
from shared.clock import Now
from shared.db import CompactJSON
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


class JSONAnswer(JSONResponse):
    """An answer's JSON written by orjson: the bytes starlette's `JSONResponse` writes (compact, UTF-8)
    for what an answer holds — model dumps and recorded answers: strings, integers, booleans, null, lists,
    objects — at a fraction of the cost, on every idempotent POST."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def _idempotency_columns() -> list[Any]:
    return [
        Column("scope", String(300), nullable=False),
        Column("key", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response", CompactJSON, nullable=False),
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
    reads_only: bool = False,
) -> JSONResponse:
    """Do `work()` once per (caller, endpoint, key) and answer with its JSON; replay it for a retry.

    Without a key the work is simply done. Errors raised by `work` are not recorded: the transaction
    rolls back and a retry with the same key tries again.

    `reads_only`: the work writes nothing before its `Answer.finish` (it may read). The key is then
    claimed after the work, together with its answer, in one statement (which the finish may make part
    of its own): a retry or a concurrent request with the key does the reading again, then finds the key
    taken (on PostgreSQL its claim waits until the other transaction ends), rolls back whatever its
    finish wrote and replays the recorded answer. A work that fails claims the key before it answers
    with its error, so that a used key is still replayed (or refused with 422 for another body).
    """
    if key is None:
        result = await work()
        body, status = _answer(result, status_code)
        if isinstance(result, Answer) and result.finish is not None:
            await result.finish(Recording(session, None, {}))
        return JSONAnswer(body, status_code=status, headers=headers(body) if headers else None)

    scope = key_scope(caller, request)
    digest = await fingerprint(request)
    claim = {"i_scope": scope, "i_key": key, "i_hash": digest, "i_status": 0, "i_response": {}, "i_at": at}

    async def replay() -> JSONResponse:
        # The key was used: by an earlier request, or by a concurrent one that has committed by now
        # (PostgreSQL held the claim until then; had it rolled back, the claim would have succeeded).
        row = (await session.execute(_lookup_statement(table), {"l_scope": scope, "l_key": key})).one_or_none()
        if row is None or row.status_code == 0:
            raise Conflict(
                "a request with this Idempotency-Key is still being processed; retry to get its result",
                slug="idempotency-race",
            )
        if row.request_hash != digest:
            raise Unprocessable(
                "this Idempotency-Key was already used with a different request body",
                errors=[FieldError(field="header.Idempotency-Key", message="reused with another body")],
            )
        return JSONAnswer(
            row.response,
            status_code=row.status_code,
            headers={"Idempotent-Replayed": "true", **(headers(row.response) if headers else {})},
        )

    if reads_only:
        try:
            result = await work()
        except Exception as error:
            try:
                free = await _claim(session, table, claim)
            except Exception:
                raise error from None  # the claim failed too (e.g. the database): the work's error stands
            if free:
                raise  # the error is the answer (the rollback frees the key again)
            return await replay()
        body, status = _answer(result, status_code)
        recording = Recording(
            session, _claim_statement(session, table), {**claim, "i_status": status, "i_response": body}
        )
    else:
        if not await _claim(session, table, claim):
            return await replay()
        result = await work()
        body, status = _answer(result, status_code)
        recording = Recording(
            session, _record_statement(table), {"r_scope": scope, "r_key": key, "r_status": status, "r_response": body}
        )
    if isinstance(result, Answer) and result.finish is not None:
        await result.finish(recording)
        if recording.recorded is None:
            raise RuntimeError("an Answer.finish must record the answer (Recording.run, or done after folding it)")
    else:
        await recording.run()
    if not recording.recorded:
        await session.rollback()  # the key was taken meanwhile: undo what the finish wrote
        return await replay()
    return JSONAnswer(body, status_code=status, headers=headers(body) if headers else None)


_CLAIMS: dict[tuple[Table, str], ReturningInsert[Any]] = {}
"""The claim statement per (table, dialect), built once."""


def _claim_statement(session: AsyncSession, table: Table) -> ReturningInsert[Any]:
    """Insert the key's row unless the key is recorded already, returning the key when this request
    claimed it. On PostgreSQL a concurrent claim of the same key waits until the other transaction ends.
    Parameters `i_scope`, `i_key`, `i_hash`, `i_status`, `i_response`, `i_at` (status 0 and an empty
    answer while the work is still to be done)."""
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
                status_code=bindparam("i_status", type_=table.c.status_code.type),
                response=bindparam("i_response", type_=table.c.response.type),
                created_at=bindparam("i_at", type_=table.c.created_at.type),
            )
            .on_conflict_do_nothing(index_elements=["scope", "key"])
            .returning(table.c.key)
        )
        _CLAIMS[(table, dialect)] = stmt
    return stmt


async def _claim(session: AsyncSession, table: Table, params: dict[str, Any]) -> bool:
    """Record the key (answer still empty) unless it is recorded already: True when this request claimed it."""
    return (await session.execute(_claim_statement(session, table), params)).first() is not None


_LOOKUPS: dict[Table, Any] = {}


def _lookup_statement(table: Table) -> Any:
    stmt = _LOOKUPS.get(table)
    if stmt is None:
        stmt = _LOOKUPS[table] = select(table).where(
            table.c.scope == bindparam("l_scope"), table.c.key == bindparam("l_key")
        )
    return stmt


_RECORDS: dict[Table, Update] = {}
"""The UPDATE that records a claimed key's answer, per table, built once."""


def _record_statement(table: Table) -> Update:
    stmt = _RECORDS.get(table)
    if stmt is None:
        stmt = (
            table.update()
            .where(table.c.scope == bindparam("r_scope"), table.c.key == bindparam("r_key"))
            .values(
                status_code=bindparam("r_status"),
                response=bindparam("r_response", type_=table.c.response.type),
            )
        )
        _RECORDS[table] = stmt
    return stmt


class Recording:
    """How the answer of the key is recorded: `statement` with `params`, or None when the request had no key
    (nothing to record). Either the UPDATE that fills in the claimed key's row (`claims` False), or, for
    a work that `reads_only`, the INSERT that claims the key with its answer (`claims` True; it inserts
    nothing and returns no row when the key is taken: the request then replays the recorded answer).

    `Answer.finish` gets it and records before anything else it writes (`await recording.run()`, which
    says whether it recorded; when not, the finish writes nothing) or, to spare a round trip, makes
    `statement` part of its own statement (a data-modifying CTE on PostgreSQL, parameters `params`) and
    calls `done(recorded)`. A claim so folded must come before any row lock the statement takes (e.g. a
    condition on the claim's CTE): two requests with one key must not each hold what the other waits for."""

    __slots__ = ("claims", "params", "recorded", "session", "statement")

    def __init__(self, session: AsyncSession, statement: Insert | Update | None, params: dict[str, Any]) -> None:
        self.session = session
        self.statement = statement
        self.params = params
        self.claims = isinstance(statement, Insert)
        self.recorded: bool | None = True if statement is None else None
        """Whether the answer is recorded by this request; None until it is run or folded."""

    async def run(self) -> bool:
        """Record the answer now, once: True when it is recorded (False: the key was taken meanwhile)."""
        if self.recorded is None:
            assert self.statement is not None
            result = await self.session.execute(self.statement, self.params)
            self.recorded = result.first() is not None if self.claims else True
        return self.recorded

    def done(self, recorded: bool = True) -> None:
        """The finish has executed `statement` itself (with `params`); `recorded`: whether it recorded."""
        self.recorded = recorded


@dataclass(frozen=True)
class Answer:
    """What `work` returns when its status is not the endpoint's usual one (e.g. 200 for an existing
    resource at an endpoint that answers 201 when it creates), or when it has a last step."""

    body: BaseModel | dict[str, Any]
    status_code: int
    finish: Callable[[Recording], Awaitable[None]] | None = None
    """The work's last step, in the same transaction, given the `Recording` of the answer: it records the
    answer first, or in its own statement, so that a row lock it takes is held only to the commit. If it
    raises, nothing is recorded (the transaction rolls back), so the answer must not depend on it."""


def _encode(body: BaseModel | dict[str, Any]) -> Any:
    # A model's JSON form straight from pydantic (what `jsonable_encoder` makes of it, without its walk).
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True)
    return jsonable_encoder(body)


def _answer(result: BaseModel | dict[str, Any] | Answer, status_code: int) -> tuple[Any, int]:
    if isinstance(result, Answer):
        return _encode(result.body), result.status_code
    return _encode(result), status_code


@dataclass(frozen=True)
class Idempotent:
    """The request's idempotency context: call it with the endpoint's work (see `run_idempotent`).
    `session` is the request's session (`DbSession`) and `at` its instant (`Now`): an endpoint may take
    them from here rather than declare them again (each dependency an endpoint declares is solved anew,
    with its own dependencies, on every request)."""

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
        reads_only: bool = False,
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
            reads_only=reads_only,
        )


def idempotency(table: Table) -> Callable[..., Awaitable[Idempotent]]:
    """Dependency factory for a service's POSTs: `Annotated[Idempotent, Depends(idempotency(table))]`.

    It shares the request's session (FastAPI caches `DbSession` per request), so the work and its key
    commit together; the caller is the token's subject, so keys of different clients never collide."""

    async def dependency(
        request: Request, session: DbSession, principal: TokenPrincipal, now: Now, key: IdempotencyKeyHeader = None
    ) -> Idempotent:
        caller = authenticated(principal).sub
        return Idempotent(session=session, table=table, request=request, key=key, caller=caller, at=now)

    return dependency


STATEMENTS_TABLE = idempotency_table(MetaData())
"""The same table as each service's (`idempotency_table` in its `models.py`, created by its migrations),
for the statements of the one shared dependency: a statement needs the table's name and columns only."""

Idempotency = Annotated[Idempotent, Depends(idempotency(STATEMENTS_TABLE))]
"""Every POST that creates or moves state or money, in every service: `Idempotency-Key` replays the
first result (the one route alias of it)."""
