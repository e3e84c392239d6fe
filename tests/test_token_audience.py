"""Tokens are bound to a service, an issuer and (for a service's own token) a scope: a token for the
budget is refused by the catalogue, a token of another issuer by every service that names one, and the
applications service's own token makes only the budget calls its scope names."""

from __future__ import annotations

import uuid

import httpx
import pytest

from services.applications.config import Settings as ApplicationsSettings
from services.applications.outbound.upstreams import service_bearer
from services.budget.tests.helpers import SE_NO, commitment, key
from shared.auth import TokenVerifier, issue_token
from shared.problems import Unauthorized
from shared.settings import AuthSettings

CALLS = f"/v1/programmes/{SE_NO}/calls"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_for_the_budget_is_refused_by_the_catalogue(catalogue_client: httpx.AsyncClient) -> None:
    for_budget = issue_token(AuthSettings(), sub="ada", roles=["admin"], audience="budget")
    refused = await catalogue_client.post(CALLS, json={}, headers=bearer(for_budget))
    assert refused.status_code == 401, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "audience" in refused.json()["detail"].lower()
    # the same admin with a token for the catalogue passes authentication (and meets the body's check)
    for_catalogue = issue_token(AuthSettings(), sub="ada", roles=["admin"], audience="catalogue")
    assert (await catalogue_client.post(CALLS, json={}, headers=bearer(for_catalogue))).status_code == 422


async def test_a_token_without_an_audience_is_refused(catalogue_client: httpx.AsyncClient) -> None:
    import time

    import jwt

    claims = {"sub": "ada", "roles": ["admin"], "exp": int(time.time()) + 600}
    token = jwt.encode(claims, AuthSettings().secret, algorithm="HS256")
    refused = await catalogue_client.post(CALLS, json={}, headers=bearer(token))
    assert refused.status_code == 401 and '"aud"' in refused.json()["detail"]


async def test_the_issuer_is_checked_whenever_one_is_configured() -> None:
    idp = AuthSettings(issuer="https://login.interreg.example/realms/interreg")
    verifier = TokenVerifier(idp, audience="budget")
    assert (await verifier.verify(issue_token(idp, sub="ada", roles=["officer"]))).sub == "ada"
    for other in (AuthSettings(), AuthSettings(issuer="https://evil.example")):
        with pytest.raises(Unauthorized):
            await verifier.verify(issue_token(other, sub="ada", roles=["officer"]))


async def test_the_applications_service_token_makes_only_the_calls_its_scope_names(
    budget_client: httpx.AsyncClient, applications_offline_client: httpx.AsyncClient
) -> None:
    own = bearer(service_bearer(ApplicationsSettings()))
    body = commitment(SE_NO, "1", ("ERDF", "1000.00", "EUR"), so="1B", application_id=str(uuid.uuid4()))
    made = await budget_client.post("/v1/commitments", json=body, headers={**own, **key()})
    assert made.status_code == 201, made.text
    assert (await budget_client.get(f"/v1/commitments/{made.json()['id']}", headers=own)).status_code == 200
    # an officer could record a payment; the service's token may not (its scope does not name it)
    paid = await budget_client.post(
        f"/v1/commitments/{made.json()['id']}/payments",
        json={"lines": [{"fund": "ERDF", "amount": {"amount": "1.00", "currency": "EUR"}}]},
        headers={**own, **key()},
    )
    assert paid.status_code == 403 and "scope" in paid.json()["detail"]
    # and it is a token for the budget: the applications service itself refuses it
    assert (await applications_offline_client.get("/v1/applications", headers=own)).status_code == 401
