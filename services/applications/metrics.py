"""Business metrics of the applications service on `/metrics`: how many applications each programme
has in each status (`interreg_applications`), counted from the database at each scrape."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import Gauge

from services.applications import repository as repo
from services.applications.models import outbox, webhooks
from services.applications.workflow.transitions import Status
from shared.db import session_scope
from shared.outbox_admin import observe_backlog

APPLICATIONS = Gauge("interreg_applications", "Applications by programme and status", ["programme", "status"])


async def collect(app: FastAPI) -> None:
    """Set `interreg_applications` from the database: every status of every programme that has an
    application, 0 where none is in that status (so a status that empties shows 0, not a stale count)."""
    async for session in session_scope(app.state.db, read_only=True):
        counts = await repo.count_by_programme_and_status(session)
    by_pair = {(programme, status): n for programme, status, n in counts}
    programmes = sorted({programme for programme, _, _ in counts})
    APPLICATIONS.clear()
    for programme in programmes:
        for status in Status:
            APPLICATIONS.labels(programme, status.value).set(by_pair.get((programme, status.value), 0))


async def collect_outbox(app: FastAPI) -> None:
    """The outbox's backlog and the age of its oldest undelivered message (`shared.outbox`)."""
    await observe_backlog("applications", app.state.db, outbox, app.state.clock())


async def collect_webhooks(app: FastAPI) -> None:
    """The webhook deliveries' backlog, oldest age and dead ones, as the outbox's (service `applications-webhooks`)."""
    await observe_backlog("applications-webhooks", app.state.db, webhooks.deliveries, app.state.clock())
