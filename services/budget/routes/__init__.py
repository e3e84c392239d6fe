"""The budget's endpoints, one module per OpenAPI tag."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.budget.events import DESCRIPTIONS
from services.budget.models import webhooks
from services.budget.routes import allocations, claims, commitments, exchange_rates, reports
from shared.outbox_records import Wake
from shared.webhooks import routes as webhook_routes


def _wake_webhooks(request: Request) -> Wake:
    wake: Wake = request.app.state.webhook_relay.wake
    return wake


routers: list[APIRouter] = [
    allocations.router,
    commitments.router,
    claims.router,
    exchange_rates.router,
    reports.router,
    webhook_routes.webhooks_router(webhooks, DESCRIPTIONS, _wake_webhooks),
]

TAGS: list[dict[str, Any]] = [
    {"name": "commitments", "description": "Commitments of approved applications, releases and payments"},
    {"name": "claims", "description": "Payment claims of projects: authorised by one finance officer, paid by another"},
    {"name": "allocations", "description": "Sync from the catalogue, reallocations and reconciliation"},
    {"name": "exchange rates", "description": "Monthly accounting rates (InforEuro) and programme fixed rates"},
    {"name": "reports", "description": "Public budget figures"},
    webhook_routes.TAG,
]
