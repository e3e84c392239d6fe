"""Property: for any sequence of commitments, releases and payments (through claims), the balances equal the ledger's sums,
match a simple model of the rules, and never go negative (against the real database, both backends)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.budget.tests.helpers import ADMIN, APPLICATIONS, FIA, FRANK, add_programme, cell, claim_body, ledger_state

FUNDS = {"F1": Decimal("100.00"), "F2": Decimal("50.00")}
cents = st.integers(min_value=1, max_value=6000).map(lambda c: Decimal(c).scaleb(-2))
commit_op = st.tuples(st.just("commit"), st.dictionaries(st.sampled_from(sorted(FUNDS)), cents, min_size=1))
release_op = st.tuples(st.just("release"), st.integers(0, 7), st.sampled_from([None, "F1", "F2"]), cents)
pay_op = st.tuples(st.just("pay"), st.integers(0, 7), st.sampled_from(["F1", "F2"]), cents)
operations = st.lists(st.one_of(commit_op, release_op, pay_op), min_size=1, max_size=12)


def _line(fund: str, amount: Decimal) -> dict[str, Any]:
    return {"fund": fund, "amount": {"amount": str(amount), "currency": "EUR"}}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
async def test_balances_follow_the_ledger_and_never_go_negative(
    budget_app: FastAPI, budget_client: AsyncClient, ops: list[tuple[Any, ...]]
) -> None:
    code = f"prop-{uuid.uuid4().hex[:8]}"
    await add_programme(budget_app, code, funds={f: str(a) for f, a in FUNDS.items()}, shares={"P": "1"})
    committed = dict.fromkeys(FUNDS, Decimal(0))  # net of releases
    paid = dict.fromkeys(FUNDS, Decimal(0))
    open_: list[tuple[str, dict[str, Decimal]]] = []  # commitment id, remaining per fund
    for op in ops:
        if op[0] == "commit":
            asks: dict[str, Decimal] = op[1]
            fits = all(committed[f] + a <= FUNDS[f] for f, a in asks.items())
            body = {
                "programme": code,
                "application_id": str(uuid.uuid4()),
                "application_version": 1,
                "priority": "P",
                "lines": [_line(f, a) for f, a in sorted(asks.items())],
            }
            r = await budget_client.post(
                "/v1/commitments", json=body, headers={**APPLICATIONS, "Idempotency-Key": str(uuid.uuid4())}
            )
            assert r.status_code == (201 if fits else 409), r.text
            if fits:
                for f, a in asks.items():
                    committed[f] += a
                open_.append((r.json()["id"], dict(asks)))
        elif open_:
            _, index, fund, amount = op
            cid, remaining = open_[index % len(open_)]
            if op[0] == "pay":
                # A project is paid through a claim, capped by what remains; authorised and confirmed by two.
                r = await budget_client.post(
                    "/v1/claims", json=claim_body(cid, fund, str(amount)), headers=APPLICATIONS
                )
                if fund not in remaining:
                    assert r.status_code == 422, r.text
                    continue
                assert r.status_code == (201 if remaining[fund] > 0 else 409), r.text
                if r.status_code == 201:
                    claim = r.json()
                    assert Decimal(claim["amount"]["amount"]) == min(amount, remaining[fund])
                    url = f"/v1/claims/{claim['id']}"
                    assert (await budget_client.post(f"{url}/authorisation", headers=FIA)).status_code == 200
                    assert (await budget_client.post(f"{url}/confirmation", headers=FRANK)).status_code == 200
                    remaining[fund] -= Decimal(claim["amount"]["amount"])
                    paid[fund] += Decimal(claim["amount"]["amount"])
                continue
            body = {"reason": "property test"}
            if fund is not None:
                body["lines"] = [_line(fund, amount)]
            r = await budget_client.post(f"/v1/commitments/{cid}/release", json=body, headers=APPLICATIONS)
            if fund is not None and fund not in remaining:
                assert r.status_code == 422, r.text
                continue
            moves = dict(remaining) if fund is None else {fund: amount}
            ok = any(moves.values()) and all(a <= remaining[f] for f, a in moves.items())
            # Releasing "all that remains" when nothing remains is done already: 200, nothing moves.
            done_already = fund is None and not any(moves.values())
            assert r.status_code == (200 if ok or done_already else 409), r.text
            if ok:
                for f, a in moves.items():
                    remaining[f] -= a
                    committed[f] -= a

    report = (await budget_client.get(f"/v1/programmes/{code}/budget")).json()
    for f, allocation in FUNDS.items():
        assert cell(report, f, "P", "committed") == committed[f]
        assert cell(report, f, "P", "paid") == paid[f]
        assert cell(report, f, "P", "available") == allocation - committed[f] >= 0
    _, balances = await ledger_state(budget_app, code)
    assert all(v >= 0 for row in balances for v in row[2:])
    assert all(row[5] <= row[3] - row[4] and row[3] - row[4] <= row[2] for row in balances)
    rec = (await budget_client.get(f"/v1/programmes/{code}/budget/reconcile", headers=ADMIN)).json()
    assert rec["consistent"] is True, rec
