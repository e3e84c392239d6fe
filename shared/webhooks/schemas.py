"""The webhook admin API's request and response models, with their OpenAPI examples."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.outbox_admin import MessageState
from shared.text import Bounded

EXAMPLE_URL = "https://ekonomi.example.se/hooks/interreg"
EXAMPLE_TYPES: list[Any] = ["se.interreg.application.submitted", "se.interreg.application.approved"]
EXAMPLE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
EXAMPLE_EVENT = {
    "specversion": "1.0",
    "id": "5b0c8f6e-3a4f-4f5e-9c1e-2f6a8d1e7c42",
    "source": "https://api.interreg-sverige-norge.example/applications",
    "type": "se.interreg.application.approved",
    "subject": "applications/0f8fad5b-d9cb-469f-a165-70867728950e",
    "time": "2026-03-02T09:00:00Z",
    "datacontenttype": "application/json",
    "data": {
        "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "status": "approved",
        "reference": "SE-NO-2026-0001",
        "link": "https://api.interreg-sverige-norge.example/applications/v1/applications/0f8fad5b-d9cb-469f-a165-70867728950e",
    },
}

EventTypeText = Annotated[str, Bounded(100, min_length=1)]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"integrator": "region-varmland-ekonomi", "url": EXAMPLE_URL, "event_types": EXAMPLE_TYPES}]
        },
    )

    integrator: Annotated[str, Bounded(200, min_length=1)] = Field(description="Who receives: a system's name")
    url: Annotated[str, Bounded(2000, min_length=1)] = Field(
        description="Where events are POSTed: https to a public address (see WEBHOOK_ALLOWED_DESTINATIONS)"
    )
    event_types: list[EventTypeText] = Field(
        default_factory=list, max_length=50, description="The types sent (`GET /v1/webhooks/event-types`); empty: all"
    )
    description: Annotated[str, Bounded(500)] | None = None


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"active": True}, {"event_types": EXAMPLE_TYPES}]}
    )

    url: Annotated[str, Bounded(2000, min_length=1)] | None = None
    event_types: list[EventTypeText] | None = Field(default=None, max_length=50)
    description: Annotated[str, Bounded(500)] | None = None
    active: bool | None = Field(default=None, description="`true` enables a subscription again (after a 410)")


class Rotation(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"old_secret_valid_seconds": 86400}]})

    old_secret_valid_seconds: int = Field(
        default=86_400,
        ge=0,
        le=30 * 86_400,
        description="How long the previous secret still signs (both signatures sent meanwhile); 0: at once no more",
    )


class Subscription(BaseModel):
    id: str
    integrator: str
    url: str = Field(examples=[EXAMPLE_URL])
    event_types: list[str] = Field(examples=[EXAMPLE_TYPES])
    description: str | None
    active: bool
    disabled_reason: str | None = Field(examples=["the receiver answered 410 Gone"])
    previous_secret_valid_until: dt.datetime | None = Field(
        description="While a rotated-out secret still signs: deliveries carry two signatures until then"
    )
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime


class SubscriptionWithSecret(Subscription):
    secret: str = Field(
        examples=[EXAMPLE_SECRET], description="Shown only now: the signing secret (`whsec_` + base64 of the key)"
    )


class Attempt(BaseModel):
    at: dt.datetime
    status_code: int | None = Field(description="The receiver's answer; null when there was none")
    outcome: str = Field(examples=["failed"], description="`delivered`, `failed`, `gone` (410) or `refused`")
    error: str | None


class Delivery(BaseModel):
    id: int
    event_id: str = Field(description="The CloudEvent's id, sent as `webhook-id`")
    event_type: str = Field(examples=["se.interreg.application.approved"])
    subject: str
    state: MessageState
    attempts: list[Attempt]
    last_error: str | None
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    dead_at: dt.datetime | None
    outcome: str | None = Field(description="`delivered`, `disabled` (410) or `skipped` (subscription disabled)")
    replayed_at: dt.datetime | None
    replayed_by: str | None
    event: dict[str, Any] = Field(examples=[EXAMPLE_EVENT], description="The CloudEvent as it is sent")


class EventType(BaseModel):
    type: str = Field(examples=["se.interreg.application.approved"])
    description: str
