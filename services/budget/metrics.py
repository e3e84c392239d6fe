"""Business metrics of the budget service on `/metrics`: per programme, fund and priority, the amount
allocated, committed (net of releases), paid and available (`interreg_budget_<figure>`, in the programme's
currency, labelled), read from the running sums at each scrape; and the payment claims per programme,
fund and status (`interreg_budget_claims`, how many).

Prometheus samples are floats: exact to the cent up to about 90 billion, far above any programme here;
the API (`…/budget`) stays the exact source."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import Gauge

from services.budget import repository as repo
from services.budget.claims import repository as claims_repo
from shared.db import session_scope

_LABELS = ["programme", "fund", "priority", "currency"]
ALLOCATED = Gauge("interreg_budget_allocated", "Budget allocated per programme, fund and priority", _LABELS)
COMMITTED = Gauge(
    "interreg_budget_committed", "Budget committed (net of releases) per programme, fund and priority", _LABELS
)
AVAILABLE = Gauge("interreg_budget_available", "Budget available per programme, fund and priority", _LABELS)
PAID = Gauge("interreg_budget_paid", "Budget paid per programme, fund and priority", _LABELS)
CLAIMS = Gauge(
    "interreg_budget_claims", "Payment claims per programme, fund and status", ["programme", "fund", "status"]
)


async def collect(app: FastAPI) -> None:
    """Set the gauges from every programme's balances and claims."""
    async for session in session_scope(app.state.db, read_only=True):
        balances = await repo.balances(session)
        claims = await claims_repo.claim_counts(session)
    rows = [
        ((b.programme, b.fund, b.priority, b.currency), b.allocated, b.committed_net, b.available, b.paid)
        for b in balances
    ]
    for gauge in (ALLOCATED, COMMITTED, AVAILABLE, PAID, CLAIMS):
        gauge.clear()
    for labels, allocated, committed, available, paid in rows:
        ALLOCATED.labels(*labels).set(float(allocated))
        COMMITTED.labels(*labels).set(float(committed))
        AVAILABLE.labels(*labels).set(float(available))
        PAID.labels(*labels).set(float(paid))
    for (programme, fund, status), count in claims.items():
        CLAIMS.labels(programme, fund, status).set(count)
