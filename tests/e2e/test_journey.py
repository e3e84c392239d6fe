"""One application's journey across the four running services, as an integrator drives it over HTTP."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from shared.schemas.examples import gron_industrivaxt as example
from tests.e2e import committee
from tests.e2e.stack import Stack, settled
from tests.harness import WEB, auth

pytestmark = pytest.mark.e2e
PROGRAMME = "interreg-se-no-2021-2027"


def gron_industrivaxt(call_id: str) -> dict:
    """The worked example, dated so that it can be submitted to a call open today."""
    start = dt.date.today() + dt.timedelta(days=60)
    return example(call_id, start_date=start.isoformat(), end_date=(start + dt.timedelta(days=3 * 365 - 2)).isoformat())


def available(stack: Stack, fund: str, priority: str) -> Decimal:
    body = WEB.get(f"{stack.url('budget')}/v1/programmes/{PROGRAMME}/budget").json()
    row = next(r for r in body["rows"] if r["fund"] == fund and r["priority"] == priority)
    return Decimal(row["available"]["amount"])


def test_from_call_to_committed_budget(stack: Stack) -> None:
    admin, officer = auth("admin", "e2e-admin"), auth("officer", "e2e-olga")
    anna = auth("applicant", "e2e-anna")
    call = stack.open_call("e2e")
    call_id = call["id"]
    assert call["status"] == "open"

    apps = stack.url("applications") + "/v1/applications"
    r = WEB.post(apps, json=gron_industrivaxt(call_id), headers=anna)
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]

    r = WEB.post(f"{apps}/{app_id}/pre-check", headers={**anna, "Accept-Language": "sv"}, timeout=30)
    assert r.status_code == 200 and r.json()["eligible"] is True, r.text

    erdf_before, no_before = available(stack, "ERDF", "1"), available(stack, "NO-STATE", "1")
    key = str(uuid.uuid4())
    r1 = WEB.post(f"{apps}/{app_id}/submit", headers={**anna, "Idempotency-Key": key}, timeout=30)
    r2 = WEB.post(f"{apps}/{app_id}/submit", headers={**anna, "Idempotency-Key": key}, timeout=30)
    assert r1.status_code in (200, 201) and r1.json() == r2.json(), r1.text
    assert r1.json()["reference"].startswith(f"SE-NO-{dt.date.today().year}-")

    assert r1.json()["status"] == "submitted"  # the eligibility check is owed, delivered at once
    app = settled(f"{apps}/{app_id}", anna, lambda a: a["status"] != "submitted")
    assert app["status"] == "eligible", app

    # Interreg Sverige–Norge approves in its committee's session: a direct decision is refused, pointing there.
    r = WEB.post(
        f"{apps}/{app_id}/decision",
        json={"decision": "approved", "reason": "Strong partnership"},
        headers={**officer, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert r.status_code == 409 and r.json()["committee_sessions"] == "/v1/committee/sessions", r.text
    recorded = committee.approve(apps, app_id, call_id)
    assert [d["decision"] for d in recorded["decisions"]] == ["approved"]
    app = settled(f"{apps}/{app_id}", officer, lambda a: a["commitment_status"] != "pending")
    assert app["commitment_status"] == "active" and app["commitment_id"], app

    # ERDF 390,000 and NO-STATE 150,000 are committed on priority 1 (specific objective 1B).
    assert erdf_before - available(stack, "ERDF", "1") == Decimal("390000.00")
    assert no_before - available(stack, "NO-STATE", "1") == Decimal("150000.00")

    r = WEB.get(f"{apps}/{app_id}/history", headers=anna)
    statuses = [e.get("to_status") or e.get("to") for e in r.json()["items"]]
    assert statuses[-3:] == ["submitted", "eligible", "approved"], statuses

    r = WEB.get(f"{stack.url('budget')}/v1/programmes/{PROGRAMME}/budget/reconcile", headers=admin)
    assert r.status_code == 200 and r.json()["consistent"] is True, r.text


def test_every_service_is_observable(stack: Stack) -> None:
    for service in ("catalogue", "applications", "eligibility", "budget"):
        base = stack.url(service)
        assert WEB.get(base + "/healthz").status_code == 200
        assert WEB.get(base + "/readyz").status_code == 200
        metrics = WEB.get(base + "/metrics")
        assert metrics.status_code == 200 and "http_requests_total" in metrics.text
        spec = WEB.get(base + "/openapi.json").json()
        assert spec["openapi"].startswith("3.1")
        docs = WEB.get(base + "/docs").text
        assert "cdn.jsdelivr" not in docs and "unpkg.com" not in docs
