"""The HTTP API of the applications service (/v1/applications…), one module per OpenAPI tag. Thin:
the rules are in the domain modules; every POST that creates something or moves state takes an
`Idempotency-Key`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.applications.models import outbox, webhooks
from services.applications.outbound.events import DESCRIPTIONS
from services.applications.routes import (
    applications,
    assessments,
    committee,
    control,
    controllers,
    open_data,
    partner_reports,
    project_reports,
    projects,
    reconciliation,
    reports,
    versions,
    workflow,
)
from shared import outbox_admin
from shared.outbox_records import Wake
from shared.webhooks import routes as webhook_routes


def _wake(request: Request) -> Wake:
    wake: Wake = request.app.state.relay.wake
    return wake


def _wake_webhooks(request: Request) -> Wake:
    wake: Wake = request.app.state.webhook_relay.wake
    return wake


routers: list[APIRouter] = [
    applications.router,
    workflow.router,
    assessments.router,
    committee.router,
    versions.router,
    reports.router,
    reconciliation.router,
    projects.router,
    controllers.router,
    partner_reports.router,
    control.router,
    project_reports.router,
    open_data.router,
    outbox_admin.outbox_router(outbox, _wake),
    webhook_routes.webhooks_router(webhooks, DESCRIPTIONS, _wake_webhooks),
]
TAGS: list[dict[str, Any]] = [
    applications.TAG,
    workflow.TAG,
    assessments.TAG,
    committee.TAG,
    versions.TAG,
    reports.TAG,
    reconciliation.TAG,
    projects.TAG,
    controllers.TAG,
    partner_reports.TAG,
    control.TAG,
    project_reports.TAG,
    open_data.TAG,
    outbox_admin.TAG,
    webhook_routes.TAG,
]
