"""Request limits every service applies (shared.guards): body size (413 before the body is read whole),
writes per client (429 with Retry-After, in memory and in Redis), NUL bytes in parameters (422), the
documented answers of the OpenAPI document, and `Allow` of a 405. Shown on the catalogue's real app."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from services.catalogue.config import Settings
from services.catalogue.main import create_app
from tests.harness import auth

PROGRAMME = "interreg-se-no-2021-2027"
CALLS = f"/v1/programmes/{PROGRAMME}/calls"
MB = 1024 * 1024
REDIS_URL = "redis://127.0.0.1:6379/15"

AppFactory = Callable[..., Any]


def redis_available() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
async def make_client(catalogue_database_url: str, catalogue_app: FastAPI) -> AsyncIterator[AppFactory]:
    """`await make_client(**settings)`: a client of the real catalogue app with those settings, on the
    database `catalogue_app` loaded the programmes into."""
    managers: list[LifespanManager] = []
    clients: list[httpx.AsyncClient] = []

    async def make(**settings: Any) -> httpx.AsyncClient:
        app: FastAPI = create_app(Settings(database_url=catalogue_database_url, **settings))
        manager = LifespanManager(app)
        await manager.__aenter__()
        managers.append(manager)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://catalogue")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
    for manager in managers:
        await manager.__aexit__(None, None, None)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


class Chunks:
    """A request body of `count` chunks of `size` bytes that records how many were read."""

    def __init__(self, count: int, size: int = MB) -> None:
        self.count, self.size, self.read = count, size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.count):
            self.read += 1
            yield b"x" * self.size


async def test_a_20_mb_body_with_its_length_is_refused_before_a_byte_is_read(make_client: AppFactory) -> None:
    client = await make_client(max_body_bytes=MB)
    body = Chunks(20)
    headers = {**auth("admin", "ada"), "Content-Length": str(20 * MB), "Content-Type": "application/json"}
    response = await client.post(CALLS, content=body, headers=headers)
    assert "larger than 1048576 bytes" in problem(response, 413)["detail"]
    assert body.read == 0
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_20_mb_chunked_body_is_refused_once_it_passes_the_limit(make_client: AppFactory) -> None:
    client = await make_client(max_body_bytes=MB)
    before = (await client.get(CALLS)).json()
    body = Chunks(20)
    response = await client.post(CALLS, content=body, headers=auth("admin", "ada"))
    problem(response, 413)
    assert body.read <= 2, f"read {body.read} MB of 20"
    assert (await client.get(CALLS)).json() == before


async def test_a_body_within_the_limit_is_read(make_client: AppFactory) -> None:
    client = await make_client(max_body_bytes=MB)
    response = await client.post(CALLS, json={"number": "x"}, headers=auth("admin", "ada"))
    assert response.status_code == 422  # validated, so read: only the size limit is under test


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_a_burst_of_writes_beyond_the_limit_is_429_with_retry_after(make_client: AppFactory, store: str) -> None:
    if store == "redis" and not redis_available():
        pytest.skip("no Redis at 127.0.0.1:6379")
    client = await make_client(write_rate_limit="3/minute", redis_url=REDIS_URL if store == "redis" else None)
    who = auth("admin", f"ada-{uuid.uuid4().hex}")  # a fresh client, also in a Redis kept between runs
    statuses = [(await client.post(CALLS, json={}, headers=who)).status_code for _ in range(3)]
    assert statuses == [422, 422, 422]
    refused = await client.post(CALLS, json={}, headers=who)
    body = problem(refused, 429)
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert body["type"].endswith("/too-many-requests")
    # Reads are not limited, and another client has its own count.
    assert (await client.get(CALLS, headers=who)).status_code == 200
    other = await client.post(CALLS, json={}, headers=auth("admin", f"bo-{uuid.uuid4().hex}"))
    assert other.status_code == 422


async def test_replicas_sharing_redis_count_together(make_client: AppFactory) -> None:
    if not redis_available():
        pytest.skip("no Redis at 127.0.0.1:6379")
    first = await make_client(write_rate_limit="2/minute", redis_url=REDIS_URL)
    second = await make_client(write_rate_limit="2/minute", redis_url=REDIS_URL)
    who = auth("admin", f"ada-{uuid.uuid4().hex}")
    assert (await first.post(CALLS, json={}, headers=who)).status_code == 422
    assert (await second.post(CALLS, json={}, headers=who)).status_code == 422
    problem(await first.post(CALLS, json={}, headers=who), 429)


async def test_without_a_token_writes_are_counted_by_address(make_client: AppFactory) -> None:
    client = await make_client(write_rate_limit="1/minute")
    problem(await client.post(CALLS, json={}), 401)
    problem(await client.post(CALLS, json={}), 429)


@pytest.mark.parametrize(
    "url",
    [
        "/v1/search?q=%00",
        "/v1/search?q=ok&programme=a%00b",
        f"/v1/programmes/{PROGRAMME}/specific-objectives?priority=%00",
        f"/v1/programmes/{PROGRAMME}/specific-objectives/1%00A",
        "/v1/programmes/a%00b",
        "/v1/programmes?cursor=%00",
    ],
)
async def test_a_nul_byte_in_a_parameter_is_422_naming_it(make_client: AppFactory, url: str) -> None:
    client = await make_client()
    body = problem(await client.get(url), 422)
    assert any(e["field"].startswith(("query.", "path.")) for e in body["errors"]), body


async def test_405_names_every_method_of_the_path(make_client: AppFactory) -> None:
    client = await make_client()
    response = await client.delete("/v1/calls/0b6c5d0a-0a53-5c5c-9c43-9b0a0e4f0c11")
    problem(response, 405)
    assert response.headers["allow"] == "GET, PATCH"


async def test_the_openapi_document_names_the_common_answers(make_client: AppFactory) -> None:
    client = await make_client()
    spec = (await client.get("/openapi.json")).json()
    create = spec["paths"]["/v1/programmes/{programme}/calls"]["post"]["responses"]
    for status in ("413", "422", "429", "503"):
        assert list(create[status]["content"]) == ["application/problem+json"], status
    assert "Retry-After" in create["429"]["headers"] and "Retry-After" in create["503"]["headers"]
    search = spec["paths"]["/v1/search"]["get"]
    assert "429" not in search["responses"] and "503" in search["responses"]
    q = next(p for p in search["parameters"] if p["name"] == "q")
    assert q["schema"]["maxLength"] == 200 and q["schema"]["pattern"] == "^[^\\x00-\\x1f]*$"  # one line of text
    errors = [
        (path, method, status, list(answer.get("content", {})))
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        for status, answer in operation["responses"].items()
        if status[0] in "45" and list(answer.get("content", {})) != ["application/problem+json"]
    ]
    assert errors == []


async def test_the_services_own_tokens_are_not_limited(make_client: AppFactory) -> None:
    """One service token carries the work of many users (every approval's commitment): never a 429."""
    client = await make_client(write_rate_limit="1/minute")
    service = auth("admin", "service:applications")
    statuses = {(await client.post(CALLS, json={}, headers=service)).status_code for _ in range(3)}
    assert statuses == {422}
