"""Payment claims through the API: made by the applications service once per key and capped by what
remains, authorised and confirmed by two finance officers, paid exactly once on the ledger (retries and
races included), held through a release, and reconciled with the ledger."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from services.budget.ledger.reconciliation import claim_differences
from services.budget.tests.helpers import (
    ADMIN,
    APPLICATIONS,
    FIA,
    FRANK,
    OFFICER,
    SE_NO,
    amount,
    cell,
    claim_body,
    commitment,
    key,
    ledger_state,
    money,
)
from tests.harness import auth

PROBLEM = "application/problem+json"


async def committed(client: AsyncClient, *lines: tuple[str, str, str], priority: str = "1") -> dict[str, Any]:
    """A project's commitment, made as the applications service makes it at approval."""
    r = await client.post(
        "/v1/commitments",
        json=commitment(SE_NO, priority, *lines, so=f"{priority}B"),
        headers={**APPLICATIONS, **key()},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def claimed(client: AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/v1/claims", json=body, headers={**APPLICATIONS, **key()})
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/v1/claims/{r.json()['id']}"
    return dict(r.json())


async def paid(client: AsyncClient, claim_id: str) -> dict[str, Any]:
    """Authorised by Fia, confirmed by Frank."""
    r = await client.post(f"/v1/claims/{claim_id}/authorisation", headers={**FIA, **key()})
    assert r.status_code == 200 and r.json()["status"] == "authorised", r.text
    r = await client.post(f"/v1/claims/{claim_id}/confirmation", headers={**FRANK, **key()})
    assert r.status_code == 200 and r.json()["status"] == "paid", r.text
    return dict(r.json())


async def report(client: AsyncClient) -> dict[str, Any]:
    return dict((await client.get(f"/v1/programmes/{SE_NO}/budget")).json())


def line(c: dict[str, Any], fund: str) -> dict[str, Any]:
    return next(ln for ln in c["lines"] if ln["fund"] == fund)


def remainder(c: dict[str, Any], fund: str) -> Decimal:
    ln = line(c, fund)
    return amount(ln["amount_programme"]) - amount(ln["released"]) - amount(ln["paid"])


async def reconciled(client: AsyncClient) -> dict[str, Any]:
    rec = (await client.get(f"/v1/programmes/{SE_NO}/budget/reconcile", headers=ADMIN)).json()
    assert rec["consistent"] is True and rec["claim_differences"] == [], rec
    return dict(rec)


async def test_claims_of_both_funds_are_capped_paid_with_four_eyes_and_move_the_report(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    c = await committed(budget_client, ("ERDF", "390000.00", "EUR"), ("NO-STATE", "2500000.00", "NOK"))
    cid = c["id"]
    before = await report(budget_client)
    erdf_body = claim_body(cid, "ERDF", "65000.00", "EUR", co_financing_rate="0.65")
    erdf = await claimed(budget_client, erdf_body)
    assert (erdf["amount"], erdf["asked"], erdf["capped"], erdf["status"]) == (
        money("65000.00"),
        money("65000.00"),
        False,
        "submitted",
    )
    assert erdf["application_id"] == c["application_id"] and erdf["priority"] == "1"
    # The same key and figures: the same claim (200); other figures: 409; neither makes a second claim.
    again = await budget_client.post("/v1/claims", json=erdf_body, headers=APPLICATIONS)
    assert again.status_code == 200 and again.json()["id"] == erdf["id"]
    other = await budget_client.post("/v1/claims", json={**erdf_body, "period": 2}, headers=APPLICATIONS)
    assert other.status_code == 409 and other.headers["content-type"] == PROBLEM
    assert other.json()["claim_id"] == erdf["id"]
    # NO-STATE is claimed in NOK, its line's currency; in EUR it is a 422 naming the currency.
    wrong = await budget_client.post(
        "/v1/claims", json=claim_body(cid, "NO-STATE", "10.00", "EUR"), headers=APPLICATIONS
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "amount.currency"
    nok = await claimed(budget_client, claim_body(cid, "NO-STATE", "250000.00", "NOK"))
    assert nok["amount"] == money("250000.00", "NOK") and nok["capped"] is False
    # A claim asking more than remains is capped: 390 000 − 65 000 held by the first claim.
    big = await claimed(budget_client, claim_body(cid, "ERDF", "400000.00", "EUR", period=2))
    assert (big["amount"], big["asked"], big["capped"]) == (money("325000.00"), money("400000.00"), True)
    nothing = await budget_client.post("/v1/claims", json=claim_body(cid, "ERDF", "1.00", "EUR"), headers=APPLICATIONS)
    assert nothing.status_code == 409 and nothing.json()["available"] == money("0.00")

    # Four eyes: the authoriser's own confirmation is a 403; a confirmation before authorisation a 409.
    early = await budget_client.post(f"/v1/claims/{erdf['id']}/confirmation", headers=FRANK)
    assert early.status_code == 409 and early.json()["state"] == "submitted"
    r = await budget_client.post(f"/v1/claims/{erdf['id']}/authorisation", headers={**FIA, **key()})
    assert r.status_code == 200 and r.json()["authorised_by"] == "fia-finance"
    own = await budget_client.post(f"/v1/claims/{erdf['id']}/confirmation", headers={**FIA, **key()})
    assert own.status_code == 403 and own.headers["content-type"] == PROBLEM
    retry = {**FRANK, **key()}
    done = await budget_client.post(f"/v1/claims/{erdf['id']}/confirmation", headers=retry)
    assert done.status_code == 200, done.text
    erdf_paid = done.json()
    assert (erdf_paid["status"], erdf_paid["confirmed_by"], erdf_paid["paid_programme"]) == (
        "paid",
        "frank-finance",
        money("65000.00"),
    )
    assert erdf_paid["authorised_at"] is not None and erdf_paid["confirmed_at"] is not None
    entries, _ = await ledger_state(budget_app, SE_NO)
    # A retry with its key replays the answer; a second confirmation without one is a 409: paid once.
    replay = await budget_client.post(f"/v1/claims/{erdf['id']}/confirmation", headers=retry)
    assert replay.status_code == 200 and replay.json() == erdf_paid
    second = await budget_client.post(f"/v1/claims/{erdf['id']}/confirmation", headers={**FRANK, **key()})
    assert second.status_code == 409 and second.json()["state"] == "paid"
    assert (await ledger_state(budget_app, SE_NO))[0] == entries

    nok_paid = await paid(budget_client, nok["id"])
    assert nok_paid["paid_programme"] == money("25000.00")  # 250 000 NOK at the programme's fixed 10.0000
    after = await report(budget_client)
    assert cell(after, "ERDF", "1", "paid") - cell(before, "ERDF", "1", "paid") == Decimal("65000.00")
    assert cell(after, "NO-STATE", "1", "paid") - cell(before, "NO-STATE", "1", "paid") == Decimal("25000.00")
    now = (await budget_client.get(f"/v1/commitments/{cid}", headers=OFFICER)).json()
    assert remainder(c, "ERDF") - remainder(now, "ERDF") == Decimal("65000.00")
    assert remainder(c, "NO-STATE") - remainder(now, "NO-STATE") == Decimal("25000.00")
    rec = await reconciled(budget_client)
    assert rec["checked_claims"] == 2


async def test_unknown_released_and_technical_assistance_commitments_and_callers(budget_client: AsyncClient) -> None:
    missing = claim_body(str(uuid.uuid4()), "ERDF", "10.00", "EUR")
    r = await budget_client.post("/v1/claims", json=missing, headers=APPLICATIONS)
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    c = await committed(budget_client, ("ERDF", "1000.00", "EUR"))
    r = await budget_client.post("/v1/claims", json=claim_body(c["id"], "ERDF", "10.00", "EUR"), headers=OFFICER)
    assert r.status_code == 403  # only the applications service claims
    r = await budget_client.post(
        "/v1/claims", json=claim_body(c["id"], "NO-STATE", "10.00", "NOK"), headers=APPLICATIONS
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "fund"
    bad_rate = claim_body(c["id"], "ERDF", "10.00", "EUR", co_financing_rate="1.5")
    r = await budget_client.post("/v1/claims", json=bad_rate, headers=APPLICATIONS)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "co_financing_rate"
    r = await budget_client.post(
        f"/v1/commitments/{c['id']}/release", json={"reason": "Withdrawn"}, headers={**APPLICATIONS, **key()}
    )
    assert r.status_code == 200 and r.json()["status"] == "released"
    r = await budget_client.post("/v1/claims", json=claim_body(c["id"], "ERDF", "10.00", "EUR"), headers=APPLICATIONS)
    assert r.status_code == 409 and r.json()["type"].endswith("/commitment-released")
    ta = await budget_client.post(
        "/v1/commitments",
        json=commitment(SE_NO, "TA", ("ERDF", "500.00", "EUR"), version=None),
        headers={**OFFICER, **key()},
    )
    assert ta.status_code == 201, ta.text
    r = await budget_client.post(
        "/v1/claims", json=claim_body(ta.json()["id"], "ERDF", "1.00", "EUR"), headers=APPLICATIONS
    )
    assert r.status_code == 409 and r.json()["type"].endswith("/not-a-project-commitment")
    assert (await budget_client.get(f"/v1/claims/{uuid.uuid4()}", headers=FIA)).status_code == 404


async def test_a_project_is_paid_through_claims_and_technical_assistance_directly(budget_client: AsyncClient) -> None:
    c = await committed(budget_client, ("ERDF", "1000.00", "EUR"))
    pay = {"lines": [{"fund": "ERDF", "amount": money("100.00")}]}
    r = await budget_client.post(f"/v1/commitments/{c['id']}/payments", json=pay, headers={**OFFICER, **key()})
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    assert r.json()["claims"] == f"/v1/claims?commitment_id={c['id']}"
    ta = await budget_client.post(
        "/v1/commitments",
        json=commitment(SE_NO, "TA", ("ERDF", "500.00", "EUR"), version=None),
        headers={**OFFICER, **key()},
    )
    r = await budget_client.post(f"/v1/commitments/{ta.json()['id']}/payments", json=pay, headers={**OFFICER, **key()})
    assert r.status_code == 200 and line(r.json(), "ERDF")["paid"] == money("100.00")
    await reconciled(budget_client)  # the secretariat's own payments are not claims: no difference


async def test_a_release_keeps_what_unpaid_claims_hold_and_releases_exactly_the_rest(
    budget_client: AsyncClient,
) -> None:
    c = await committed(budget_client, ("ERDF", "1000.00", "EUR"), ("NO-STATE", "2000.00", "NOK"))
    first = await claimed(budget_client, claim_body(c["id"], "ERDF", "300.00", "EUR"))
    await paid(budget_client, first["id"])
    held = await claimed(budget_client, claim_body(c["id"], "ERDF", "200.00", "EUR", period=2, final=True))
    r = await budget_client.post(f"/v1/claims/{held['id']}/authorisation", headers={**FIA, **key()})
    assert r.status_code == 200
    nok = await claimed(budget_client, claim_body(c["id"], "NO-STATE", "500.00", "NOK"))
    # Partly: no more than committed − released − paid − held.
    too_much = {"reason": "x", "lines": [{"fund": "ERDF", "amount": money("500.01")}]}
    r = await budget_client.post(f"/v1/commitments/{c['id']}/release", json=too_much, headers={**APPLICATIONS, **key()})
    assert r.status_code == 409 and r.json()["available"] == money("500.00")
    # Closure: all that remains, the unpaid claims' amounts held back.
    r = await budget_client.post(
        f"/v1/commitments/{c['id']}/release", json={"reason": "Closed"}, headers={**APPLICATIONS, **key()}
    )
    assert r.status_code == 200, r.text
    closed = r.json()
    assert line(closed, "ERDF")["released"] == money("500.00") and remainder(closed, "ERDF") == Decimal("200.00")
    assert line(closed, "ERDF")["held"] == money("200.00") and line(closed, "NO-STATE")["held"] == money("50.00")
    assert line(closed, "NO-STATE")["released"] == money("150.00")  # 200 EUR less the 500 NOK claim's 50 EUR
    assert closed["status"] == "partially-released"
    again = await budget_client.post(
        f"/v1/commitments/{c['id']}/release", json={"reason": "Closed"}, headers={**APPLICATIONS, **key()}
    )
    assert again.status_code == 200 and again.json() == closed  # nothing more to release
    r = await budget_client.post(f"/v1/claims/{held['id']}/confirmation", headers={**FRANK, **key()})
    assert r.status_code == 200 and r.json()["paid_programme"] == money("200.00")
    last = await paid(budget_client, nok["id"])
    assert last["paid_programme"] == money("50.00")
    end = (await budget_client.get(f"/v1/commitments/{c['id']}", headers=OFFICER)).json()
    assert end["status"] == "released" and remainder(end, "ERDF") == 0 and remainder(end, "NO-STATE") == 0
    assert line(end, "ERDF")["paid"] == money("500.00") and line(end, "ERDF")["held"] == money("0.00")
    await reconciled(budget_client)


async def test_a_claim_held_through_a_closure_pays_the_rest_of_its_line_to_the_cent(budget_client: AsyncClient) -> None:
    # 1000.05 NOK at the fixed 10.0000 is 100.01 EUR; amounts whose conversions round.
    c = await committed(budget_client, ("NO-STATE", "1000.05", "NOK"))
    for asked in ("111.15", "222.25"):
        await paid(budget_client, (await claimed(budget_client, claim_body(c["id"], "NO-STATE", asked, "NOK")))["id"])
    last = await claimed(budget_client, claim_body(c["id"], "NO-STATE", "500.00", "NOK", final=True))
    r = await budget_client.post(f"/v1/claims/{last['id']}/authorisation", headers={**FIA, **key()})
    assert r.status_code == 200
    r = await budget_client.post(
        f"/v1/commitments/{c['id']}/release", json={"reason": "Closed"}, headers={**APPLICATIONS, **key()}
    )
    closed = r.json()
    assert r.status_code == 200 and remainder(closed, "NO-STATE") == amount(line(closed, "NO-STATE")["held"]) > 0
    r = await budget_client.post(f"/v1/claims/{last['id']}/confirmation", headers={**FRANK, **key()})
    assert r.status_code == 200, r.text
    end = (await budget_client.get(f"/v1/commitments/{c['id']}", headers=OFFICER)).json()
    assert remainder(end, "NO-STATE") == 0 and end["status"] == "released"
    await reconciled(budget_client)


async def test_racing_confirmations_of_many_claims_on_one_line_pay_each_once_and_never_more(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    c = await committed(budget_client, ("ERDF", "1000.00", "EUR"), ("NO-STATE", "100.00", "NOK"))
    erdf = [await claimed(budget_client, claim_body(c["id"], "ERDF", "50.00", "EUR")) for _ in range(20)]
    nok = [await claimed(budget_client, claim_body(c["id"], "NO-STATE", a, "NOK")) for a in ("33.33", "33.33", "33.34")]
    every = erdf + nok
    for claim in every:
        assert (await budget_client.post(f"/v1/claims/{claim['id']}/authorisation", headers=FIA)).status_code == 200
    entries, _ = await ledger_state(budget_app, SE_NO)

    async def confirm(claim_id: str) -> int:
        return (await budget_client.post(f"/v1/claims/{claim_id}/confirmation", headers=FRANK)).status_code

    # Every claim confirmed twice at once: one 200 and one 409 each, never a 500.
    statuses = await asyncio.gather(*(confirm(cl["id"]) for cl in every for _ in range(2)))
    for i in range(len(every)):
        assert sorted(statuses[2 * i : 2 * i + 2]) == [200, 409], statuses
    assert (await ledger_state(budget_app, SE_NO))[0] == entries + len(every)
    end = (await budget_client.get(f"/v1/commitments/{c['id']}", headers=OFFICER)).json()
    assert line(end, "ERDF")["paid"] == money("1000.00")
    assert line(end, "NO-STATE")["paid"] == money("10.00")  # the line's programme amount, to the cent
    page = (
        await budget_client.get("/v1/claims", params={"commitment_id": c["id"], "status": "paid"}, headers=FIA)
    ).json()
    assert len(page["items"]) == 23
    total = sum((amount(cl["paid_programme"]) for cl in page["items"]), Decimal(0))
    assert total == Decimal("1010.00")
    await reconciled(budget_client)


async def test_claims_list_pages_and_filters_for_officers_finance_and_admins(budget_client: AsyncClient) -> None:
    c = await committed(budget_client, ("ERDF", "1000.00", "EUR"), ("NO-STATE", "1000.00", "NOK"))
    ids = [(await claimed(budget_client, claim_body(c["id"], "ERDF", "10.00", "EUR")))["id"] for _ in range(3)]
    nok = await claimed(budget_client, claim_body(c["id"], "NO-STATE", "10.00", "NOK"))
    await paid(budget_client, ids[0])
    seen: list[str] = []
    params: dict[str, Any] = {"commitment_id": c["id"], "limit": 2}
    while True:
        page = (await budget_client.get("/v1/claims", params=params, headers=OFFICER)).json()
        seen += [cl["id"] for cl in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert sorted(seen) == sorted([*ids, nok["id"]]) and len(seen) == 4
    by_fund = (
        await budget_client.get("/v1/claims", params={"fund": "NO-STATE", "programme": SE_NO}, headers=ADMIN)
    ).json()
    assert [cl["id"] for cl in by_fund["items"]] == [nok["id"]]
    by_status = (await budget_client.get("/v1/claims", params={"status": "paid"}, headers=FIA)).json()
    assert [cl["id"] for cl in by_status["items"]] == [ids[0]]
    one = (await budget_client.get(f"/v1/claims/{ids[0]}", headers=FRANK)).json()
    assert (one["authorised_by"], one["confirmed_by"]) == ("fia-finance", "frank-finance")
    assert (await budget_client.get("/v1/claims", params={"status": "lost"}, headers=FIA)).status_code == 422
    assert (await budget_client.get("/v1/claims", headers=auth("applicant", "arne"))).status_code == 403
    assert (await budget_client.post(f"/v1/claims/{ids[1]}/authorisation", headers=OFFICER)).status_code == 403


def test_claim_differences_name_commitment_fund_and_both_figures() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    checked, found = claim_differences(
        {(a, "ERDF"): Decimal("100.00"), (b, "ERDF"): Decimal("5.00")},
        {(a, "ERDF"): Decimal("100.00"), (b, "NO-STATE"): Decimal("7.00")},
    )
    assert checked == 3
    assert sorted((d.commitment_id, d.fund, d.ledger_paid, d.claims_paid) for d in found) == sorted(
        [(b, "ERDF", Decimal("5.00"), Decimal(0)), (b, "NO-STATE", Decimal(0), Decimal("7.00"))]
    )


async def test_metrics_show_paid_and_claims_per_status(budget_client: AsyncClient) -> None:
    c = await committed(budget_client, ("ERDF", "1000.00", "EUR"))
    await paid(budget_client, (await claimed(budget_client, claim_body(c["id"], "ERDF", "10.00", "EUR")))["id"])
    await claimed(budget_client, claim_body(c["id"], "ERDF", "10.00", "EUR"))
    text = (await budget_client.get("/metrics")).text
    assert f'interreg_budget_claims{{fund="ERDF",programme="{SE_NO}",status="paid"}} 1.0' in text
    assert f'interreg_budget_claims{{fund="ERDF",programme="{SE_NO}",status="submitted"}} 1.0' in text
    assert f'interreg_budget_paid{{currency="EUR",fund="ERDF",priority="1",programme="{SE_NO}"}} 10.0' in text
