"""The project stage's events through a real receiver on loopback (shared/webhooks): contracting, each
partner report's submission and certificate, the project report's submission by both sides and its
verification, and a termination, in order — with no contact, e-mail, bank account or organisation name
in any body. And a delivery that fails every attempt is dead after about three days of back-off, listed
as dead, and delivered when an admin replays it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import ADMIN, OLGA, create, gron, key, open_call, submit
from services.applications.tests.project_support import (
    NILS,
    SVEA,
    P,
    certified_report,
    contract_body,
    contracted_project,
    line,
    set_rate,
)
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


async def subscribe(client: httpx.AsyncClient, url: str, types: list[str]) -> dict[str, Any]:
    r = await client.post(
        S, json={"integrator": "jems-bridge", "url": url, "event_types": types}, headers={**ADMIN, **key()}
    )
    assert r.status_code == 201, r.text
    sub: dict[str, Any] = r.json()
    return sub


def personal_data() -> list[str]:
    """What the contract holds that no event may carry: contacts, e-mails, accounts, holders' names."""
    found = []
    for owner in contract_body()["owners"].values():
        found += [c["name"] for c in owner["contacts"]] + [c["email"] for c in owner["contacts"]]
        found += [str(v) for v in owner["bank_account"].values()]
    return found


async def test_the_project_stage_sends_its_events_in_order_without_personal_data(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    applications_clock: FixedClock,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    client, app = applications_client, applications_app
    types = [
        T + "project.contracted",
        T + "partner-report.submitted",
        T + "partner-report.certified",
        T + "project-report.submitted",
        T + "project-report.verified",
        T + "application.terminated",
    ]
    sub = await subscribe(client, receiver.url, types)
    aid = await contracted_project(client, app, catalogue_client)
    await set_rate(budget_live_client, "SEK", "2025-03", "11.3")
    se = await certified_report(client, aid, 1, 1, [line("staff", "10000.00", "SEK", 1)])
    no = await certified_report(client, aid, 2, 1, [line("staff", "20000.00", "NOK", 1)])
    r = await client.post(f"{P}/{aid}/project-reports", json={"period": 1}, headers={**SVEA, **key()})
    assert r.status_code == 201, r.text
    pr = r.json()["id"]
    for rid, who in ((se, SVEA), (no, NILS)):
        r = await client.post(
            f"/v1/project-reports/{pr}/submit", json={"partner_reports": [rid]}, headers={**who, **key()}
        )
        assert r.status_code == 200, r.text
    assert (await client.post(f"/v1/project-reports/{pr}/verification", headers={**OLGA, **key()})).status_code == 200
    r = await client.post(
        f"/v1/applications/{aid}/terminate", json={"reason": "ended early"}, headers={**OLGA, **key()}
    )
    assert r.status_code == 200, r.text
    await app.state.webhook_relay.drain()
    got = receiver.wait_for(8)
    by_subject: dict[str, list[str]] = {}
    for g in got:  # the order is kept per subject (a subscription's events of one resource)
        by_subject.setdefault(g.event["subject"], []).append(g.event["type"].removeprefix(T))
    assert by_subject == {
        f"projects/{aid}": ["project.contracted"],
        f"partner-reports/{se}": ["partner-report.submitted", "partner-report.certified"],
        f"partner-reports/{no}": ["partner-report.submitted", "partner-report.certified"],
        f"project-reports/{pr}": ["project-report.submitted", "project-report.verified"],
        f"applications/{aid}": ["application.terminated"],
    }
    events = {(g.event["type"].removeprefix(T), g.event["subject"]): g.event for g in got}
    submitted = events[("partner-report.submitted", f"partner-reports/{se}")]["data"]
    assert submitted["link"] == f"http://127.0.0.1:8002/v1/partner-reports/{se}" and submitted["status"] == "submitted"
    assert events[("project-report.verified", f"project-reports/{pr}")]["data"]["status"] == "verified"
    assert events[("project.contracted", f"projects/{aid}")]["data"]["status"] == "contracted"
    for one in got:
        assert signing.verify(sub["secret"], one.headers, one.body, now=applications_clock().timestamp())
        body = one.body.decode()
        assert [p for p in personal_data() if p in body] == []


async def test_a_delivery_failing_every_attempt_is_dead_after_about_three_days_then_replayed(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    applications_clock: FixedClock,
    catalogue_client: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    client, app = applications_client, applications_app
    sub = await subscribe(client, receiver.url, [T + "application.submitted"])
    receiver.answer(*[500] * 18)
    aid = (await create(client, gron(await open_call(catalogue_client))))["id"]
    assert (await submit(client, aid)).status_code == 200
    await app.state.webhook_relay.drain()
    first = applications_clock()
    for _ in range(17):
        (one,) = (await client.get(f"{S}/{sub['id']}/deliveries", headers=ADMIN)).json()["items"]
        assert one["state"] == "failing", one
        applications_clock.set(dt.datetime.fromisoformat(one["next_attempt_at"]))
        await app.state.webhook_relay.drain()
    assert len(receiver.received) == 18
    r = await client.get(f"{S}/{sub['id']}/deliveries", params={"state": "dead"}, headers=ADMIN)
    (dead,) = r.json()["items"]
    assert len(dead["attempts"]) == 18 and dead["next_attempt_at"] is None and dead["dead_at"] is not None
    took = applications_clock() - first
    assert dt.timedelta(days=2.5) < took < dt.timedelta(days=3.2), took
    applications_clock.advance(dt.timedelta(days=1))
    await app.state.webhook_relay.drain()
    assert len(receiver.received) == 18  # dead: no more attempts
    r = await client.post(f"{S}/{sub['id']}/deliveries/{dead['id']}/replay", headers={**ADMIN, **key()})
    assert r.status_code == 200, r.text
    await app.state.webhook_relay.drain()
    assert len(receiver.received) == 19 and receiver.received[-1].headers["webhook-id"] == dead["event_id"]
    r = await client.get(f"{S}/{sub['id']}/deliveries/{dead['id']}", headers=ADMIN)
    assert r.json()["state"] == "delivered" and r.json()["replayed_by"] == "root"
