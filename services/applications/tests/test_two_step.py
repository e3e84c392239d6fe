"""Two-step calls through the HTTP APIs: a concept note to the step-1 call, checked by that call's own
rule set, invited; its full application in the step-2 call, linked to it and checked by the programme's
rules; a full application without an invited concept note refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ADMIN,
    ALICE,
    BOB,
    OLGA,
    PROGRAMME,
    A,
    assessed,
    create,
    delivered,
    editing,
    gron,
    history,
    key,
    open_call,
    submit,
)

pytestmark = pytest.mark.usefixtures("backend")

OURS = "outside the seeds: a test's rules for a concept note"


def concept_rules(call_id: str) -> dict[str, Any]:
    """Step 1's own rules: the partnership, the added value stated, the call open, the objective in it."""
    return {
        "programme": PROGRAMME,
        "call_id": call_id,
        "name": {"en": "Concept notes"},
        "rules": [
            {
                "code": "cross-border-partnership",
                "kind": "partnership",
                "params": {
                    "countries": ["SE", "NO"],
                    "lead_partners": None,
                    "leads_per_country": {"SE": 1, "NO": 1},
                    "implicit_owner": True,
                },
                "source": OURS,
            },
            {
                "code": "added-value-stated",
                "kind": "required-texts",
                "params": {"min_length": {"title": 3, "cross_border_added_value": 40}},
                "source": OURS,
            },
            {"code": "call-open", "source": OURS},
            {"code": "specific-objective-open", "params": {"check_project_type": True}, "source": OURS},
        ],
    }


def concept_note(call_id: str) -> dict[str, Any]:
    """Grön industriväxt as a concept note: the partners and the idea, no budget yet."""
    body = gron(call_id)
    body["cross_border_added_value"] = "A shared supplier base across the Värmland–Kongsvinger border."
    for partner in body["partners"]:
        partner["budget"], partner["financing"] = [], []
    return body


async def test_a_concept_note_invited_then_its_full_application(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    catalogue_client: httpx.AsyncClient,
    eligibility_client: httpx.AsyncClient,
) -> None:
    client, app = applications_client, applications_app
    step_one = await open_call(catalogue_client, concept_note=True)
    step_two = await open_call(catalogue_client, closes_in_days=90, concept_note_call_id=step_one)
    r = await eligibility_client.post("/v1/rule-sets", json=concept_rules(step_one), headers={**ADMIN, **key()})
    assert r.status_code == 201, r.text
    concept_set = r.json()["id"]
    live = await eligibility_client.post(f"/v1/rule-sets/{concept_set}/versions/1/activation", json={}, headers=ADMIN)
    assert live.status_code == 201, live.text

    note = (await create(client, concept_note(step_one)))["id"]
    checked = await assessed(client, app, note)
    assert (checked["status"], checked["kind"]) == ("eligible", "concept-note"), checked
    report = (await client.get(f"{A}/{note}/eligibility", headers=ALICE)).json()
    assert report["rule_set"]["id"] == concept_set and report["eligible"] is True
    assert [x["rule"] for x in report["results"]][:2] == ["cross-border-partnership", "added-value-stated"]

    # A full application straight to step 2 is refused; so is one from a note not yet invited.
    direct = (await create(client, gron(step_two)))["id"]
    r = await submit(client, direct)
    assert r.status_code == 409 and r.json()["type"].endswith("/concept-note-required"), r.text
    r = await client.post(f"{A}/{note}/full-application", json={"call_id": step_two}, headers={**ALICE, **key()})
    assert r.status_code == 409 and r.json()["type"].endswith("/concept-note-required"), r.text

    r = await client.post(f"{A}/{note}/invite", json={"reason": "Develop it with both regions."}, headers=OLGA)
    assert r.status_code == 200 and r.json()["status"] == "invited" and r.json()["allowed_actions"] == [], r.text
    assert (await history(client, note))[-1]["reason"] == "Develop it with both regions."

    # Only the note's applicant, only into the step-2 call of the note's call.
    r = await client.post(f"{A}/{note}/full-application", json={"call_id": step_two}, headers={**BOB, **key()})
    assert r.status_code == 404, r.text
    r = await client.post(f"{A}/{note}/full-application", json={"call_id": step_one}, headers={**ALICE, **key()})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "call_id", r.text
    r = await client.post(f"{A}/{note}/full-application", json={"call_id": step_two}, headers={**ALICE, **key()})
    assert r.status_code == 201, r.text
    full = r.json()
    assert (full["status"], full["kind"], full["concept_note_id"], full["call_id"]) == ("draft", "full", note, step_two)
    assert full["partners"][0]["name"] == "Region Värmland" and full["partners"][0]["budget"] == []
    r = await client.post(f"{A}/{note}/full-application", json={"call_id": step_two}, headers={**ALICE, **key()})
    assert r.status_code == 409, r.text  # one full application per concept note

    # The applicant completes the budget and submits it in the step-2 call: the programme's rules apply.
    assert (
        await client.put(f"{A}/{full['id']}", json=gron(step_two), headers=await editing(client, f"{A}/{full['id']}"))
    ).status_code == 200
    r = await submit(client, full["id"])
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    await delivered(app)
    after = (await client.get(f"{A}/{full['id']}", headers=ALICE)).json()
    assert (after["status"], after["kind"], after["concept_note_id"]) == ("eligible", "full", note)
    report = (await client.get(f"{A}/{full['id']}/eligibility", headers=ALICE)).json()
    assert report["rule_set"]["id"] == PROGRAMME
    assert after["allowed_actions"] == ["withdraw"]  # the applicant's; the officer's below
    offered = (await client.get(f"{A}/{full['id']}", headers=OLGA)).json()["allowed_actions"]
    assert "approve" in offered and "invite" not in offered
