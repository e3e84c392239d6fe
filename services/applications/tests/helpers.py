"""Payloads and small steps shared by the applications tests."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from services.applications.schemas.applications import GRON_INDUSTRIVAXT
from shared.outbox import Relay
from shared.schemas.examples import FIRST_CALL_2022
from tests.harness import auth

PROGRAMME = "interreg-se-no-2021-2027"
A = "/v1/applications"
STOCKHOLM = ZoneInfo("Europe/Stockholm")

NOW = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.UTC)
"""The instant the applications app's clock stands at (`applications_clock`)."""

DOCUMENTED: dict[tuple[str, str], str] = {
    ("draft", "update"): "draft",
    ("draft", "submit"): "submitted",
    ("submitted", "assess-eligible"): "eligible",
    ("submitted", "assess-ineligible"): "ineligible",
    ("eligible", "approve"): "approved",
    ("approved", "budget-refused"): "eligible",
    ("approved", "terminate"): "terminated",
    ("approved", "close"): "closed",
    ("eligible", "reject"): "rejected",
    ("ineligible", "reject"): "rejected",
    ("ineligible", "reopen"): "draft",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("eligible", "withdraw"): "withdrawn",
    ("ineligible", "withdraw"): "withdrawn",
    # Return for completion: questions and a deadline; the answer is the next version, checked again.
    ("eligible", "return"): "returned",
    ("returned", "update"): "returned",
    ("returned", "submit"): "submitted",
    ("returned", "reject"): "rejected",
    ("returned", "withdraw"): "withdrawn",
    # The assessment happens while the application is eligible.
    ("eligible", "assign-assessors"): "eligible",
    ("eligible", "declare-interests"): "eligible",
    ("eligible", "score"): "eligible",
    # The committee: the reserve list, and an admin's revert of an approval.
    ("eligible", "reserve"): "reserve",
    ("reserve", "approve"): "approved",
    ("reserve", "reject"): "rejected",
    ("reserve", "withdraw"): "withdrawn",
    ("approved", "revert"): "eligible",
    # Two-step calls: a concept note is invited to a full application.
    ("eligible", "invite"): "invited",
}
"""The workflow as the service's description documents it, written out by hand: the oracle the
transition table is checked against, never the table itself."""

CONCEPT_NOTE_ONLY = {"invite"}
FULL_ONLY = {"approve", "return", "assign-assessors", "declare-interests", "score", "reserve"}
"""The actions of one kind of application only, as documented (`services/applications/steps.py`)."""

ALICE = auth("applicant", "alice")
BOB = auth("applicant", "bob")
OLGA = auth("officer", "olga")
ADMIN = auth("admin", "root")


def local_date(at: dt.datetime = NOW) -> dt.date:
    """The day of `at` on the programme's clock."""
    return at.astimezone(STOCKHOLM).date()


def reference(number: int, at: dt.datetime = NOW) -> str:
    """The reference the `number`-th submission of the year of `at` gets."""
    return f"SE-NO-{at.astimezone(STOCKHOLM).year}-{number:04d}"


def gron(call_id: str | uuid.UUID | None = None, **changes: Any) -> dict[str, Any]:
    """Grön industriväxt, dated so that it can be submitted to a call open at `NOW` (`call_id`; default the
    catalogue's call 2022-1, closed at `NOW`: enough for a draft, which must name a call the catalogue has)."""
    body = copy.deepcopy(GRON_INDUSTRIVAXT)
    body["call_id"] = str(call_id or FIRST_CALL_2022)
    today = local_date()
    body["start_date"] = (today + dt.timedelta(days=90)).isoformat()
    body["end_date"] = (today + dt.timedelta(days=90 + 3 * 365 - 30)).isoformat()
    body.update(changes)
    return body


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def create(client: httpx.AsyncClient, body: dict[str, Any], who: dict[str, str] = ALICE) -> dict[str, Any]:
    r = await client.post(A, json=body, headers=who)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def editing(client: httpx.AsyncClient, url: str, who: dict[str, str] = ALICE) -> dict[str, str]:
    """`who`'s headers with `If-Match`: the ETag of what `who` reads at `url` now (for a PUT or PATCH)."""
    r = await client.get(url, headers=who)
    assert r.status_code == 200, r.text
    return {**who, "If-Match": r.headers["etag"]}


async def history(client: httpx.AsyncClient, application_id: str, who: dict[str, str] = ALICE) -> list[dict[str, Any]]:
    r = await client.get(f"{A}/{application_id}/history", headers=who)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def open_call(
    catalogue: httpx.AsyncClient,
    *,
    opens_in_days: float = -1,
    closes_in_days: float | None = 30,
    tag: str | None = None,
    **extra: Any,
) -> str:
    """An admin opens a call through the catalogue's API (the window relative to `NOW`); `extra`: more
    fields of the call (`concept_note`, `concept_note_call_id`, `assessment_criteria`)."""
    now = NOW
    call = {
        "number": f"test-{tag or uuid.uuid4().hex[:12]}",
        "name": {"sv": "Testutlysning", "nb": "Testutlysning", "en": "Test call"},
        "opens_at": (now + dt.timedelta(days=opens_in_days)).isoformat(),
        "closes_at": (now + dt.timedelta(days=closes_in_days)).isoformat() if closes_in_days is not None else None,
        "specific_objectives": ["1A", "1B", "2A", "2B", "3A", "3B", "3C", "4"],
        "project_types": ["pre-project", "main-project", "small-scale-project"],
        **extra,
    }
    r = await catalogue.post(f"/v1/programmes/{PROGRAMME}/calls", json=call, headers=ADMIN)
    assert r.status_code == 201, r.text
    call_id: str = r.json()["id"]
    return call_id


def ineligible(call_id: str) -> dict[str, Any]:
    """Grön industriväxt asking 70 % ERDF for its Swedish partner (at most 65 %): co-financing-se fails."""
    body = gron(call_id)
    body["partners"][0]["financing"] = [
        {"source": "ERDF", "amount": {"amount": "420000.00", "currency": "EUR"}},
        {"source": "own-public", "amount": {"amount": "180000.00", "currency": "EUR"}},
    ]
    return body


async def submit(
    client: httpx.AsyncClient,
    application_id: str,
    who: dict[str, str] = ALICE,
    idempotency: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(f"{A}/{application_id}/submit", headers={**who, **(idempotency or key())})


async def delivered(app: FastAPI) -> None:
    """Wait until the outbox relay has delivered everything due (what a client sees a moment later)."""
    relay: Relay = app.state.relay
    await relay.drain()


async def assessed(client: httpx.AsyncClient, app: FastAPI, application_id: str) -> dict[str, Any]:
    """Submit (answered `submitted`), let the eligibility check arrive, and read the application back."""
    r = await submit(client, application_id)
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    await delivered(app)
    after: dict[str, Any] = (await client.get(f"{A}/{application_id}", headers=OLGA)).json()
    return after


async def decided(
    client: httpx.AsyncClient, app: FastAPI, application_id: str, decision: dict[str, Any]
) -> dict[str, Any]:
    """The decision, then the application once the outbox has delivered what it owes. An approval is the
    committee's (Interreg Sverige–Norge approves only in a committee session): the application assessed by
    Anna and Per above the thresholds (unless it is already), then approved in a session of its call; a
    rejection, or the approval of a reserve project, an officer's."""
    current = (await client.get(f"{A}/{application_id}", headers=OLGA)).json()
    if decision["decision"] == "approved" and current["status"] != "reserve":
        assessment = (await client.get(f"{A}/{application_id}/assessments", headers=OLGA)).json()
        if not assessment.get("complete"):
            await assess(client, application_id)
        only = [{"application_id": application_id, "decision": "approved"}]
        r = await record_session(client, current["call_id"], only)
        assert r.status_code == 201, r.text
    else:  # a rejection, or the approval of a reserve project the committee put on its list
        r = await client.post(f"{A}/{application_id}/decision", json=decision, headers={**OLGA, **key()})
        assert r.status_code == 200, r.text
    await delivered(app)
    after: dict[str, Any] = (await client.get(f"{A}/{application_id}", headers=OLGA)).json()
    return after


async def budget_cell(budget: httpx.AsyncClient, fund: str, priority: str, field: str = "committed") -> str:
    r = await budget.get(f"/v1/programmes/{PROGRAMME}/budget", headers=OLGA)
    assert r.status_code == 200, r.text
    for row in r.json()["rows"]:
        if row["fund"] == fund and row["priority"] == priority:
            amount: str = row[field]["amount"]
            return amount
    raise KeyError((fund, priority))


# --- assessment and committee -------------------------------------------------------------------------
ANNA = auth("officer", "anna")
PER = auth("officer", "per")
CRITERIA = (
    "relevance",
    "cross-border-added-value",
    "partnership",
    "work-plan-and-budget",
    "results-and-sustainability",
)
"""The criteria of the catalogue's example set (`standard`), in order."""


def scores(*points: int) -> dict[str, Any]:
    """A scores body: the points per criterion in `CRITERIA` order (one value: every criterion)."""
    values = points * len(CRITERIA) if len(points) == 1 else points
    return {
        "scores": [
            {"criterion": c, "score": p, "justification": f"{c}: {p} points, as the application shows."}
            for c, p in zip(CRITERIA, values, strict=True)
        ]
    }


async def assess(
    client: httpx.AsyncClient, application_id: str, marks: dict[str, tuple[int, ...]] | None = None
) -> dict[str, Any]:
    """Anna and Per (or the assessors of `marks`: subject → points) assigned, no conflict declared, scored."""
    marks = marks or {"anna": (4,), "per": (4,)}
    r = await client.post(f"{A}/{application_id}/assessors", json={"assessors": list(marks)}, headers={**OLGA, **key()})
    assert r.status_code == 200, r.text
    for sub, points in marks.items():
        who = auth("officer", sub)
        r = await client.post(
            f"{A}/{application_id}/assessments/declaration",
            json={"conflict_of_interest": False},
            headers={**who, **key()},
        )
        assert r.status_code == 200, r.text
        r = await client.post(
            f"{A}/{application_id}/assessments/scores", json=scores(*points), headers={**who, **key()}
        )
        assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    assert out["complete"] is True, out
    return out


async def record_session(
    client: httpx.AsyncClient, call_id: str, decisions: list[dict[str, Any]], minutes: str = "ÖK 2025-03-14 §4"
) -> httpx.Response:
    body = {
        "call_id": call_id,
        "minutes_reference": minutes,
        "held_on": local_date().isoformat(),
        "decisions": decisions,
    }
    return await client.post("/v1/committee/sessions", json=body, headers={**OLGA, **key()})


def return_body(days: int = 14, questions: str = "Please add the co-financing letter.") -> dict[str, Any]:
    return {"questions": questions, "deadline": (NOW + dt.timedelta(days=days)).isoformat()}


async def on_reserve(client: httpx.AsyncClient, application_id: str, rank: int = 1) -> dict[str, Any]:
    """The application assessed above the thresholds and put on its call's reserve list by the committee: an
    officer then approves it alone (`POST …/decision`, the reserve list's proposal), on every programme."""
    call_id = (await client.get(f"{A}/{application_id}", headers=OLGA)).json()["call_id"]
    await assess(client, application_id)
    decision = {"application_id": application_id, "decision": "reserve", "reserve_rank": rank}
    r = await record_session(client, call_id, [decision])
    assert r.status_code == 201, r.text
    current: dict[str, Any] = (await client.get(f"{A}/{application_id}", headers=OLGA)).json()
    assert current["status"] == "reserve", current
    return current
