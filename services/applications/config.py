"""Settings of the applications service (environment variables with the prefix `APPLICATIONS_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """`APPLICATIONS_DATABASE_URL`, `APPLICATIONS_PORT`, `APPLICATIONS_CATALOGUE_URL`, `APPLICATIONS_SERVICE_TOKEN`, …"""

    model_config = SettingsConfigDict(env_prefix="APPLICATIONS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/applications.db"
    port: int = 8002
    catalogue_url: str = "http://127.0.0.1:8001"
    eligibility_url: str = "http://127.0.0.1:8003"
    budget_url: str = "http://127.0.0.1:8004"
    service_token: str | None = None
    """Bearer token this service uses for its own calls to the budget service (releasing a commitment
    on withdrawal). In development and test it is minted from `AUTH_SECRET` when unset."""
    timezone: str = "Europe/Stockholm"
    """The programme's clock: the date an eligibility check is made `as_of` and the year of a reference."""
