"""The admin's call writes: auth before validation, the call rules, idempotency, nothing written on refusal."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from services.catalogue import models
from services.catalogue.calls import CALL_NAMESPACE
from services.catalogue.tests.fixtures import NOW
from shared.clock import FixedClock
from tests.harness import auth

PROGRAMME = "interreg-se-no-2021-2027"
CALLS = f"/v1/programmes/{PROGRAMME}/calls"
ADMIN = auth("admin", "ada")
APPLICANT = auth("applicant", "app")
OFFICER = auth("officer", "olga")
# The contract check's reversed window (and no name).
REVERSED = {
    "number": "check-1",
    "opens_at": "2030-06-15T00:00:00Z",
    "closes_at": "2030-05-15T00:00:00Z",
    "specific_objectives": ["1A"],
    "project_types": ["main-project"],
}


def new_call(number: str = "2030-1", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": number,
        "name": {"sv": "Testutlysning", "nb": "Testutlysning", "en": "Test call"},
        "opens_at": (NOW - dt.timedelta(days=1)).isoformat(),
        "closes_at": (NOW + dt.timedelta(days=30)).isoformat(),
        "decision_expected": "2030-09",
        "specific_objectives": ["1A", "1B", "2A", "2B", "3A", "3B", "3C", "4"],
        "project_types": ["pre-project", "main-project", "small-scale-project"],
    }
    body.update(changes)
    return body


async def _counts(app: FastAPI) -> tuple[int, int, int]:
    async with app.state.db.sessionmaker() as session:
        out = []
        for table in (models.Call.__table__, models.idempotency_keys, models.SearchDocument.__table__):
            out.append(int(await session.scalar(select(func.count()).select_from(table)) or 0))
        return out[0], out[1], out[2]


def _problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return dict(r.json())


async def test_auth_before_validation_and_nothing_written(
    catalogue_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    before = await _counts(catalogue_app)
    _problem(await catalogue_client.post(CALLS, json=REVERSED), 401)
    _problem(await catalogue_client.post(CALLS, json=REVERSED, headers=APPLICANT), 403)
    _problem(await catalogue_client.post(CALLS, json=REVERSED, headers=OFFICER), 403)
    _problem(await catalogue_client.post(CALLS, json=REVERSED, headers={"Authorization": "Bearer not-a-token"}), 401)
    body = _problem(await catalogue_client.post(CALLS, json=REVERSED, headers=ADMIN), 422)
    assert "name" in {e["field"] for e in body["errors"]}
    body = _problem(await catalogue_client.post(CALLS, json={**REVERSED, "name": {"en": "Check"}}, headers=ADMIN), 422)
    assert [e["field"] for e in body["errors"]] == ["closes_at"]
    # valid body but still the wrong caller
    _problem(await catalogue_client.post(CALLS, json=new_call(), headers=APPLICANT), 403)
    _problem(await catalogue_client.post(CALLS, json=new_call()), 401)
    assert await _counts(catalogue_app) == before


async def test_call_rules(catalogue_app: FastAPI, catalogue_client: httpx.AsyncClient) -> None:
    before = await _counts(catalogue_app)
    naive = new_call(opens_at="2030-01-01T00:00:00", closes_at="2030-02-01T00:00:00")
    body = _problem(await catalogue_client.post(CALLS, json=naive, headers=ADMIN), 422)
    assert {"opens_at", "closes_at"} <= {e["field"] for e in body["errors"]}
    body = _problem(
        await catalogue_client.post(CALLS, json=new_call(specific_objectives=["1A", "9Z"]), headers=ADMIN), 422
    )
    assert [e["field"] for e in body["errors"]] == ["specific_objectives.1"]
    body = _problem(
        await catalogue_client.post(CALLS, json=new_call(project_types=["huge-project"]), headers=ADMIN), 422
    )
    assert [e["field"] for e in body["errors"]] == ["project_types.0"]
    _problem(await catalogue_client.post(CALLS, json=new_call(specific_objectives=[]), headers=ADMIN), 422)
    _problem(await catalogue_client.post(CALLS, json=new_call(extra="x"), headers=ADMIN), 422)
    _problem(await catalogue_client.post(CALLS, json=new_call(decision_expected="soon"), headers=ADMIN), 422)
    _problem(await catalogue_client.post("/v1/programmes/nope/calls", json=new_call(), headers=ADMIN), 404)
    # the number of a data call is taken
    _problem(await catalogue_client.post(CALLS, json=new_call(number="2022-1"), headers=ADMIN), 409)
    assert await _counts(catalogue_app) == before


async def test_create_call(catalogue_client: httpx.AsyncClient) -> None:
    r = await catalogue_client.post(CALLS, json=new_call(), headers=ADMIN)
    assert r.status_code == 201, r.text
    call = r.json()
    assert call["id"] == str(uuid.uuid5(CALL_NAMESPACE, f"{PROGRAMME}/2030-1"))
    assert r.headers["location"] == f"/v1/calls/{call['id']}"
    assert call["status"] == "open" and call["programme"] == PROGRAMME
    got = await catalogue_client.get(r.headers["location"])
    assert got.status_code == 200 and got.json() == call
    listed = (await catalogue_client.get(CALLS)).json()["items"]
    assert call["id"] in {c["id"] for c in listed}
    again = await catalogue_client.post(CALLS, json=new_call(), headers=ADMIN)
    _problem(again, 409)
    hits = (await catalogue_client.get("/v1/search", params={"q": "testutlysning", "programme": PROGRAMME})).json()
    assert ("call", call["id"]) in {(h["kind"], h["code"]) for h in hits["items"]}


async def test_open_call_payload_of_the_applications_check(catalogue_client: httpx.AsyncClient) -> None:
    body = {
        "number": "check-x-1",
        "name": {"sv": "Testutlysning", "nb": "Testutlysning", "en": "Test call"},
        "opens_at": (NOW - dt.timedelta(days=1)).isoformat(),
        "closes_at": (NOW + dt.timedelta(days=30)).isoformat(),
        "specific_objectives": ["1A", "1B", "2A", "2B", "3A", "3B", "3C", "4"],
        "project_types": ["pre-project", "main-project", "small-scale-project"],
    }
    r = await catalogue_client.post(CALLS, json=body, headers=ADMIN)
    assert r.status_code == 201 and r.json()["status"] == "open" and r.json()["decision_expected"] is None


async def test_idempotent_create(catalogue_app: FastAPI, catalogue_client: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "k-1", **ADMIN}
    first = await catalogue_client.post(CALLS, json=new_call("2031-1"), headers=key)
    assert first.status_code == 201
    counts = await _counts(catalogue_app)
    replay = await catalogue_client.post(
        CALLS,
        json=new_call("2031-1") | {"opens_at": first.json()["opens_at"], "closes_at": first.json()["closes_at"]},
        headers=key,
    )
    # another body (the times differ in their form) with the same key: refused
    assert replay.status_code == 422
    same_body = {
        "number": "2032-1",
        "name": {"en": "Same"},
        "opens_at": "2032-01-01T00:00:00+01:00",
        "specific_objectives": ["4"],
        "project_types": ["main-project"],
    }
    key2 = {"Idempotency-Key": "k-2", **ADMIN}
    one = await catalogue_client.post(CALLS, json=same_body, headers=key2)
    two = await catalogue_client.post(CALLS, json=same_body, headers=key2)
    assert one.status_code == two.status_code == 201
    assert one.json() == two.json()
    assert two.headers.get("idempotent-replayed") == "true"
    assert two.headers["location"] == one.headers["location"]
    calls, keys, _ = await _counts(catalogue_app)
    assert (calls, keys) == (counts[0] + 1, counts[1] + 1)


async def test_rolling_and_planned_status(catalogue_client: httpx.AsyncClient, catalogue_clock: FixedClock) -> None:
    rolling = new_call("rolling-1", closes_at=None)
    r = await catalogue_client.post(CALLS, json=rolling, headers=ADMIN)
    assert r.status_code == 201 and r.json()["closes_at"] is None and r.json()["status"] == "open"
    planned = new_call("later-1", opens_at=(NOW + dt.timedelta(days=10)).isoformat(), closes_at=None)
    r = await catalogue_client.post(CALLS, json=planned, headers=ADMIN)
    assert r.status_code == 201 and r.json()["status"] == "planned"
    later = r.headers["location"]
    by_status = (await catalogue_client.get(CALLS, params={"status": "open"})).json()["items"]
    assert [c["number"] for c in by_status] == ["rolling-1"]
    # The status follows the clock: the planned call opens at its opens_at, inclusive.
    catalogue_clock.set(NOW + dt.timedelta(days=10) - dt.timedelta(microseconds=1))
    assert (await catalogue_client.get(later)).json()["status"] == "planned"
    catalogue_clock.advance(dt.timedelta(microseconds=1))
    assert (await catalogue_client.get(later)).json()["status"] == "open"
    by_status = (await catalogue_client.get(CALLS, params={"status": "open"})).json()["items"]
    assert [c["number"] for c in by_status] == ["rolling-1", "later-1"]


async def test_patch_and_close(catalogue_app: FastAPI, catalogue_client: httpx.AsyncClient) -> None:
    call = (await catalogue_client.post(CALLS, json=new_call("2033-1"), headers=ADMIN)).json()
    url = f"/v1/calls/{call['id']}"
    patch = {
        "name": {"sv": "Ändrad", "en": "Changed"},
        "decision_expected": "2030-10",
        "specific_objectives": ["2B"],
        "project_types": ["pre-project"],
    }
    before = await _counts(catalogue_app)
    _problem(await catalogue_client.patch(url, json=patch), 401)
    _problem(await catalogue_client.patch(url, json=patch, headers=APPLICANT), 403)
    reversed_window = {"closes_at": "2000-01-01T00:00:00Z"}
    body = _problem(await catalogue_client.patch(url, json=reversed_window, headers=ADMIN), 422)
    assert body["errors"][0]["field"] == "closes_at"
    _problem(await catalogue_client.patch(url, json={"opens_at": "2030-01-01T00:00:00"}, headers=ADMIN), 422)
    _problem(await catalogue_client.patch(url, json={"number": "x"}, headers=ADMIN), 422)
    _problem(await catalogue_client.patch(url, json={"specific_objectives": ["7Q"]}, headers=ADMIN), 422)
    _problem(await catalogue_client.patch(f"/v1/calls/{uuid.uuid4()}", json=patch, headers=ADMIN), 404)
    assert await _counts(catalogue_app) == before
    unchanged = (await catalogue_client.get(url)).json()
    assert unchanged == call

    r = await catalogue_client.patch(url, json=patch, headers=ADMIN)
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["name"] == patch["name"] and changed["specific_objectives"] == ["2B"]
    assert changed["decision_expected"] == "2030-10" and changed["opens_at"] == call["opens_at"]

    rolling = (await catalogue_client.patch(url, json={"closes_at": None}, headers=ADMIN)).json()
    assert rolling["closes_at"] is None and rolling["status"] == "open"

    _problem(await catalogue_client.post(url + "/close", headers=APPLICANT), 403)
    closed = await catalogue_client.post(url + "/close", headers=ADMIN)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    # closed from the clock's instant on: the last open instant is just before it
    assert NOW - dt.timedelta(seconds=1) < dt.datetime.fromisoformat(closed.json()["closes_at"]) < NOW
    _problem(await catalogue_client.post(url + "/close", headers=ADMIN), 409)
    assert (await catalogue_client.get(url)).json()["status"] == "closed"

    early = (await catalogue_client.post(CALLS, json=new_call("2033-2"), headers=ADMIN)).json()
    at = NOW + dt.timedelta(days=2)
    r = await catalogue_client.post(f"/v1/calls/{early['id']}/close", json={"at": at.isoformat()}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["status"] == "open"
    assert dt.datetime.fromisoformat(r.json()["closes_at"]) == at
    _problem(
        await catalogue_client.post(
            f"/v1/calls/{early['id']}/close", json={"at": "2000-01-01T00:00:00Z"}, headers=ADMIN
        ),
        422,
    )
