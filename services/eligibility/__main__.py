"""`python -m services.eligibility migrate | serve | load-rules`."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from services.eligibility.config import Settings
from services.eligibility.rule_sets.files import load_rule_files
from shared.cli import Command, service_cli
from shared.clock import system_clock
from shared.db import Database

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"


def load_rules(settings: Settings, _args: argparse.Namespace) -> None:
    """Store the rule-set files of `ELIGIBILITY_RULES_DIR` that are new or changed (idempotent)."""

    async def _run() -> None:
        db = Database(settings.database_url)
        try:
            async with db.sessionmaker() as session, session.begin():
                loaded = await load_rule_files(session, settings.rules_dir, now=system_clock())
        finally:
            await db.dispose()
        for r in loaded:
            print(json.dumps(r.model_dump()))

    asyncio.run(_run())


def main() -> None:
    service_cli(
        service="eligibility",
        settings_factory=Settings,
        alembic_ini=ALEMBIC_INI,
        app_factory="services.eligibility.main:create_app",
        commands={"load-rules": Command("store new or changed rule-set files (idempotent)", load_rules)},
    )


if __name__ == "__main__":
    main()
