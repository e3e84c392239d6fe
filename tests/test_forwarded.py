"""A client's address is the peer's unless the operator names its proxy (`<SERVICE>_TRUSTED_PROXIES`):
by default no proxy is trusted, so a client cannot pick a fresh rate-limit bucket per request by sending
its own `X-Forwarded-For`. A process of its own, since the forwarded headers are read by the server
(uvicorn), in front of the app."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.stack import free_port
from tests.harness import WEB, wait_until

ROOT = Path(__file__).resolve().parent.parent


def _serve(tmp_path: Path, **settings: str) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOGUE_")}
    env.update({f"CATALOGUE_{k}": v for k, v in settings.items()})
    env["CATALOGUE_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'catalogue.db'}"
    env["CATALOGUE_LOG_LEVEL"] = "WARNING"
    run = [sys.executable, "-m", "services.catalogue"]
    subprocess.run([*run, "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, timeout=120)
    port = free_port()
    proc = subprocess.Popen([*run, "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:  # polls the real process until it answers
        try:
            return WEB.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(ready, "the catalogue serves")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def untrusting(tmp_path: Path) -> Iterator[str]:
    yield from _serve(tmp_path, WRITE_RATE_LIMIT="2/minute")


@pytest.fixture
def behind_a_proxy(tmp_path: Path) -> Iterator[str]:
    yield from _serve(tmp_path, WRITE_RATE_LIMIT="2/minute", TRUSTED_PROXIES='["127.0.0.1"]')


def _writes(url: str) -> list[int]:
    """Three anonymous writes, each claiming another client address."""
    path = f"{url}/v1/programmes/interreg-se-no-2021-2027/calls"
    return [
        WEB.post(path, json={}, headers={"X-Forwarded-For": f"203.0.113.{i}"}, timeout=10).status_code
        for i in range(1, 4)
    ]


def test_a_forwarded_address_is_not_believed_by_default(untrusting: str) -> None:
    assert _writes(untrusting) == [401, 401, 429]  # one bucket: the peer's address


def test_a_named_proxy_is_believed(behind_a_proxy: str) -> None:
    assert _writes(behind_a_proxy) == [401, 401, 401]  # three clients behind the proxy, a bucket each
