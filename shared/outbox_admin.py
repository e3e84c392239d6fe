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
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Table

from shared import outbox
from shared.app import DbSession
from shared.auth import Admin
from shared.idempotency import Idempotency
from shared.pagination import Keyset, Page, Paging, paginate
from shared.problems import Conflict, NotFound, problem_responses
from shared.text import Bounded

MAX_ID = 2**63 - 1
TAG = {"name": "outbox", "description": "What this service owes other services: dead letters and their replay (admin)"}


class OutboxMessage(BaseModel):
    id: int
    kind: str = Field(examples=["budget.commit"])
    key: str = Field(description="The business key, sent as the receiver's Idempotency-Key")
    aggregate: str = Field(description="Messages of one aggregate (an application) are delivered in order")
    state: outbox.MessageState
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


def _out(row: outbox.MessageRow) -> OutboxMessage:
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
        state: Annotated[outbox.MessageState | None, Query(description="Only messages in this state")] = None,
        aggregate: Annotated[
            Annotated[str, Bounded(100, min_length=1)] | None, Query(description="Only this aggregate's messages")
        ] = None,
    ) -> Page[OutboxMessage]:
        """The outbox's messages by id, oldest first: `?state=dead` lists what waits for an admin."""
        after = params.after(ById)
        rows = await outbox.list_messages(
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
        row = await outbox.get_message(session, table, message_id)
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
                row = await outbox.replay(
                    idempotent.session, table, message_id, by=principal.sub, at=idempotent.at, wake=wake(request)
                )
            except outbox.NotDead as exc:
                raise NotDead(
                    f"message {message_id} is {exc.state}, not dead: it is delivered or still being tried",
                    state=exc.state,
                ) from None
            if row is None:
                raise MessageNotFound(f"the outbox has no message {message_id}")
            return _out(row)

        return await idempotent(work=work)

    return router
