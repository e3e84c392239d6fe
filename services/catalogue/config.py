"""Settings of the catalogue service (environment variables with the prefix `CATALOGUE_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DATA_DIR = Path(__file__).resolve().parent / "data"


class Settings(ServiceSettings):
    """`CATALOGUE_DATABASE_URL`, `CATALOGUE_HOST`, `CATALOGUE_PORT`, `CATALOGUE_DATA_DIR`, …"""

    model_config = SettingsConfigDict(env_prefix="CATALOGUE_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/catalogue.db"
    port: int = 8001
    data_dir: Path = DATA_DIR
    """Folder of the programme data files that `load-data` reads (one `<programme>.yaml` each)."""
    cache_max_age: int = 60
    """`Cache-Control: max-age` of catalogue reads, in seconds (clients revalidate with the ETag)."""
    data_version_check_ms: int = Field(default=1000, ge=0, le=3_600_000)
    """How often (at most) a replica re-reads the data version: a write made through another replica or
    by `load-data` is served within this many milliseconds (its own writes at once)."""
    response_cache_max_bytes: int = Field(default=32 * 1024 * 1024, ge=0)
    """Most bytes of encoded answers kept in memory (services/catalogue/response_cache.py)."""
