"""Growth of expenditure lines for `make bench` (PostgreSQL): a partner report's totals and its paged line
list at 10³ and at 10⁵ lines (issue 23: the large size costs at most 2× the small one).

A stack of its own gets, through the API, a contracted two-owner project and a Norwegian partner report of
10³ lines (one CSV import); its totals (`GET /v1/partner-reports/{id}`) and a page from the middle of its
lines (`GET …/lines?limit=50&cursor=`) are loaded. Then the generator copies that report in the database
(99 copies with their own ids and periods, lines and all: 10⁵ lines in the table) and the same two reads
are loaded again — the target: the report's figures cost the same whatever the table holds (one index
range of `(report_id, number)`). Finally one copy is grown to 10⁵ lines itself: its page from the middle
(keyset) and its totals are held to the same target — the totals read the sums kept per report, category,
currency and parked (`expenditure_sums`, a row each whatever the number of lines). The generator writes the
copies' kept sums as the API would have kept them, and the report's `…/totals/check` (the kept sums against
a count of its lines) must then say `consistent`.
BENCH_REPORTS=0 skips it; BENCH_GROWTH_LINES sets the large size (default 10⁵).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import httpx

from tests.e2e import committee
from tests.e2e.stack import Stack, settled
from tests.e2e.test_after_approval import ADMIN, CREATOR, NILS, OFFICER, PROGRAMME, application, contract_body
from tests.e2e.test_after_approval import key as idem

if TYPE_CHECKING:
    from tests.bench import Row

SMALL = 1000
LINES = int(os.environ.get("BENCH_GROWTH_LINES", "100000"))


def _pg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def cursor(number: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"number": number}, separators=(",", ":")).encode()).decode().rstrip("=")


def _project_with_report(stack: Stack) -> str:
    """A contracted project and the Norwegian partner's report of 10³ lines, through the API; its id."""
    apps = stack.url("applications")

    def call(method: str, path: str, who: dict[str, str], **kw: object) -> dict[str, object]:
        r = httpx.request(method, apps + path, headers={**who, **idem()}, timeout=120, **kw)  # type: ignore[arg-type]
        assert r.status_code in (200, 201), r.text
        out: dict[str, object] = r.json()
        return out

    call_id = str(stack.open_call("bench-reports")["id"])
    aid = str(call("POST", "/v1/applications", CREATOR, json=application(call_id))["id"])
    call("POST", f"/v1/applications/{aid}/submit", CREATOR)
    settled(f"{apps}/v1/applications/{aid}", OFFICER, lambda a: a["status"] != "submitted")
    committee.approve(f"{apps}/v1/applications", aid, call_id)  # the committee decides
    settled(f"{apps}/v1/applications/{aid}", OFFICER, lambda a: a["commitment_status"] != "pending")
    for sub, country in (("bench-karl", "SE"), ("bench-nora", "NO")):
        call(
            "POST", f"/v1/programmes/{PROGRAMME}/controllers", ADMIN, json={"sub": sub, "name": sub, "country": country}
        )
    start = httpx.get(f"{apps}/v1/applications/{aid}", headers=OFFICER).json()["start_date"]
    etag = httpx.get(f"{apps}/v1/projects/{aid}", headers=OFFICER).headers["etag"]
    contract = contract_body(start, "bench-karl", "bench-nora")
    call("PUT", f"/v1/projects/{aid}/contract", {**OFFICER, "If-Match": etag}, json=contract)
    call("POST", f"/v1/projects/{aid}/contracting", OFFICER)
    rid = str(call("POST", f"/v1/projects/{aid}/partner-reports", NILS, json={"partner": 2, "period": 1})["id"])
    rows = ["category,invoice_number,invoice_date,supplier,amount,currency"]
    rows += [f"staff,INV-{i},2025-01-15,Leverandør {i % 50},{100 + i % 900}.25,NOK" for i in range(SMALL)]
    r = httpx.post(
        f"{apps}/v1/partner-reports/{rid}/lines/import",
        content="\r\n".join(rows),
        headers={**NILS, **idem(), "Content-Type": "text/csv"},
        timeout=120,
    )
    assert r.status_code == 200, r.text
    return rid


async def _copy_reports(url: str, report_id: str, copies: int) -> str:
    """`copies` copies of the report (own ids, periods 1000+n) with its lines; the id of the first copy."""
    conn = await asyncpg.connect(_pg(url))
    try:
        async with conn.transaction():
            cols = [
                r["column_name"]
                for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'partner_reports' "
                    "ORDER BY ordinal_position"
                )
            ]
            replace = {"id": "m.new", "period": "1000 + m.g"}
            await conn.execute(
                "CREATE TEMP TABLE bench_reports ON COMMIT DROP AS SELECT gen_random_uuid()::text AS new, g "
                "FROM generate_series(1, $1) g",
                copies,
            )
            exprs = ", ".join(replace.get(c, f"t.{c}") for c in cols)
            await conn.execute(
                f"INSERT INTO partner_reports ({', '.join(cols)}) SELECT {exprs} FROM partner_reports t, "
                "bench_reports m WHERE t.id = $1",
                report_id,
            )
            lcols = [
                r["column_name"]
                for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'expenditure_lines' "
                    "ORDER BY ordinal_position"
                )
            ]
            lexprs = ", ".join("m.new" if c == "report_id" else f"t.{c}" for c in lcols)
            await conn.execute(
                f"INSERT INTO expenditure_lines ({', '.join(lcols)}) SELECT {lexprs} "
                "FROM expenditure_lines t, bench_reports m WHERE t.report_id = $1",
                report_id,
            )
            await conn.execute(
                "INSERT INTO expenditure_sums (report_id, category, currency, parked, lines, verified, amount, vat, "
                "certified, deducted) SELECT m.new, t.category, t.currency, t.parked, t.lines, t.verified, t.amount, "
                "t.vat, t.certified, t.deducted FROM expenditure_sums t, bench_reports m WHERE t.report_id = $1",
                report_id,
            )
            first = str(await conn.fetchval("SELECT new FROM bench_reports WHERE g = 1"))
        await conn.execute("ANALYZE")
        return first
    finally:
        await conn.close()


async def _grow_report(url: str, report_id: str, total: int) -> int:
    """Copy the report's own lines into it (new numbers) until it holds `total`."""
    conn = await asyncpg.connect(_pg(url))
    try:
        have = int(await conn.fetchval("SELECT count(*) FROM expenditure_lines WHERE report_id = $1", report_id))
        cols = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'expenditure_lines' "
                "ORDER BY ordinal_position"
            )
        ]
        exprs = ", ".join(f"t.number + {have} * g" if c == "number" else f"t.{c}" for c in cols)
        copies = max(0, -(-(total - have) // have))
        async with conn.transaction():
            await conn.execute(
                f"INSERT INTO expenditure_lines ({', '.join(cols)}) SELECT {exprs} FROM expenditure_lines t, "
                "generate_series(1, $2) g WHERE t.report_id = $1",
                report_id,
                copies,
            )
            # the kept sums of the grown report, as the imports of those lines would have kept them
            await conn.execute("DELETE FROM expenditure_sums WHERE report_id = $1", report_id)
            await conn.execute(
                "INSERT INTO expenditure_sums (report_id, category, currency, parked, lines, verified, amount, vat, "
                "certified, deducted) SELECT report_id, category, currency, parked, count(*), count(verified_at), "
                "sum(amount), sum(vat), coalesce(sum(certified), 0), coalesce(sum(deducted), 0) "
                "FROM expenditure_lines WHERE report_id = $1 GROUP BY report_id, category, currency, parked",
                report_id,
            )
        await conn.execute("ANALYZE")
        return int(await conn.fetchval("SELECT count(*) FROM expenditure_lines WHERE report_id = $1", report_id))
    finally:
        await conn.close()


def report_growth() -> tuple[list[Row], list[str], dict[str, float]]:
    """The rows, the findings and the applications service's peak RSS."""
    from tests.bench import LOG_LEVEL, Row, compare, lua_get, rss_mb, service_pids

    rows: list[Row] = []
    findings: list[str] = []
    rss: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(
            backend="postgresql", workdir=Path(tmp), log_level=LOG_LEVEL, settings={"WRITE_RATE_LIMIT": ""}
        ).start()
        try:
            pid = service_pids(stack)["applications"]
            url = stack.env["APPLICATIONS_DATABASE_URL"]
            rid = _project_with_report(stack)

            def load(name: str, report: str, middle: int) -> tuple[Row, Row]:
                totals = compare(
                    Row(f"report totals, {name}"),
                    (stack.url("applications"), lua_get(f"/v1/partner-reports/{report}", OFFICER)),
                    None,
                    pid,
                    rss,
                )
                page = compare(
                    Row(f"line page, {name}"),
                    (
                        stack.url("applications"),
                        lua_get(f"/v1/partner-reports/{report}/lines?limit=50&cursor={cursor(middle)}", OFFICER),
                    ),
                    None,
                    pid,
                    rss,
                )
                return totals, page

            small = load(f"{SMALL:,} lines", rid, SMALL // 2)
            first_copy = asyncio.run(_copy_reports(url, rid, LINES // SMALL - 1))
            table = load(f"the same report, {LINES:,} lines in the table", rid, SMALL // 2)
            big_size = asyncio.run(_grow_report(url, first_copy, LINES))
            big = load(f"one report of {big_size:,} lines", first_copy, big_size // 2)
            rows += [*small, *table, *big]

            def cost(a: Row, b: Row) -> float:
                return Row._mean(a.service, "rps") / max(Row._mean(b.service, "rps"), 1e-9)

            for what, a, b in (
                ("report totals, table of 10⁵", small[0], table[0]),
                ("line page, table of 10⁵", small[1], table[1]),
                ("line page, one report of 10⁵", small[1], big[1]),
                ("report totals, one report of 10⁵", small[0], big[0]),
            ):
                c = cost(a, b)
                findings.append(f"growth: {what} costs {c:.2f}× (target ≤ 2×) {'ok' if c <= 2 else 'MISSED'}")
            check = httpx.get(
                f"{stack.url('applications')}/v1/partner-reports/{first_copy}/totals/check",
                headers=OFFICER,
                timeout=120,
            ).json()
            findings.append(
                f"growth: the kept sums of the report of {big_size:,} lines against its lines: "
                + ("consistent" if check["consistent"] else f"DIFFERENT {check['differences']}")
            )
            peak = {"applications": max(rss.get(pid, 0.0), rss_mb(pid))}
        finally:
            stack.stop()
    return rows, findings, peak


if __name__ == "__main__":  # alone: `.venv/bin/python -m tests.bench_reports` (make bench runs it after the rest)
    import sys

    from tests.bench import HEADER

    print(HEADER)
    _rows, _findings, _peak = report_growth()
    print("\n".join(_findings))
    print("peak RSS of applications: " + ", ".join(f"{mb:.0f} MB" for mb in _peak.values()))
    sys.exit(1 if any("MISSED" in f or "DIFFERENT" in f for f in _findings) else 0)
