"""Events and webhooks through the API (shared/webhooks), with a real receiver on loopback: the events of a
submission and an approval arrive in order, signed with the subscription's secret (and with no other), in
CloudEvents structured mode with no personal data; a 500 is retried with back-off until the 200, and never
after it; `Retry-After` is honoured; a 410 disables the subscription; a rotation sends two signatures;
destinations outside the allow-list are refused with a 422 naming the field; a delivery is replayed with its
id; the budget's `claim.paid` is sent the same way. The relays are drained by the test (no background
relay), with the applications clock moved past each back-off."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ADMIN,
    OLGA,
    assessed,
    create,
    decided,
    gron,
    key,
    open_call,
    submit,
)
from services.budget.tests.helpers import pay_by_claim
from shared.clock import FixedClock
from shared.webhooks import signing
from tests.receiver import Receiver, receiving

pytestmark = pytest.mark.usefixtures("backend")
S = "/v1/webhooks/subscriptions"
T = "se.interreg."


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


@pytest.fixture
async def call_id(catalogue_client: httpx.AsyncClient) -> str:
    return await open_call(catalogue_client)


async def subscribe(client: httpx.AsyncClient, url: str, types: list[str] | None = None) -> dict[str, Any]:
    body = {"integrator": "region-ekonomi", "url": url, "event_types": types or []}
    r = await client.post(S, json=body, headers={**ADMIN, **key()})
    assert r.status_code == 201, r.text
    sub: dict[str, Any] = r.json()
    assert sub["secret"].startswith("whsec_") and sub["active"] is True
    return sub


async def hooks(app: FastAPI) -> None:
    await app.state.webhook_relay.drain()


async def deliveries(client: httpx.AsyncClient, sub_id: str, **query: str) -> list[dict[str, Any]]:
    r = await client.get(f"{S}/{sub_id}/deliveries", params=query, headers=ADMIN)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def verifies(secret: str, got: Any, clock: FixedClock) -> bool:
    return signing.verify(secret, got.headers, got.body, now=clock().timestamp())


async def test_a_submission_and_an_approval_arrive_in_order_signed_thin_and_once(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    applications_clock: FixedClock,
    receiver: Receiver,
    call_id: str,
) -> None:
    client, app = applications_client, applications_app
    sub = await subscribe(client, receiver.url)
    r = await client.get(f"{S}/{sub['id']}", headers=ADMIN)
    assert r.status_code == 200 and "secret" not in r.json()
    aid = (await create(client, gron(call_id)))["id"]
    assert (await assessed(client, app, aid))["status"] == "eligible"
    approved = await decided(client, app, aid, {"decision": "approved"})
    assert approved["commitment_status"] == "active"
    await hooks(app)
    got = receiver.wait_for(4)
    steps = ("submitted", "eligible", "approved", "committed")
    assert receiver.types() == [f"{T}application.{step}" for step in steps]
    other = signing.new_secret()
    for one in got:
        event = one.event
        assert one.headers["content-type"] == "application/cloudevents+json"
        assert one.headers["webhook-id"] == event["id"]
        assert one.headers["webhook-timestamp"] == str(int(applications_clock().timestamp()))
        assert verifies(sub["secret"], one, applications_clock)
        assert not verifies(other, one, applications_clock)
        assert event["specversion"] == "1.0" and event["source"] == "http://127.0.0.1:8002"
        assert event["subject"] == f"applications/{aid}" and event["datacontenttype"] == "application/json"
        assert event["data"]["id"] == aid and event["data"]["link"] == f"http://127.0.0.1:8002/v1/applications/{aid}"
        for partner in gron(call_id)["partners"]:  # thin: no name of an organisation or person
            assert partner["name"] not in one.body.decode()
        assert "@" not in one.body.decode()
    assert len({g.event["id"] for g in got}) == 4
    assert [g.event["data"]["status"] for g in got] == ["submitted", "eligible", "approved", "approved"]
    log = await deliveries(client, sub["id"])
    assert [(d["state"], [a["status_code"] for a in d["attempts"]]) for d in log] == [("delivered", [200])] * 4
    applications_clock.advance(dt.timedelta(days=4))
    await hooks(app)
    assert len(receiver.received) == 4  # nothing is sent twice


async def test_a_500_is_retried_until_the_200_and_never_after_it_and_retry_after_is_honoured(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    applications_clock: FixedClock,
    receiver: Receiver,
    call_id: str,
) -> None:
    client, app = applications_client, applications_app
    sub = await subscribe(client, receiver.url, [T + "application.submitted"])
    receiver.answer(500, 500, 500)
    aid = (await create(client, gron(call_id)))["id"]
    assert (await submit(client, aid)).status_code == 200
    await hooks(app)
    for attempt in (2, 3, 4):
        assert len(receiver.received) == attempt - 1
        applications_clock.advance(dt.timedelta(seconds=10 * 2 ** (attempt - 2) + 1))
        await hooks(app)
    assert len(receiver.received) == 4
    assert len({g.headers["webhook-id"] for g in receiver.received}) == 1  # one id across the retries
    for _ in range(3):
        applications_clock.advance(dt.timedelta(hours=13))
        await hooks(app)
    assert len(receiver.received) == 4  # once more after the three 500s, and not again after the 200
    (one,) = await deliveries(client, sub["id"])
    assert one["state"] == "delivered" and one["outcome"] == "delivered"
    assert [(a["status_code"], a["outcome"]) for a in one["attempts"]] == [(500, "failed")] * 3 + [(200, "delivered")]

    # Retry-After: not tried again before the receiver said, even though the back-off is shorter.
    assert (await client.delete(f"{S}/{sub['id']}", headers=ADMIN)).status_code == 204
    sub2 = await subscribe(client, receiver.url, [T + "application.submitted"])
    receiver.answer(503, headers={"Retry-After": "3600"})
    bid = (await create(client, gron(call_id)))["id"]
    assert (await submit(client, bid)).status_code == 200
    await hooks(app)
    count = len(receiver.received)
    (failing,) = await deliveries(client, sub2["id"], state="failing")
    assert failing["attempts"][-1]["status_code"] == 503
    assert failing["next_attempt_at"] == (applications_clock() + dt.timedelta(hours=1)).isoformat().replace(
        "+00:00", "Z"
    )
    applications_clock.advance(dt.timedelta(seconds=60))
    await hooks(app)
    assert len(receiver.received) == count
    applications_clock.advance(dt.timedelta(seconds=3600))
    await hooks(app)
    assert len(receiver.received) == count + 1 and receiver.received[-1].event["data"]["id"] == bid


async def test_a_410_disables_the_subscription_until_it_is_enabled_again(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, receiver: Receiver, call_id: str
) -> None:
    client, app = applications_client, applications_app
    sub = await subscribe(client, receiver.url)
    receiver.answer(410)
    aid = (await create(client, gron(call_id)))["id"]
    await assessed(client, app, aid)  # submitted, then eligible: two events owed
    await hooks(app)
    assert len(receiver.received) == 1
    r = await client.get(f"{S}/{sub['id']}", headers=ADMIN)
    assert r.json()["active"] is False and r.json()["disabled_reason"] == "the receiver answered 410 Gone"
    states = [(d["event_type"], d["outcome"]) for d in await deliveries(client, sub["id"])]
    assert states == [(T + "application.submitted", "disabled"), (T + "application.eligible", "skipped")]
    await decided(client, app, aid, {"decision": "rejected", "reason": "no"})
    await hooks(app)
    assert len(receiver.received) == 1  # nothing is recorded for a disabled subscription
    r = await client.patch(f"{S}/{sub['id']}", json={"active": True}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["active"] is True and r.json()["disabled_reason"] is None
    # An admin replays what the receiver missed: the same event, with its id.
    first = (await deliveries(client, sub["id"]))[0]
    r = await client.post(f"{S}/{sub['id']}/deliveries/{first['id']}/replay", headers={**ADMIN, **key()})
    assert r.status_code == 200 and r.json()["state"] == "owed", r.text
    await hooks(app)
    assert len(receiver.received) == 2 and receiver.received[1].headers["webhook-id"] == first["event_id"]


async def test_a_rotation_sends_both_signatures_for_its_period(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    applications_clock: FixedClock,
    receiver: Receiver,
    call_id: str,
) -> None:
    client, app = applications_client, applications_app
    sub = await subscribe(client, receiver.url, [T + "application.submitted"])
    r = await client.post(
        f"{S}/{sub['id']}/secret-rotation", json={"old_secret_valid_seconds": 3600}, headers={**ADMIN, **key()}
    )
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new != sub["secret"] and r.json()["previous_secret_valid_until"] is not None
    aid = (await create(client, gron(call_id)))["id"]
    assert (await submit(client, aid)).status_code == 200
    await hooks(app)
    (one,) = receiver.wait_for(1)
    assert len(one.headers["webhook-signature"].split()) == 2
    assert verifies(new, one, applications_clock) and verifies(sub["secret"], one, applications_clock)
    applications_clock.advance(dt.timedelta(seconds=3601))
    bid = (await create(client, gron(call_id)))["id"]
    assert (await submit(client, bid)).status_code == 200
    await hooks(app)
    two = receiver.wait_for(2)[1]
    assert len(two.headers["webhook-signature"].split()) == 1
    assert verifies(new, two, applications_clock) and not verifies(sub["secret"], two, applications_clock)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://10.1.2.3/hooks", "private"),
        ("https://169.254.169.254/latest", "link-local"),
        ("https://[::1]:8443/hooks", "loopback"),
        ("https://localhost/hooks", "loopback"),
        ("http://hooks.example.com/in", "https"),
        ("ftp://hooks.example.com/in", "http(s)"),
        ("https://user:pw@hooks.example.com/in", "credentials"),
        ("not a url", "http(s)"),
    ],
)
async def test_destinations_outside_the_allow_list_are_refused_naming_the_field(
    applications_client: httpx.AsyncClient, url: str, why: str
) -> None:
    r = await applications_client.post(
        S, json={"integrator": "x", "url": url, "event_types": []}, headers={**ADMIN, **key()}
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    assert [e["field"] for e in r.json()["errors"]] == ["url"] and why in r.json()["detail"]


async def test_filters_name_known_types_and_the_admin_api_answers_problems(
    applications_client: httpx.AsyncClient, receiver: Receiver
) -> None:
    client = applications_client
    body = {"integrator": "x", "url": receiver.url, "event_types": [T + "application.submitted", "nope"]}
    r = await client.post(S, json=body, headers={**ADMIN, **key()})
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["event_types.1"]
    r = await client.post(S, json={**body, "event_types": []}, headers={**OLGA, **key()})
    assert r.status_code == 403
    sub = await subscribe(client, receiver.url)
    r = await client.get(S, params={"integrator": "region-ekonomi"}, headers=ADMIN)
    assert r.status_code == 200 and [s["id"] for s in r.json()["items"]] == [sub["id"]]
    r = await client.get("/v1/webhooks/event-types", params={"limit": 500}, headers=ADMIN)
    assert T + "partner-report.certified" in [t["type"] for t in r.json()["items"]]
    r = await client.patch(f"{S}/{sub['id']}", json={"url": "http://10.0.0.1/x"}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "url"
    missing = "00000000-0000-0000-0000-000000000000"
    assert (await client.get(f"{S}/{missing}", headers=ADMIN)).status_code == 404
    assert (await client.get(f"{S}/{sub['id']}/deliveries/1", headers=ADMIN)).status_code == 404
    assert (await client.delete(f"{S}/{sub['id']}", headers=ADMIN)).status_code == 204
    assert (await client.get(f"{S}/{sub['id']}", headers=ADMIN)).status_code == 404


async def test_the_budget_sends_claim_paid_the_same_way(
    budget_live_client: httpx.AsyncClient,
    budget_live_app: FastAPI,
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    receiver: Receiver,
    call_id: str,
) -> None:
    r = await budget_live_client.post(
        S,
        json={"integrator": "ekonomi", "url": receiver.url, "event_types": [T + "claim.paid"]},
        headers={**ADMIN, **key()},
    )
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    aid = (await create(applications_client, gron(call_id)))["id"]
    await assessed(applications_client, applications_app, aid)
    cid = (await decided(applications_client, applications_app, aid, {"decision": "approved"}))["commitment_id"]
    paid = await pay_by_claim(budget_live_client, cid, "ERDF", "1000.00")
    await budget_live_app.state.webhook_relay.drain()
    (one,) = receiver.wait_for(1)
    event = one.event
    assert event["type"] == T + "claim.paid" and event["subject"] == f"claims/{paid['id']}"
    assert event["source"] == "http://127.0.0.1:8004" and event["data"]["status"] == "paid"
    assert event["data"]["paid"] == {"amount": "1000.00", "currency": "EUR"}
    assert signing.verify(secret, one.headers, one.body, now=budget_live_app.state.clock().timestamp())
    assert json.loads(one.body) == event
