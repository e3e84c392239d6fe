"""`python -m services.applications migrate | serve | relay | reconcile | check-sums`.

- `relay` delivers what the outbox owes now (the eligibility checks, commitments and releases that are
  due), then the webhook deliveries that are due, and exits: for an operator, or a deployment that runs
  the relays out of the API processes (`APPLICATIONS_OUTBOX_RELAY=false`, `…_WEBHOOK_RELAY=false`). Prints
  how many messages were tried, in how many seconds, and how many are still owed.
- `reconcile --programme P [--repair]` compares approved applications with the budget's project
  commitments amount by amount and prints every difference as JSON (exit 1 when one is left);
  `--repair` releases what no application holds (keyed: never twice). `--all` takes every programme
  with an application holding money. The repair is the one place that gives money back on its own: it
  runs as its own process — the Kubernetes CronJob `applications-reconcile` (`reconcile --all --repair`)
  or the compose service of that name (`--every 600`: again every 600 s) — never inside the API.
- `check-sums` compares every partner report's kept sums (what its totals read) with the sums counted from
  its lines and prints each difference as JSON (exit 1 when one is found); it changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from fastapi import FastAPI

from services.applications.config import Settings
from services.applications.main import create_app
from services.applications.models import outbox, webhooks
from services.applications.outbound import reconciliation
from services.applications.projects.reporting import sums
from services.applications.projects.reporting.schemas import SumsDifference
from services.applications.schemas.applications import Reconciliation
from shared.cli import Command, service_cli
from shared.outbox import Relay
from shared.outbox_admin import backlog
from shared.problems import ProblemError

T = TypeVar("T")


async def _in_app(settings: Settings, work: Callable[[FastAPI], Awaitable[T]]) -> T:
    """Run `work` inside the app's lifespan (database, upstream clients), without the background relays."""
    app = create_app(settings.model_copy(update={"outbox_relay": False, "webhook_relay": False}))
    async with app.router.lifespan_context(app):
        return await work(app)


def relay(settings: Settings, _args: argparse.Namespace) -> None:
    async def work(app: FastAPI) -> str:
        the_relay: Relay = app.state.relay
        started = time.perf_counter()
        tried = await the_relay.drain()
        took = time.perf_counter() - started
        hooks: Relay = app.state.webhook_relay
        sent = await hooks.drain()
        async with app.state.db.sessionmaker() as session:
            owed, oldest = await backlog(session, outbox)
            hooks_owed, _ = await backlog(session, webhooks.deliveries)
        return (
            f"tried {tried} messages in {took:.3f} s; {owed} still owed"
            + (f" (oldest from {oldest.isoformat()})" if oldest else "")
            + f"; tried {sent} webhook deliveries, {hooks_owed} still owed"
        )

    print(asyncio.run(_in_app(settings, work)))


async def _reconciled(app: FastAPI, settings: Settings, args: argparse.Namespace) -> list[Reconciliation]:
    db, up = app.state.db, app.state.upstreams
    if args.all:
        return await reconciliation.reconcile_all(db, up, settings, repairing=args.repair)
    run = reconciliation.repair if args.repair else reconciliation.reconcile
    return [await run(db, up, settings, args.programme)]


def _report(found: list[Reconciliation], *, every: bool) -> bool:
    """Print the reconciliations (JSON; one line each when repeating); True when a difference is left."""
    if not found:
        print("no programme has an application that holds or owes project money: nothing to reconcile", flush=True)
    for one in found:
        print(one.model_dump_json() if every else one.model_dump_json(indent=2), flush=True)
    return any(not d.repaired for one in found for d in one.differences)


def reconcile(settings: Settings, args: argparse.Namespace) -> None:
    async def once(app: FastAPI) -> list[Reconciliation]:
        return await _reconciled(app, settings, args)

    async def repeatedly(app: FastAPI) -> None:
        while True:
            try:
                _report(await once(app), every=True)
            except ProblemError as exc:  # an upstream down: say so, and try again next time
                print(f"reconcile failed: {exc.detail or exc.title}", file=sys.stderr, flush=True)
            await asyncio.sleep(args.every)

    if args.every:
        asyncio.run(_in_app(settings, repeatedly))
        return
    try:
        found = asyncio.run(_in_app(settings, once))
    except ProblemError as exc:
        print(f"reconcile failed: {exc.detail or exc.title}", file=sys.stderr)
        sys.exit(2)
    if _report(found, every=False):
        sys.exit(1)


def check_sums(settings: Settings, _args: argparse.Namespace) -> None:
    async def work(app: FastAPI) -> list[SumsDifference]:
        async with app.state.db.sessionmaker() as session:
            return await sums.check_all(session)

    found = asyncio.run(_in_app(settings, work))
    for d in found:
        print(d.model_dump_json(), flush=True)
    print(f"{len(found)} differences between the kept sums and the lines", flush=True)
    if found:
        sys.exit(1)


def _reconcile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--programme", default="interreg-se-no-2021-2027")
    parser.add_argument("--all", action="store_true", help="every programme with an application holding money")
    parser.add_argument("--repair", action="store_true", help="release what no approved application holds")
    parser.add_argument(
        "--every", type=float, default=0, metavar="SECONDS", help="run again every SECONDS (a compose service)"
    )


def main() -> None:
    service_cli(
        service="applications",
        settings_factory=Settings,
        alembic_ini=Path(__file__).resolve().parent / "alembic.ini",
        app_factory="services.applications.main:create_app",
        commands={
            "relay": Command("deliver what the outbox owes now, then exit", relay),
            "reconcile": Command(
                "compare approved applications with the budget's commitments (exit 1 on a difference)",
                reconcile,
                _reconcile_arguments,
            ),
            "check-sums": Command(
                "compare the partner reports' kept sums with their lines (exit 1 on a difference)", check_sums
            ),
        },
    )


if __name__ == "__main__":
    main()
