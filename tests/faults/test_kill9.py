"""Fault injection: the four services as processes on PostgreSQL, one of them SIGKILLed (or stopped) in
the middle of a burst of approvals or submissions, then restarted. After the outbox has drained:

- every request that got a 2xx is stored exactly once;
- every approved application has exactly one active commitment, with its version's programme money
  to the cent, and no active project commitment lacks its approved application;
- the reconciler reports no difference;
- a request that got no answer, retried with its Idempotency-Key, is settled exactly once;
- a payment claim confirmed while the budget was killed is paid exactly once (the ledger's payments of
  each commitment and fund equal its paid claims).

Run with `pytest -m faults` (part of `make test` whenever PostgreSQL answers, and of CI).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.schemas.examples import gron_industrivaxt
from tests.e2e import committee
from tests.e2e.stack import Stack
from tests.harness import WEB, auth, kept, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.e2e]

PROGRAMME = "interreg-se-no-2021-2027"
ADMIN = auth("admin", "fault-admin")
OFFICERS = [auth("officer", "fault-olga"), auth("officer", "fault-otto")]
ANNA = auth("applicant", "fault-anna")
SETTINGS = {
    "WRITE_RATE_LIMIT": "",  # a burst from one client is the point here
    "OUTBOX_BACKOFF_SECONDS": "0.1",
    "OUTBOX_MAX_BACKOFF_SECONDS": "1",
    "OUTBOX_POLL_SECONDS": "0.2",
    "OUTBOX_LEASE_SECONDS": "5",
    "HTTP_TIMEOUT_SECONDS": "3",
    "HTTP_RETRIES": "0",
    # The webhooks of tests/faults/test_webhooks_kill9.py: its receiver listens on loopback.
    "WEBHOOK_ALLOWED_DESTINATIONS": '["127.0.0.1"]',
    "WEBHOOK_BACKOFF_SECONDS": "0.1",
    "WEBHOOK_MAX_BACKOFF_SECONDS": "1",
    "WEBHOOK_POLL_SECONDS": "0.2",
    "WEBHOOK_TIMEOUT_SECONDS": "0.5",
    "WEBHOOK_LEASE_SECONDS": "2",  # the deliveries a killed service had claimed are tried again 2 s later
}


@pytest.fixture(scope="module")
def stack(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """Started once per test process (`kept`: not again when pytest ends the fixture between two tests of
    the other backend), stopped when the session ends."""
    if backend != "postgresql":
        pytest.skip("the fault suite runs the services on PostgreSQL (several relays, real locks)")

    def start() -> tuple[Stack, Callable[[], None]]:
        s = Stack(backend=backend, workdir=Path(tmp_path_factory.mktemp("faults")), settings=SETTINGS, log_level="INFO")
        try:
            s.start()
        except BaseException:
            s.stop()
            raise
        return s, s.stop

    return kept(("faults-stack", backend), start)


def application(call_id: str, i: int) -> tuple[dict[str, Any], dict[str, Decimal]]:
    """Application `i` of a burst, with its own amounts (so a mix-up shows), and the money it asks."""
    erdf, no_state = Decimal(60000 + i) + Decimal(i % 100) / 100, Decimal(25000 + i)
    body = gron_industrivaxt(call_id, start_date="2027-01-01", end_date="2029-06-30")
    body["acronym"] = f"F{i}"
    lead, other = body["partners"]
    lead["budget"][0]["amount"]["amount"] = str(erdf + Decimal("40000.00"))
    lead["financing"] = [
        {"source": "ERDF", "amount": {"amount": str(erdf), "currency": "EUR"}},
        {"source": "own-public", "amount": {"amount": "40000.00", "currency": "EUR"}},
    ]
    other["budget"][0]["amount"]["amount"] = str(2 * no_state)
    other["financing"] = [
        {"source": "NO-STATE", "amount": {"amount": str(no_state), "currency": "EUR"}},
        {"source": "own-public", "amount": {"amount": str(no_state), "currency": "EUR"}},
    ]
    return body, {"ERDF": erdf, "NO-STATE": no_state}


def open_call(stack: Stack) -> str:
    call_id: str = stack.open_call("fault")["id"]
    return call_id


def wait_for(what: str, check: Callable[[], bool], seconds: float = 120) -> None:
    """Poll `check` until it holds: what the services, processes of their own, do on their own (an outbox
    relay delivering, a restarted service answering, log lines reaching their files)."""
    wait_until(check, what, seconds=seconds, every=0.2)


def apps_url(stack: Stack) -> str:
    return stack.url("applications") + "/v1/applications"


def get_app(stack: Stack, app_id: str) -> dict[str, Any]:
    body: dict[str, Any] = WEB.get(f"{apps_url(stack)}/{app_id}", headers=ADMIN, timeout=10).json()
    return body


def drafts(stack: Stack, call_id: str, n: int, first: int) -> dict[str, dict[str, Decimal]]:
    """n drafts (application id -> the money it asks)."""
    out = {}
    for i in range(first, first + n):
        body, asks = application(call_id, i)
        r = WEB.post(apps_url(stack), json=body, headers=ANNA, timeout=30)
        assert r.status_code == 201, r.text
        out[r.json()["id"]] = asks
    return out


def eligible(stack: Stack, call_id: str, n: int, first: int) -> dict[str, dict[str, Decimal]]:
    made = drafts(stack, call_id, n, first)
    for app_id in made:
        r = WEB.post(f"{apps_url(stack)}/{app_id}/submit", headers={**ANNA, "Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == 200, r.text
    wait_for("the submissions' assessments", lambda: all(get_app(stack, a)["status"] == "eligible" for a in made))
    return made


Request = tuple[str, str, dict[str, str], dict[str, Any] | None]
"""(method, url, headers with the Idempotency-Key, body)."""


def burst(requests: list[Request], *, fault_after: int, fault: Callable[[], None]) -> list[int | None]:
    """Send the requests 16 at a time; once `fault_after` have been answered, inject the fault. Each
    result is the status, or None when no answer came (connection cut, timeout)."""
    answered = 0
    lock = threading.Lock()
    fired = threading.Event()

    def one(request: Request) -> int | None:
        nonlocal answered
        status = send(request)
        if status is None:
            return None
        with lock:
            answered += 1
            if answered >= fault_after and not fired.is_set():
                fired.set()
                fault()
        return status

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, requests))


def send(request: Request) -> int | None:
    """The status of the answer to `request`, or None when no answer came (connection cut, timeout)."""
    method, url, headers, body = request
    try:
        return WEB.request(method, url, headers=headers, json=body, timeout=15).status_code
    except httpx.HTTPError:
        return None


def retry_unanswered(requests: list[Request], results: list[int | None]) -> list[int]:
    """Every request without an answer below 500 is sent again with its own Idempotency-Key until it has one."""
    final = []
    for request, status in zip(requests, results, strict=True):
        last = [status]

        def answered(last: list[int | None] = last, request: Request = request) -> bool:
            if last[0] is None or last[0] >= 500:
                last[0] = send(request)
            return last[0] is not None and last[0] < 500

        # Polled: the restarted service (a process of its own) answers once it is up again.
        wait_for(f"an answer to {request[0]} {request[1]}", answered)
        assert last[0] is not None
        final.append(last[0])
    return final


def delivery_failed(stack: Stack, kind: str, since: int) -> bool:
    """Whether the applications service has logged, after the first `since` characters of its log, that a
    delivery of a `kind` message failed (its relay then backs off before trying again)."""
    for line in stack.log("applications")[since:].splitlines():
        try:
            entry = json.loads(line)
        except ValueError:  # not a JSON line, or one still being written
            continue
        if entry.get("event") == "outbox delivery failed; will retry" and entry.get("kind") == kind:
            return True
    return False


def approvals(stack: Stack, apps: dict[str, dict[str, Decimal]], call_id: str) -> list[Request]:
    """Officers' approvals of the applications, one request each. Interreg Sverige–Norge approves only
    through its committee, so the committee first puts them on the call's reserve list (assessed above the
    thresholds, one session): an officer then approves each reserve project alone (`POST …/decision`)."""
    committee.reserve(apps_url(stack), list(apps), call_id)
    return [
        (
            "POST",
            f"{apps_url(stack)}/{app_id}/decision",
            {**OFFICERS[i % 2], "Idempotency-Key": str(uuid.uuid4())},
            {"decision": "approved", "reason": "fault test"},
        )
        for i, app_id in enumerate(apps)
    ]


def project_commitments(stack: Stack) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"programme": PROGRAMME, "limit": 500}
    while True:
        page = WEB.get(f"{stack.url('budget')}/v1/commitments", params=params, headers=ADMIN, timeout=30).json()
        out += [c for c in page["items"] if c["application_version"] is not None]
        if not page["next_cursor"]:
            return out
        params["cursor"] = page["next_cursor"]


def assert_money_agrees(stack: Stack, apps: dict[str, dict[str, Decimal]], approved: set[str]) -> None:
    """Every approved application: one active commitment with its money; no commitment without one."""
    wait_for(
        "the outbox to deliver every commitment",
        lambda: all(get_app(stack, a)["commitment_status"] == "active" for a in approved),
    )
    active: dict[str, list[dict[str, Any]]] = {}
    for c in project_commitments(stack):
        if c["status"] != "released":
            active.setdefault(c["application_id"], []).append(c)
    for app_id in apps:
        app = get_app(stack, app_id)
        history = WEB.get(f"{apps_url(stack)}/{app_id}/history", headers=ADMIN).json()["items"]
        decided = [e for e in history if e["to_status"] == "approved"]
        if app_id in approved:
            assert app["status"] == "approved" and len(decided) == 1, (app_id, app["status"], len(decided))
            held = active.get(app_id, [])
            assert len(held) == 1, (app_id, held)
            assert held[0]["id"] == app["commitment_id"]
            lines = {ln["fund"]: Decimal(ln["amount"]["amount"]) for ln in held[0]["lines"]}
            assert lines == apps[app_id], (app_id, lines, apps[app_id])
        else:
            assert app_id not in active, (app_id, app["status"])
    strays = set(active) - approved - {a for a in active if get_app(stack, a)["status"] == "approved"}
    assert not strays, strays
    r = WEB.get(f"{stack.url('applications')}/v1/reconciliation", params={"programme": PROGRAMME}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["consistent"] is True, r.text


def test_the_budget_killed_during_50_approvals(stack: Stack) -> None:
    call_id = open_call(stack)
    apps = eligible(stack, call_id, 50, first=0)
    requests = approvals(stack, apps, call_id)
    killed = threading.Event()

    def kill_budget() -> None:
        stack.kill("budget")
        killed.set()

    results = burst(requests, fault_after=10, fault=kill_budget)
    assert killed.is_set()
    # Approving owes the budget and does not wait for it: the decisions are all recorded meanwhile.
    assert Counter(results) == Counter({200: 50}), Counter(results)
    pending = [a for a in apps if get_app(stack, a)["commitment_status"] == "pending"]
    assert pending, "the budget went down with commitments still owed"
    stack.restart("budget")
    assert_money_agrees(stack, apps, approved=set(apps))


def test_the_applications_service_killed_during_50_approvals(stack: Stack) -> None:
    call_id = open_call(stack)
    apps = eligible(stack, call_id, 50, first=100)
    requests = approvals(stack, apps, call_id)
    results = burst(requests, fault_after=20, fault=lambda: stack.kill("applications"))
    stack.restart("applications")
    final = retry_unanswered(requests, results)
    assert set(final) == {200}, Counter(final)
    # The ones answered before the kill and replayed after it agree with what is stored.
    for request, status in zip(requests, results, strict=True):
        if status == 200:
            method, url, headers, body = request
            replay = WEB.request(method, url, headers=headers, json=body, timeout=15)
            assert replay.status_code == 200 and replay.headers.get("idempotent-replayed") == "true"
    assert_money_agrees(stack, apps, approved=set(apps))


def test_the_eligibility_service_stopped_during_20_submissions(stack: Stack) -> None:
    call_id = open_call(stack)
    made = drafts(stack, call_id, 20, first=200)
    requests: list[Request] = [
        ("POST", f"{apps_url(stack)}/{a}/submit", {**ANNA, "Idempotency-Key": str(uuid.uuid4())}, None) for a in made
    ]
    logged_before_the_kill: list[int] = []

    def stop_eligibility() -> None:
        logged_before_the_kill.append(len(stack.log("applications")))
        stack.kill("eligibility")

    results = burst(requests, fault_after=5, fault=stop_eligibility)
    # A submission owes the eligibility check and does not wait for it: none is refused.
    assert Counter(results) == Counter({200: 20}), Counter(results)
    assert any(get_app(stack, a)["status"] == "submitted" for a in made)
    # Polled: the applications service's relay (another process) meets the stopped service and backs off.
    wait_for(
        "a failed delivery of an assessment",
        lambda: delivery_failed(stack, "eligibility.assess", since=logged_before_the_kill[0]),
        seconds=30,
    )
    stack.restart("eligibility")
    wait_for("every assessment", lambda: all(get_app(stack, a)["status"] == "eligible" for a in made))
    for app_id in made:
        versions = WEB.get(f"{apps_url(stack)}/{app_id}/versions", headers=ANNA).json()["items"]
        history = WEB.get(f"{apps_url(stack)}/{app_id}/history", headers=ANNA).json()["items"]
        assert [v["number"] for v in versions] == [1]
        assert [e["to_status"] for e in history] == ["draft", "submitted", "eligible"]
        report = WEB.get(f"{apps_url(stack)}/{app_id}/eligibility", headers=ANNA)
        assert report.status_code == 200 and report.json()["eligible"] is True
    # Then approve them all and check the money, with every service up.
    requests = approvals(stack, made, call_id)
    assert set(burst(requests, fault_after=10**6, fault=lambda: None)) == {200}
    assert_money_agrees(stack, made, approved=set(made))


def test_one_request_id_is_in_the_logs_of_all_four_services_for_a_submission(stack: Stack) -> None:
    call_id = open_call(stack)
    (app_id,) = drafts(stack, call_id, 1, first=300)
    request_id = f"fault-{uuid.uuid4().hex}"
    r = WEB.post(
        f"{apps_url(stack)}/{app_id}/submit",
        headers={**ANNA, "Idempotency-Key": str(uuid.uuid4()), "X-Request-ID": request_id},
    )
    assert r.status_code == 200 and r.headers["x-request-id"] == request_id
    wait_for("the assessment", lambda: get_app(stack, app_id)["status"] == "eligible")
    committee.reserve(apps_url(stack), [app_id], call_id)  # the committee's reserve project, approved alone
    r = WEB.post(
        f"{apps_url(stack)}/{app_id}/decision",
        json={"decision": "approved"},
        headers={**OFFICERS[0], "Idempotency-Key": str(uuid.uuid4()), "X-Request-ID": request_id},
    )
    assert r.status_code == 200
    wait_for("the commitment", lambda: get_app(stack, app_id)["commitment_status"] == "active")
    services = ("applications", "catalogue", "eligibility", "budget")
    # Polled: info lines reach the services' log files within a fifth of a second (shared.logs.LineHandler).
    wait_for("the log lines", lambda: all(request_id in stack.log(service) for service in services))


def test_the_budget_killed_during_20_payment_confirmations(stack: Stack) -> None:
    service, (fia, frank) = (
        auth("officer", "service:applications"),
        (auth("finance", "f-fia"), auth("finance", "f-frank")),
    )
    budget = stack.url("budget")
    call_id = open_call(stack)
    apps = eligible(stack, call_id, 4, first=400)
    assert set(burst(approvals(stack, apps, call_id), fault_after=10**6, fault=lambda: None)) == {200}
    assert_money_agrees(stack, apps, approved=set(apps))
    commitments = [
        WEB.get(f"{budget}/v1/commitments/{get_app(stack, a)['commitment_id']}", headers=ADMIN).json() for a in apps
    ]
    before = WEB.get(f"{budget}/v1/programmes/{PROGRAMME}/budget").json()
    claims = []
    for i in range(20):
        c = commitments[i % 4]
        ln = c["lines"][(i // 4) % 2]
        asked = {"amount": f"{1000 + i}.{i:02d}", "currency": ln["amount"]["currency"]}
        body = {
            "key": f"fault-report-{uuid.uuid4()}:{ln['fund']}",
            "commitment_id": c["id"],
            "fund": ln["fund"],
            "amount": asked,
            "certified": asked,
            "co_financing_rate": "1",
            "project_report_id": "r",
            "period": 1,
        }
        r = WEB.post(f"{budget}/v1/claims", json=body, headers=service, timeout=15)
        assert r.status_code == 201, r.text
        r = WEB.post(f"{budget}/v1/claims/{r.json()['id']}/authorisation", headers=fia, timeout=15)
        assert r.status_code == 200, r.text
        claims.append(r.json())
    requests: list[Request] = [
        ("POST", f"{budget}/v1/claims/{cl['id']}/confirmation", {**frank, "Idempotency-Key": str(uuid.uuid4())}, None)
        for cl in claims
    ]
    results = burst(requests, fault_after=5, fault=lambda: stack.kill("budget"))
    assert None in results, Counter(results)  # the kill cut some confirmations off
    stack.restart("budget")
    assert set(retry_unanswered(requests, results)) == {200}
    paid: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (method, url, headers, _), cl in zip(requests, claims, strict=True):
        replay = WEB.request(method, url, headers=headers, timeout=15)  # the answer, replayed
        assert replay.status_code == 200 and replay.json()["status"] == "paid", replay.text
        again = WEB.request(method, url, headers=frank, timeout=15)  # a confirmation anew: paid once already
        assert again.status_code == 409 and again.json()["state"] == "paid", again.text
        paid[(cl["commitment_id"], cl["fund"])] += Decimal(replay.json()["paid_programme"]["amount"])
    for c in commitments:
        now = WEB.get(f"{budget}/v1/commitments/{c['id']}", headers=ADMIN).json()
        for was, ln in zip(c["lines"], now["lines"], strict=True):
            rise = Decimal(ln["paid"]["amount"]) - Decimal(was["paid"]["amount"])
            assert rise == paid[(c["id"], ln["fund"])], (c["id"], ln["fund"], rise)
    after = WEB.get(f"{budget}/v1/programmes/{PROGRAMME}/budget").json()
    rise = sum((Decimal(r["paid"]["amount"]) for r in after["rows"]), Decimal(0)) - sum(
        (Decimal(r["paid"]["amount"]) for r in before["rows"]), Decimal(0)
    )
    assert rise == sum(paid.values())
    rec = WEB.get(f"{budget}/v1/programmes/{PROGRAMME}/budget/reconcile", headers=ADMIN, timeout=30).json()
    assert rec["consistent"] is True and rec["claim_differences"] == [] and rec["checked_claims"] >= 8, rec
