"""Payloads and small steps shared by the applications tests."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from services.applications.schemas import GRON_INDUSTRIVAXT
from shared.testing import auth

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
    ("eligible", "reject"): "rejected",
    ("ineligible", "reject"): "rejected",
    ("ineligible", "reopen"): "draft",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("eligible", "withdraw"): "withdrawn",
    ("ineligible", "withdraw"): "withdrawn",
}
"""The workflow as the service's description documents it, written out by hand: the oracle the
transition table is checked against, never the table itself."""

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
    """Grön industriväxt, dated so that it can be submitted to a call open at `NOW`."""
    body = copy.deepcopy(GRON_INDUSTRIVAXT)
    body["call_id"] = str(call_id or uuid.uuid4())
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
) -> str:
    """An admin opens a call through the catalogue's API (the window relative to `NOW`)."""
    now = NOW
    call = {
        "number": f"test-{tag or uuid.uuid4().hex[:12]}",
        "name": {"sv": "Testutlysning", "nb": "Testutlysning", "en": "Test call"},
        "opens_at": (now + dt.timedelta(days=opens_in_days)).isoformat(),
        "closes_at": (now + dt.timedelta(days=closes_in_days)).isoformat() if closes_in_days is not None else None,
        "specific_objectives": ["1A", "1B", "2A", "2B", "3A", "3B", "3C", "4"],
        "project_types": ["pre-project", "main-project", "small-scale-project"],
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


async def budget_cell(budget: httpx.AsyncClient, fund: str, priority: str, field: str = "committed") -> str:
    r = await budget.get(f"/v1/programmes/{PROGRAMME}/budget", headers=OLGA)
    assert r.status_code == 200, r.text
    for row in r.json()["rows"]:
        if row["fund"] == fund and row["priority"] == priority:
            amount: str = row[field]["amount"]
            return amount
    raise KeyError((fund, priority))
