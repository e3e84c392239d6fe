"""The webhook settings of a service that emits events: its `Settings` also extends `WebhookSettings`
(`APPLICATIONS_WEBHOOK_…`, `BUDGET_WEBHOOK_…`, each under the service's own prefix)."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field, model_validator


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
    webhook_lease_seconds: float | None = Field(
        default=None,
        gt=0,
        description="How long deliveries a relay claimed are its own: those of a relay that died are tried again "
        "after this; more than twice the timeout (an attempt resolves the host, then posts). Default: twice the "
        "timeout plus 10 s",
    )

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> Self:
        if self.webhook_lease_seconds is not None and self.webhook_lease_seconds <= 2 * self.webhook_timeout_seconds:
            raise ValueError("webhook_lease_seconds must be more than twice webhook_timeout_seconds")
        return self

    @property
    def webhook_lease(self) -> float:
        """The lease of a claimed batch of deliveries, in seconds (`webhook_lease_seconds` or its default)."""
        return self.webhook_lease_seconds or self.webhook_timeout_seconds * 2 + 10
