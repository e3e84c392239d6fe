"""The business figures on /metrics follow what an integrator does, with the services running as processes:
applications by programme and status (applications service), budget allocated/committed/available per
fund and priority (budget service)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e import committee
from tests.e2e.stack import Stack
from tests.e2e.test_journey import PROGRAMME, gron_industrivaxt
from tests.harness import WEB, auth, wait_until

pytestmark = pytest.mark.e2e


def scrape(stack: Stack, service: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """(sample name, labels) → value, as Prometheus would read the service's /metrics."""
    r = WEB.get(stack.url(service) + "/metrics", timeout=30)
    assert r.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def applications(stack: Stack, status: str) -> float:
    key = ("interreg_applications", frozenset({("programme", PROGRAMME), ("status", status)}))
    return scrape(stack, "applications").get(key, 0.0)


def budget(stack: Stack, figure: str, fund: str, priority: str) -> Decimal:
    labels = frozenset({("programme", PROGRAMME), ("fund", fund), ("priority", priority), ("currency", "EUR")})
    return Decimal(str(scrape(stack, "budget")[(f"interreg_budget_{figure}", labels)])).quantize(Decimal("0.01"))


def test_the_business_metrics_follow_an_application_to_its_committed_budget(stack: Stack) -> None:
    anna = auth("applicant", "e2e-metrics")
    call = stack.open_call("e2e-m")
    before = {s: applications(stack, s) for s in ("draft", "eligible", "approved")}
    allocated, committed, available = (budget(stack, f, "ERDF", "1") for f in ("allocated", "committed", "available"))

    apps = stack.url("applications") + "/v1/applications"
    r = WEB.post(apps, json=gron_industrivaxt(call["id"]), headers=anna)
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    assert applications(stack, "draft") == before["draft"] + 1

    r = WEB.post(f"{apps}/{app_id}/submit", headers={**anna, "Idempotency-Key": str(uuid.uuid4())}, timeout=30)
    assert r.status_code in (200, 201), r.text
    # Polled: the applications service's outbox relay (in its own process) has the submission assessed.
    wait_until(lambda: WEB.get(f"{apps}/{app_id}", headers=anna).json()["status"] == "eligible", "assessed eligible")
    assert applications(stack, "draft") == before["draft"]
    assert applications(stack, "eligible") == before["eligible"] + 1

    committee.approve(apps, app_id, call["id"])  # Interreg Sverige–Norge approves in a committee session
    # Grön industriväxt commits ERDF 390,000.00 on priority 1 (specific objective 1B).
    # Polled: the relay (another process) books the commitment in the budget service after the decision.
    wait_until(lambda: budget(stack, "committed", "ERDF", "1") == committed + Decimal("390000.00"), "budget committed")
    assert budget(stack, "available", "ERDF", "1") == available - Decimal("390000.00")
    assert budget(stack, "allocated", "ERDF", "1") == allocated
    # Polled, as another process counts it: still approved once its relay has settled the commitment.
    wait_until(lambda: applications(stack, "approved") == before["approved"] + 1, "approved counted")
    assert applications(stack, "eligible") == before["eligible"]
