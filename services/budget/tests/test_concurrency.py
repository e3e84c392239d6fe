"""Racing commitments never over-commit: 200 at once through the ASGI app, each request on its own
database connection, twenty rounds on PostgreSQL (row locks in a fixed order) and a smaller race on
SQLite (BEGIN IMMEDIATE serialises writers)."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from decimal import Decimal

from fastapi import FastAPI
from httpx import AsyncClient

from services.budget.tests.helpers import ADMIN, APPLICATIONS, OFFICER, SE_NO, add_programme, cell


async def _round(app: FastAPI, client: AsyncClient, n: int, rng: random.Random) -> None:
    # Each fund is asked for about 9.75 × n in all; the allocation has room for about half of that.
    ALLOCATION = {"F1": Decimal(5 * n).quantize(Decimal("0.01")), "F2": Decimal(3 * n).quantize(Decimal("0.01"))}
    code = f"race-{uuid.uuid4().hex[:8]}"
    await add_programme(app, code, funds={f: str(a) for f, a in ALLOCATION.items()}, shares={"P": "1"})
    bodies = []
    for _ in range(n):
        lines = [
            {"fund": f, "amount": {"amount": f"{rng.randint(100, 2500) / 100:.2f}", "currency": "EUR"}}
            for f in rng.sample(sorted(ALLOCATION), k=rng.choice((1, 2)))
        ]  # funds in random order
        bodies.append(
            {
                "programme": code,
                "application_id": str(uuid.uuid4()),
                "application_version": 1,
                "priority": "P",
                "specific_objective": None,
                "lines": lines,
            }
        )

    async def post(body: dict) -> tuple[int, dict]:
        # No Idempotency-Key: the race is about the balances (keys are tested elsewhere) and keys add four
        # round trips per request to a test that sends 4,000 of them.
        while True:
            r = await client.post("/v1/commitments", json=body, headers=APPLICATIONS)
            if r.status_code != 503:
                return r.status_code, r.json()
            # 200 writers on 30 connections: on a slow machine some wait longer than the pool's timeout and
            # are told to come back, as any client would be. A 503 must have changed nothing: it is sent
            # again without a key, so one that had committed would be listed twice below. No pause before
            # it: the copy waits in the pool's queue again, up to the pool's time-out.
            assert r.json()["type"].endswith("/database-unavailable") and r.headers["retry-after"]

    results = await asyncio.gather(*(post(b) for b in bodies))
    statuses = [s for s, _ in results]
    assert set(statuses) <= {201, 409}, statuses
    ok = [(b, r) for b, (s, r) in zip(bodies, results, strict=True) if s == 201]
    refused = [(b, r) for b, (s, r) in zip(bodies, results, strict=True) if s == 409]
    assert ok and refused, "the allocation must have room for some but not all"
    committed = {
        f: sum((Decimal(ln["amount"]["amount"]) for b, _ in ok for ln in b["lines"] if ln["fund"] == f), Decimal(0))
        for f in ALLOCATION
    }
    report = (await client.get(f"/v1/programmes/{code}/budget")).json()
    for fund, allocation in ALLOCATION.items():
        assert committed[fund] <= allocation  # never over by a cent
        assert cell(report, fund, "P", "committed") == committed[fund]
        assert cell(report, fund, "P", "available") == allocation - committed[fund]
    for _, problem in refused:  # every refusal was right: what it asked is still not available
        assert problem["asked"]["amount"] and Decimal(problem["asked"]["amount"]) > Decimal(
            problem["available"]["amount"]
        )
    listed: list[dict] = []
    params: dict[str, str | int] = {"programme": code, "limit": 500}
    while True:
        page = (await client.get("/v1/commitments", params=params, headers=APPLICATIONS)).json()
        listed += page["items"]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    # each success stored once, as answered; no refusal left a commitment behind
    assert sorted(listed, key=lambda c: c["id"]) == sorted((r for _, r in ok), key=lambda c: c["id"])
    rec = (await client.get(f"/v1/programmes/{code}/budget/reconcile", headers=ADMIN)).json()
    assert rec["consistent"] is True and rec["differences"] == []


async def test_racing_commitments_never_over_commit(
    backend: str, budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    rounds, n = (20, 200) if backend == "postgresql" else (1, 40)
    rng = random.Random(20240515)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)  # 8,000 access-log lines would cost more than the requests
    try:
        for _ in range(rounds):
            await _round(budget_app, budget_client, n, rng)
    finally:
        root.setLevel(level)


async def test_racing_requests_with_one_idempotency_key_commit_once(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    """A client that resends before its first request has answered: every copy gets the one result, and
    the money is committed once (on PostgreSQL the copies wait on the key's claim, not on the balance)."""
    code = f"race-{uuid.uuid4().hex[:8]}"
    await add_programme(budget_app, code, funds={"F1": "100.00"}, shares={"P": "1"})
    body = {
        "programme": code,
        "application_id": str(uuid.uuid4()),
        "application_version": 1,
        "priority": "P",
        "specific_objective": None,
        "lines": [{"fund": "F1", "amount": {"amount": "30.00", "currency": "EUR"}}],
    }
    headers = {**APPLICATIONS, "Idempotency-Key": f"resent-{uuid.uuid4()}"}
    answers = await asyncio.gather(
        *(budget_client.post("/v1/commitments", json=body, headers=headers) for _ in range(8))
    )
    assert [a.status_code for a in answers] == [201] * 8
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 7
    report = (await budget_client.get(f"/v1/programmes/{code}/budget")).json()
    assert cell(report, "F1", "P", "committed") == Decimal("30.00")
    rec = (await budget_client.get(f"/v1/programmes/{code}/budget/reconcile", headers=ADMIN)).json()
    assert rec["consistent"] is True


async def test_racing_copies_of_a_technical_assistance_commitment_commit_once(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    """The same race for a commitment without an application version, whose key is claimed with its
    answer in the statement that takes the room: one commitment, one ledger entry, every copy its answer."""
    before = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget")).json()
    body = {
        "programme": SE_NO,
        "application_id": f"TA-{uuid.uuid4()}",
        "priority": "TA",
        "specific_objective": None,
        "lines": [{"fund": "ERDF", "amount": {"amount": "12.34", "currency": "EUR"}}],
    }
    headers = {**OFFICER, "Idempotency-Key": f"resent-{uuid.uuid4()}"}
    answers = await asyncio.gather(
        *(budget_client.post("/v1/commitments", json=body, headers=headers) for _ in range(8))
    )
    assert [a.status_code for a in answers] == [201] * 8, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 7
    after = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget")).json()
    assert cell(after, "ERDF", "TA", "committed") - cell(before, "ERDF", "TA", "committed") == Decimal("12.34")
    listed = await budget_client.get(
        "/v1/commitments", params={"application_id": body["application_id"]}, headers=ADMIN
    )
    assert len(listed.json()["items"]) == 1
    rec = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget/reconcile", headers=ADMIN)).json()
    assert rec["consistent"] is True


async def test_racing_technical_assistance_commitments_with_keys_never_over_commit_and_a_refusal_keeps_no_key(
    budget_client: AsyncClient, budget_app: FastAPI
) -> None:
    """Commitments of one fund without an application version, each with its own key, racing for a
    balance with room for about half of them. On PostgreSQL each is one statement that is its own
    transaction: its key's claim, the room and the rows. A refused one (409) must leave no claim behind:
    its retry with the same key is tried again (409 again; a 201 once room is freed), never a replay of
    an answer that was not given."""
    code = f"ta-race-{uuid.uuid4().hex[:8]}"
    await add_programme(budget_app, code, funds={"F1": "100.00"}, shares={"TA": "1"}, technical=("TA",))
    rng = random.Random(7)
    requests = [
        (
            {
                "programme": code,
                "application_id": f"TA-{i}",
                "priority": "TA",
                "specific_objective": None,
                "lines": [
                    {"fund": "F1", "amount": {"amount": f"{rng.randint(200, 800) / 100:.2f}", "currency": "EUR"}}
                ],
            },
            {**OFFICER, "Idempotency-Key": f"ta-{uuid.uuid4()}"},
        )
        for i in range(30)
    ]
    answers = await asyncio.gather(*(budget_client.post("/v1/commitments", json=b, headers=h) for b, h in requests))
    statuses = [a.status_code for a in answers]
    assert set(statuses) == {201, 409}, [a.text for a in answers if a.status_code not in (201, 409)]
    made = [(r, a.json()) for r, a in zip(requests, answers, strict=True) if a.status_code == 201]
    refused = [r for r, a in zip(requests, answers, strict=True) if a.status_code == 409]
    committed = sum(Decimal(b["lines"][0]["amount"]["amount"]) for (b, _), _ in made)
    report = (await budget_client.get(f"/v1/programmes/{code}/budget")).json()
    assert committed <= Decimal("100.00") and cell(report, "F1", "TA", "committed") == committed

    for (body, headers), first in made:  # a made one's retry replays it
        again = await budget_client.post("/v1/commitments", json=body, headers=headers)
        assert again.status_code == 201 and again.json()["id"] == first["id"]
        assert again.headers.get("idempotent-replayed") == "true"
    for body, headers in refused:  # a refused one's retry is tried again: still no room
        again = await budget_client.post("/v1/commitments", json=body, headers=headers)
        assert again.status_code == 409 and again.headers.get("idempotent-replayed") is None

    def amount(body: dict) -> Decimal:
        return Decimal(body["lines"][0]["amount"]["amount"])

    body, headers = min(refused, key=lambda r: amount(r[0]))
    room = Decimal("100.00") - committed
    for (made_body, _), first in sorted(made, key=lambda m: -amount(m[0][0])):  # free room, largest first
        if room >= amount(body):
            break
        released = await budget_client.post(
            f"/v1/commitments/{first['id']}/release", json={"reason": "room for the test"}, headers=OFFICER
        )
        assert released.status_code == 200, released.text
        room += amount(made_body)
    retried = await budget_client.post("/v1/commitments", json=body, headers=headers)
    assert retried.status_code == 201 and retried.headers.get("idempotent-replayed") is None
    rec = (await budget_client.get(f"/v1/programmes/{code}/budget/reconcile", headers=ADMIN)).json()
    assert rec["consistent"] is True and rec["differences"] == []
