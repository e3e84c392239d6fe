"""The command line every service has: `python -m services.<name> migrate | serve | <extra>`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.db import upgrade
from shared.settings import ServiceSettings

Command = Callable[[Any, argparse.Namespace], None]


def service_cli(
    *,
    service: str,
    settings_factory: Callable[[], ServiceSettings],
    alembic_ini: Path,
    app_factory: str,
    default_port: int,
    commands: dict[str, tuple[str, Command]] | None = None,
) -> None:
    """Parse argv and run one command. `commands` maps extra command names to (help, function)."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{service}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply the database migrations (alembic upgrade head)")
    serve = sub.add_parser("serve", help="serve the API with uvicorn")
    serve.add_argument("--host", default=None, help="default: the HOST setting or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help=f"default: the PORT setting or {default_port}")
    serve.add_argument("--workers", type=int, default=1)
    for name, (help_text, _) in (commands or {}).items():
        sub.add_parser(name, help=help_text)
    args = parser.parse_args()
    settings = settings_factory()
    if args.command == "migrate":
        upgrade(alembic_ini, settings.database_url)
    elif args.command == "serve":
        import uvicorn

        uvicorn.run(
            app_factory,
            factory=True,
            host=args.host or getattr(settings, "host", "127.0.0.1"),
            port=args.port or getattr(settings, "port", default_port),
            workers=args.workers,
            log_config=None,
            proxy_headers=True,
            forwarded_allow_ips="*",
        )
    else:
        (commands or {})[args.command][1](settings, args)
