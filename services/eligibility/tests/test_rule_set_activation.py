"""Rule sets go live on purpose: a posted version is a draft, validated against its programme (a cap in
USD is a 422 naming the field, nothing stored); an admin activates it from an instant, and checks of an
instant before it keep the version in force then."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import httpx
from fastapi import FastAPI

from services.eligibility.tests.fixtures import CLOCK_START
from services.eligibility.tests.helpers import SE_NO, gron
from tests.harness import auth

ADMIN = auth("admin", "ada")
RULE_KEYS = ("code", "kind", "severity", "params", "source", "param_sources")


async def _call_id(catalogue_app: FastAPI) -> str:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(catalogue_app), base_url="http://c") as c:
        calls = (await c.get(f"/v1/programmes/{SE_NO}/calls", params={"limit": 100})).json()["items"]
    return str(next(c["id"] for c in calls if c["number"] == "2022-1"))


async def _current(client: httpx.AsyncClient) -> dict[str, Any]:
    current = (await client.get(f"/v1/rule-sets/{SE_NO}")).json()
    current["rules"] = [{k: r[k] for k in RULE_KEYS} for r in current["rules"]]
    return current


def _money_paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        if {"amount", "currency"} <= value.keys():
            return [path]
        return [p for k, v in value.items() for p in _money_paths(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _money_paths(v, f"{path}[{i}]")]
    return []


async def test_a_rule_set_in_usd_is_refused_naming_the_field_and_nothing_is_stored(
    eligibility_client: httpx.AsyncClient,
) -> None:
    current = await _current(eligibility_client)
    i, path = next((i, p) for i, r in enumerate(current["rules"]) for p in _money_paths(r["params"]))
    rules = copy.deepcopy(current["rules"])
    target: Any = rules[i]["params"]
    for step in path.strip(".").replace("[", ".[").split("."):
        target = target[int(step[1:-1])] if step.startswith("[") else target[step]
    target["currency"] = "USD"
    body = {"id": SE_NO, "programme": SE_NO, "name": current["name"], "rules": rules}
    refused = await eligibility_client.post("/v1/rule-sets", json=body, headers=ADMIN)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/rule-set-not-for-programme")
    assert [e["field"] for e in problem["errors"]] == [f"rules[{i}].params{path}.currency"]
    assert "'USD' is not a currency of interreg-se-no-2021-2027" in problem["errors"][0]["message"]
    versions = (await eligibility_client.get(f"/v1/rule-sets/{SE_NO}/versions")).json()["items"]
    assert [v["version"] for v in versions] == [current["version"]]


async def test_a_country_the_programme_has_no_fund_for_is_refused(eligibility_client: httpx.AsyncClient) -> None:
    current = await _current(eligibility_client)
    rules = copy.deepcopy(current["rules"])
    i = next(i for i, r in enumerate(rules) if r["params"].get("country") == "NO")
    rules[i]["params"]["country"] = "DK"
    body = {"id": SE_NO, "programme": SE_NO, "name": current["name"], "rules": rules}
    refused = await eligibility_client.post("/v1/rule-sets", json=body, headers=ADMIN)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [f"rules[{i}].params.country"]


async def test_a_new_version_is_a_draft_until_activated_and_takes_effect_at_its_instant(
    eligibility_client: httpx.AsyncClient, catalogue_app: FastAPI
) -> None:
    application = gron(call_id=await _call_id(catalogue_app))
    current = await _current(eligibility_client)
    first = current["version"]
    rules = copy.deepcopy(current["rules"])
    rules[0]["severity"] = "warning" if rules[0]["severity"] == "error" else "error"
    posted = await eligibility_client.post(
        "/v1/rule-sets", json={"id": SE_NO, "programme": SE_NO, "name": current["name"], "rules": rules}, headers=ADMIN
    )
    assert posted.status_code == 201, posted.text
    draft = posted.json()
    assert draft["version"] == first + 1 and draft["effective_from"] is None

    async def version_at(at: dt.datetime) -> int:
        r = await eligibility_client.post("/v1/checks", json={**application, "at": at.isoformat()})
        assert r.status_code == 200, r.text
        return int(r.json()["rule_set"]["version"])

    # A draft: no check uses it, the rule set still shows the version in force, a check may name it.
    assert await version_at(CLOCK_START) == first
    shown = (await eligibility_client.get(f"/v1/rule-sets/{SE_NO}")).json()
    assert shown["version"] == first and shown["latest_version"] == first + 1
    tried = await eligibility_client.post(
        "/v1/checks", json=application, params={"rule_set": SE_NO, "rule_set_version": first + 1}
    )
    assert tried.json()["rule_set"]["version"] == first + 1

    # Activation in the past is refused; from tomorrow it is accepted, once.
    activation = f"/v1/rule-sets/{SE_NO}/versions/{first + 1}/activation"
    past = await eligibility_client.post(
        activation, json={"effective_from": (CLOCK_START - dt.timedelta(seconds=1)).isoformat()}, headers=ADMIN
    )
    assert past.status_code == 422 and past.json()["type"].endswith("/invalid-activation")
    tomorrow = CLOCK_START + dt.timedelta(days=1)
    anyone = await eligibility_client.post(
        activation, json={"effective_from": tomorrow.isoformat()}, headers=auth("officer", "olga")
    )
    assert anyone.status_code == 403
    activated = await eligibility_client.post(activation, json={"effective_from": tomorrow.isoformat()}, headers=ADMIN)
    assert activated.status_code == 201, activated.text
    assert dt.datetime.fromisoformat(activated.json()["effective_from"]) == tomorrow
    assert activated.json()["activated_by"] == "ada"
    again = await eligibility_client.post(activation, json={}, headers=ADMIN)
    assert again.status_code == 409

    # Before its instant the previous version holds; from it on, the new one.
    assert await version_at(CLOCK_START) == first
    assert await version_at(tomorrow - dt.timedelta(microseconds=1)) == first
    assert await version_at(tomorrow) == first + 1
    assert (await eligibility_client.get(f"/v1/rule-sets/{SE_NO}")).json()["version"] == first
    listed = (await eligibility_client.get(f"/v1/rule-sets/{SE_NO}/versions")).json()["items"]
    assert [dt.datetime.fromisoformat(v["effective_from"]) for v in listed][-1] == tomorrow


async def test_the_shipped_rules_fit_their_programmes(eligibility_client: httpx.AsyncClient) -> None:
    """Every rule set the service ships with, posted again as it is, passes the programme check."""
    sets = (await eligibility_client.get("/v1/rule-sets")).json()["items"]
    assert sets
    for summary in sets:
        current = (await eligibility_client.get(f"/v1/rule-sets/{summary['id']}")).json()
        body = {
            "id": current["id"],
            "programme": current["programme"],
            "call_id": current["call_id"],
            "name": current["name"],
            "rules": [{k: r[k] for k in RULE_KEYS} for r in current["rules"]],
        }
        posted = await eligibility_client.post("/v1/rule-sets", json=body, headers=ADMIN)
        assert posted.status_code == 201, (summary["id"], posted.text)
