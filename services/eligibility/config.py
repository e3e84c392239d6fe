"""Settings of the eligibility service (environment variables with the prefix `ELIGIBILITY_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DATA_DIR = Path(__file__).resolve().parent / "data"


class Settings(ServiceSettings):
    """`ELIGIBILITY_DATABASE_URL`, `ELIGIBILITY_PORT`, `ELIGIBILITY_CATALOGUE_URL`, `ELIGIBILITY_TIMEZONE`, …"""

    model_config = SettingsConfigDict(env_prefix="ELIGIBILITY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/eligibility.db"
    port: int = 8003
    catalogue_url: str = "http://127.0.0.1:8001"
    """Base URL of the catalogue service (reference data: regions, organisation types, calls, …)."""
    timezone: str = "Europe/Stockholm"
    """The programmes' time: the default check date is today here, and call windows are read in it."""
    rules_dir: Path = DATA_DIR
    """Folder of the rule-set files (`*.yaml`) that `load-rules` reads."""
    data_version_check_ms: int = Field(default=1000, ge=0, le=3_600_000)
    """How often (at most) a replica re-reads the rule sets' data version: a new rule-set version stored
    through another replica or by `load-rules` is used by checks within this many milliseconds (one
    stored through this replica at once); in between, a check asks the database nothing to choose it."""
    load_rules_on_startup: bool = True
    """Load the rule-set files at startup when the database holds no rule set yet."""
