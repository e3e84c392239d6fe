"""The eligibility service's endpoints, one module per OpenAPI tag."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.eligibility.routes import checks, rule_sets

routers: list[APIRouter] = [checks.router, rule_sets.router]

TAGS: list[dict[str, Any]] = [
    {"name": "checks", "description": "Eligibility checks of applications"},
    {"name": "rule sets", "description": "Versioned rule sets and the check kinds they use"},
]
