"""The webhook admin API, the same in every service that emits events (`webhooks_router`; admins only):

- `GET /v1/webhooks/event-types` — the types this service emits.
- `POST`/`GET /v1/webhooks/subscriptions`, `GET`/`PATCH`/`DELETE …/{subscription_id}` — subscriptions per
  integrator with their filters; the secret is in the answer of the creation only.
- `POST …/{subscription_id}/secret-rotation` — a new secret (in this answer only); the old one signs too
  for `old_secret_valid_seconds`.
- `GET …/{subscription_id}/deliveries[?state=dead]`, `GET …/deliveries/{delivery_id}` — the delivery log:
  each event sent with every attempt (instant, answer code, outcome).
- `POST …/deliveries/{delivery_id}/replay` — send that event again (the same id), whatever its state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from shared.app import DbSession
from shared.auth import Admin
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.openapi import created
from shared.outbox_admin import MAX_ID, MessageState
from shared.outbox_records import Wake
from shared.pagination import Keyset, Page, Paging, paginate, paginate_sequence
from shared.problems import problem_responses
from shared.text import Bounded
from shared.webhooks import subscriptions as subs
from shared.webhooks.schemas import (
    Delivery,
    EventType,
    Rotation,
    Subscription,
    SubscriptionCreate,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)
from shared.webhooks.settings import WebhookSettings
from shared.webhooks.tables import WebhookTables

TAG = {
    "name": "webhooks",
    "description": "Subscriptions to this service's events, their secrets and deliveries (admin)",
}
SubscriptionId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The delivery's id")]


class ById(Keyset):
    id: str = Field(min_length=36, max_length=36)


class ByNumber(Keyset):
    id: int = Field(ge=1, le=MAX_ID)


def _out(row: Any, now: Any, secret: str | None = None) -> Any:
    fields = dict(row._mapping)
    fields.pop("secrets")
    fields["previous_secret_valid_until"] = subs.rotated_until(row.secrets, now)
    if secret is None:
        return Subscription.model_validate(fields)
    return SubscriptionWithSecret.model_validate({**fields, "secret": secret})


def webhooks_router(
    tables: WebhookTables, event_types: Mapping[str, str], wake: Callable[[Request], Wake | None]
) -> APIRouter:
    """The routes above (explicit operation ids, the same in every service) for a service's `tables`, the `event_types` it emits (type → description), and
    `wake(request)`, its webhook relay's wake-up after a replay."""
    router = APIRouter(prefix="/v1/webhooks", tags=[TAG["name"]])
    known = list(event_types)

    def allowed(request: Request) -> list[str]:
        settings: WebhookSettings = request.app.state.settings
        return list(settings.webhook_allowed_destinations)

    @router.get(
        "/event-types",
        response_model=Page[EventType],
        responses=problem_responses(401, 403, 422),
        operation_id="listWebhookEventTypes",
    )
    async def list_event_types(principal: Admin, params: Paging) -> Page[EventType]:
        """The CloudEvents types this service emits (a subscription's `event_types` names some of them)."""
        rows = [EventType(type=t, description=d) for t, d in event_types.items()]
        return paginate_sequence(rows, params)

    @router.post(
        "/subscriptions",
        status_code=201,
        response_model=SubscriptionWithSecret,
        responses={**problem_responses(401, 403, 422), **created("Created; the secret is shown only now")},
        operation_id="createWebhookSubscription",
    )
    async def create_subscription(
        request: Request, idempotent: Idempotency, principal: Admin, body: SubscriptionCreate
    ) -> JSONResponse:
        """A subscription of an integrator: its events are POSTed to `url`, signed with the secret shown
        in this answer only. A private, link-local or loopback destination, or http, is a 422 naming `url`
        unless its host is in the allow-list."""

        async def work() -> SubscriptionWithSecret:
            row, secret = await subs.create(
                idempotent.session,
                tables,
                integrator=body.integrator,
                url=body.url,
                event_types=subs.check_types(body.event_types, known),
                description=body.description,
                allowed=allowed(request),
                by=principal.sub,
                at=idempotent.at,
            )
            out: SubscriptionWithSecret = _out(row, idempotent.at, secret)
            return out

        return await idempotent(
            work=work, status_code=201, headers=lambda b: {"Location": f"/v1/webhooks/subscriptions/{b['id']}"}
        )

    @router.get(
        "/subscriptions",
        response_model=Page[Subscription],
        responses=problem_responses(401, 403, 422),
        operation_id="listWebhookSubscriptions",
    )
    async def list_subscriptions(
        session: DbSession,
        principal: Admin,
        params: Paging,
        now: Now,
        integrator: Annotated[
            Annotated[str, Bounded(200, min_length=1)] | None, Query(description="Only this integrator's")
        ] = None,
    ) -> Page[Subscription]:
        """The subscriptions by id (never their secrets)."""
        after = params.after(ById)
        rows = await subs.page(
            session, tables, integrator=integrator, after=after.id if after else None, limit=params.limit + 1
        )
        return paginate([_out(r, now) for r in rows], params, lambda s: ById(id=s.id))

    @router.get(
        "/subscriptions/{subscription_id}",
        response_model=Subscription,
        responses=problem_responses(401, 403, 404, 422),
        operation_id="getWebhookSubscription",
    )
    async def get_subscription(
        session: DbSession, principal: Admin, subscription_id: SubscriptionId, now: Now
    ) -> Subscription:
        """One subscription (never its secret)."""
        out: Subscription = _out(await subs.get(session, tables, subscription_id), now)
        return out

    @router.patch(
        "/subscriptions/{subscription_id}",
        response_model=Subscription,
        responses=problem_responses(401, 403, 404, 422),
        operation_id="updateWebhookSubscription",
    )
    async def update_subscription(
        request: Request,
        session: DbSession,
        principal: Admin,
        subscription_id: SubscriptionId,
        body: SubscriptionUpdate,
        now: Now,
    ) -> Subscription:
        """Change the destination, the filter, the description, or enable it again (`active: true`)."""
        values = body.model_dump(exclude_unset=True)
        values = {k: v for k, v in values.items() if v is not None or k == "description"}
        if "event_types" in values:
            values["event_types"] = subs.check_types(values["event_types"], known)
        row = await subs.change(session, tables, subscription_id, values, allowed=allowed(request), at=now)
        out: Subscription = _out(row, now)
        return out

    @router.delete(
        "/subscriptions/{subscription_id}",
        status_code=204,
        response_class=Response,
        responses=problem_responses(401, 403, 404, 422),
        operation_id="deleteWebhookSubscription",
    )
    async def delete_subscription(session: DbSession, principal: Admin, subscription_id: SubscriptionId) -> Response:
        """Delete the subscription with its deliveries not yet made and its log."""
        await subs.remove(session, tables, subscription_id)
        return Response(status_code=204)

    @router.post(
        "/subscriptions/{subscription_id}/secret-rotation",
        response_model=SubscriptionWithSecret,
        responses=problem_responses(401, 403, 404, 422),
        operation_id="rotateWebhookSecret",
    )
    async def rotate_secret(
        idempotent: Idempotency, principal: Admin, subscription_id: SubscriptionId, body: Rotation
    ) -> JSONResponse:
        """A new secret, shown only in this answer; the previous one still signs for
        `old_secret_valid_seconds`, so each delivery meanwhile carries both signatures."""

        async def work() -> SubscriptionWithSecret:
            row, secret = await subs.rotate(
                idempotent.session,
                tables,
                subscription_id,
                keep_old_seconds=body.old_secret_valid_seconds,
                at=idempotent.at,
            )
            out: SubscriptionWithSecret = _out(row, idempotent.at, secret)
            return out

        return await idempotent(work=work)

    @router.get(
        "/subscriptions/{subscription_id}/deliveries",
        response_model=Page[Delivery],
        responses=problem_responses(401, 403, 404, 422),
        operation_id="listWebhookDeliveries",
    )
    async def list_deliveries(
        session: DbSession,
        principal: Admin,
        subscription_id: SubscriptionId,
        params: Paging,
        state: Annotated[MessageState | None, Query(description="Only deliveries in this state (`dead`)")] = None,
    ) -> Page[Delivery]:
        """The subscription's delivery log, oldest first: each event with its attempts."""
        after = params.after(ByNumber)
        rows = await subs.deliveries(
            session, tables, subscription_id, state=state, after=after.id if after else None, limit=params.limit + 1
        )
        return paginate([Delivery.model_validate(r) for r in rows], params, lambda d: ByNumber(id=d.id))

    @router.get(
        "/subscriptions/{subscription_id}/deliveries/{delivery_id}",
        response_model=Delivery,
        responses=problem_responses(401, 403, 404, 422),
        operation_id="getWebhookDelivery",
    )
    async def get_delivery(
        session: DbSession, principal: Admin, subscription_id: SubscriptionId, delivery_id: DeliveryId
    ) -> Delivery:
        """One delivery with its attempts and the event."""
        return Delivery.model_validate(await subs.delivery(session, tables, subscription_id, delivery_id))

    @router.post(
        "/subscriptions/{subscription_id}/deliveries/{delivery_id}/replay",
        response_model=Delivery,
        responses=problem_responses(401, 403, 404, 422),
        operation_id="replayWebhookDelivery",
    )
    async def replay_delivery(
        request: Request,
        idempotent: Idempotency,
        principal: Admin,
        subscription_id: SubscriptionId,
        delivery_id: DeliveryId,
    ) -> JSONResponse:
        """Send the event again, with the same id, whatever the delivery's state: due now, fresh attempts."""

        async def work() -> Delivery:
            row = await subs.replay(
                idempotent.session,
                tables,
                subscription_id,
                delivery_id,
                by=principal.sub,
                at=idempotent.at,
                wake=wake(request),
            )
            return Delivery.model_validate(row)

        return await idempotent(work=work)

    return router
