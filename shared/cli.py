"""The command line every service has: `python -m services.<name> migrate | serve | <its own commands>`."""

from __future__ import annotations

import argparse
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
    sub.add_parser("migrate", help="apply the database migrations (alembic upgrade head)")
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
    if args.command == "migrate":
        upgrade(alembic_ini, settings.database_url)
    elif args.command == "serve":
        import uvicorn

        uvicorn.run(
            app_factory,
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=args.workers,
            log_config=None,
            proxy_headers=True,
            forwarded_allow_ips="*",
        )
    else:
        (commands or {})[args.command].run(settings, args)
