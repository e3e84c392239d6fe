"""The budget's endpoints, one module per OpenAPI tag."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.budget.routes import allocations, commitments, exchange_rates, reports

routers: list[APIRouter] = [allocations.router, commitments.router, exchange_rates.router, reports.router]

TAGS: list[dict[str, Any]] = [
    {"name": "commitments", "description": "Commitments of approved applications, releases and payments"},
    {"name": "allocations", "description": "Sync from the catalogue, reallocations and reconciliation"},
    {"name": "exchange rates", "description": "Monthly accounting rates (InforEuro) and programme fixed rates"},
    {"name": "reports", "description": "Public budget figures"},
]
