"""Assessments through the HTTP API: assessors assigned, interests declared, scores hidden until one's own
are in, a declared conflict of interest refused (403), the consolidation explained; and the return for
completion: questions, a deadline, the answer as the next version, checked again."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ALICE,
    ANNA,
    NOW,
    OLGA,
    PER,
    A,
    assessed,
    create,
    delivered,
    editing,
    gron,
    history,
    key,
    open_call,
    return_body,
    scores,
    submit,
)
from shared.clock import FixedClock
from shared.schemas.examples import FIRST_CALL_2022
from tests.harness import auth

pytestmark = pytest.mark.usefixtures("backend")

KONGSVINGER = "964950113"
EVA = auth("officer", "eva")


@pytest.fixture
async def eligible(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> str:
    call_id = await open_call(catalogue_client)
    aid: str = (await create(applications_client, gron(call_id)))["id"]
    assert (await assessed(applications_client, applications_app, aid))["status"] == "eligible"
    return aid


async def _post(client: httpx.AsyncClient, aid: str, path: str, body: object, who: dict[str, str]) -> httpx.Response:
    return await client.post(f"{A}/{aid}{path}", json=body, headers={**who, **key()})


async def test_scores_are_hidden_until_ones_own_are_in_and_a_conflict_is_403(
    applications_client: httpx.AsyncClient, eligible: str
) -> None:
    client, aid = applications_client, eligible
    assert (await _post(client, aid, "/assessors", {"assessors": ["anna"]}, ALICE)).status_code == 403
    r = await _post(client, aid, "/assessors", {"assessors": ["anna", "per", "eva"]}, OLGA)
    assert r.status_code == 200, r.text
    assigned = r.json()
    assert [a["assessor"] for a in assigned["assessors"]] == ["anna", "per", "eva"]
    assert assigned["criteria"]["code"] == "standard" and len(assigned["criteria"]["criteria"]) == 5
    assert assigned["complete"] is False and assigned["consolidated"] is None

    # Declare first; an officer not assigned is not an assessor.
    r = await _post(client, aid, "/assessments/scores", scores(4), ANNA)
    assert r.status_code == 403 and r.json()["type"].endswith("/declaration-required"), r.text
    r = await _post(client, aid, "/assessments/declaration", {"conflict_of_interest": False}, auth("officer", "otto"))
    assert r.status_code == 403 and r.json()["type"].endswith("/not-assessor"), r.text
    r = await _post(
        client, aid, "/assessments/declaration", {"conflict_of_interest": True, "organisations": ["1"]}, PER
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organisations.0", r.text

    # Per declares a conflict with the Norwegian partner: he may not assess it (403), and sees no scores.
    conflict = {"conflict_of_interest": True, "organisations": [KONGSVINGER], "note": "Board member."}
    assert (await _post(client, aid, "/assessments/declaration", conflict, PER)).status_code == 200
    r = await _post(client, aid, "/assessments/scores", scores(5), PER)
    assert r.status_code == 403 and r.json()["type"].endswith("/conflict-of-interest"), r.text
    assert KONGSVINGER in r.json()["detail"]

    # Anna scores; Eva, not yet submitted, sees neither Anna's scores nor the consolidation.
    assert (
        await _post(client, aid, "/assessments/declaration", {"conflict_of_interest": False}, ANNA)
    ).status_code == 200
    r = await _post(client, aid, "/assessments/scores", scores(4, 3, 5, 2, 4), ANNA)
    assert r.status_code == 200, r.text
    anna_view = r.json()
    assert anna_view["scores_hidden"] is False and anna_view["complete"] is False
    assert [s["score"] for s in anna_view["assessors"][0]["scores"]] == [4, 3, 5, 2, 4]
    eva_view = (await client.get(f"{A}/{aid}/assessments", headers=EVA)).json()
    assert eva_view["scores_hidden"] is True and eva_view["consolidated"] is None
    assert all(a["scores"] is None for a in eva_view["assessors"])
    assert eva_view["assessors"][0]["submitted_at"] is not None  # who has submitted is not hidden
    per_view = (await client.get(f"{A}/{aid}/assessments", headers=PER)).json()
    assert per_view["scores_hidden"] is True and all(a["scores"] is None for a in per_view["assessors"])
    assert (await client.get(f"{A}/{aid}/assessments", headers=ALICE)).status_code == 403

    # Eva submits: complete (Per's conflict does not count), and now she sees everything.
    assert (
        await _post(client, aid, "/assessments/declaration", {"conflict_of_interest": False}, EVA)
    ).status_code == 200
    bad = scores(4, 4, 4, 4, 6)
    r = await _post(client, aid, "/assessments/scores", bad, EVA)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "scores.4.score", r.text
    r = await _post(client, aid, "/assessments/scores", scores(3, 4, 4, 3, 5), EVA)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["complete"] is True and done["scores_hidden"] is False
    consolidated = done["consolidated"]
    # Means 3.5, 3.5, 4.5, 2.5, 4.5 × weights 0.25, 0.25, 0.15, 0.20, 0.15 = 0.875 + 0.875 + 0.675 + 0.5 + 0.675.
    assert (consolidated["total"], consolidated["total_exact"]) == ("3.60", "18/5")
    assert consolidated["meets_thresholds"] is True and consolidated["assessments"] == 2
    assert [c["mean"] for c in consolidated["criteria"]] == ["3.50", "3.50", "4.50", "2.50", "4.50"]
    assert consolidated["criteria"][0]["explanation"].startswith("mean (4 + 3) / 2 = 7/2 ≈ 3.50 ≥ minimum 3: met")
    assert (await _post(client, aid, "/assessments/scores", scores(5), EVA)).status_code == 409  # final
    # The application moved nowhere: an assessment happens while it is eligible.
    assert (await client.get(f"{A}/{aid}", headers=OLGA)).json()["status"] == "eligible"


async def test_return_for_completion_then_the_answer_is_the_next_version_checked_again(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    applications_clock: FixedClock,
    eligible: str,
) -> None:
    client, aid = applications_client, eligible
    first = (await client.get(f"{A}/{aid}", headers=ALICE)).json()
    past = {"questions": "x", "deadline": (NOW - dt.timedelta(days=1)).isoformat()}
    assert (await _post(client, aid, "/return", past, OLGA)).status_code == 422
    assert (await _post(client, aid, "/return", return_body(days=45), ALICE)).status_code == 403
    r = await _post(client, aid, "/return", return_body(days=45, questions="Add Kongsvinger's letter."), OLGA)
    assert r.status_code == 200, r.text
    returned = r.json()
    assert returned["status"] == "returned" and returned["return_deadline"]
    assert returned["allowed_actions"] == ["reject"]  # the officer's; the applicant's:
    offered = (await client.get(f"{A}/{aid}", headers=ALICE)).json()["allowed_actions"]
    assert offered == ["update", "submit", "withdraw"]

    # The call closes in 30 days; the completion is due in 45: it is taken after the closing.
    applications_clock.advance(dt.timedelta(days=35))
    body = gron(first["call_id"], acronym="GIV2")
    assert (await client.put(f"{A}/{aid}", json=body, headers=await editing(client, f"{A}/{aid}"))).status_code == 200
    moved = gron(FIRST_CALL_2022)  # another call the catalogue has
    stays = await client.put(f"{A}/{aid}", json=moved, headers=await editing(client, f"{A}/{aid}"))
    assert stays.status_code == 422  # stays in its call
    r = await client.post(f"{A}/{aid}/submit", json={"answer": "The letter is attached."}, headers={**ALICE, **key()})
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    await delivered(applications_app)
    again = (await client.get(f"{A}/{aid}", headers=ALICE)).json()
    assert again["status"] == "eligible" and again["version"] == 2 and again["reference"] == first["reference"]
    assert again["acronym"] == "GIV2" and again["return_deadline"] is None
    report = (await client.get(f"{A}/{aid}/eligibility", headers=ALICE)).json()
    assert report["eligible"] is True  # checked again, for the instant of the first submission (call open)
    v1 = (await client.get(f"{A}/{aid}/versions/1", headers=ALICE)).json()
    assert v1["content"]["acronym"] == "GIV"
    entries = [(e["to_status"], e["reason"]) for e in await history(client, aid)]
    assert entries[-3:] == [
        ("returned", f"questions: Add Kongsvinger's letter. (answer by {(NOW + dt.timedelta(days=45)).isoformat()})"),
        ("submitted", "answer: The letter is attached."),
        (
            "eligible",
            entries[-1][1],
        ),
    ]
    assert "no rule of severity error failed" in entries[-1][1]


async def test_a_completion_after_its_deadline_is_409(
    applications_client: httpx.AsyncClient, applications_clock: FixedClock, eligible: str
) -> None:
    client, aid = applications_client, eligible
    assert (await _post(client, aid, "/return", return_body(days=5), OLGA)).status_code == 200
    applications_clock.advance(dt.timedelta(days=6))
    before = (await client.get(f"{A}/{aid}", headers=ALICE)).json()
    r = await submit(client, aid)
    assert r.status_code == 409 and r.json()["type"].endswith("/completion-deadline-passed"), r.text
    assert (await client.get(f"{A}/{aid}", headers=ALICE)).json() == before
    r = await _post(client, aid, "/decision", {"decision": "rejected", "reason": "No answer by the deadline."}, OLGA)
    assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
