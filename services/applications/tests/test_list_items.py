"""The officers' list serves each application from its stored body (no validation per row): each item must
be exactly the application that `GET /v1/applications/{id}` answers, in every state a list shows."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.applications.tests.helpers import ALICE, OLGA, A, assessed, create, decided, gron, open_call


async def test_every_item_of_the_list_is_the_application_as_get_answers_it(
    applications_app: FastAPI,
    applications_client: httpx.AsyncClient,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client = applications_client
    call_id = await open_call(catalogue_client)
    draft = (await create(client, gron(call_id)))["id"]
    eligible = (await create(client, gron(call_id, acronym="ELIG")))["id"]
    assert (await assessed(client, applications_app, eligible))["status"] == "eligible"
    approved = (await create(client, gron(call_id, acronym="APPR")))["id"]
    assert (await assessed(client, applications_app, approved))["status"] == "eligible"
    after = await decided(client, applications_app, approved, {"decision": "approved"})
    assert after["commitment_status"] == "active" and after["decided_at"], after

    for who in (OLGA, ALICE):
        r = await client.get(A, params={"limit": 2}, headers=who)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
        items = r.json()["items"]
        r = await client.get(A, params={"limit": 2, "cursor": r.json()["next_cursor"]}, headers=who)
        items += r.json()["items"]
        assert r.json()["next_cursor"] is None
        assert sorted(i["id"] for i in items) == sorted([approved, eligible, draft])  # one instant: by id
        for item in items:
            single = await client.get(f"{A}/{item['id']}", headers=who)
            assert single.status_code == 200
            assert item == single.json()
