"""The HTTP API of the applications service (/v1/applications…), one module per OpenAPI tag. Thin:
the rules are in the domain modules; every POST that creates something or moves state takes an
`Idempotency-Key`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.applications.routes import (
    applications,
    assessments,
    committee,
    reconciliation,
    reports,
    versions,
    workflow,
)

routers: list[APIRouter] = [
    applications.router,
    workflow.router,
    assessments.router,
    committee.router,
    versions.router,
    reports.router,
    reconciliation.router,
]
TAGS: list[dict[str, Any]] = [
    applications.TAG,
    workflow.TAG,
    assessments.TAG,
    committee.TAG,
    versions.TAG,
    reports.TAG,
    reconciliation.TAG,
]
