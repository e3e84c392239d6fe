"""Commitments: all or nothing, 409 naming the fund, idempotency, releases, payments, reads."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from fastapi import FastAPI
from httpx import AsyncClient

from services.budget.tests.helpers import (
    ADMIN,
    APPLICATIONS,
    OFFICER,
    SE_NO,
    cell,
    commitment,
    key,
    ledger_state,
    money,
    pay_by_claim,
)
from services.catalogue.calls import call_id


async def budget(client: AsyncClient, programme: str = SE_NO) -> dict:
    return (await client.get(f"/v1/programmes/{programme}/budget")).json()


async def test_a_commitment_is_made_with_location_and_moves_the_budget(budget_client: AsyncClient) -> None:
    body = commitment(
        SE_NO,
        "1",
        ("ERDF", "390000.00", "EUR"),
        ("NO-STATE", "120000.00", "EUR"),
        so="1B",
    )
    body["reference"] = "SE-NO-2022-0001"
    r = await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    assert r.status_code == 201, r.text
    c = r.json()
    assert r.headers["location"] == f"/v1/commitments/{c['id']}"
    assert c["status"] == "active" and c["specific_objective"] == "1B" and c["reference"] == "SE-NO-2022-0001"
    assert [(ln["fund"], ln["amount"], ln["amount_programme"], ln["rate_source"], ln["rate"]) for ln in c["lines"]] == [
        ("ERDF", money("390000.00"), money("390000.00"), "identity", None),
        ("NO-STATE", money("120000.00"), money("120000.00"), "identity", None),
    ]
    report = await budget(budget_client)
    assert cell(report, "ERDF", "1", "committed") == Decimal("390000.00")
    assert cell(report, "ERDF", "1", "available") == Decimal("19740000.00") - Decimal("390000.00")
    assert cell(report, "NO-STATE", "1", "committed") == Decimal("120000.00")
    got = await budget_client.get(f"/v1/commitments/{c['id']}", headers=APPLICATIONS)
    assert got.status_code == 200 and got.json() == c
    listed = await budget_client.get(
        "/v1/commitments", params={"application_id": body["application_id"]}, headers=ADMIN
    )
    assert listed.json() == {"items": [c], "next_cursor": None}


async def test_all_lines_or_none_and_the_409_names_fund_priority_asked_available(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    before = await ledger_state(budget_app, SE_NO)
    body = commitment(SE_NO, "TA", ("ERDF", "1000.00", "EUR"), ("NO-STATE", "1120000.01", "EUR"))
    r = await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    p = r.json()
    assert p["type"].endswith("/insufficient-funds")
    assert (p["fund"], p["priority"]) == ("NO-STATE", "TA")
    assert p["asked"] == money("1120000.01") and p["available"] == money("1120000.00")
    assert "NO-STATE" in p["detail"] and p["errors"][0]["field"] == "lines.1.amount"
    assert await ledger_state(budget_app, SE_NO) == before


async def test_lines_of_one_fund_add_up(budget_client: AsyncClient) -> None:
    # 3,290,000.00 ERDF in TA: two lines of the same fund must together fit
    body = commitment(SE_NO, "TA", ("ERDF", "3000000.00", "EUR"), ("ERDF", "290000.01", "EUR"))
    assert (
        await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    ).status_code == 409
    body = commitment(SE_NO, "TA", ("ERDF", "3000000.00", "EUR"), ("ERDF", "290000.00", "EUR"))
    assert (
        await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    ).status_code == 201
    assert cell(await budget(budget_client), "ERDF", "TA", "available") == 0


async def test_unknown_codes_are_422_naming_the_field(budget_client: AsyncClient) -> None:
    cases = [
        (commitment("no-such-programme", "1", ("ERDF", "1.00", "EUR")), "programme"),
        (commitment(SE_NO, "9", ("ERDF", "1.00", "EUR")), "priority"),
        (commitment(SE_NO, "1", ("ERDF", "1.00", "EUR"), so="2A"), "specific_objective"),
        (commitment(SE_NO, "1", ("ERDF", "1.00", "EUR"), ("EAFRD", "1.00", "EUR")), "lines.1.fund"),
        (commitment(SE_NO, "unallocated", ("ERDF", "1.00", "EUR")), "priority"),
    ]
    for body, field in cases:
        r = await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
        assert r.status_code == 422, (field, r.text)
        assert r.json()["errors"][0]["field"] == field
    bad = commitment(SE_NO, "1", ("ERDF", "1.001", "EUR"))
    assert (await budget_client.post("/v1/commitments", json=bad, headers=APPLICATIONS)).status_code == 422
    bad = commitment(SE_NO, "1", ("ERDF", "0.00", "EUR"))
    assert (await budget_client.post("/v1/commitments", json=bad, headers=APPLICATIONS)).status_code == 422


async def test_a_replay_returns_the_first_result_and_changes_nothing(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    body = commitment(SE_NO, "2", ("ERDF", "1000.00", "EUR"))
    headers = {**APPLICATIONS, "Idempotency-Key": "approval-123"}
    first = await budget_client.post("/v1/commitments", json=body, headers=headers)
    assert first.status_code == 201
    state = await ledger_state(budget_app, SE_NO)
    again = await budget_client.post("/v1/commitments", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert await ledger_state(budget_app, SE_NO) == state
    other = await budget_client.post(
        "/v1/commitments", json={**body, "lines": [{"fund": "ERDF", "amount": money("2000.00")}]}, headers=headers
    )
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert await ledger_state(budget_app, SE_NO) == state
    assert cell(await budget(budget_client), "ERDF", "2", "committed") == Decimal("1000.00")


async def test_release_whole_or_partial_never_more_than_remains(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    body = commitment(SE_NO, "3", ("ERDF", "600000.00", "EUR"), ("NO-STATE", "200000.00", "EUR"))
    c = (await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})).json()
    url = f"/v1/commitments/{c['id']}/release"
    partial = {"reason": "Budget revision", "lines": [{"fund": "ERDF", "amount": money("100000.00")}]}
    idem = key()
    r = await budget_client.post(url, json=partial, headers={**APPLICATIONS, **idem})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "partially-released"
    assert r.json()["lines"][0]["released"] == money("100000.00")
    assert (await budget_client.post(url, json=partial, headers={**APPLICATIONS, **idem})).json() == r.json()
    report = await budget(budget_client)
    assert cell(report, "ERDF", "3", "committed") == Decimal("500000.00")
    assert cell(report, "ERDF", "3", "available") == Decimal("9400000.00") - Decimal("500000.00")

    too_much = {"reason": "x", "lines": [{"fund": "ERDF", "amount": money("500000.01")}]}
    r = await budget_client.post(url, json=too_much, headers={**APPLICATIONS, **key()})
    assert r.status_code == 409 and r.json()["fund"] == "ERDF" and r.json()["available"] == money("500000.00")
    assert (await budget_client.post(url, json={"lines": None}, headers=APPLICATIONS)).status_code == 422  # no reason
    r = await budget_client.post(
        url,
        json={"reason": "x", "lines": [{"fund": "ERDF", "amount": money("1.00", "NOK")}]},
        headers={**APPLICATIONS, **key()},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines.0.amount.currency"
    # An officer cannot release a project's money beside its application (it would stay approved).
    r = await budget_client.post(url, json={"reason": "Application withdrawn"}, headers={**OFFICER, **key()})
    assert r.status_code == 403 and r.json()["type"].endswith("/project-commitment-by-application-only")

    r = await budget_client.post(url, json={"reason": "Project terminated"}, headers={**APPLICATIONS, **key()})
    assert r.status_code == 200 and r.json()["status"] == "released"
    assert [ln["released"] for ln in r.json()["lines"]] == [money("600000.00"), money("200000.00")]
    before = await ledger_state(budget_app, SE_NO)
    again = await budget_client.post(url, json={"reason": "again"}, headers={**APPLICATIONS, **key()})
    assert again.status_code == 200 and again.json() == r.json()  # nothing remains: nothing again
    assert await ledger_state(budget_app, SE_NO) == before
    report = await budget(budget_client)
    assert cell(report, "ERDF", "3", "committed") == 0 and cell(report, "NO-STATE", "3", "committed") == 0
    rec = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget/reconcile", headers=ADMIN)).json()
    assert rec["consistent"] is True
    missing = await budget_client.post(
        "/v1/commitments/6f1c4a3e-2b1d-4c9e-8f7a-1234567890ab/release",
        json={"reason": "x"},
        headers={**APPLICATIONS, **key()},
    )
    assert missing.status_code == 404


async def test_payments_never_exceed_committed_minus_released_minus_paid(budget_client: AsyncClient) -> None:
    # The secretariat's own commitment (technical assistance) is paid directly; a project's, through its claims.
    body = commitment(SE_NO, "TA", ("ERDF", "100000.00", "EUR"), version=None)
    c = (await budget_client.post("/v1/commitments", json=body, headers={**OFFICER, **key()})).json()
    pay = f"/v1/commitments/{c['id']}/payments"
    r = await budget_client.post(
        pay,
        json={"lines": [{"fund": "ERDF", "amount": money("60000.00")}], "note": "First claim"},
        headers={**OFFICER, **key()},
    )
    assert r.status_code == 200 and r.json()["lines"][0]["paid"] == money("60000.00")
    r = await budget_client.post(
        f"/v1/commitments/{c['id']}/release",
        json={"reason": "Underspend", "lines": [{"fund": "ERDF", "amount": money("30000.00")}]},
        headers={**OFFICER, **key()},
    )
    assert r.status_code == 200
    r = await budget_client.post(
        pay, json={"lines": [{"fund": "ERDF", "amount": money("10000.01")}]}, headers={**OFFICER, **key()}
    )
    assert r.status_code == 409 and r.json()["available"] == money("10000.00")
    before = await budget(budget_client)
    r = await budget_client.post(
        pay, json={"lines": [{"fund": "ERDF", "amount": money("10000.00")}]}, headers={**OFFICER, **key()}
    )
    assert r.status_code == 200 and r.json()["status"] == "released"
    report = await budget(budget_client)
    assert cell(report, "ERDF", "TA", "committed") == cell(before, "ERDF", "TA", "committed")
    assert cell(report, "ERDF", "TA", "paid") - cell(before, "ERDF", "TA", "paid") == Decimal("10000.00")
    r = await budget_client.post(
        pay, json={"lines": [{"fund": "NO-STATE", "amount": money("1.00")}]}, headers={**OFFICER, **key()}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines.0.fund"


async def test_a_project_is_paid_by_claims_never_more_than_committed_minus_released_minus_paid(
    budget_client: AsyncClient,
) -> None:
    body = commitment(SE_NO, "4", ("ERDF", "100000.00", "EUR"))
    c = (await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})).json()
    first = await pay_by_claim(budget_client, c["id"], "ERDF", "60000.00")
    assert first["paid_programme"] == money("60000.00")
    r = await budget_client.post(
        f"/v1/commitments/{c['id']}/release",
        json={"reason": "Underspend", "lines": [{"fund": "ERDF", "amount": money("30000.00")}]},
        headers={**APPLICATIONS, **key()},
    )
    assert r.status_code == 200
    last = await pay_by_claim(budget_client, c["id"], "ERDF", "10000.01")
    assert last["capped"] is True and last["paid_programme"] == money("10000.00")
    now = (await budget_client.get(f"/v1/commitments/{c['id']}", headers=OFFICER)).json()
    assert now["status"] == "released"
    report = await budget(budget_client)
    assert cell(report, "ERDF", "4", "committed") == Decimal("70000.00")
    assert cell(report, "ERDF", "4", "paid") == Decimal("70000.00")


async def test_listing_pages_newest_first(budget_client: AsyncClient) -> None:
    ids = []
    for version in range(1, 6):
        body = commitment(SE_NO, "1", ("ERDF", "10.00", "EUR"), application_id="app-7", version=version)
        ids.append(
            (await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})).json()["id"]
        )
    seen: list[str] = []
    params: dict[str, str | int] = {"application_id": "app-7", "limit": 2, "programme": SE_NO}
    while True:
        page = (await budget_client.get("/v1/commitments", params=params, headers=APPLICATIONS)).json()
        seen += [c["id"] for c in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    # one instant (the fixed clock) for all five: the id breaks the tie, and no page repeats or skips one
    assert len(seen) == 5 and sorted(seen) == sorted(ids)
    assert seen == sorted(ids, reverse=True)


async def test_project_money_is_committed_only_by_the_applications_service(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    before = await ledger_state(budget_app, SE_NO)
    body = commitment(SE_NO, "1", ("ERDF", "1000.00", "EUR"), so="1B")
    r = await budget_client.post("/v1/commitments", json=body, headers={**OFFICER, **key()})
    assert r.status_code == 403 and r.json()["type"].endswith("/project-commitment-by-application-only")
    no_version = {**body, "application_version": None}
    r = await budget_client.post("/v1/commitments", json=no_version, headers={**APPLICATIONS, **key()})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "application_version"
    assert await ledger_state(budget_app, SE_NO) == before
    # Technical assistance funds no projects: the secretariat commits its own spending directly.
    ta = commitment(SE_NO, "TA", ("ERDF", "1000.00", "EUR"), version=None)
    r = await budget_client.post("/v1/commitments", json=ta, headers={**OFFICER, **key()})
    assert r.status_code == 201 and r.json()["application_version"] is None
    released = await budget_client.post(
        f"/v1/commitments/{r.json()['id']}/release", json={"reason": "Procurement cancelled"}, headers=OFFICER
    )
    assert released.status_code == 200 and released.json()["status"] == "released"


async def test_one_active_commitment_per_application_version_whoever_asks(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    body = commitment(SE_NO, "2", ("ERDF", "1000.00", "EUR"), ("NO-STATE", "500.00", "EUR"), so="2A")
    first = await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    assert first.status_code == 201
    state = await ledger_state(budget_app, SE_NO)
    # Another key (another caller's retry, a redelivered message): the existing commitment, 200, nothing moved.
    again = await budget_client.post("/v1/commitments", json=body, headers={**APPLICATIONS, **key()})
    assert again.status_code == 200 and again.json() == first.json()
    assert await ledger_state(budget_app, SE_NO) == state
    other = {**body, "lines": [{"fund": "ERDF", "amount": money("999.00")}]}
    r = await budget_client.post("/v1/commitments", json=other, headers={**APPLICATIONS, **key()})
    assert r.status_code == 409 and r.json()["commitment"] == first.json()["id"]
    # Concurrent requests for a new version: one commitment, the others get it back.
    v2 = {**body, "application_version": 2}
    answers = await asyncio.gather(
        *(budget_client.post("/v1/commitments", json=v2, headers={**APPLICATIONS, **key()}) for _ in range(8))
    )
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    listed = await budget_client.get(
        "/v1/commitments", params={"application_id": body["application_id"]}, headers=ADMIN
    )
    assert len(listed.json()["items"]) == 2
    assert cell(await budget(budget_client), "ERDF", "2", "committed") == Decimal("2000.00")
    # Once released, the version may be committed again (a reverted decision taken anew).
    cid = first.json()["id"]
    r = await budget_client.post(f"/v1/commitments/{cid}/release", json={"reason": "revert"}, headers=APPLICATIONS)
    assert r.status_code == 200
    assert (await budget_client.post("/v1/commitments", json=body, headers=APPLICATIONS)).status_code == 201


async def test_a_keyed_release_is_applied_once_whoever_asks(budget_app: FastAPI, budget_client: AsyncClient) -> None:
    body = commitment(SE_NO, "3", ("ERDF", "5000.00", "EUR"), so="3A")
    c = (await budget_client.post("/v1/commitments", json=body, headers=APPLICATIONS)).json()
    url = f"/v1/commitments/{c['id']}/release"
    part = {"reason": "Ended under budget", "key": "close:v1", "lines": [{"fund": "ERDF", "amount": money("1200.00")}]}
    first = await budget_client.post(url, json=part, headers={**APPLICATIONS, **key()})
    assert first.status_code == 200 and first.json()["lines"][0]["released"] == money("1200.00")
    state = await ledger_state(budget_app, SE_NO)
    again = await budget_client.post(url, json=part, headers={**APPLICATIONS, **key()})
    assert again.status_code == 200 and again.json() == first.json()
    assert await ledger_state(budget_app, SE_NO) == state


async def test_a_commitment_names_a_call_the_catalogue_has(budget_live_client: AsyncClient) -> None:
    unknown = commitment(SE_NO, "1", ("ERDF", "10.00", "EUR"), so="1B", call_id="6f1c4a3e-2b1d-4c9e-8f7a-1234567890ab")
    r = await budget_live_client.post("/v1/commitments", json=unknown, headers={**APPLICATIONS, **key()})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "call_id"
    known = {**unknown, "call_id": str(call_id(SE_NO, "2022-1"))}
    r = await budget_live_client.post("/v1/commitments", json=known, headers={**APPLICATIONS, **key()})
    assert r.status_code == 201 and r.json()["call_id"] == known["call_id"]


async def test_a_technical_assistance_replay_returns_the_first_result_even_when_the_body_now_fails(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    """A commitment without an application version claims its key with its answer, after checking the
    body: a replay still returns the first result, and the key reused with a body that would itself be
    refused (an unknown fund) gets the key's 422, not the body's."""
    body = commitment(SE_NO, "TA", ("ERDF", "100.00", "EUR"), version=None)
    headers = {**OFFICER, "Idempotency-Key": "ta-invoice-7"}
    first = await budget_client.post("/v1/commitments", json=body, headers=headers)
    assert first.status_code == 201, first.text
    state = await ledger_state(budget_app, SE_NO)
    again = await budget_client.post("/v1/commitments", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    other = await budget_client.post(
        "/v1/commitments", json={**body, "lines": [{"fund": "NOPE", "amount": money("1.00")}]}, headers=headers
    )
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    too_much = await budget_client.post(
        "/v1/commitments", json={**body, "lines": [{"fund": "ERDF", "amount": money("999999999.00")}]}, headers=headers
    )
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert await ledger_state(budget_app, SE_NO) == state
    # A refused request records nothing: its key is free for the corrected request.
    key_of_refused = {**OFFICER, "Idempotency-Key": "ta-invoice-8"}
    bad = {**body, "lines": [{"fund": "NOPE", "amount": money("1.00")}]}
    assert (await budget_client.post("/v1/commitments", json=bad, headers=key_of_refused)).status_code == 422
    fixed = await budget_client.post("/v1/commitments", json=body, headers=key_of_refused)
    assert fixed.status_code == 201 and fixed.json()["id"] != first.json()["id"]
