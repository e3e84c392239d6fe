"""The bare baseline app `make bench` measures the services against (tests/bench.py starts it).

A FastAPI app under the very uvicorn settings of `python -m services.<name> serve` (shared/cli.py), with
none of the project's middleware, database or encoding, doing the least each path must do:

- `GET /bytes/{name}`: the bytes a service answered for the same request, encoded once at start, with
  their ETag; a matching `If-None-Match` is a 304 (the catalogue's read and 304).
- `POST /checks`: the body parsed into the shared `CheckRequest` model, answered with the bytes of a
  real report encoded once (the eligibility check without its rules and reference data).
- `POST /commitments`: the body parsed into the shared `CommitmentRequest` model, then the minimal
  correct commitment on asyncpg: BEGIN; SELECT the balance row FOR UPDATE; check the room; INSERT the
  commitment; UPDATE the balance; COMMIT (a 409 when there is no room), on a pool as large as the
  services' (10 + 20 overflow).
- `GET /applications?limit=`: the officers' list's first page — the same keyset query on the applications
  service's own database (`--applications-database-url`) on asyncpg, the same fields encoded with orjson.

`python -m tests.bench_baseline --port P --answers FILE [--database-url postgresql://…]`
"""

from __future__ import annotations

import argparse
import base64
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

from shared.caching import etag_matches
from shared.schemas.applications import CheckRequest
from shared.schemas.budget import CommitmentRequest

SCHEMA = """
CREATE TABLE IF NOT EXISTS bench_balances (
    programme text, fund text, priority text, allocated numeric(18, 2) NOT NULL,
    committed numeric(18, 2) NOT NULL DEFAULT 0, PRIMARY KEY (programme, fund, priority));
CREATE TABLE IF NOT EXISTS bench_commitments (
    id uuid PRIMARY KEY, programme text NOT NULL, application_id text NOT NULL, fund text NOT NULL,
    priority text NOT NULL, amount numeric(18, 2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
"""


LIST = (
    "SELECT id, reference, status, version, owner_sub, owner_org, commitment_id, commitment_status, created_at,"
    " updated_at, submitted_at, decided_at, kind, concept_note_id, return_deadline, reserve_rank, content"
    " FROM applications ORDER BY created_at DESC, id DESC LIMIT $1"
)


def create_app(answers: dict[str, Any], database_url: str | None, applications_url: str | None = None) -> FastAPI:
    encoded = {name: (base64.b64decode(a["body"]), a["etag"]) for name, a in answers.items()}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = app.state.applications = None
        if applications_url:
            app.state.applications = await asyncpg.create_pool(applications_url, min_size=10, max_size=30)
        if database_url:
            app.state.pool = await asyncpg.create_pool(database_url, min_size=10, max_size=30)
            async with app.state.pool.acquire() as conn:
                await conn.execute(SCHEMA)
        yield
        for pool in (app.state.pool, app.state.applications):
            if pool is not None:
                await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/bytes/{name}")
    async def read(name: str, request: Request) -> Response:
        body, etag = encoded[name]
        headers = {"ETag": etag}
        if etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    @app.post("/checks")
    async def check(application: CheckRequest) -> Response:
        return Response(encoded["report"][0], media_type="application/json")

    @app.post("/commitments", status_code=201)
    async def commit(body: CommitmentRequest) -> Response:
        line = body.lines[0]
        amount = line.amount.amount
        async with app.state.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "SELECT allocated, committed FROM bench_balances WHERE programme = $1 AND fund = $2 "
                "AND priority = $3 FOR UPDATE",
                body.programme,
                line.fund,
                body.priority,
            )
            if row is None or amount > row["allocated"] - row["committed"]:
                return Response(b'{"status":409}', status_code=409, media_type="application/problem+json")
            cid = uuid.uuid4()
            await conn.execute(
                "INSERT INTO bench_commitments (id, programme, application_id, fund, priority, amount) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                cid,
                body.programme,
                body.application_id,
                line.fund,
                body.priority,
                amount,
            )
            await conn.execute(
                "UPDATE bench_balances SET committed = committed + $1 WHERE programme = $2 AND fund = $3 "
                "AND priority = $4",
                amount,
                body.programme,
                line.fund,
                body.priority,
            )
        return Response(json.dumps({"id": str(cid)}).encode(), status_code=201, media_type="application/json")

    @app.post("/setup/balance")
    async def balance(programme: str, fund: str, priority: str, allocated: Decimal) -> dict[str, str]:
        async with app.state.pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO bench_balances (programme, fund, priority, allocated) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (programme, fund, priority) DO UPDATE SET allocated = EXCLUDED.allocated",
                programme,
                fund,
                priority,
                allocated,
            )
        return {"status": "ok"}

    @app.get("/setup/balance")
    async def read_balance(programme: str, fund: str, priority: str) -> dict[str, str]:
        async with app.state.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT allocated, committed, (SELECT coalesce(sum(amount), 0) FROM bench_commitments "
                "WHERE programme = $1 AND fund = $2 AND priority = $3) AS summed FROM bench_balances "
                "WHERE programme = $1 AND fund = $2 AND priority = $3",
                programme,
                fund,
                priority,
            )
        return {k: str(row[k]) for k in ("allocated", "committed", "summed")}

    @app.get("/applications")
    async def applications(limit: int = 50) -> Response:
        async with app.state.applications.acquire() as conn:
            rows = await conn.fetch(LIST, limit + 1)
        items = []
        for row in rows[:limit]:
            item = dict(row)
            content = orjson.loads(item.pop("content"))
            item["owner"], item["organisation"] = item.pop("owner_sub"), item.pop("owner_org")
            items.append({**content, **item, "allowed_actions": []})
        last = rows[limit - 1] if len(rows) > limit else None
        cursor = (
            base64.urlsafe_b64encode(orjson.dumps({"created_at": last["created_at"], "id": last["id"]})).decode()
            if last is not None
            else None
        )
        return Response(orjson.dumps({"items": items, "next_cursor": cursor}), media_type="application/json")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_baseline")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--answers", type=Path, required=True)
    parser.add_argument("--database-url", default=None, help="postgresql://… for the commitment baseline")
    parser.add_argument("--applications-database-url", default=None, help="postgresql://… for the list baseline")
    args = parser.parse_args()
    app = create_app(json.loads(args.answers.read_text()), args.database_url, args.applications_database_url)
    # The settings of shared/cli.py `serve`: one worker, uvicorn's defaults (uvloop, httptools).
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        workers=1,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips="*",
        access_log=False,
    )


if __name__ == "__main__":
    main()
