"""Settings of the budget service (environment variables with the prefix `BUDGET_`)."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings
from shared.webhooks.settings import WebhookSettings


class Settings(ServiceSettings, WebhookSettings):
    """`BUDGET_DATABASE_URL`, `BUDGET_HOST`, `BUDGET_PORT`, `BUDGET_CATALOGUE_URL`, …"""

    model_config = SettingsConfigDict(env_prefix="BUDGET_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/budget.db"
    port: int = 8004
    public_url: str = Field(default="http://127.0.0.1:8004", max_length=500)
    """Where integrators reach this service: every event's `source` and the start of its `link`."""
    catalogue_url: str = "http://127.0.0.1:8001"
    """The catalogue service: programme definitions (funds, priorities, shares, allocations, fixed rates)."""
    report_max_age: int = 5
    """`Cache-Control: max-age` of the public budget reports, in seconds (kept small: figures move)."""
    application_services: list[str] = Field(default_factory=lambda: ["service:applications"])
    """Token subjects of the applications service: the only callers that commit and release a project's
    money (on a priority with specific objectives). `BUDGET_APPLICATION_SERVICES='["client-id"]'` with an
    identity provider's client-credentials tokens."""
    data_version_check_ms: int = Field(default=1000, ge=0, le=3_600_000)
    """How often (at most) a replica re-reads the reference data's version: programmes, priorities,
    specific objectives and funds synced through another replica or by `budget sync` are seen by
    commitments within this many milliseconds (synced through this replica at once); in between, a
    commitment asks the database nothing to check them (the balances it takes are always the database's)."""
    rate_deviation_limit: Decimal = Field(default=Decimal("0.20"), ge=0, le=100)
    """How far (a share: 0.20 is ±20 %) a monthly rate typed by hand may be from the previous month's stored
    rate of its currency before it needs `confirm_deviation` (ours: a guard against typos; the Commission's
    rates seldom move more than a few per cent in a month). Imported InforEuro files are not checked."""
    rate_timezone: str = "Europe/Brussels"
    """The rate clock: the time zone whose calendar month of an instant picks the monthly rate it converts
    at and the month its ledger entry counts in (the Commission's accounting rates are monthly, on
    Brussels time). Read by every conversion of the budget and by `GET …/conversion-rates/{currency}`,
    which the committee's preview asks."""

    @field_validator("rate_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/Brussels)") from None
        return value

    @property
    def rate_zone(self) -> ZoneInfo:
        return ZoneInfo(self.rate_timezone)
