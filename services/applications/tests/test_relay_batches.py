"""A burst of submissions reaches the relay as one batch (`outbound/assessing.py`): their checks go to the
eligibility service in one request per language, and every application gets its own report, status,
history entry and event, exactly as when each is checked alone."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import ALICE, OLGA, A, create, delivered, gron, history, ineligible, key
from services.applications.tests.helpers import open_call as opened


@pytest.fixture
async def call_id(catalogue_client: httpx.AsyncClient) -> str:
    return await opened(catalogue_client)


async def checks_answered(eligibility: httpx.AsyncClient) -> dict[str, float]:
    """The eligibility service's answered checks so far, by route (its `/metrics`)."""
    text = (await eligibility.get("/metrics")).text
    pattern = r'http_requests_total\{method="POST",route="(/v1/checks(?:/batch)?)",service="eligibility",status="200"\} ([0-9.e+]+)'
    return {route: float(n) for route, n in re.findall(pattern, text)}


async def test_a_burst_is_checked_together_and_each_gets_its_own_report(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    eligibility_client: httpx.AsyncClient,
    call_id: str,
) -> None:
    bodies = [(gron(call_id), "sv"), (ineligible(call_id), "sv"), (gron(call_id), "nb"), (gron(call_id), "sv")]
    ids = []
    for body, language in bodies:
        aid = (await create(applications_client, body))["id"]
        r = await applications_client.post(f"{A}/{aid}/submit", headers={**ALICE, **key(), "Accept-Language": language})
        assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
        ids.append(aid)

    before = await checks_answered(eligibility_client)
    await delivered(applications_app)  # one drain: the four are claimed in one round
    after = await checks_answered(eligibility_client)
    # One batch per language: the three in Swedish together, the Norwegian one alone.
    assert after.get("/v1/checks/batch", 0) - before.get("/v1/checks/batch", 0) == 1
    assert after.get("/v1/checks", 0) - before.get("/v1/checks", 0) == 1
    statuses = [(await applications_client.get(f"{A}/{aid}", headers=OLGA)).json()["status"] for aid in ids]
    assert statuses == ["eligible", "ineligible", "eligible", "eligible"]
    for aid, (_, language) in zip(ids, bodies, strict=True):
        report = (await applications_client.get(f"{A}/{aid}/eligibility", headers=ALICE)).json()
        assert report["language"] == language
        assessment = (await history(applications_client, aid))[-1]
        assert assessment["actor"] == "system:eligibility" and assessment["to_status"] in ("eligible", "ineligible")
        assert f"rule set {report['rule_set']['id']} v{report['rule_set']['version']}" in assessment["reason"]
    failed = (await applications_client.get(f"{A}/{ids[1]}/eligibility", headers=ALICE)).json()
    assert [r["rule"] for r in failed["results"] if not r["passed"] and r["severity"] == "error"] == ["co-financing-se"]
