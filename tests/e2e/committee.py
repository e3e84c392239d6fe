"""The committee's path to an approval over HTTP, for the tests that drive running services: Interreg
Sverige–Norge approves only in a committee session (`decisions: committee-only`), so an application is
assessed by two officers above the quality thresholds and then approved in a session of its call — or put
on the call's reserve list, whose projects an officer then approves one by one (`POST …/decision`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from services.applications.tests.helpers import scores
from tests.harness import WEB, auth

ASSESSORS = ("e2e-assessor-a", "e2e-assessor-b")
SECRETARY = auth("officer", "e2e-secretary")


def _post(url: str, body: dict[str, Any], who: dict[str, str], expect: int = 200) -> dict[str, Any]:
    r = WEB.post(url, json=body, headers={**who, "Idempotency-Key": str(uuid.uuid4())}, timeout=60)
    assert r.status_code == expect, r.text
    answer: dict[str, Any] = r.json()
    return answer


def assess(apps: str, app_id: str) -> None:
    """Two officers assigned, no conflict declared, 4 points on every criterion (above the thresholds)."""
    _post(f"{apps}/{app_id}/assessors", {"assessors": list(ASSESSORS)}, SECRETARY)
    for sub in ASSESSORS:
        who = auth("officer", sub)
        _post(f"{apps}/{app_id}/assessments/declaration", {"conflict_of_interest": False}, who)
        _post(f"{apps}/{app_id}/assessments/scores", scores(4), who)


def session(apps: str, call_id: str, decisions: list[dict[str, Any]], minutes: str = "ÖK e2e §1") -> dict[str, Any]:
    """The committee's session for the call (`apps`: the applications service's `/v1/applications` URL)."""
    base = apps.removesuffix("/v1/applications")
    body = {
        "call_id": call_id,
        "minutes_reference": minutes,
        "held_on": dt.date.today().isoformat(),
        "decisions": decisions,
    }
    return _post(f"{base}/v1/committee/sessions", body, SECRETARY, expect=201)


def approve(apps: str, app_id: str, call_id: str) -> dict[str, Any]:
    """Assessed, then approved in a committee session."""
    assess(apps, app_id)
    return session(apps, call_id, [{"application_id": app_id, "decision": "approved"}])


def reserve(apps: str, app_ids: list[str], call_id: str) -> None:
    """Assessed, then put on the call's reserve list in one session (ranks in the order given)."""
    for app_id in app_ids:
        assess(apps, app_id)
    decisions = [
        {"application_id": app_id, "decision": "reserve", "reserve_rank": rank}
        for rank, app_id in enumerate(app_ids, start=1)
    ]
    session(apps, call_id, decisions)
