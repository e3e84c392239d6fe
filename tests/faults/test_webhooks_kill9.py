"""Fault injection for the events (shared/webhooks): the applications service SIGKILLed in the middle of a
burst of submissions, with a subscription whose receiver listens on loopback. After the restart and the
retries of the requests that got no answer, every submission that was acknowledged (a 2xx, before or
after the kill) has its `se.interreg.application.submitted` and `….eligible` events delivered at least
once, each event with one id however often it came (the `webhook-id` the receiver deduplicates by), and
every delivery signed with the subscription's secret. PostgreSQL only, like the rest of the suite."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterator

import pytest

from shared.webhooks import signing
from tests.e2e.stack import Stack
from tests.faults.test_kill9 import ADMIN, ANNA, Request, apps_url, burst, drafts, open_call, retry_unanswered, wait_for
from tests.faults.test_kill9 import stack as stack  # the suite's one stack of processes (a fixture)
from tests.harness import WEB
from tests.receiver import Receiver, receiving

pytestmark = [pytest.mark.faults, pytest.mark.e2e]
T = "se.interreg.application."


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


def test_the_applications_service_killed_during_30_submissions_loses_no_event(
    stack: Stack,
    receiver: Receiver,
) -> None:
    body = {"integrator": "fault-receiver", "url": receiver.url, "event_types": [T + "submitted", T + "eligible"]}
    r = WEB.post(
        f"{stack.url('applications')}/v1/webhooks/subscriptions",
        json=body,
        headers={**ADMIN, "Idempotency-Key": str(uuid.uuid4())},
        timeout=15,
    )
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    call_id = open_call(stack)
    made = drafts(stack, call_id, 30, first=500)
    requests: list[Request] = [
        ("POST", f"{apps_url(stack)}/{a}/submit", {**ANNA, "Idempotency-Key": str(uuid.uuid4())}, None) for a in made
    ]
    results = burst(requests, fault_after=10, fault=lambda: stack.kill("applications"))
    stack.restart("applications")
    assert set(retry_unanswered(requests, results)) == {200}  # every submission acknowledged, at last

    def ids_by_change() -> dict[tuple[str, str], set[str]]:
        seen: dict[tuple[str, str], set[str]] = defaultdict(set)
        for got in list(receiver.received):
            event = got.event
            seen[(event["data"]["id"], event["type"])].add(got.headers["webhook-id"])
        return seen

    wanted = {(a, T + kind) for a in made for kind in ("submitted", "eligible")}
    wait_for("every event of every acknowledged submission", lambda: wanted <= set(ids_by_change()), seconds=180)
    seen = ids_by_change()
    assert {change: len(ids) for change, ids in seen.items() if len(ids) != 1} == {}, "one id per event"
    for got in list(receiver.received):
        assert got.headers["webhook-id"] == got.event["id"]
        assert signing.verify(secret, got.headers, got.body, now=time.time())
