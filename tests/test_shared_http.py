"""Cross-cutting helpers: language negotiation, cursors, problem+json, tokens, request ids, metrics."""

import base64
import datetime as dt

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, Field

from shared.auth import CurrentPrincipal, TokenVerifier, issue_token, require_roles
from shared.clock import FixedClock, FixedMonotonic
from shared.i18n import negotiate, pick
from shared.observability import RequestContextMiddleware
from shared.pagination import Keyset, Offset, PageParams, decode_cursor, encode_cursor, paginate
from shared.problems import Conflict, ProblemError, Unauthorized, install_problem_handlers
from shared.settings import AuthSettings, ServiceSettings


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("sv-SE,sv;q=0.9,en;q=0.5", "sv"),
        ("nb", "nb"),
        ("no", "nb"),
        ("nn-NO", "nb"),
        ("de, sv;q=0.1", "sv"),
        ("en;q=0.2, nb;q=0.8", "nb"),
        ("fr", "en"),
        ("*", "en"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_pick_falls_back() -> None:
    assert pick({"sv": "Hej", "en": "Hello"}, "nb") == "Hello"
    assert pick({"sv": "Hej"}, "nb") == "Hej"
    assert pick(None, "sv") == ""


class ByName(Keyset):
    name: str
    n: int = Field(ge=1)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        "",
        encode_cursor(Offset(offset=3)),  # a cursor of another list
        base64.urlsafe_b64encode(b'{"name": "x", "n": -1}').decode(),  # crafted: negative
        base64.urlsafe_b64encode(b'{"name": "x", "n": 1, "sql": "1; drop"}').decode(),  # crafted: extra field
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        "A" * 600,
    ],
)
def test_a_cursor_this_list_did_not_return_is_422(cursor: str) -> None:
    with pytest.raises(ProblemError) as err:
        decode_cursor(cursor, ByName)
    assert err.value.status == 422


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor(ByName(name="x", n=3)), ByName) == ByName(name="x", n=3)
    params = PageParams(limit=2, cursor=None)
    page = paginate(["a", "b", "c"], params, lambda row: ByName(name=row, n=1))
    assert page.items == ["a", "b"]
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor, ByName) == ByName(name="b", n=1)
    assert paginate(["a", "b"], params, lambda row: ByName(name=row, n=1)).next_cursor is None


AUDIENCE = "catalogue"
"""The audience of the test app's verifier; development tokens carry all four services'."""


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValueError, match="AUTH_SECRET"):
        ServiceSettings(environment="production", audience="interreg-budget", auth=AuthSettings(issuer="https://idp"))
    real = "a-real-secret-from-the-vault-0123456789"
    ServiceSettings(
        environment="production", audience="interreg-budget", auth=AuthSettings(secret=real, issuer="https://idp")
    )


@pytest.mark.parametrize(
    "settings",
    [
        {"auth": AuthSettings(secret="a-real-secret-from-the-vault-0123456789", issuer="https://idp")},
        {"audience": "interreg-budget", "auth": AuthSettings(secret="a-real-secret-from-the-vault-0123456789")},
    ],
    ids=["no audience", "no issuer"],
)
def test_production_refuses_to_start_without_an_issuer_and_an_audience(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="AUTH_ISSUER and this service's <SERVICE>_AUDIENCE"):
        ServiceSettings(environment="production", **settings)  # type: ignore[arg-type]


class Body(BaseModel):
    n: int


def _app() -> FastAPI:
    app = FastAPI()
    app.state.token_verifier = TokenVerifier(AuthSettings(), audience=AUDIENCE)
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="test")
    router = APIRouter()

    @router.post("/v1/things")
    async def make(body: Body) -> dict[str, int]:
        if body.n == 409:
            raise Conflict("already there", thing=body.n)
        if body.n == 500:
            raise RuntimeError("boom: secret internals")
        return {"n": body.n}

    app.include_router(router)

    @app.get("/v1/only-admin")
    async def only_admin(p: CurrentPrincipal, _a: object = Depends(require_roles("admin"))) -> dict[str, str]:
        return {"sub": p.sub}

    return app


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t")


async def test_problem_json_for_validation_conflict_unknown_route_and_crash() -> None:
    async with await _client(_app()) as c:
        r = await c.post("/v1/things", json={"n": "x"})
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["status"] == 422 and body["errors"][0]["field"] == "n"
        r = await c.post("/v1/things", json={"n": 409})
        assert r.status_code == 409 and r.json()["thing"] == 409 and r.json()["detail"] == "already there"
        r = await c.get("/v1/nothing-here")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        r = await c.post("/v1/things", json={"n": 500})
        assert r.status_code == 500 and "secret internals" not in r.text and "Traceback" not in r.text


async def test_roles_and_tokens() -> None:
    settings = AuthSettings()
    async with await _client(_app()) as c:
        assert (await c.get("/v1/only-admin")).status_code == 401
        bad = {"Authorization": "Bearer not.a.token"}
        assert (await c.get("/v1/only-admin", headers=bad)).status_code == 401
        applicant = {"Authorization": "Bearer " + issue_token(settings, sub="anna", roles=["applicant"])}
        assert (await c.get("/v1/only-admin", headers=applicant)).status_code == 403
        admin = {"Authorization": "Bearer " + issue_token(settings, sub="ada", roles=["admin"])}
        r = await c.get("/v1/only-admin", headers=admin)
        assert r.status_code == 200 and r.json() == {"sub": "ada"}
        forged = issue_token(AuthSettings(secret="another-secret-another-secret-1234"), sub="eve", roles=["admin"])
        assert (await c.get("/v1/only-admin", headers={"Authorization": f"Bearer {forged}"})).status_code == 401


BAD_CLAIMS = {
    "roles as a string": {"sub": "eve", "roles": "admin"},
    "roles as an object": {"sub": "eve", "roles": {"admin": True}},
    "roles with a number": {"sub": "eve", "roles": ["admin", 1]},
    "unknown role": {"sub": "eve", "roles": ["superuser"]},
    "empty sub": {"sub": "", "roles": ["admin"]},
    "blank sub": {"sub": "   ", "roles": ["admin"]},
    "sub as a number": {"sub": 7, "roles": ["admin"]},
    "no sub": {"roles": ["admin"]},
    "org as a list": {"sub": "eve", "roles": ["admin"], "org": ["a"]},
    "expired": {"sub": "eve", "roles": ["admin"], "exp": 1},
}


@pytest.mark.parametrize("claims", BAD_CLAIMS.values(), ids=list(BAD_CLAIMS))
async def test_tokens_of_the_wrong_shape_are_401(claims: dict[str, object]) -> None:
    import time

    import jwt

    settings = AuthSettings()
    token = jwt.encode({"exp": int(time.time()) + 600, "aud": AUDIENCE, **claims}, settings.secret, algorithm="HS256")
    async with await _client(_app()) as c:
        r = await c.get("/v1/only-admin", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"] == "Bearer"


LIFETIME = dt.timedelta(seconds=600)
LEEWAY = dt.timedelta(seconds=30)


async def test_a_token_is_valid_for_its_lifetime_and_the_leeway_on_the_verifier_clock() -> None:
    """Expiry is judged on the verifier's clock, not the system time (this token is issued in 2031): valid
    at its issue, still within the leeway after `exp`, and refused (401 problem+json) one second later."""
    settings = AuthSettings(leeway_seconds=int(LEEWAY.total_seconds()))
    clock = FixedClock(dt.datetime(2031, 3, 1, 12, 0, tzinfo=dt.UTC))
    token = issue_token(settings, sub="ada", roles=["admin"], ttl_seconds=int(LIFETIME.total_seconds()), clock=clock)
    app = _app()
    app.state.token_verifier = TokenVerifier(settings, audience=AUDIENCE, clock=clock)
    async with await _client(app) as c:
        headers = {"Authorization": f"Bearer {token}"}
        assert (await c.get("/v1/only-admin", headers=headers)).status_code == 200
        clock.advance(LIFETIME + LEEWAY - dt.timedelta(seconds=1))
        assert (await c.get("/v1/only-admin", headers=headers)).status_code == 200
        clock.advance(dt.timedelta(seconds=1))
        refused = await c.get("/v1/only-admin", headers=headers)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert refused.json()["detail"] == "the bearer token is not valid: Signature has expired"


@pytest.mark.parametrize("claim", ["iat", "nbf"])
async def test_a_token_of_the_future_is_refused_until_the_leeway_before_it(claim: str) -> None:
    import jwt

    settings = AuthSettings(leeway_seconds=int(LEEWAY.total_seconds()))
    at = dt.datetime(2031, 3, 1, 12, 0, tzinfo=dt.UTC)
    clock = FixedClock(at)
    verifier = TokenVerifier(settings, audience=AUDIENCE, clock=clock)
    starts = int((at + dt.timedelta(seconds=100)).timestamp())
    claims = {
        "sub": "ada",
        "roles": ["admin"],
        "aud": AUDIENCE,
        claim: starts,
        "exp": starts + int(LIFETIME.total_seconds()),
    }
    token = jwt.encode(claims, settings.secret, algorithm="HS256")
    with pytest.raises(Unauthorized) as refused:
        await verifier.verify(token)
    assert refused.value.detail == f"the bearer token is not valid: The token is not yet valid ({claim})"
    clock.advance(dt.timedelta(seconds=100) - LEEWAY - dt.timedelta(seconds=1))
    with pytest.raises(Unauthorized):
        await verifier.verify(token)
    clock.advance(dt.timedelta(seconds=1))
    assert (await verifier.verify(token)).sub == "ada"


@pytest.mark.parametrize("claim", ["iat", "nbf", "exp"])
async def test_a_token_whose_times_are_not_numbers_is_refused(claim: str) -> None:
    import jwt

    settings = AuthSettings()
    claims: dict[str, object] = {"sub": "ada", "roles": ["admin"], "aud": AUDIENCE, "exp": 4102444800, claim: "soon"}
    with pytest.raises(Unauthorized, match=f"\\({claim}\\) must be an integer"):
        await TokenVerifier(settings, audience=AUDIENCE).verify(jwt.encode(claims, settings.secret, algorithm="HS256"))


async def test_request_id_is_echoed_or_made() -> None:
    async with await _client(_app()) as c:
        r = await c.post("/v1/things", json={"n": 1}, headers={"X-Request-ID": "abc-123"})
        assert r.headers["x-request-id"] == "abc-123"
        r = await c.post("/v1/things", json={"n": 1})
        assert len(r.headers["x-request-id"]) == 32


async def test_etag_cache_reuses_fresh_copies_then_revalidates() -> None:
    from fastapi import Request, Response

    from shared.caching import cached_json
    from shared.http import ETagCache, make_client
    from shared.problems import UpstreamError

    seen: list[str | None] = []
    upstream = FastAPI()
    state = {"version": 1, "max_age": 60}

    @upstream.get("/thing")
    async def thing(request: Request) -> Response:
        seen.append(request.headers.get("if-none-match"))
        return cached_json(request, {"version": state["version"]}, max_age=state["max_age"])

    client = make_client("http://upstream", transport=httpx.ASGITransport(app=upstream))
    ticks = FixedMonotonic()
    cache = ETagCache(client, "upstream", max_fresh_seconds=0.25, now=ticks)
    assert await cache.get_json("/thing") == (200, {"version": 1})
    ticks.advance(0.125)
    assert await cache.get_json("/thing") == (200, {"version": 1})
    assert len(seen) == 1  # the second read was fresh: no request at all

    ticks.advance(0.125)  # max_fresh_seconds, though the upstream said max-age=60: stale
    assert await cache.get_json("/thing") == (200, {"version": 1})
    assert len(seen) == 2 and seen[1] is not None  # revalidated with If-None-Match, answered 304

    state["version"] = 2
    ticks.advance(0.125)
    assert await cache.get_json("/thing") == (200, {"version": 1})  # the 304 made it fresh again
    assert len(seen) == 2
    ticks.advance(0.125)
    assert await cache.get_json("/thing") == (200, {"version": 2})  # a change is seen once stale
    assert len(seen) == 3

    state["max_age"] = 0
    ticks.advance(0.25)
    await cache.get_json("/thing")
    await cache.get_json("/thing")
    assert len(seen) == 5  # max-age=0: every read revalidates, with no time passing between them

    down = ETagCache(make_client("http://127.0.0.1:9", retries=0, timeout=0.5), "upstream")
    with pytest.raises(UpstreamError):
        await down.get_json("/thing")
    await client.aclose()


async def test_etag_cache_parses_a_representation_once_and_asks_once_for_concurrent_readers() -> None:
    import asyncio

    from fastapi import Request, Response

    from shared.caching import cached_json
    from shared.http import ETagCache, make_client
    from shared.problems import UpstreamError

    seen: list[str | None] = []
    parsed: list[object] = []
    upstream = FastAPI()
    state: dict[str, object] = {"version": 1, "fail": False}
    answer = asyncio.Event()  # the upstream answers once every reader of a round is waiting

    @upstream.get("/thing")
    async def thing(request: Request) -> Response:
        seen.append(request.headers.get("if-none-match"))
        await answer.wait()
        if state["fail"]:
            return Response(status_code=503)
        return cached_json(request, {"version": state["version"]}, max_age=60)

    def parse(data: object) -> tuple[str, object]:
        parsed.append(data)
        return ("parsed", data)

    async def together(readers: int) -> list[object]:
        """`readers` concurrent `get_parsed`, the upstream held back until every one of them is waiting
        (each has run up to its first wait when the last has begun), so that none can be answered from
        what another's request brought back."""
        begun = 0
        everyone = asyncio.Event()

        async def read() -> object:
            nonlocal begun
            begun += 1
            if begun == readers:
                everyone.set()
            return await cache.get_parsed("/thing", parse)

        answer.clear()
        reading = asyncio.gather(*(read() for _ in range(readers)), return_exceptions=True)
        await asyncio.wait_for(everyone.wait(), timeout=10)
        answer.set()
        return await asyncio.wait_for(reading, timeout=10)

    client = make_client("http://upstream", transport=httpx.ASGITransport(app=upstream), retries=0)
    ticks = FixedMonotonic()
    cache = ETagCache(client, "upstream", max_fresh_seconds=0.25, now=ticks)
    answers = await together(10)
    assert answers == [(200, ("parsed", {"version": 1}))] * 10
    assert len(seen) == 1 and len(parsed) == 1  # ten readers: one request, one parse
    assert answers[0][1] is answers[9][1]  # type: ignore[index]  # the very same parsed value
    assert await cache.get_json("/thing") == (200, {"version": 1})  # the raw JSON is still there

    ticks.advance(0.25)
    again = await together(10)
    assert again == answers and len(seen) == 2 and seen[1] is not None  # one revalidation, a 304
    assert len(parsed) == 1  # the same representation (ETag): not parsed again

    state["version"] = 2
    ticks.advance(0.25)
    assert await cache.get_parsed("/thing", parse) == (200, ("parsed", {"version": 2}))
    assert len(parsed) == 2  # a new representation is parsed once

    state["fail"] = True
    ticks.advance(0.25)
    failed = await together(5)
    assert all(isinstance(f, UpstreamError) for f in failed) and len(seen) == 4  # nothing stale, one request
    await client.aclose()


async def test_cors_only_for_allowed_origins_and_security_headers_everywhere(tmp_path: object) -> None:
    from shared.app import build_app

    settings = ServiceSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/cors.db", cors_origins=["https://app.example"]
    )
    app = build_app(service="t", settings=settings, description="t", routers=[])
    async with await _client(app) as c:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Idempotency-Key"}
        ok = await c.options("/healthz", headers={"Origin": "https://app.example", **preflight})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://app.example"
        assert "idempotency-key" in ok.headers["access-control-allow-headers"].lower()
        other = await c.options("/healthz", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in other.headers
        r = await c.get("/healthz", headers={"Origin": "https://evil.example"})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
    closed = build_app(
        service="t",
        settings=ServiceSettings(database_url=settings.database_url),
        description="t",
        routers=[],
    )
    async with await _client(closed) as c:
        r = await c.options(
            "/healthz", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
        )
        assert "access-control-allow-origin" not in r.headers
