"""Sync from the catalogue, reallocations, reconciliation and the admin guards."""

from __future__ import annotations

from decimal import Decimal

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.budget.ledger.reconciliation import differences
from services.budget.models import BudgetBalance
from services.budget.sync import sync_all
from services.budget.tests.helpers import (
    ADMIN,
    APPLICANT,
    APPLICATIONS,
    NMS,
    NORDIC,
    OFFICER,
    SE_NO,
    amount,
    cell,
    commitment,
    key,
    ledger_state,
    money,
    pay_by_claim,
)

PRIORITIES = ("1", "2", "3", "4", "TA")


async def test_sverige_norge_funds_are_allocated_exactly_across_the_five_priorities(budget_client: AsyncClient) -> None:
    r = await budget_client.get(f"/v1/programmes/{SE_NO}/budget")
    assert r.status_code == 200
    report = r.json()
    assert report["currency"] == "EUR"
    assert {(row["fund"], row["priority"]) for row in report["rows"]} == {
        (f, p) for f in ("ERDF", "NO-STATE") for p in PRIORITIES
    }
    erdf = [cell(report, "ERDF", p, "allocated") for p in PRIORITIES]
    assert erdf == [
        Decimal("19740000.00"),
        Decimal("10340000.00"),
        Decimal("9400000.00"),
        Decimal("4230000.00"),
        Decimal("3290000.00"),
    ]
    assert sum(erdf) == Decimal("47000000.00")
    assert sum(cell(report, "NO-STATE", p, "allocated") for p in PRIORITIES) == Decimal("16000000.00")
    assert all(amount(row["committed"]) == 0 and row["available"] == row["allocated"] for row in report["rows"])


async def test_the_action_plan_matrix_is_in_dkk(budget_client: AsyncClient) -> None:
    report = (await budget_client.get(f"/v1/programmes/{NORDIC}/budget")).json()
    assert report["currency"] == "DKK"
    assert {row["allocated"]["currency"] for row in report["rows"]} == {"DKK"}
    assert cell(report, "Nordregio", "1", "allocated") == Decimal("12800000.00")
    assert cell(report, "TG", "10", "allocated") == Decimal("6400000.00")
    assert cell(report, "NORA", "7", "allocated") == Decimal("0.00")
    per_fund = {"Nordregio": "28000000.00", "NORA": "12200000.00", "GK": "9800000.00", "TG": "24000000.00"}
    for fund, total in per_fund.items():
        assert sum(amount(r["allocated"]) for r in report["rows"] if r["fund"] == fund) == Decimal(total)
    assert not any(r["priority"] == "unallocated" for r in report["rows"])


async def test_a_programme_without_shares_gets_a_reserve_that_cannot_be_committed(budget_client: AsyncClient) -> None:
    report = (await budget_client.get(f"/v1/programmes/{NMS}/budget")).json()
    assert [(r["fund"], r["priority"], r["allocated"]["amount"]) for r in report["rows"]] == [
        ("ERDF", "unallocated", "134900000.00")
    ]
    r = await budget_client.post(
        "/v1/commitments",
        json=commitment(NMS, "unallocated", ("ERDF", "100.00", "EUR")),
        headers={**APPLICATIONS, **key()},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "priority"
    # A real priority has nothing until an admin reallocates from the reserve
    r = await budget_client.post(
        "/v1/commitments", json=commitment(NMS, "1", ("ERDF", "100.00", "EUR")), headers={**APPLICATIONS, **key()}
    )
    assert r.status_code == 409 and amount(r.json()["available"]) == 0


async def test_resync_changes_nothing_and_keeps_reallocations(budget_live_app: FastAPI) -> None:
    async with AsyncClient(transport=ASGITransport(budget_live_app), base_url="http://budget") as budget_client:
        await _resync(budget_live_app, budget_client)


async def _resync(budget_app: FastAPI, budget_client: AsyncClient) -> None:
    move = {
        "fund": "ERDF",
        "from_priority": "TA",
        "to_priority": "1",
        "amount": money("90000.00"),
        "reason": "Monitoring committee decision",
    }
    r = await budget_client.post(f"/v1/programmes/{SE_NO}/reallocations", json=move, headers={**ADMIN, **key()})
    assert r.status_code == 201, r.text
    r = await budget_client.put(
        f"/v1/programmes/{SE_NO}/fixed-rates/NOK", json={"units_per_eur": "11.25"}, headers=ADMIN
    )
    assert r.status_code == 200
    before = {p: await ledger_state(budget_app, p) for p in (SE_NO, NMS, NORDIC)}
    report = await sync_all(
        budget_app.state.db,
        budget_app.state.catalogue,
        now=budget_app.state.clock(),
        rate_zone=budget_app.state.settings.rate_zone,
    )
    assert all(not p.funds_created for p in report.programmes)
    se_no = next(p for p in report.programmes if p.programme == SE_NO)
    assert se_no.fixed_rates == {"NOK": "11.25"} and any("admin" in n for n in se_no.notes)
    rates = (await budget_client.get(f"/v1/programmes/{SE_NO}/fixed-rates")).json()["items"]
    assert [(x["currency"], x["units_per_eur"], x["source"]) for x in rates] == [("NOK", "11.25", "admin")]
    assert {p: await ledger_state(budget_app, p) for p in (SE_NO, NMS, NORDIC)} == before
    budget = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget")).json()
    assert cell(budget, "ERDF", "1", "allocated") == Decimal("19830000.00")
    assert cell(budget, "ERDF", "TA", "allocated") == Decimal("3200000.00")
    # The sync endpoint (admin) does the same
    r = await budget_client.post("/v1/sync", headers=ADMIN)
    assert r.status_code == 200 and all(not p["funds_created"] for p in r.json()["programmes"])
    assert {p: await ledger_state(budget_app, p) for p in (SE_NO, NMS, NORDIC)} == before


async def test_reallocation_moves_money_keeps_the_total_and_refuses_more_than_available(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    url = f"/v1/programmes/{NMS}/reallocations"
    body = {
        "fund": "ERDF",
        "from_priority": "unallocated",
        "to_priority": "1",
        "amount": money("80000000.00"),
        "reason": "Programme decision: priority 1",
    }
    idem = key()
    r = await budget_client.post(url, json=body, headers={**ADMIN, **idem})
    assert r.status_code == 201, r.text
    assert [(b["priority"], b["allocated"]["amount"]) for b in r.json()["balances"]] == [
        ("unallocated", "54900000.00"),
        ("1", "80000000.00"),
    ]
    replay = await budget_client.post(url, json=body, headers={**ADMIN, **idem})
    assert replay.status_code == 201 and replay.json() == r.json()
    report = (await budget_client.get(f"/v1/programmes/{NMS}/budget")).json()
    assert sum(amount(row["allocated"]) for row in report["rows"]) == Decimal("134900000.00")
    # Commit some of priority 1, then try to move away more than is left uncommitted
    c = await budget_client.post(
        "/v1/commitments", json=commitment(NMS, "1", ("ERDF", "79000000.00", "EUR")), headers={**APPLICATIONS, **key()}
    )
    assert c.status_code == 201
    back = {**body, "from_priority": "1", "to_priority": "2", "amount": money("1000000.01")}
    r = await budget_client.post(url, json=back, headers={**ADMIN, **key()})
    assert r.status_code == 409
    problem = r.json()
    assert problem["fund"] == "ERDF" and problem["priority"] == "1"
    assert problem["asked"] == money("1000000.01") and problem["available"] == money("1000000.00")
    r = await budget_client.post(url, json={**back, "amount": money("1000000.00")}, headers={**ADMIN, **key()})
    assert r.status_code == 201
    for bad, field in (
        (("fund", "XX"), "fund"),
        (("to_priority", "9"), "to_priority"),
        (("amount", money("1.00", "SEK")), "amount.currency"),
    ):
        r = await budget_client.post(url, json={**body, bad[0]: bad[1]}, headers={**ADMIN, **key()})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
    rec = (await budget_client.get(f"/v1/programmes/{NMS}/budget/reconcile", headers=ADMIN)).json()
    assert rec["consistent"] is True and rec["differences"] == [] and rec["checked_rows"] == 3


CLEAN = {"programme": SE_NO, "consistent": True, "checked_rows": 10, "differences": [], "claim_differences": []}


async def test_reconcile_agrees_after_every_kind_of_movement(budget_client: AsyncClient) -> None:
    ok = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget/reconcile", headers=ADMIN)).json()
    assert ok == {**CLEAN, "checked_claims": 0}
    move = {"fund": "ERDF", "from_priority": "TA", "to_priority": "2", "amount": money("1000.00"), "reason": "x"}
    r = await budget_client.post(f"/v1/programmes/{SE_NO}/reallocations", json=move, headers={**ADMIN, **key()})
    assert r.status_code == 201
    c = await budget_client.post(
        "/v1/commitments", json=commitment(SE_NO, "2", ("ERDF", "500.00", "EUR")), headers={**APPLICATIONS, **key()}
    )
    assert c.status_code == 201
    url = f"/v1/commitments/{c.json()['id']}"
    lines = [{"fund": "ERDF", "amount": money("100.00")}]
    await pay_by_claim(budget_client, c.json()["id"], "ERDF", "100.00")
    r = await budget_client.post(
        f"{url}/release", json={"reason": "x", "lines": lines}, headers={**APPLICATIONS, **key()}
    )
    assert r.status_code == 200
    rec = (await budget_client.get(f"/v1/programmes/{SE_NO}/budget/reconcile", headers=ADMIN)).json()
    assert rec == {**CLEAN, "checked_claims": 1}


def _balance(
    fund: str,
    priority: str,
    allocated: str,
    committed: str = "0",
    released: str = "0",
    paid: str = "0",
    corrected: str = "0",
    recovered: str = "0",
) -> BudgetBalance:
    return BudgetBalance(
        programme="p",
        fund=fund,
        priority=priority,
        currency="EUR",
        allocated=Decimal(allocated),
        committed=Decimal(committed),
        released=Decimal(released),
        paid=Decimal(paid),
        corrected=Decimal(corrected),
        recovered=Decimal(recovered),
    )


def test_reconcile_names_each_balance_that_differs_from_the_ledger() -> None:
    # A stored balance the API cannot produce (its writes move ledger and balance together), so the
    # comparison is tested on rows made in memory.
    ledger = [
        ("ERDF", "1", "allocation", Decimal("100.00")),
        ("ERDF", "1", "reallocation", Decimal("-10.00")),
        ("ERDF", "2", "allocation", Decimal("50.00")),
        ("ERDF", "2", "reallocation", Decimal("10.00")),
        ("ERDF", "2", "commitment", Decimal("30.00")),
        ("ERDF", "2", "release", Decimal("5.00")),
    ]
    agreeing = [_balance("ERDF", "1", "90.00"), _balance("ERDF", "2", "60.00", "30.00", "5.00")]
    assert differences(ledger, agreeing) == (2, [])
    tampered = [_balance("ERDF", "1", "90.01"), _balance("ERDF", "2", "60.00", "30.00", "0")]
    checked, found = differences(ledger, [*tampered, _balance("ERDF", "3", "0")])
    assert checked == 3
    assert [(d.fund, d.priority, d.column, d.balance, d.ledger) for d in found] == [
        ("ERDF", "1", "allocated", Decimal("90.01"), Decimal("90.00")),
        ("ERDF", "2", "released", Decimal("0"), Decimal("5.00")),
    ]
    # A balance with no ledger behind it, and a ledger with no balance row
    checked, found = differences([("TA", "1", "allocation", Decimal("1.00"))], [_balance("ERDF", "1", "2.00")])
    assert [(d.fund, d.column, d.balance, d.ledger) for d in found] == [
        ("ERDF", "allocated", Decimal("2.00"), Decimal("0")),
        ("TA", "allocated", Decimal("0"), Decimal("1.00")),
    ]
    # A correction set off and a recovery lower paid and raise corrected and recovered by as much.
    paid = [
        ("ERDF", "1", "allocation", Decimal("100.00")),
        ("ERDF", "1", "commitment", Decimal("80.00")),
        ("ERDF", "1", "payment", Decimal("50.00")),
        ("ERDF", "1", "correction", Decimal("-5.00")),
        ("ERDF", "1", "recovery", Decimal("-2.00")),
    ]
    assert differences(paid, [_balance("ERDF", "1", "100.00", "80.00", "0", "43.00", "5.00", "2.00")]) == (1, [])
    _, found = differences(paid, [_balance("ERDF", "1", "100.00", "80.00", "0", "43.00", "5.00", "0")])
    assert [(d.column, d.balance, d.ledger) for d in found] == [("recovered", Decimal("0"), Decimal("2.00"))]


async def test_admin_and_officer_guards(budget_client: AsyncClient) -> None:
    move = {"fund": "ERDF", "from_priority": "TA", "to_priority": "1", "amount": money("1.00"), "reason": "x"}
    writes = [
        ("POST", f"/v1/programmes/{SE_NO}/reallocations", move, "admin"),
        ("PUT", "/v1/exchange-rates/NOK/2024-05", {"units_per_eur": "11.2"}, "admin"),
        ("PUT", f"/v1/programmes/{SE_NO}/fixed-rates/NOK", {"units_per_eur": "11.2"}, "admin"),
        ("POST", "/v1/sync", None, "admin"),
        ("GET", f"/v1/programmes/{SE_NO}/budget/reconcile", None, "admin"),
        ("POST", "/v1/commitments", commitment(SE_NO, "1", ("ERDF", "1.00", "EUR")), "officer"),
        ("GET", "/v1/commitments", None, "officer"),
    ]
    for method, url, body, needs in writes:
        r = await budget_client.request(method, url, json=body)
        assert r.status_code == 401, (url, r.status_code)
        assert r.headers["content-type"] == "application/problem+json"
        r = await budget_client.request(method, url, json=body, headers=APPLICANT)
        assert r.status_code == 403, (url, r.status_code)
        if needs == "admin":
            r = await budget_client.request(method, url, json=body, headers=OFFICER)
            assert r.status_code == 403, (url, r.status_code)
    import_ = await budget_client.post(
        "/v1/exchange-rates/import?month=2024-05",
        content=b"ISO code;Rate\nNOK;11\n",
        headers={**OFFICER, "Content-Type": "text/csv"},
    )
    assert import_.status_code == 403
