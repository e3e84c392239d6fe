"""`python -m services.applications migrate | serve`."""

from __future__ import annotations

from pathlib import Path

from services.applications.config import Settings
from shared.cli import service_cli


def main() -> None:
    service_cli(
        service="applications",
        settings_factory=Settings,
        alembic_ini=Path(__file__).resolve().parent / "alembic.ini",
        app_factory="services.applications.main:create_app",
    )


if __name__ == "__main__":
    main()
