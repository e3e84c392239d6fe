"""Conflicts of interest bind (issue 26): an officer who declared a conflict with a partner of an application
sees no score of it in the committee's ranking, may not record the session that decides it nor decide it
directly (403), and the session's minutes name the abstention."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ANNA,
    OLGA,
    PER,
    A,
    assessed,
    create,
    gron,
    key,
    open_call,
    record_session,
    scores,
)
from tests.harness import auth

OTTO = auth("officer", "otto")
KONGSVINGER = "964950113"


async def _post(client: httpx.AsyncClient, path: str, body: object, who: dict[str, str]) -> httpx.Response:
    return await client.post(path, json=body, headers={**who, **key()})


async def test_a_conflicted_assessor_is_out_of_the_ranking_the_session_and_the_decision(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    client = applications_client
    call_id = await open_call(catalogue_client)
    aid = (await create(client, gron(call_id)))["id"]
    assert (await assessed(client, applications_app, aid))["status"] == "eligible"
    assigned = await _post(client, f"{A}/{aid}/assessors", {"assessors": ["anna", "per", "otto"]}, OLGA)
    assert assigned.status_code == 200, assigned.text
    conflict = {"conflict_of_interest": True, "organisations": [KONGSVINGER], "note": "Board member."}
    assert (await _post(client, f"{A}/{aid}/assessments/declaration", conflict, OTTO)).status_code == 200
    for who in (ANNA, PER):
        declared = await _post(client, f"{A}/{aid}/assessments/declaration", {"conflict_of_interest": False}, who)
        assert declared.status_code == 200, declared.text
        assert (await _post(client, f"{A}/{aid}/assessments/scores", scores(4), who)).status_code == 200
    reference = (await client.get(f"{A}/{aid}", headers=OLGA)).json()["reference"]

    # The ranking: Olga sees the consolidated score, Otto none.
    async def ranked(who: dict[str, str]) -> dict[str, object]:
        r = await client.get("/v1/committee/ranking", params={"call_id": call_id}, headers=who)
        assert r.status_code == 200, r.text
        [item] = [i for i in r.json()["items"] if i["application_id"] == aid]
        return dict(item)

    seen = await ranked(OLGA)
    assert seen["score"] is not None and seen["conflict_of_interest"] is False
    hidden = await ranked(OTTO)
    assert hidden["score"] is None and hidden["conflict_of_interest"] is True

    # Otto may neither record the session that decides it nor decide it directly; nothing changes.
    session = {
        "call_id": call_id,
        "minutes_reference": "ÖK §9",
        "held_on": "2025-03-14",
        "decisions": [{"application_id": aid, "decision": "approved"}],
    }
    refused = await _post(client, "/v1/committee/sessions", session, OTTO)
    assert refused.status_code == 403 and refused.json()["type"].endswith("/conflict-of-interest"), refused.text
    assert reference in refused.json()["detail"]
    rejected = await _post(client, f"{A}/{aid}/decision", {"decision": "rejected", "reason": "No."}, OTTO)
    assert rejected.status_code == 403 and rejected.json()["type"].endswith("/conflict-of-interest")
    assert (await client.get(f"{A}/{aid}", headers=OLGA)).json()["status"] == "eligible"

    # Olga records it; the minutes name Otto's abstention.
    recorded = await record_session(client, call_id, [{"application_id": aid, "decision": "approved"}])
    assert recorded.status_code == 201, recorded.text
    [decision] = recorded.json()["decisions"]
    assert decision["abstentions"] == ["otto"]
    again = await client.get(f"/v1/committee/sessions/{recorded.json()['id']}", headers=OLGA)
    assert again.json()["decisions"][0]["abstentions"] == ["otto"]
