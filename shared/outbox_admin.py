"""The admin's view of a service's outbox, the same in every service that has one (`outbox_router`):

- `GET /v1/outbox?state=dead` — the messages by id, each with its state (`owed`, `failing`: tried and
  failed, to be tried again; `dead`: no more attempts until a replay; `delivered`), attempts, last error
  and, for one that waits behind a dead message of its aggregate, `held_back_by`.
- `GET /v1/outbox/{message_id}` — one message.
- `POST /v1/outbox/{message_id}/replay` — a dead message gets a fresh count of attempts and is due now
  (the relay is woken); with an `Idempotency-Key` a retried replay answers the first result, and a replay
  of a message that is not dead is a 409 naming its state.

Payloads are not shown: they may carry business data that an operator does not need to mend a delivery.
"""


# must read from the annotations as objects (a string naming a local cannot be resolved).

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Table, and_, event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.app import DbSession
from shared.auth import Admin
from shared.db import Database
from shared.idempotency import Idempotency
from shared.observability import OUTBOX_BACKLOG, OUTBOX_DEAD, OUTBOX_OLDEST_AGE
from shared.outbox import aware
from shared.outbox_records import Wake
from shared.pagination import Keyset, Page, Paging, paginate
from shared.problems import Conflict, NotFound, problem_responses
from shared.text import Bounded

MAX_ID = 2**63 - 1
log = structlog.get_logger("outbox")
TAG = {"name": "outbox", "description": "What this service owes other services: dead letters and their replay (admin)"}


async def observe_backlog(service: str, db: Database, table: Table, now: dt.datetime) -> None:
    """Set the outbox gauges (`outbox_backlog_messages`, `outbox_oldest_message_age_seconds`,
    `outbox_dead_messages`) of a service: the scrape-time collector of every service with an outbox."""
    async with db.sessionmaker() as session:
        count, oldest = await backlog(session, table)
        dead = await dead_count(session, table)
    OUTBOX_BACKLOG.labels(service).set(count)
    OUTBOX_OLDEST_AGE.labels(service).set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    OUTBOX_DEAD.labels(service).set(dead)


async def backlog(session: AsyncSession, table: Table) -> tuple[int, dt.datetime | None]:
    """How many messages are owed and still tried (not dead), and when the oldest of them was recorded."""
    row = (
        await session.execute(
            select(func.count(), func.min(table.c.created_at)).where(
                table.c.delivered_at.is_(None), table.c.dead_at.is_(None)
            )
        )
    ).one()
    return int(row[0]), aware(row[1])


async def dead_count(session: AsyncSession, table: Table) -> int:
    """How many messages are dead (waiting for an admin's replay)."""
    stmt = select(func.count()).where(table.c.delivered_at.is_(None), table.c.dead_at.is_not(None))
    return int((await session.execute(stmt)).scalar_one())


MessageState = Literal["owed", "failing", "dead", "delivered"]
STATES: tuple[MessageState, ...] = ("owed", "failing", "dead", "delivered")


@dataclass(frozen=True)
class MessageRow:
    """One message as an admin sees it (`list_messages`): no payload, which may carry business data."""

    id: int
    kind: str
    key: str
    aggregate: str
    state: MessageState
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    available_at: dt.datetime
    delivered_at: dt.datetime | None
    dead_at: dt.datetime | None
    outcome: str | None
    replayed_at: dt.datetime | None
    replayed_by: str | None
    held_back_by: int | None
    """The id of an earlier undelivered message of the same aggregate that is dead: this one waits for it."""


def state_filter(table: Table, state: MessageState) -> Any:
    t = table.c
    return {
        "owed": and_(t.delivered_at.is_(None), t.dead_at.is_(None), t.last_error.is_(None)),
        "failing": and_(t.delivered_at.is_(None), t.dead_at.is_(None), t.last_error.is_not(None)),
        "dead": and_(t.delivered_at.is_(None), t.dead_at.is_not(None)),
        "delivered": t.delivered_at.is_not(None),
    }[state]


def state_of(row: Any) -> MessageState:
    if row.delivered_at is not None:
        return "delivered"
    if row.dead_at is not None:
        return "dead"
    return "failing" if row.last_error is not None else "owed"


async def list_messages(
    session: AsyncSession,
    table: Table,
    *,
    state: MessageState | None,
    aggregate: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[MessageRow]:
    """Messages by id (oldest first), of one state and one aggregate if given, after `after_id`."""
    t = table.c
    stmt = select(table).order_by(t.id).limit(limit)
    if state is not None:
        stmt = stmt.where(state_filter(table, state))
    if aggregate is not None:
        stmt = stmt.where(t.aggregate == aggregate)
    if after_id is not None:
        stmt = stmt.where(t.id > after_id)
    rows = (await session.execute(stmt)).all()
    waiting = [r.aggregate for r in rows if r.delivered_at is None]
    dead_by_aggregate: dict[str, list[int]] = {}
    if waiting:
        dead = select(t.aggregate, t.id).where(
            t.aggregate.in_(sorted(set(waiting))), t.delivered_at.is_(None), t.dead_at.is_not(None)
        )
        for aggregate_of, dead_id in (await session.execute(dead.order_by(t.id))).all():
            dead_by_aggregate.setdefault(aggregate_of, []).append(dead_id)
    return [
        MessageRow(
            id=r.id,
            kind=r.kind,
            key=r.key,
            aggregate=r.aggregate,
            state=state_of(r),
            attempts=r.attempts,
            last_error=r.last_error,
            created_at=aware(r.created_at) or r.created_at,
            available_at=aware(r.available_at) or r.available_at,
            delivered_at=aware(r.delivered_at),
            dead_at=aware(r.dead_at),
            outcome=r.outcome,
            replayed_at=aware(r.replayed_at),
            replayed_by=r.replayed_by,
            held_back_by=(
                next((d for d in dead_by_aggregate.get(r.aggregate, []) if d < r.id), None)
                if r.delivered_at is None
                else None
            ),
        )
        for r in rows
    ]


async def get_message(session: AsyncSession, table: Table, message_id: int) -> MessageRow | None:
    rows = await list_messages(session, table, state=None, after_id=message_id - 1, limit=1)
    return rows[0] if rows and rows[0].id == message_id else None


class NotDeadYet(Exception):
    """`replay` of a message that is not dead (delivered, or still being tried)."""

    def __init__(self, state: MessageState) -> None:
        super().__init__(state)
        self.state = state


async def replay(
    session: AsyncSession, table: Table, message_id: int, *, by: str, at: dt.datetime, wake: Wake | None = None
) -> MessageRow | None:
    """An admin gives a dead message a fresh count of attempts, due now (None: no such message;
    `NotDeadYet` when it is not dead, so a second replay of one that is being tried again is refused)."""
    t = table.c
    row = (await session.execute(select(table).where(t.id == message_id).with_for_update())).one_or_none()
    if row is None:
        return None
    if state_of(row) != "dead":
        raise NotDeadYet(state_of(row))
    await session.execute(
        update(table)
        .where(t.id == message_id)
        .values(dead_at=None, attempts=0, available_at=at, claimed_until=None, replayed_at=at, replayed_by=by)
    )
    if wake is not None:
        event.listen(session.sync_session, "after_commit", lambda _s: wake(), once=True)
    log.info("outbox message replayed", kind=row.kind, key=row.key, by=by)
    return await get_message(session, table, message_id)


class OutboxMessage(BaseModel):
    id: int
    kind: str = Field(examples=["budget.commit"])
    key: str = Field(description="The business key, sent as the receiver's Idempotency-Key")
    aggregate: str = Field(description="Messages of one aggregate (an application) are delivered in order")
    state: MessageState
    attempts: int = Field(description="Attempts since it was recorded or last replayed")
    last_error: str | None
    created_at: dt.datetime
    available_at: dt.datetime = Field(description="Not tried before this instant (its back-off)")
    delivered_at: dt.datetime | None
    dead_at: dt.datetime | None
    outcome: str | None = Field(description="What the delivery settled, e.g. `delivered`, `refused`")
    replayed_at: dt.datetime | None
    replayed_by: str | None
    held_back_by: int | None = Field(
        description="An earlier message of the same aggregate that is dead: this one waits until it is delivered"
    )


class ById(Keyset):
    id: int = Field(ge=1, le=MAX_ID)


class MessageNotFound(NotFound):
    slug, title = "outbox-message-not-found", "No such outbox message"


class NotDead(Conflict):
    slug, title = "outbox-message-not-dead", "Only a dead message can be replayed"


def _out(row: MessageRow) -> OutboxMessage:
    return OutboxMessage.model_validate(row, from_attributes=True)


MessageId = Annotated[int, Path(ge=1, le=MAX_ID, description="The message's id")]


def outbox_router(table: Table, wake: Callable[[Request], Any]) -> APIRouter:
    """The routes above for a service's outbox `table`; `wake(request)` wakes its relay after a replay
    commits."""
    router = APIRouter(prefix="/v1", tags=[TAG["name"]])

    @router.get("/outbox", response_model=Page[OutboxMessage], responses=problem_responses(401, 403, 422))
    async def list_outbox(
        session: DbSession,
        principal: Admin,
        params: Paging,
        state: Annotated[MessageState | None, Query(description="Only messages in this state")] = None,
        aggregate: Annotated[
            Annotated[str, Bounded(100, min_length=1)] | None, Query(description="Only this aggregate's messages")
        ] = None,
    ) -> Page[OutboxMessage]:
        """The outbox's messages by id, oldest first: `?state=dead` lists what waits for an admin."""
        after = params.after(ById)
        rows = await list_messages(
            session,
            table,
            state=state,
            aggregate=aggregate,
            after_id=after.id if after else None,
            limit=params.limit + 1,
        )
        return paginate([_out(r) for r in rows], params, lambda m: ById(id=m.id))

    @router.get("/outbox/{message_id}", response_model=OutboxMessage, responses=problem_responses(401, 403, 404, 422))
    async def get_outbox_message(session: DbSession, principal: Admin, message_id: MessageId) -> OutboxMessage:
        """One message of the outbox."""
        row = await get_message(session, table, message_id)
        if row is None:
            raise MessageNotFound(f"the outbox has no message {message_id}")
        return _out(row)

    @router.post(
        "/outbox/{message_id}/replay",
        response_model=OutboxMessage,
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def replay_outbox_message(
        request: Request, principal: Admin, idempotent: Idempotency, message_id: MessageId
    ) -> Any:
        """Give a dead message a fresh count of attempts, due now: the relay delivers it at once (and
        then the messages it held back). 409 when the message is not dead."""

        async def work() -> OutboxMessage:
            try:
                row = await replay(
                    idempotent.session, table, message_id, by=principal.sub, at=idempotent.at, wake=wake(request)
                )
            except NotDeadYet as exc:
                raise NotDead(
                    f"message {message_id} is {exc.state}, not dead: it is delivered or still being tried",
                    state=exc.state,
                ) from None
            if row is None:
                raise MessageNotFound(f"the outbox has no message {message_id}")
            return _out(row)

        return await idempotent(work=work)

    return router
