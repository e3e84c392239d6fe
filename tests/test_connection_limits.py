"""Connections sized to the server: when PostgreSQL refuses a connection (too many clients, SQLSTATE
53300, raised while connecting) a request is a 503 problem+json with Retry-After, never a 500, and a
client that retries with its Idempotency-Key commits nothing twice. The server's limit is a role's
CONNECTION LIMIT here (a superuser has none), below the pool the service is given."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url

from services.budget.config import Settings
from services.budget.main import create_app
from services.budget.sync import Definition
from services.budget.tests.fixtures import sync_definitions
from services.budget.tests.helpers import OFFICER, SE_NO
from tests.harness import postgres_admin_url

pytestmark = pytest.mark.usefixtures("backend")
LIMIT = 2


def _asyncpg_dsn(url: str, user: str | None = None) -> str:
    u = make_url(url).set(drivername="postgresql")
    return str(u.set(username=user) if user else u)


@pytest.fixture
async def limited_url(backend: str, budget_database_url: str) -> AsyncIterator[str]:
    if backend != "postgresql":
        pytest.skip("a connection limit is PostgreSQL's")
    role = f"few_{uuid.uuid4().hex[:8]}"
    owner = await asyncpg.connect(_asyncpg_dsn(budget_database_url))
    try:
        await owner.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT {LIMIT}')
        await owner.execute(f'GRANT ALL ON SCHEMA public TO "{role}"')
        await owner.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"')
        await owner.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        yield make_url(budget_database_url).set(username=role).render_as_string(hide_password=False)
    finally:
        await owner.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
        await owner.execute(f'DROP OWNED BY "{role}"')
        await owner.close()
        admin = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()))
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


async def test_a_refused_connection_is_a_503_and_a_retry_commits_once(
    limited_url: str, budget_catalogue_definitions: list[Definition]
) -> None:
    settings = Settings(
        database_url=limited_url,
        environment="test",
        catalogue_url="http://catalogue",
        http_retries=0,
        database_pool_size=10,
        write_rate_limit=None,
    )
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30):
        await sync_definitions(app, budget_catalogue_definitions)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://budget") as client:

            def commit(n: int) -> tuple[str, dict[str, Any], dict[str, str]]:
                body = {
                    "programme": SE_NO,
                    "application_id": f"TA-burst-{n}",
                    "priority": "TA",
                    "lines": [{"fund": "ERDF", "amount": {"amount": "10.00", "currency": "EUR"}}],
                }
                return "/v1/commitments", body, {**OFFICER, "Idempotency-Key": f"burst-{n}"}

            async def one(i: int) -> httpx.Response:
                if i % 3 == 0:
                    path, body, headers = commit(i)
                    return await client.post(path, json=body, headers=headers)
                if i % 3 == 1:
                    return await client.get(f"/v1/programmes/{SE_NO}/budget")
                return await client.get("/v1/commitments", params={"programme": SE_NO}, headers=OFFICER)

            answers = await asyncio.gather(*(one(i) for i in range(60)))
            statuses = [r.status_code for r in answers]
            assert set(statuses) <= {200, 201, 503}, [
                (r.status_code, r.text[:200]) for r in answers if r.status_code >= 500 and r.status_code != 503
            ]
            assert 503 in statuses, "the limit was never reached: the test proves nothing"
            for r in answers:
                if r.status_code == 503:
                    assert r.headers["Retry-After"] and r.json()["type"].endswith("/database-unavailable"), r.text
            # The clients retry what was refused, one at a time, with the same keys.
            for i, r in enumerate(answers):
                if i % 3 == 0 and r.status_code == 503:
                    path, body, headers = commit(i)
                    again = await client.post(path, json=body, headers=headers)
                    assert again.status_code == 201, again.text
            for i in range(0, 60, 3):  # and once more, everyone: replays, nothing new
                path, body, headers = commit(i)
                assert (await client.post(path, json=body, headers=headers)).status_code in (200, 201)
            made = (
                await client.get("/v1/commitments", params={"programme": SE_NO, "limit": 500}, headers=OFFICER)
            ).json()["items"]
            burst = [c for c in made if c["application_id"].startswith("TA-burst-")]
            assert sorted(c["application_id"] for c in burst) == sorted(f"TA-burst-{i}" for i in range(0, 60, 3))
