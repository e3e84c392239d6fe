"""Connections sized to the server: when PostgreSQL refuses a connection (too many clients, SQLSTATE
53300, raised while connecting) a request is a 503 problem+json with Retry-After, never a 500, and a
client that retries with its Idempotency-Key commits nothing twice. The server's limit is a role's
CONNECTION LIMIT here (a superuser has none), below the pool the service is given."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


@asynccontextmanager
async def limited(database_url: str) -> AsyncIterator[str]:
    """`database_url` as a role that may hold `LIMIT` connections at once."""
    role = f"few_{uuid.uuid4().hex[:8]}"
    owner = await asyncpg.connect(_asyncpg_dsn(database_url))
    try:
        await owner.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT {LIMIT}')
        await owner.execute(f'GRANT ALL ON SCHEMA public TO "{role}"')
        await owner.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"')
        await owner.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        yield make_url(database_url).set(username=role).render_as_string(hide_password=False)
    finally:
        await owner.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
        await owner.execute(f'DROP OWNED BY "{role}"')
        await owner.close()
        admin = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()))
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


@pytest.fixture
async def limited_url(backend: str, budget_database_url: str) -> AsyncIterator[str]:
    if backend != "postgresql":
        pytest.skip("a connection limit is PostgreSQL's")
    async with limited(budget_database_url) as url:
        yield url


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


async def test_the_catalogues_reads_are_a_503_when_connections_are_refused(
    backend: str, catalogue_app: object, catalogue_database_url: str
) -> None:
    """The catalogue answers most reads from memory; what still asks the database (a search, the data
    version's check in front of the routes) gets a 503, never a 500, when the server refuses it."""
    if backend != "postgresql":
        pytest.skip("a connection limit is PostgreSQL's")
    from services.catalogue.config import Settings as CatalogueSettings
    from services.catalogue.main import create_app as create_catalogue

    async with limited(catalogue_database_url) as url:
        app = create_catalogue(
            CatalogueSettings(database_url=url, environment="test", database_pool_size=10, data_version_check_ms=0)
        )
        async with LifespanManager(app, startup_timeout=30):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://catalogue") as client:
                paths = [f"/v1/search?q=energi{i}" for i in range(30)] + [f"/v1/programmes/{SE_NO}/priorities"] * 30
                answers = await asyncio.gather(*(client.get(p) for p in paths))
    statuses = [r.status_code for r in answers]
    assert set(statuses) <= {200, 503}, [
        (r.status_code, r.text[:300]) for r in answers if r.status_code not in (200, 503)
    ]
    assert 503 in statuses, "the limit was never reached: the test proves nothing"
    assert all(r.headers.get("Retry-After") for r in answers if r.status_code == 503)


async def test_the_checks_fast_path_is_a_503_when_connections_are_refused(
    backend: str, eligibility_app: object, eligibility_database_url: str, catalogue_app: object
) -> None:
    """`POST /v1/checks` is answered in front of the routes; when its reads of the rule sets' data
    version are refused by the server it answers 503 with Retry-After, never 500."""
    if backend != "postgresql":
        pytest.skip("a connection limit is PostgreSQL's")
    from services.eligibility.config import Settings as EligibilitySettings
    from services.eligibility.main import create_app as create_eligibility
    from services.eligibility.tests.helpers import gron

    async with limited(eligibility_database_url) as url:
        app = create_eligibility(
            EligibilitySettings(
                database_url=url,
                environment="test",
                http_retries=0,
                database_pool_size=10,
                data_version_check_ms=0,
                load_rules_on_startup=False,
            ),
            transports={"catalogue": httpx.ASGITransport(catalogue_app)},  # type: ignore[arg-type]
        )
        async with LifespanManager(app, startup_timeout=30):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://eligibility") as client:
                answers = await asyncio.gather(*(client.post("/v1/checks", json=gron()) for _ in range(60)))
    statuses = [r.status_code for r in answers]
    assert set(statuses) <= {200, 503}, [
        (r.status_code, r.text[:300]) for r in answers if r.status_code not in (200, 503)
    ]
    assert 503 in statuses, "the limit was never reached: the test proves nothing"
    assert all(r.headers.get("Retry-After") for r in answers if r.status_code == 503)
