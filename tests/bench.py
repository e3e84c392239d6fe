"""`make bench`: the main paths measured as ratios to a bare baseline in the same run, on this machine.

The four services run as processes (tests/e2e/stack.py, the commands the containers run) and beside
them a bare baseline app (tests/bench_baseline.py) under the same uvicorn settings. A load generator in
a second process (wrk: 1 thread, 32 connections, BENCH_SECONDS each, default 8) loads a service path
and then its baseline, BENCH_ROUNDS times (default 2) interleaved, and each figure is printed beside
its baseline with their ratio and the issue's target:

| path | baseline | target |
|---|---|---|
| catalogue specific-objective list (200) | the same bytes, encoded once | ≥ 0.5× |
| the same with a matching If-None-Match (304) | the same, 304 | ≥ 0.8× |
| eligibility `POST /v1/checks` | the body parsed into CheckRequest, a report's bytes answered | ≥ 0.5× |
| budget `POST /v1/commitments`, one hot row (PostgreSQL) | lock + check + insert + update on asyncpg | ≥ 0.8× |

and p99 ≤ 3 × p50 on every PostgreSQL path at 32 connections (≤ 5 × on SQLite, the embedded default).
Both backends by default (PostgreSQL when it answers); BENCH_BACKEND=sqlite|postgresql for one. After the loads: no over-commitment (the budget
report and the reconciliation agree with what was answered), the RSS of each service (≤ 150 MB), and
growth (tests/bench_data.py): the budget report at 10³ and 10⁶ ledger entries and the officers'
application list at 10³ and 10⁵ applications (BENCH_GROWTH=0 skips it; BENCH_GROWTH_LEDGER and
BENCH_GROWTH_APPLICATIONS set the large sizes), and a partner report's totals and paged line list at 10³
and 10⁵ expenditure lines (tests/bench_reports.py; BENCH_REPORTS=0 skips it); then the workflow's
waits (tests/bench_workflow.py: submission to eligible with 32 applicants at once and the relay's rate
against the check rate; the committee's ranking of 50 and of 500 applications; BENCH_WORKFLOW=0 skips it).

BENCH_PROFILE=1 also records each service path with py-spy while it is loaded once more, and prints
where the time goes (own time per function; raw stacks and a flame graph under var/bench/).
BENCH_LOG_LEVEL sets the services' log level (default INFO, as deployed: one access-log line a request).
BENCH_PATHS=catalogue,eligibility,budget (a subset) measures only those paths.

Exits non-zero when a target is missed. Speed targets live here, never in timed tests.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx

from tests.e2e.stack import ROOT, Stack, free_port
from tests.e2e.test_journey import PROGRAMME, gron_industrivaxt
from tests.harness import _admin, _with_database, auth, postgres_admin_url, postgres_available

SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONNECTIONS = 32
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
LOG_LEVEL = os.environ.get("BENCH_LOG_LEVEL", "INFO")
# BENCH_PATHS=catalogue,eligibility,budget (any of them) measures only those paths; all by default.
PATHS = {p.strip() for p in os.environ.get("BENCH_PATHS", "catalogue,eligibility,budget").split(",") if p.strip()}
OUT = ROOT / "var" / "bench"
RSS_LIMIT_MB = 150
TAIL = {"postgresql": 3.0, "sqlite": 5.0}  # p99 at most this many times p50, per backend
ADMIN, OFFICER = auth("admin", "bench-admin"), auth("officer", "bench-olga")


# --- the load generator -----------------------------------------------------------------------------


def wrk_binary() -> str:
    """wrk from the OS packages; installed with apt-get when missing and this is root (CI, dev machines)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit("make bench needs wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)")


@dataclass
class Load:
    """What one wrk run measured."""

    rps: float
    p50: float  # ms
    p99: float  # ms
    requests: int
    errors: int  # non-2xx/3xx answers and socket errors
    cpu_us: float = 0.0  # CPU time of the server process per request (µs), when its pid is known


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(
    base_url: str, script: str, seconds: float = SECONDS, pid: int | None = None, connections: int = CONNECTIONS
) -> Load:
    """Load `base_url` for `seconds` (1 thread, 32 connections unless told) with the Lua `script`; with the
    server's `pid`, also its CPU time per request (a figure other load on the machine disturbs less than
    req/s)."""
    OUT.mkdir(parents=True, exist_ok=True)
    cpu_before = cpu_seconds(pid) if pid else 0.0
    lua = OUT / f"load-{uuid.uuid4().hex[:8]}.lua"
    lua.write_text(script)
    try:
        done = subprocess.run(
            [
                wrk_binary(),
                "-t1",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                str(lua),
                base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        lua.unlink()
    cpu = cpu_seconds(pid) - cpu_before if pid else 0.0
    out = done.stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    if "50" not in percentiles or "99" not in percentiles:
        raise RuntimeError(f"wrk said:\n{out}\n{done.stderr}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        errors += sum(int(n) for n in socket.groups())
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Load(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50=_ms(percentiles["50"]),
        p99=_ms(percentiles["99"]),
        requests=requests,
        errors=errors,
        cpu_us=cpu * 1e6 / requests if requests else 0.0,
    )


def lua_get(path: str, headers: dict[str, str] | None = None) -> str:
    lines = ['wrk.method = "GET"', f"wrk.path = {json.dumps(path)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items()]
    return "\n".join(lines) + "\n"


def lua_post(path: str, body: object, headers: dict[str, str] | None = None) -> str:
    lines = ['wrk.method = "POST"', f"wrk.path = {json.dumps(path)}", f"wrk.body = [==[{json.dumps(body)}]==]"]
    headers = {"Content-Type": "application/json", **(headers or {})}
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    return "\n".join(lines) + "\n"


def lua_commitments(path: str, headers: dict[str, str]) -> str:
    """A new commitment (its own application id and Idempotency-Key) per request: 10.00 EUR of ERDF on
    the technical-assistance priority, so every request locks the same balance row. Each load of the
    script (each wrk run, the profile's too) draws its own run id, so no run replays another's keys."""
    body = {
        "programme": PROGRAMME,
        "application_id": "APPID",
        "priority": "TA",
        "specific_objective": None,
        "lines": [{"fund": "ERDF", "amount": {"amount": "10.00", "currency": "EUR"}}],
    }
    template = json.dumps(body).replace("APPID", "%s")
    header_lines = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    return f"""
local n = 0
local template = [==[{template}]==]
local urandom = io.open("/dev/urandom", "rb")
local run = string.gsub(urandom:read(6), ".", function(c) return string.format("%02x", string.byte(c)) end)
urandom:close()
request = function()
  n = n + 1
  local id = "bench-" .. run .. "-" .. n
  return wrk.format("POST", {json.dumps(path)}, {{["Content-Type"] = "application/json", ["Idempotency-Key"] = id,
    {header_lines}}}, string.format(template, id))
end
"""


# --- processes ----------------------------------------------------------------------------------------


def service_pids(stack: Stack) -> dict[str, int]:
    return {str(p.args[2]).removeprefix("services."): p.pid for p in stack.procs}  # type: ignore[index]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Baseline:
    url: str
    proc: subprocess.Popen[bytes]
    database: str | None = None

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        if self.database:
            import asyncio

            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))


def start_baseline(
    workdir: Path,
    answers: dict[str, bytes | tuple[bytes, str]],
    with_database: bool,
    applications_database_url: str | None = None,
) -> Baseline:
    import asyncio

    file = workdir / "answers.json"
    file.write_text(
        json.dumps(
            {
                name: {"body": base64.b64encode(a[0] if isinstance(a, tuple) else a).decode(), "etag": a[1]}
                if isinstance(a, tuple)
                else {"body": base64.b64encode(a).decode(), "etag": '""'}
                for name, a in answers.items()
            }
        )
    )
    port = free_port()
    args = [sys.executable, "-m", "tests.bench_baseline", "--port", str(port), "--answers", str(file)]
    database = None
    if with_database:
        database = f"bench_baseline_{uuid.uuid4().hex[:8]}"
        asyncio.run(_admin(f'CREATE DATABASE "{database}"'))
        url = _with_database(postgres_admin_url(), database).replace("postgresql+asyncpg://", "postgresql://")
        args += ["--database-url", url]
    if applications_database_url:
        args += [
            "--applications-database-url",
            applications_database_url.replace("postgresql+asyncpg://", "postgresql://"),
        ]
    log = open(workdir / "baseline.log", "wb")
    proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = Baseline(f"http://127.0.0.1:{port}", proc, database)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base.url + "/healthz", timeout=1).status_code == 200:
                return base
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the baseline app did not start:\n" + (workdir / "baseline.log").read_text()[-2000:])


# --- profiles -------------------------------------------------------------------------------------------


def profile(name: str, pid: int, base_url: str, script: str) -> list[str]:
    """Load the path once more while py-spy samples the service; answer the functions with the most own
    time (and inclusive time for the project's own code)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    raw = OUT / f"profile-{name}.txt"
    svg = OUT / f"profile-{name}.svg"
    seconds = max(4, int(SECONDS))
    rec = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "250",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    run_wrk(base_url, script, seconds=seconds)
    rec.wait(60)
    subprocess.run(
        [spy, "record", "--pid", str(pid), "--duration", "1", "--format", "flamegraph", "--output", str(svg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines() if raw.exists() else []:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # a frame name with a line break in it
            continue
        n = int(count)
        total += n
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        own[frames[-1]] += n
        for f in set(frames):
            if "(services/" in f or "(shared/" in f or ("/work/" in f and "/.venv/" not in f):
                inclusive[f] += n
    if not total:
        return [f"  {name}: no samples (py-spy needs ptrace rights)"]
    lines = [f"  {name}: {total} samples; own time:"]
    lines += [f"    {100 * n / total:5.1f}%  {f[-110:]}" for f, n in own.most_common(12)]
    lines += ["    inclusive, project code:"]
    lines += [f"    {100 * n / total:5.1f}%  {f[-110:]}" for f, n in inclusive.most_common(12)]
    return lines


# --- comparisons ----------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    service: list[Load] = field(default_factory=list)
    baseline: list[Load] = field(default_factory=list)
    target: float | None = None
    note: str = ""
    backend: str = "postgresql"
    connections: int = CONNECTIONS

    @staticmethod
    def _mean(loads: list[Load], attr: str) -> float:
        return sum(getattr(x, attr) for x in loads) / len(loads) if loads else 0.0

    @property
    def ratio(self) -> float | None:
        return self._mean(self.service, "rps") / self._mean(self.baseline, "rps") if self.baseline else None

    @property
    def failures(self) -> list[str]:
        out = []
        p50, p99 = self._mean(self.service, "p50"), self._mean(self.service, "p99")
        if self.target is not None and self.ratio is not None and self.ratio < self.target:
            out.append(f"ratio {self.ratio:.2f} < {self.target}")
        if p99 > TAIL[self.backend] * p50:
            out.append(f"p99 {p99 / p50:.1f}× p50")
        errors = sum(x.errors for x in self.service + self.baseline)
        if errors:
            out.append(f"{errors} errors")
        return out

    def line(self) -> str:
        s = self.service
        b = self.baseline
        ratio = f"{self.ratio:5.2f}" if self.ratio is not None else "    -"
        base = f"{self._mean(b, 'rps'):9.0f} {self._mean(b, 'p50'):7.1f} {self._mean(b, 'p99'):7.1f}" if b else " " * 25
        target = f"≥{self.target}" if self.target is not None else ""
        verdict = "ok" if not self.failures else "MISSED: " + "; ".join(self.failures)
        cpu = (
            f"{self._mean(s, 'cpu_us'):6.0f}/{self._mean(b, 'cpu_us'):<6.0f}"
            if b
            else f"{self._mean(s, 'cpu_us'):6.0f}/-     "
        )
        return (
            f"{self.name:46} {self._mean(s, 'rps'):9.0f} {self._mean(s, 'p50'):7.1f} {self._mean(s, 'p99'):7.1f}"
            f" {base} {ratio} {cpu} {target:6} {verdict}"
        )


HEADER = (
    f"{'path':46} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'base/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
    f"{'ratio':>5} {'cpu µs/req':13} {'target':6} verdict"
)
"""cpu µs/req: the server process's CPU time per request, service/baseline."""


def compare(
    row: Row,
    service: tuple[str, str],
    baseline: tuple[str, str] | None,
    pid: int,
    rss: dict[int, float],
    baseline_pid: int | None = None,
) -> Row:
    """Warm both up, then load service and baseline in turn, ROUNDS times."""
    run_wrk(service[0], service[1], seconds=2, connections=row.connections)
    if baseline:
        run_wrk(baseline[0], baseline[1], seconds=2)
    for _ in range(ROUNDS):
        row.service.append(run_wrk(*service, pid=pid, connections=row.connections))
        rss[pid] = max(rss.get(pid, 0.0), rss_mb(pid))
        if baseline:
            row.baseline.append(run_wrk(*baseline, pid=baseline_pid))
    print(row.line(), flush=True)
    return row


def run_backend(backend: str, workdir: Path, profiles: list[str]) -> tuple[list[Row], dict[str, float], list[str]]:
    """Every comparison on one backend; answers the rows, each service's peak RSS and the other findings."""
    # One client sends every request here: the per-client write rate limit would refuse most of them.
    stack = Stack(backend=backend, workdir=workdir, log_level=LOG_LEVEL, settings={"WRITE_RATE_LIMIT": ""}).start()
    pids = service_pids(stack)
    rss: dict[int, float] = {}
    findings: list[str] = []
    baseline: Baseline | None = None
    rows: list[Row] = []
    try:
        cat, elig, bud = (stack.url(s) for s in ("catalogue", "eligibility", "budget"))
        call_id = stack.open_call("bench")["id"]
        objectives = f"/v1/programmes/{PROGRAMME}/specific-objectives"
        listed = httpx.get(cat + objectives)
        check_body = {**gron_industrivaxt(call_id), "as_of": dt.date.today().isoformat()}
        report = httpx.post(f"{elig}/v1/checks", json=check_body, timeout=30)
        assert listed.status_code == 200 and report.status_code == 200, (listed.text, report.text)
        etag = listed.headers["etag"]
        answers: dict[str, bytes | tuple[bytes, str]] = {"objectives": (listed.content, etag), "report": report.content}
        pg = backend == "postgresql"
        baseline = start_baseline(workdir, answers, with_database=pg)
        base = baseline.url
        size = f"{len(listed.content) / 1024:.0f} KB"

        def measure(
            name: str, svc: str, script: str, base_script: str | None, target: float | None, pid_of: str
        ) -> None:
            row = compare(
                Row(f"{name} [{backend}]", target=target, backend=backend),
                (svc, script),
                (base, base_script) if base_script else None,
                pids[pid_of],
                rss,
                baseline.proc.pid if baseline else None,
            )
            rows.append(row)
            if PROFILE:
                slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48]
                profiles.extend(profile(f"{slug}-{backend}", pids[pid_of], svc, script))

        if "catalogue" in PATHS:
            measure(
                f"catalogue objectives list ({size})",
                cat,
                lua_get(objectives),
                lua_get("/bytes/objectives"),
                0.5,
                "catalogue",
            )
            measure(
                "catalogue the same, If-None-Match (304)",
                cat,
                lua_get(objectives, {"If-None-Match": etag}),
                lua_get("/bytes/objectives", {"If-None-Match": etag}),
                0.8,
                "catalogue",
            )
        if "eligibility" in PATHS:
            measure(
                "eligibility POST /v1/checks",
                elig,
                lua_post("/v1/checks", check_body),
                lua_post("/checks", check_body),
                0.5,
                "eligibility",
            )
        if "budget" in PATHS:
            before = committed_ta_erdf(bud)
            if pg:
                httpx.post(
                    f"{base}/setup/balance",
                    params={"programme": PROGRAMME, "fund": "ERDF", "priority": "TA", "allocated": "100000000.00"},
                ).raise_for_status()
            measure(
                "budget POST /v1/commitments, one hot row",
                bud,
                lua_commitments("/v1/commitments", OFFICER),
                lua_commitments("/commitments", {}) if pg else None,
                0.8 if pg else None,
                "budget",
            )
            findings.append(over_commitment(bud, before, rows[-1], backend))
            if pg:
                b = httpx.get(
                    f"{base}/setup/balance", params={"programme": PROGRAMME, "fund": "ERDF", "priority": "TA"}
                ).json()
                findings.append(
                    f"baseline balance [{backend}]: committed {b['committed']} = sum of its commitments {b['summed']}"
                    + (" (consistent)" if Decimal(b["committed"]) == Decimal(b["summed"]) else " (INCONSISTENT)")
                )
        for pid in pids.values():  # the services not loaded here too
            rss[pid] = max(rss.get(pid, 0.0), rss_mb(pid))
        return rows, {s: rss.get(pid, 0.0) for s, pid in pids.items()}, findings
    finally:
        if baseline is not None:
            baseline.stop()
        stack.stop()


def committed_ta_erdf(budget_url: str) -> Decimal:
    report = httpx.get(f"{budget_url}/v1/programmes/{PROGRAMME}/budget", headers=OFFICER).json()
    row = next(r for r in report["rows"] if r["fund"] == "ERDF" and r["priority"] == "TA")
    return Decimal(row["committed"]["amount"])


def over_commitment(budget_url: str, before: Decimal, row: Row, backend: str) -> str:
    """Every 201 the loads counted is in the balance, never more than allocated; the ledger agrees."""
    report = httpx.get(f"{budget_url}/v1/programmes/{PROGRAMME}/budget", headers=OFFICER).json()
    cell = next(r for r in report["rows"] if r["fund"] == "ERDF" and r["priority"] == "TA")
    committed, allocated = Decimal(cell["committed"]["amount"]), Decimal(cell["allocated"]["amount"])
    rec = httpx.get(f"{budget_url}/v1/programmes/{PROGRAMME}/budget/reconcile", headers=ADMIN, timeout=60).json()
    ok = committed <= allocated and rec.get("consistent") is True
    return (
        f"commitments [{backend}]: {committed - before} EUR committed in the run, {committed} of {allocated} "
        f"allocated, ledger reconciles: {rec.get('consistent')} -> {'no over-commitment' if ok else 'OVER-COMMITTED'}"
    )


def machine() -> str:
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln),
        platform.processor(),
    )
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def main() -> int:
    wanted = os.environ.get("BENCH_BACKEND")
    backends = [wanted] if wanted else ["sqlite", *(["postgresql"] if postgres_available() else [])]
    if "postgresql" in backends and not postgres_available():
        print("PostgreSQL is not reachable", file=sys.stderr)
        return 2
    wrk_binary()
    print(f"machine: {machine()}")
    print(
        f"load: wrk, 1 thread, {CONNECTIONS} connections, {SECONDS:g} s per run, {ROUNDS} interleaved rounds; "
        f"services at log level {LOG_LEVEL}, one uvicorn worker each"
    )
    print(HEADER)
    rows: list[Row] = []
    rss: dict[str, float] = {}
    findings: list[str] = []
    profiles: list[str] = []
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp:
            got, peak, found = run_backend(backend, Path(tmp), profiles)
        rows += got
        findings += found
        for service, mb in peak.items():
            rss[service] = max(rss.get(service, 0.0), mb)
    if "postgresql" in backends and os.environ.get("BENCH_GROWTH", "1") == "1":
        from tests.bench_data import growth

        got, found, peak = growth()
        rows += got
        findings += found
        for service, mb in peak.items():
            rss[service] = max(rss.get(service, 0.0), mb)
    if "postgresql" in backends and os.environ.get("BENCH_REPORTS", "1") == "1":
        from tests.bench_reports import report_growth

        got, found, peak = report_growth()
        rows += got
        findings += found
        for service, mb in peak.items():
            rss[service] = max(rss.get(service, 0.0), mb)
    if "postgresql" in backends and os.environ.get("BENCH_WORKFLOW", "1") == "1":
        from tests.bench_workflow import workflow

        got, found = workflow()
        rows += got
        findings += found
    print()
    for f in findings:
        print(f)
    print("peak RSS under load: " + ", ".join(f"{s} {mb:.0f} MB" for s, mb in sorted(rss.items())))
    rss_ok = all(mb <= RSS_LIMIT_MB for mb in rss.values())
    if profiles:
        print("\nwhere the time goes (py-spy, BENCH_PROFILE=1):")
        print("\n".join(profiles))
    ok = all(not r.failures for r in rows) and rss_ok and not any("OVER" in f or "MISSED" in f for f in findings)
    print("\nall targets met" if ok else "\nsome targets missed (see MISSED above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
