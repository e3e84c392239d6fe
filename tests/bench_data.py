"""Growth for `make bench`: the data generator and the figures at a small and a large size (PostgreSQL).

A stack of its own is filled through the API to the small size (10³ commitments, so about 10³ ledger
entries, and 10³ draft applications), the budget report and the officers' application list are loaded,
then the generator copies those rows in the database until the large size (BENCH_GROWTH_LEDGER ledger
entries, default 10⁶; BENCH_GROWTH_APPLICATIONS applications, default 10⁵) and the same two reads are
loaded again. The copies are what the API would have stored (their own ids, application ids and
references; each copied commitment of 0.01 EUR moves its balance like the API does), so the budget
still reconciles afterwards; the columns are read from the database, so the generator follows the
schema as it changes.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import httpx

from tests.e2e.stack import Stack
from tests.harness import auth

if TYPE_CHECKING:
    from tests.bench import Row
from tests.e2e.test_journey import PROGRAMME, gron_industrivaxt

LEDGER = int(os.environ.get("BENCH_GROWTH_LEDGER", "1000000"))
APPLICATIONS = int(os.environ.get("BENCH_GROWTH_APPLICATIONS", "100000"))
SMALL = 1000
OFFICER, APPLICANT = auth("officer", "bench-olga"), auth("applicant", "bench-anna")


def _pg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _columns(conn: asyncpg.Connection, table: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position", table
    )
    return [r["column_name"] for r in rows]


async def _copy(
    conn: asyncpg.Connection, table: str, source: str, replace: dict[str, str], skip: tuple[str, ...] = ()
) -> None:
    """INSERT INTO table SELECT its columns FROM `source` (aliased t), with `replace`d expressions."""
    cols = [c for c in await _columns(conn, table) if c not in skip]
    exprs = [replace.get(c, f"t.{c}") for c in cols]
    await conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {source}")


async def grow_ledger(url: str, entries: int) -> int:
    """Copy the commitments made through the API until the ledger holds `entries` rows: each copy has its
    own id and application id, one line and one ledger entry of 0.01 EUR, and its balance moves by it."""
    conn = await asyncpg.connect(_pg(url))
    try:
        async with conn.transaction():
            have = await conn.fetchval("SELECT count(*) FROM ledger_entries")
            base = await conn.fetchval("SELECT count(*) FROM commitments")
            copies = max(0, -(-(entries - have) // base))
            await conn.execute(
                "CREATE TEMP TABLE bench_map ON COMMIT DROP AS SELECT c.id AS old, gen_random_uuid() AS new, g "
                "FROM commitments c, generate_series(1, $1) g",
                copies,
            )
            cent = "0.01"
            await _copy(
                conn,
                "commitments",
                "commitments t JOIN bench_map m ON m.old = t.id",
                {"id": "m.new", "application_id": "t.application_id || '-g' || m.g", "reference": "NULL"},
            )
            await _copy(
                conn,
                "commitment_lines",
                "commitment_lines t JOIN bench_map m ON m.old = t.commitment_id",
                {"commitment_id": "m.new", "amount": cent, "amount_programme": cent},
            )
            await _copy(
                conn,
                "ledger_entries",
                "ledger_entries t JOIN bench_map m ON m.old = t.commitment_id",
                {"commitment_id": "m.new", "amount": cent, "original_amount": cent},
                skip=("id",),
            )
            await conn.execute(
                "UPDATE budget_balances b SET committed = b.committed + s.total FROM ("
                " SELECT t.programme, t.fund, t.priority, sum(0.01) AS total FROM ledger_entries t"
                " JOIN bench_map m ON m.old = t.commitment_id GROUP BY 1, 2, 3) s "
                "WHERE (b.programme, b.fund, b.priority) = (s.programme, s.fund, s.priority)"
            )
        await conn.execute("ANALYZE")
        return int(await conn.fetchval("SELECT count(*) FROM ledger_entries"))
    finally:
        await conn.close()


async def grow_applications(url: str, total: int) -> int:
    """Copy the applications made through the API (with their versions and history) until `total`."""
    conn = await asyncpg.connect(_pg(url))
    try:
        async with conn.transaction():
            have = await conn.fetchval("SELECT count(*) FROM applications")
            copies = max(0, -(-(total - have) // have))
            await conn.execute(
                "CREATE TEMP TABLE bench_map ON COMMIT DROP AS SELECT a.id AS old, "
                "gen_random_uuid()::text AS new, g FROM applications a, generate_series(1, $1) g",
                copies,
            )
            await _copy(
                conn,
                "applications",
                "applications t JOIN bench_map m ON m.old = t.id",
                {"id": "m.new", "reference": "NULL"},
            )
            for table in ("application_versions", "status_history"):
                await _copy(
                    conn,
                    table,
                    f"{table} t JOIN bench_map m ON m.old = t.application_id",
                    {"application_id": "m.new"},
                    skip=("id",) if table == "status_history" else (),
                )
        await conn.execute("ANALYZE")
        return int(await conn.fetchval("SELECT count(*) FROM applications"))
    finally:
        await conn.close()


async def _fill_small(stack: Stack, call_id: str) -> None:
    """10³ commitments and 10³ draft applications, through the API."""
    sem = asyncio.Semaphore(16)
    async with httpx.AsyncClient(timeout=60) as c:

        async def commit(i: int) -> None:
            async with sem:
                r = await c.post(
                    f"{stack.url('budget')}/v1/commitments",
                    headers={**OFFICER, "Idempotency-Key": str(uuid.uuid4())},
                    json={
                        "programme": PROGRAMME,
                        "application_id": f"growth-{i}",
                        "priority": "TA",
                        "specific_objective": None,
                        "lines": [{"fund": "ERDF", "amount": {"amount": "10.00", "currency": "EUR"}}],
                    },
                )
                assert r.status_code == 201, r.text

        async def draft(i: int) -> None:
            async with sem:
                body = {**gron_industrivaxt(call_id), "acronym": f"G{i}"}
                r = await c.post(f"{stack.url('applications')}/v1/applications", json=body, headers=APPLICANT)
                assert r.status_code == 201, r.text

        await asyncio.gather(*(commit(i) for i in range(SMALL)), *(draft(i) for i in range(SMALL)))


def growth() -> tuple[list[Row], list[str], dict[str, float]]:
    """Load the report and the list at the small and the large size; answers the rows, the findings and
    each service's peak RSS."""
    import tempfile

    from tests.bench import ADMIN, LOG_LEVEL, Row, compare, lua_get, rss_mb, service_pids, start_baseline

    findings: list[str] = []
    rows: list[Row] = []
    rss: dict[int, float] = {}
    peak: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(
            backend="postgresql", workdir=Path(tmp), log_level=LOG_LEVEL, settings={"WRITE_RATE_LIMIT": ""}
        ).start()
        base = None
        try:
            pids = service_pids(stack)
            call_id = stack.open_call("growth")["id"]
            asyncio.run(_fill_small(stack, call_id))
            report = lua_get(f"/v1/programmes/{PROGRAMME}/budget", OFFICER)
            listing = lua_get("/v1/applications?limit=50", OFFICER)
            budget_db = stack.env["BUDGET_DATABASE_URL"]
            apps_db = stack.env["APPLICATIONS_DATABASE_URL"]
            small_entries = asyncio.run(_count(budget_db, "ledger_entries"))
            small_apps = asyncio.run(_count(apps_db, "applications"))
            # The bare baseline: the same first page on asyncpg + orjson, on the service's own database.
            base = start_baseline(Path(tmp), {}, with_database=False, applications_database_url=_pg(apps_db))
            bare = (base.url, lua_get("/applications?limit=50"))
            r_small = compare(
                Row(f"budget report, {small_entries:,} ledger entries"),
                (stack.url("budget"), report),
                None,
                pids["budget"],
                rss,
            )
            l_small = compare(
                Row(f"officers' list, {small_apps:,} applications", target=0.5),
                (stack.url("applications"), listing),
                bare,
                pids["applications"],
                rss,
                base.proc.pid,
            )
            big_entries = asyncio.run(grow_ledger(budget_db, LEDGER))
            big_apps = asyncio.run(grow_applications(apps_db, APPLICATIONS))
            r_big = compare(
                Row(f"budget report, {big_entries:,} ledger entries"),
                (stack.url("budget"), report),
                None,
                pids["budget"],
                rss,
            )
            l_big = compare(
                Row(f"officers' list, {big_apps:,} applications", target=0.5),
                (stack.url("applications"), listing),
                bare,
                pids["applications"],
                rss,
                base.proc.pid,
            )
            rows += [r_small, l_small, r_big, l_big]
            for what, small, big in (("budget report", r_small, r_big), ("officers' list", l_small, l_big)):
                cost = Row._mean(small.service, "rps") / max(Row._mean(big.service, "rps"), 1e-9)
                verdict = "ok" if cost <= 2 else "MISSED"
                findings.append(f"growth: {what} costs {cost:.2f}× at the large size (target ≤ 2×) {verdict}")
            rec = httpx.get(
                f"{stack.url('budget')}/v1/programmes/{PROGRAMME}/budget/reconcile", headers=ADMIN, timeout=300
            ).json()
            findings.append(f"growth: the budget reconciles after the generator: {rec.get('consistent')}")
            for service, pid in pids.items():
                peak[service] = max(rss.get(pid, 0.0), rss_mb(pid))
        finally:
            if base is not None:
                base.stop()
            stack.stop()
    return rows, findings, peak


async def _count(url: str, table: str) -> int:
    conn = await asyncpg.connect(_pg(url))
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()
