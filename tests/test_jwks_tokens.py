"""Tokens of an identity provider: RS256 and ES256 verified against its JWKS (served here by a local
HTTP server from a locally generated key set) with issuer, audience and expiry checked and `kid`
rotation followed; every kind of bad token is a 401 problem+json on a write that then stores nothing."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from services.catalogue.config import Settings
from services.catalogue.main import create_app
from shared.settings import DEV_SECRET, AuthSettings

ISSUER = "https://idp.example.test/realms/interreg"
AUDIENCE = "interreg-backend"
CALLS = "/v1/programmes/interreg-se-no-2021-2027/calls"
CALL = {
    "number": "2031-1",
    "name": {"en": "Call"},
    "opens_at": "2031-01-01T00:00:00Z",
    "specific_objectives": ["1A"],
    "project_types": ["main-project"],
}


class KeySet:
    """Private keys by kid, and the public JWKS the identity provider publishes."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.published: list[str] = []

    def add_rsa(self, kid: str) -> None:
        self.keys[kid] = ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def add_ec(self, kid: str) -> None:
        self.keys[kid] = ("ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid in self.published:
            alg, key = self.keys[kid]
            tool = RSAAlgorithm if alg == "RS256" else ECAlgorithm
            jwk = json.loads(tool.to_jwk(key.public_key()))
            out.append({**jwk, "kid": kid, "alg": alg, "use": "sig"})
        return {"keys": out}

    def token(self, kid: str, *, headers: dict[str, Any] | None = None, **overrides: Any) -> str:
        alg, key = self.keys[kid]
        now = int(time.time())
        claims = {"sub": "ada", "roles": ["admin"], "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, **(headers or {})})


@pytest.fixture
def keys() -> KeySet:
    keys = KeySet()
    keys.add_rsa("rsa-1")
    keys.add_ec("ec-1")
    keys.published = ["rsa-1", "ec-1"]
    return keys


@pytest.fixture
def jwks_url(keys: KeySet) -> Iterator[str]:
    """The identity provider's JWKS endpoint: a real HTTP server on a free local port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(keys.jwks()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/realms/interreg/certs"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def client(
    catalogue_database_url: str, catalogue_app: FastAPI, jwks_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The catalogue verifying tokens against the JWKS (on the database `catalogue_app` loaded)."""
    settings = Settings(
        database_url=catalogue_database_url,
        audience=AUDIENCE,
        auth=AuthSettings(jwks_url=jwks_url, issuer=ISSUER, leeway_seconds=0, jwks_refresh_cooldown_seconds=0),
    )
    app = create_app(settings)
    async with LifespanManager(app), httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://c") as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def calls(client: httpx.AsyncClient) -> list[str]:
    return [c["number"] for c in (await client.get(CALLS)).json()["items"]]


@pytest.mark.parametrize("kid", ["rsa-1", "ec-1"])
async def test_a_token_signed_with_a_published_key_is_accepted(
    client: httpx.AsyncClient, keys: KeySet, kid: str
) -> None:
    response = await client.post(CALLS, json=CALL, headers=bearer(keys.token(kid)))
    assert response.status_code == 201, response.text
    assert "2031-1" in await calls(client)


async def test_a_rotated_key_is_fetched_and_a_retired_one_refused(client: httpx.AsyncClient, keys: KeySet) -> None:
    patch = "/v1/calls/" + str(uuid.uuid4())
    old = keys.token("rsa-1")
    assert (await client.patch(patch, json={}, headers=bearer(old))).status_code == 404
    assert (await client.patch(patch, json={}, headers=bearer(old))).status_code == 404  # verified before: kept
    keys.add_rsa("rsa-2")
    keys.published = ["rsa-2", "ec-1"]  # the provider rotates: rsa-1 retired, rsa-2 new
    assert (await client.patch(patch, json={}, headers=bearer(keys.token("rsa-2")))).status_code == 404
    # The very token accepted before: the new key set makes it be verified again, and refused.
    retired = await client.patch(patch, json={}, headers=bearer(old))
    assert retired.status_code == 401, retired.text
    assert (await client.patch(patch, json={}, headers=bearer(keys.token("rsa-1")))).status_code == 401


def _bad_tokens(keys: KeySet) -> dict[str, str | None]:
    _, rsa_key = keys.keys["rsa-1"]
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    keys.add_rsa("unpublished")
    now = int(time.time())
    header, _payload, signature = keys.token("rsa-1").split(".")
    other_payload = keys.token("rsa-1", sub="eve").split(".")[1]
    return {
        "none": None,
        "not a jwt": "not-a-token",
        "expired": keys.token("rsa-1", iat=now - 600, exp=now - 60),
        "not yet valid": keys.token("rsa-1", nbf=now + 600),
        "no expiry": keys.token("rsa-1", exp=None),
        "other issuer": keys.token("rsa-1", iss="https://evil.example"),
        "other audience": keys.token("rsa-1", aud="another-service"),
        "unknown kid": keys.token("unpublished"),
        "tampered payload": f"{header}.{other_payload}.{signature}",
        "alg none": jwt.encode(
            {"sub": "ada", "roles": ["admin"], "iss": ISSUER, "aud": AUDIENCE, "exp": now + 300},
            None,
            algorithm="none",
            headers={"kid": "rsa-1"},
        ),
        "HS256 signed with the public key": _hs256_with(public_pem, now),
        "HS256 with the development secret": jwt.encode(
            {"sub": "ada", "roles": ["admin"], "iss": ISSUER, "aud": AUDIENCE, "exp": now + 300},
            DEV_SECRET,
            algorithm="HS256",
            headers={"kid": "rsa-1"},
        ),
        "roles a string": keys.token("rsa-1", roles="admin"),
        "roles an object": keys.token("rsa-1", roles={"admin": True}),
        "unknown role": keys.token("rsa-1", roles=["root"]),
        "empty sub": keys.token("rsa-1", sub=""),
        "sub not a string": keys.token("rsa-1", sub=42),
    }


def _hs256_with(secret: bytes, now: int) -> str:
    """The algorithm-confusion attack: HS256 keyed with the RSA public key (PyJWT refuses PEM keys as
    HMAC secrets, so the token is put together by hand)."""
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    body = b64(
        json.dumps({"sub": "ada", "roles": ["admin"], "iss": ISSUER, "aud": AUDIENCE, "exp": now + 300}).encode()
    )
    signature = b64(hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{signature}"


async def test_every_kind_of_bad_token_is_401_and_stores_nothing(client: httpx.AsyncClient, keys: KeySet) -> None:
    before = await calls(client)
    outcomes = {}
    for name, token in _bad_tokens(keys).items():
        response = await client.post(CALLS, json=CALL, headers=bearer(token) if token else {})
        outcomes[name] = (response.status_code, response.headers["content-type"].split(";")[0])
    assert outcomes == {name: (401, "application/problem+json") for name in outcomes}
    assert await calls(client) == before
