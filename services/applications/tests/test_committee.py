"""The committee end to end, with the real catalogue, eligibility and budget apps (on SQLite and on
PostgreSQL): a call with 8 eligible applications, 2 assessors each, one returned for completion and
resubmitted, a ranked list crossing the ERDF left on the priority, a session that approves the top ones
(one with conditions), puts the next on the reserve list and rejects the rest, the budget committed to the
cent; an approval reverted, the first reserve project that now fits proposed, approved and committed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ADMIN,
    ALICE,
    OLGA,
    A,
    assess,
    assessed,
    budget_cell,
    create,
    decided,
    delivered,
    editing,
    gron,
    history,
    key,
    open_call,
    record_session,
    return_body,
)
from shared.clock import FixedClock

pytestmark = pytest.mark.usefixtures("backend")

ERDF = Decimal("300000.00")
LEFT = Decimal("1000000.00")
"""The ERDF the test leaves available on priority 1 before the session: three approvals fit, not four."""


def asking(call_id: str, acronym: str, erdf: Decimal = ERDF, *, nok: bool = False) -> dict[str, Any]:
    """Grön industriväxt asking `erdf` (half the Swedish costs); with `nok` the Norwegian side in NOK."""
    body = gron(call_id, acronym=acronym)
    lead, other = body["partners"]
    lead["budget"] = [{"category": "staff", "amount": {"amount": str(2 * erdf), "currency": "EUR"}}]
    lead["financing"] = [
        {"source": "ERDF", "amount": {"amount": str(erdf), "currency": "EUR"}},
        {"source": "own-public", "amount": {"amount": str(erdf), "currency": "EUR"}},
    ]
    if nok:  # 1,500,000.05 NOK at the programme's fixed 10 NOK/EUR: 150,000.005 EUR, committed as 150,000.01
        other["budget"] = [{"category": "staff", "amount": {"amount": "3000001.00", "currency": "NOK"}}]
        other["financing"] = [
            {"source": "NO-STATE", "amount": {"amount": "1500000.05", "currency": "NOK"}},
            {"source": "own-public", "amount": {"amount": "1500000.95", "currency": "NOK"}},
        ]
    return body


async def _money(budget: httpx.AsyncClient) -> tuple[Decimal, Decimal, Decimal]:
    """(ERDF committed, NO-STATE committed, ERDF available) on priority 1."""
    return (
        Decimal(await budget_cell(budget, "ERDF", "1")),
        Decimal(await budget_cell(budget, "NO-STATE", "1")),
        Decimal(await budget_cell(budget, "ERDF", "1", "available")),
    )


async def test_a_call_decided_by_the_committee_against_the_live_budget(
    applications_client: httpx.AsyncClient,
    applications_app: FastAPI,
    applications_clock: FixedClock,
    catalogue_client: httpx.AsyncClient,
    budget_live_client: httpx.AsyncClient,
) -> None:
    client, app, budget = applications_client, applications_app, budget_live_client

    # Another call's project takes the priority's ERDF down to 1,000,000.00.
    _, _, available = await _money(budget)
    other_call = await open_call(catalogue_client)
    filler = (await create(client, asking(other_call, "BIG", available - LEFT)))["id"]
    assert (await assessed(client, app, filler))["status"] == "eligible"
    assert (await decided(client, app, filler, {"decision": "approved"}))["commitment_status"] == "active"
    erdf_0, no_0, available = await _money(budget)
    assert available == LEFT

    # The call: 8 eligible applications; G7 is returned for completion and resubmitted.
    call_id = await open_call(catalogue_client)
    ids = []
    for i in range(8):
        aid = (await create(client, asking(call_id, f"G{i}", nok=i == 1)))["id"]
        assert (await assessed(client, app, aid))["status"] == "eligible"
        ids.append(aid)
    g7 = ids[7]
    r = await client.post(f"{A}/{g7}/return", json=return_body(), headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "returned", r.text
    completed = await client.put(f"{A}/{g7}", json=asking(call_id, "G7b"), headers=await editing(client, f"{A}/{g7}"))
    assert completed.status_code == 200
    r = await client.post(f"{A}/{g7}/submit", json={"answer": "Completed."}, headers={**ALICE, **key()})
    assert r.status_code == 200, r.text
    await delivered(app)
    resubmitted = (await client.get(f"{A}/{g7}", headers=ALICE)).json()
    assert (resubmitted["status"], resubmitted["version"], resubmitted["acronym"]) == ("eligible", 2, "G7b")

    # Two assessors each: totals 5.00, 4.50, 4.00, 3.50, 3.00, 2.50 (below the minimum), 2.00; G7b 4.425.
    marks: list[dict[str, tuple[int, ...]]] = [
        {"anna": (5,), "per": (5,)},
        {"anna": (5,), "per": (4,)},
        {"anna": (4,), "per": (4,)},
        {"anna": (4,), "per": (3,)},
        {"anna": (3,), "per": (3,)},
        {"anna": (3,), "per": (2,)},
        {"anna": (2,), "per": (2,)},
        {"eva": (5, 5, 5, 5, 4), "otto": (4,)},
    ]
    for aid, m in zip(ids, marks, strict=True):
        await assess(client, aid, m)

    r = await client.get("/v1/committee/ranking", params={"call_id": call_id}, headers=OLGA)
    assert r.status_code == 200, r.text
    ranking = r.json()
    order = [ids.index(item["application_id"]) for item in ranking["items"]]
    assert order == [0, 1, 7, 2, 3, 4, 5, 6]
    rows = {ids.index(item["application_id"]): item for item in ranking["items"]}
    assert [rows[i]["score"] for i in order] == ["5.00", "4.50", "4.43", "4.00", "3.50", "3.00", "2.50", "2.00"]
    assert [rows[i]["meets_thresholds"] for i in order] == [True] * 6 + [False] * 2
    assert [rows[i]["fits"] for i in order[:6]] == [True, True, True, False, False, False]

    def erdf_left(item: dict[str, Any]) -> str:
        return next(f["available"]["amount"] for f in item["remaining"] if f["fund"] == "ERDF")

    assert [erdf_left(rows[i]) for i in order[:4]] == ["700000.00", "400000.00", "100000.00", "100000.00"]
    nok_line = next(x for x in rows[1]["requested"] if x["fund"] == "NO-STATE")
    assert nok_line["amount"] == {"amount": "1500000.05", "currency": "NOK"}
    assert nok_line["amount_programme"] == {"amount": "150000.01", "currency": "EUR"}

    # All or none: a session approving the fourth as well does not fit, and records nothing.
    before = [(await client.get(f"{A}/{aid}", headers=OLGA)).json() for aid in ids]
    too_much = [{"application_id": ids[i], "decision": "approved"} for i in (0, 1, 7, 2)]
    r = await record_session(client, call_id, too_much)
    assert r.status_code == 409 and r.json()["type"].endswith("/does-not-fit"), r.text
    assert "ERDF asks 300000.00 EUR, 100000.00 available" in r.json()["detail"]
    assert [(await client.get(f"{A}/{aid}", headers=OLGA)).json() for aid in ids] == before
    below = [{"application_id": ids[5], "decision": "reserve", "reserve_rank": 9}]
    r = await record_session(client, call_id, below)
    assert r.status_code == 409 and r.json()["type"].endswith("/below-quality-threshold"), r.text

    condition = "Kongsvinger's co-financing decision is signed before the project starts."
    decisions = [
        {"application_id": ids[0], "decision": "approved"},
        {"application_id": ids[1], "decision": "approved-with-conditions", "conditions": [condition]},
        {"application_id": ids[7], "decision": "approved"},
        {"application_id": ids[2], "decision": "reserve", "reserve_rank": 1},
        {"application_id": ids[3], "decision": "reserve", "reserve_rank": 2},
        {"application_id": ids[4], "decision": "rejected", "reason": "No money left on the priority."},
        {"application_id": ids[5], "decision": "rejected", "reason": "Below the relevance minimum."},
        {"application_id": ids[6], "decision": "rejected", "reason": "Below the thresholds."},
    ]
    r = await record_session(client, call_id, decisions, minutes="ÖK 2025-03-14 §4")
    assert r.status_code == 201, r.text
    session = r.json()
    assert session["minutes_reference"] == "ÖK 2025-03-14 §4" and r.headers["location"].endswith(session["id"])
    assert [d["decision"] for d in session["decisions"]] == [d["decision"] for d in decisions]
    assert session["decisions"][1]["conditions"] == [condition]
    assert (await client.get(f"/v1/committee/sessions/{session['id']}", headers=OLGA)).json() == session
    await delivered(app)

    statuses = [(await client.get(f"{A}/{aid}", headers=OLGA)).json() for aid in ids]
    assert [s["status"] for s in statuses] == [
        "approved",
        "approved",
        "reserve",
        "reserve",
        "rejected",
        "rejected",
        "rejected",
        "approved",
    ]
    assert all(statuses[i]["commitment_status"] == "active" for i in (0, 1, 7))
    assert (statuses[2]["reserve_rank"], statuses[3]["reserve_rank"]) == (1, 2)
    erdf, no_state, available = await _money(budget)
    assert erdf - erdf_0 == Decimal("900000.00") and available == Decimal("100000.00")
    assert no_state - no_0 == Decimal("150000.00") + Decimal("150000.01") + Decimal("150000.00")
    last = (await history(client, ids[1], OLGA))[-1]
    assert last["action"] == "approve" and "ÖK 2025-03-14 §4" in last["reason"]

    # The condition, fulfilled by an officer.
    conditions = (await client.get(f"{A}/{ids[1]}/conditions", headers=ALICE)).json()["items"]
    assert [(c["number"], c["text"], c["fulfilled_at"]) for c in conditions] == [(1, condition, None)]
    r = await client.post(f"{A}/{ids[1]}/conditions/1/fulfil", json={"note": "Signed."}, headers=OLGA)
    assert r.status_code == 200 and r.json()["fulfilled_by"] == "olga" and r.json()["note"] == "Signed.", r.text
    assert (await client.post(f"{A}/{ids[1]}/conditions/2/fulfil", headers=OLGA)).status_code == 404

    # No reserve project fits yet.
    reserve = (await client.get("/v1/committee/reserve", params={"call_id": call_id}, headers=OLGA)).json()
    assert reserve["proposal"] is None and [x["fits"] for x in reserve["items"]] == [False, False]

    # An admin reverts G0's approval: its money comes back, and G2 (reserve rank 1) is proposed.
    r = await client.post(f"{A}/{ids[0]}/revert", json={"reason": "x"}, headers={**OLGA, **key()})
    assert r.status_code == 403, r.text
    r = await client.post(
        f"{A}/{ids[0]}/revert", json={"reason": "The vote on G0 was void."}, headers={**ADMIN, **key()}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["commitment_status"]) == ("eligible", "releasing")
    await delivered(app)
    assert (await client.get(f"{A}/{ids[0]}", headers=OLGA)).json()["commitment_status"] == "released"
    assert (await _money(budget))[2] == Decimal("400000.00")
    reserve = (await client.get("/v1/committee/reserve", params={"call_id": call_id}, headers=OLGA)).json()
    assert reserve["proposal"] == ids[2]
    assert [(x["application_id"], x["fits"], x["proposed"]) for x in reserve["items"]] == [
        (ids[2], True, True),
        (ids[3], True, False),
    ]
    approved = await decided(client, app, ids[2], {"decision": "approved", "reason": "First on the reserve list."})
    assert approved["status"] == "approved" and approved["commitment_status"] == "active"
    erdf, no_state, available = await _money(budget)
    assert erdf - erdf_0 == Decimal("900000.00") and available == Decimal("100000.00")
    assert no_state - no_0 == Decimal("450000.01")

    # The reserve list ends with a rejection; G0 approved again once G7's approval is reverted too: the
    # same version's second approval is a new commitment, not the released one.
    r = await client.post(
        f"{A}/{ids[3]}/decision", json={"decision": "rejected", "reason": "List closed."}, headers=OLGA
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
    r = await client.post(f"{A}/{ids[7]}/revert", json={"reason": "Withdrawn vote."}, headers={**ADMIN, **key()})
    assert r.status_code == 200, r.text
    await delivered(app)
    again = await decided(client, app, ids[0], {"decision": "approved", "reason": "Decided anew."})
    assert again["commitment_status"] == "active" and again["commitment_id"] != statuses[0]["commitment_id"]
    erdf, _, available = await _money(budget)
    assert erdf - erdf_0 == Decimal("900000.00") and available == Decimal("100000.00")

    # The revert period: 30 days after the approval, no longer.
    applications_clock.advance(dt.timedelta(days=31))
    r = await client.post(f"{A}/{ids[1]}/revert", json={"reason": "Too late."}, headers={**ADMIN, **key()})
    assert r.status_code == 409 and r.json()["type"].endswith("/revert-period-over"), r.text
