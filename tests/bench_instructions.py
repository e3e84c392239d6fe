"""Instructions per eligibility check, counted with callgrind: a figure that other load on the machine does
not move, for comparing changes where req/s and CPU time are noisy (a shared machine with steal time).

`python -m tests.bench_instructions [--backend sqlite|postgresql] [--requests N]` starts the stack
(tests/e2e/stack.py), then runs the eligibility service and the bare baseline (tests/bench_baseline.py)
in turn under `valgrind --tool=callgrind` with the instrumentation off while they start, sends 50 checks
to warm them, switches the counting on (`callgrind_control -i on`, then `-z`), sends N checks over 32
connections and dumps the count. It prints the instructions per request of both and their ratio (the
baseline's over the service's: what the req/s ratio would be if instructions were all that counted).
It needs valgrind (Debian package `valgrind`); it is not part of `make bench`, whose figures are times.

Instructions leave out what the kernel does (the socket writes) and what caches and steal time cost, and
timed work (revalidations every few seconds) is spread over fewer requests under valgrind, so they are
for comparing one version of the code with another, not a replacement of `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.bench import start_baseline
from tests.e2e.stack import ROOT, Stack, free_port
from tests.e2e.test_journey import gron_industrivaxt

CONNECTIONS = 32


async def _load(url: str, body: object, n: int) -> None:
    limits = httpx.Limits(max_connections=CONNECTIONS)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        turns = asyncio.Semaphore(CONNECTIONS)

        async def one() -> None:
            async with turns:
                r = await client.post(url, json=body)
                if r.status_code != 200:
                    raise RuntimeError(f"{url} answered {r.status_code}: {r.text[:300]}")

        await asyncio.gather(*(one() for _ in range(n)))


def count(args: list[str], env: dict[str, str] | None, url: str, ready: str, body: object, n: int) -> float:
    """Instructions per request of the server `args` (a Python module and its options) under callgrind."""
    out = Path(tempfile.mkdtemp()) / "callgrind.out"
    proc = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(ready, timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{args} did not start under valgrind")
            time.sleep(1)
        asyncio.run(_load(url, body, 50))
        for command in (["-i", "on"], ["-z"]):
            subprocess.run(["callgrind_control", *command, str(proc.pid)], check=True, capture_output=True)
        asyncio.run(_load(url, body, n))
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True, capture_output=True)
    finally:
        proc.terminate()
        proc.wait(60)
    dumped = [p for p in out.parent.iterdir() if p.name.startswith(out.name + ".")]  # the -d dump: `….1`
    totals = [int(line.split()[1]) for line in dumped[0].read_text().splitlines() if line.startswith("totals:")]
    return totals[0] / n


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_instructions")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    stack = Stack(backend=options.backend, workdir=workdir, log_level="INFO", settings={"WRITE_RATE_LIMIT": ""})
    stack.start()
    baseline = None
    try:
        body = {**gron_industrivaxt(stack.open_call("instructions")["id"]), "as_of": dt.date.today().isoformat()}
        report = httpx.post(f"{stack.url('eligibility')}/v1/checks", json=body, timeout=30)
        report.raise_for_status()
        baseline = start_baseline(workdir, {"report": report.content}, with_database=False)
        baseline.proc.terminate()  # started once for its answers file; counted below under valgrind
        baseline.proc.wait(10)
        port = free_port()
        service = count(
            ["-m", "services.eligibility", "serve", "--port", str(port)],
            stack.env,
            f"http://127.0.0.1:{port}/v1/checks",
            f"http://127.0.0.1:{port}/readyz",
            body,
            options.requests,
        )
        port = free_port()
        answers = str(workdir / "answers.json")
        base = count(
            ["-m", "tests.bench_baseline", "--port", str(port), "--answers", answers],
            None,
            f"http://127.0.0.1:{port}/checks",
            f"http://127.0.0.1:{port}/healthz",
            body,
            options.requests,
        )
    finally:
        stack.stop()
    print(
        json.dumps(
            {
                "backend": options.backend,
                "requests": options.requests,
                "service_instructions_per_check": round(service),
                "baseline_instructions_per_check": round(base),
                "ratio": round(base / service, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
