"""Settings of the applications service (environment variables with the prefix `APPLICATIONS_`)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings
from shared.webhooks.settings import WebhookSettings


class Settings(ServiceSettings, WebhookSettings):
    """`APPLICATIONS_DATABASE_URL`, `APPLICATIONS_PORT`, `APPLICATIONS_CATALOGUE_URL`, `APPLICATIONS_SERVICE_TOKEN`, …"""

    model_config = SettingsConfigDict(env_prefix="APPLICATIONS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/applications.db"
    port: int = 8002
    public_url: str = Field(default="http://127.0.0.1:8002", max_length=500)
    """Where integrators reach this service: every event's `source` and the start of its `link`."""
    catalogue_url: str = "http://127.0.0.1:8001"
    eligibility_url: str = "http://127.0.0.1:8003"
    budget_url: str = "http://127.0.0.1:8004"
    service_token: str | None = None
    """Bearer token this service uses for its own calls to the budget service (commitments and releases
    delivered by the outbox; the budget accepts project commitments only from this subject). In
    development and test it is minted from `AUTH_SECRET` (subject `service:applications`) when unset."""
    outbox_relay: bool = True
    """Run the outbox relay in this process (every replica may: claims never overlap on PostgreSQL)."""
    outbox_poll_seconds: float = 1.0
    outbox_backoff_seconds: float = 0.5
    """First retry delay of a failed delivery; doubled per attempt up to `outbox_max_backoff_seconds`."""
    outbox_max_backoff_seconds: float = 60.0
    outbox_lease_seconds: float = 30.0
    """How long a claimed message is another relay's: a relay that died releases it after this."""
    outbox_batch: int = Field(default=200, ge=1, le=1000)
    """Messages a relay claims at once: the eligibility checks among them are sent in one request (up to 200),
    the others at most 20 at a time."""
    outbox_workers: int = Field(default=3, ge=1, le=16)
    """Relay rounds at once in a process: one sends while another settles."""
    outbox_max_attempts: int = Field(default=100, ge=1, le=10_000)
    """Failed attempts after which a message is dead: no more tries until an admin replays it
    (`POST /v1/outbox/{id}/replay`). With the default back-off, 100 attempts are about 1 h 40 min."""
    revert_period_days: int = 30
    """How long after an approval an admin may revert it (`POST /v1/applications/{id}/revert`)."""
    timezone: str = "Europe/Stockholm"
    """The programme's clock: the date an eligibility check is made `as_of` and the year of a reference."""

    @property
    def revert_period(self) -> dt.timedelta:
        return dt.timedelta(days=self.revert_period_days)
