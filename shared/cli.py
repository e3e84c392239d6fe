"""The command line every service has: `python -m services.<name> migrate | serve | <its own commands>`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.db import upgrade
from shared.settings import ServiceSettings


@dataclass(frozen=True)
class Command:
    """A service's own command: its help, what it runs, and (optionally) the options it takes."""

    help: str
    run: Callable[[Any, argparse.Namespace], None]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None


def service_cli(
    *,
    service: str,
    settings_factory: Callable[[], ServiceSettings],
    alembic_ini: Path,
    app_factory: str,
    commands: dict[str, Command] | None = None,
) -> None:
    """Parse argv and run one command; `serve` listens on the service's HOST/PORT settings unless told."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}")
    sub = parser.add_subparsers(dest="command", required=True)
    migrate = sub.add_parser("migrate", help="apply the database migrations (alembic upgrade head)")
    migrate.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 0 when the database is at this version's head or past it (a newer "
        "version migrated it: what a rollback runs on), 3 when it is behind (a pod's init container waits "
        "with it for the migration Job)",
    )
    serve = sub.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--host", default=None, help=f"default: {service.upper()}_HOST")
    serve.add_argument("--port", type=int, default=None, help=f"default: {service.upper()}_PORT")
    serve.add_argument("--workers", type=int, default=1)
    for name, command in (commands or {}).items():
        command_parser = sub.add_parser(name, help=command.help, description=command.help)
        if command.arguments is not None:
            command.arguments(command_parser)
    args = parser.parse_args()
    settings = settings_factory()
    if args.command == "migrate" and args.check:
        current, heads, known = asyncio.run(migration_state(alembic_ini, settings.database_url))
        if current != heads and not current - known:
            print(f"the database is at {sorted(current) or 'no revision'}, this version needs {sorted(heads)}")
            sys.exit(3)
        print(f"the database is at {sorted(current)}" + ("" if current == heads else f", past {sorted(heads)}"))
    elif args.command == "migrate":
        upgrade(alembic_ini, settings.database_url)
    elif args.command == "serve":
        import uvicorn

        _quiet_collector(app_factory)
        uvicorn.run(
            app_factory,
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=args.workers,
            log_config=None,
            # X-Forwarded-For/-Proto are believed only from these proxies (the rate limits count the real client).
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        )
    else:
        _quiet_collector(app_factory)  # the relay drains a backlog as the server answers a burst
        (commands or {})[args.command].run(settings, args)


def _quiet_collector(app_factory: str) -> None:
    """What the imports made lives as long as the process: out of the collector's way, so that its full
    collections (which walk every tracked object) stay short under load. A request (or a relay's batch)
    allocates thousands of short-lived containers (a check's report, its rules' figures): collecting the
    youngest generation every 10,000 allocations rather than every 700 spends less time walking objects
    that die with the request anyway, for at most a few MB more (2.5 % of a check's instructions, a third
    of the relay's CPU: docs/performance.md)."""
    import gc
    import importlib

    importlib.import_module(app_factory.partition(":")[0])
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


async def migration_state(alembic_ini: Path, url: str) -> tuple[set[str], set[str], set[str]]:
    """(the revisions the database is at, the heads of this version's migrations, every revision this
    version knows). A database revision this version does not know was made by a newer version."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import pool
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import create_async_engine

    script = ScriptDirectory(str(alembic_ini.parent / "migrations"))
    known = {r.revision for r in script.walk_revisions()}

    def current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(current), set(script.get_heads()), known
    finally:
        await engine.dispose()
