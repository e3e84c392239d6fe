"""`python -m services.budget migrate | serve | sync`.

`sync` fetches every programme from the catalogue (`BUDGET_CATALOGUE_URL`) and records its funds,
allocations and fixed exchange rates. It is idempotent: run it after the catalogue is up (`make run`
does) and again whenever a programme is added; it never rewrites a fund already recorded, so an admin's
reallocations are kept. It prints what it did as JSON and exits 1 if the catalogue cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from services.budget.config import Settings
from services.budget.sync import sync_all
from shared.cli import Command, service_cli
from shared.clients.catalogue import CatalogueClient
from shared.clock import system_clock
from shared.db import Database
from shared.http import upstream_client
from shared.problems import ProblemError

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"


async def _sync(settings: Settings) -> str:
    db = Database(settings.database_url)
    client = upstream_client(settings, settings.catalogue_url)
    try:
        report = await sync_all(db, CatalogueClient(client), now=system_clock(), rate_zone=settings.rate_zone)
        return report.model_dump_json(indent=2)
    finally:
        await client.aclose()
        await db.dispose()


def sync(settings: Settings, _args: argparse.Namespace) -> None:
    try:
        print(asyncio.run(_sync(settings)))
    except ProblemError as exc:
        print(f"sync failed: {exc.detail or exc.title}", file=sys.stderr)
        sys.exit(1)


def main() -> None:
    service_cli(
        service="budget",
        settings_factory=Settings,
        alembic_ini=ALEMBIC_INI,
        app_factory="services.budget.main:create_app",
        commands={
            "sync": Command("record every programme's funds, allocations and fixed rates from the catalogue", sync)
        },
    )


if __name__ == "__main__":
    main()
