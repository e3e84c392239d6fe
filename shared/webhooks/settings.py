"""The webhook settings of a service that emits events: its `Settings` also extends `WebhookSettings`
(`APPLICATIONS_WEBHOOK_…`, `BUDGET_WEBHOOK_…`, each under the service's own prefix)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WebhookSettings(BaseModel):
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        max_length=500,
        description="Where integrators reach this service: every event's `source` and the start of its `link`",
    )
    webhook_allowed_destinations: list[str] = Field(
        default_factory=list,
        description="Hosts, addresses or networks (`10.0.0.0/8`) a subscription may name although private, "
        "link-local or loopback, and over http; none by default: https to public addresses only",
    )
    webhook_relay: bool = Field(default=True, description="Deliver webhooks from this process")
    webhook_backoff_seconds: float = Field(default=10.0, gt=0, description="First retry delay, doubled per attempt")
    webhook_max_backoff_seconds: float = Field(default=43_200.0, gt=0, description="Longest delay between attempts")
    webhook_max_attempts: int = Field(
        default=18, ge=1, le=1000, description="Attempts before a delivery is dead: with the defaults about three days"
    )
    webhook_jitter: float = Field(default=0.1, ge=0, le=1, description="Share of each delay taken off at random")
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, description="How long one attempt waits for an answer")
    webhook_poll_seconds: float = Field(default=1.0, gt=0, description="Idle polling of the deliveries")
