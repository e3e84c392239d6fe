"""Start the four services as real processes (the commands the containers run), on a given backend."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.harness import WEB, _admin, _with_database, auth, postgres_admin_url, worker

ROOT = Path(__file__).resolve().parents[2]
STACK_PROGRAMME = "interreg-se-no-2021-2027"
"""The programme `Stack.open_call` opens calls of."""
SERVICES = ("catalogue", "eligibility", "budget", "applications")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    backend: str
    workdir: Path
    ports: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    """The live process of each service (`kill` and `restart` act on it)."""
    databases: list[str] = field(default_factory=list)
    log_level: str = "WARNING"
    """The services' log level (INFO writes one access-log line per request, as deployed)."""
    settings: dict[str, str] = field(default_factory=dict)
    """Settings given to every service, without the prefix (`WRITE_RATE_LIMIT` -> `BUDGET_WRITE_RATE_LIMIT`)."""

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def open_call(self, prefix: str) -> dict[str, Any]:
        """A new call of Interreg Sverige–Norge for specific objective 1B, open from yesterday for 30 days,
        made by an admin through the catalogue's API; its JSON."""
        now = dt.datetime.now(dt.UTC)
        call = {
            "number": f"{prefix}-{uuid.uuid4().hex[:8]}",
            "name": {"sv": "Testutlysning", "en": "Test call"},
            "opens_at": (now - dt.timedelta(days=1)).isoformat(),
            "closes_at": (now + dt.timedelta(days=30)).isoformat(),
            "specific_objectives": ["1B"],
            "project_types": ["main-project"],
        }
        r = WEB.post(
            f"{self.url('catalogue')}/v1/programmes/{STACK_PROGRAMME}/calls",
            json=call,
            headers=auth("admin", "stack-admin"),
        )
        assert r.status_code == 201, r.text
        made: dict[str, Any] = r.json()
        return made

    def _database_url(self, service: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self.workdir / (service + '.db')}"
        name = f"e2e_{service}_{worker()}{uuid.uuid4().hex[:8]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        self.databases.append(name)
        return _with_database(postgres_admin_url(), name)

    def _run(self, service: str, *args: str) -> None:
        self._run_all([(service, *args)])

    def _run_all(self, commands: list[tuple[str, ...]]) -> None:
        """Run each `(service, *args)` command at once, as separate processes; all must succeed."""
        procs = [
            (
                command,
                subprocess.Popen(
                    [sys.executable, "-m", f"services.{command[0]}", *command[1:]],
                    cwd=ROOT,
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                ),
            )
            for command in commands
        ]
        failed = [command for command, proc in procs if proc.wait(300) != 0]
        if failed:
            raise RuntimeError(f"failed: {failed}")

    def _serve(self, service: str) -> None:
        log = open(self.workdir / f"{service}.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{service}", "serve", "--port", str(self.ports[service])],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        self.running[service] = proc

    def kill(self, service: str) -> None:
        """SIGKILL the service: no shutdown, no flush, connections cut mid-request."""
        proc = self.running.pop(service)
        proc.kill()
        proc.wait(10)

    def restart(self, service: str) -> None:
        """Start the service again on its port (the same command) and wait until it is ready."""
        self._serve(service)
        self._wait(service)

    def log(self, service: str) -> str:
        return (self.workdir / f"{service}.log").read_text(errors="replace")

    def _wait(self, service: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if WEB.get(self.url(service) + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        log = (self.workdir / f"{service}.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{service} did not become ready:\n{log}")

    def start(self) -> Stack:
        self.ports = {s: free_port() for s in SERVICES}
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CATALOGUE_", "APPLICATIONS_", "ELIGIBILITY_", "BUDGET_"))
        }
        for s in SERVICES:
            prefix = s.upper()
            env[f"{prefix}_DATABASE_URL"] = self._database_url(s)
            env[f"{prefix}_LOG_LEVEL"] = self.log_level
            env.update({f"{prefix}_{name}": value for name, value in self.settings.items()})
            for upstream in ("catalogue", "eligibility", "budget"):
                env[f"{prefix}_{upstream.upper()}_URL"] = ""  # set below once ports are known
        for s in SERVICES:
            for upstream in ("catalogue", "eligibility", "budget"):
                env[f"{s.upper()}_{upstream.upper()}_URL"] = f"http://127.0.0.1:{self.ports[upstream]}"
        self.env = env
        self._run_all([(s, "migrate") for s in SERVICES])  # each its own database: at once
        self._run("catalogue", "load-data")
        self._serve("catalogue")
        self._wait("catalogue")
        self._run("budget", "sync")
        for s in ("eligibility", "budget", "applications"):
            self._serve(s)
        for s in ("eligibility", "budget", "applications"):
            self._wait(s)
        return self

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        for name in self.databases:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def settled(
    url: str, headers: dict[str, str], done: Callable[[dict[str, Any]], bool], timeout: float = 30
) -> dict[str, Any]:
    """GET `url` until `done(body)` holds (what a client does while the outbox delivers); the last body."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = WEB.get(url, headers=headers, timeout=10).json()
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.05)
