"""The budget's endpoints, one module per OpenAPI tag."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.budget.routes import allocations, claims, commitments, exchange_rates, reports

routers: list[APIRouter] = [
    allocations.router,
    commitments.router,
    claims.router,
    exchange_rates.router,
    reports.router,
]

TAGS: list[dict[str, Any]] = [
    {"name": "commitments", "description": "Commitments of approved applications, releases and payments"},
    {"name": "claims", "description": "Payment claims of projects: authorised by one finance officer, paid by another"},
    {"name": "allocations", "description": "Sync from the catalogue, reallocations and reconciliation"},
    {"name": "exchange rates", "description": "Monthly accounting rates (InforEuro) and programme fixed rates"},
    {"name": "reports", "description": "Public budget figures"},
]
