"""Corrections of paid claims through the API: recorded by an officer on a paid claim, set off against the
next claim on the same commitment and fund (that claim pays exactly that much less, paid falls by it on the
ledger), or recovered from the owner (paid falls when the money comes back, settled by a second person;
on a released commitment the fund's available figure rises by it); the reconciler agrees throughout."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from services.budget.tests.helpers import (
    ADMIN,
    APPLICATIONS,
    FIA,
    OFFICER,
    amount,
    cell,
    claim_body,
    key,
    money,
    pay_by_claim,
)
from services.budget.tests.test_claims import committed, line, paid, reconciled, remainder, report
from tests.harness import auth
from tests.receiver import receiving

PROBLEM = "application/problem+json"
OTTO = auth("officer", "otto-officer")
"""A second officer: settles what Olga recorded (four eyes)."""


async def corrected(client: AsyncClient, claim_id: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(f"/v1/claims/{claim_id}/corrections", json=body, headers={**OFFICER, **key()})
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/v1/corrections/{r.json()['id']}"
    return dict(r.json())


def set_off(value: str, currency: str = "EUR") -> dict[str, Any]:
    return {
        "amount": money(value, currency),
        "typology": "public-procurement",
        "origin": "audit",
        "effect": "next-claim",
    }


def recovery(value: str, currency: str = "EUR", **extra: Any) -> dict[str, Any]:
    return {
        "amount": money(value, currency),
        "typology": "ineligible-cost",
        "origin": "commission",
        "flags": ["fraud-suspected"],
        "effect": "recovery",
        "due_date": "2027-03-31",
        **extra,
    }


async def test_a_correction_set_against_the_next_erdf_claim_makes_it_smaller_by_exactly_that(
    budget_client: AsyncClient,
) -> None:
    c = await committed(budget_client, ("ERDF", "390000.00", "EUR"))
    cid = c["id"]
    unpaid = await budget_client.post("/v1/claims", json=claim_body(cid, "ERDF", "100000.00"), headers=APPLICATIONS)
    first_id = unpaid.json()["id"]
    # Only a paid claim is corrected.
    r = await budget_client.post(f"/v1/claims/{first_id}/corrections", json=set_off("12345.67"), headers=OFFICER)
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM and r.json()["state"] == "submitted"
    first = await paid(budget_client, first_id)
    before = await report(budget_client)
    # Bad figures are 422s naming the field; finance does not record corrections; nothing is stored.
    for body, field in (
        (set_off("100000.01"), "amount"),
        (set_off("10.00", "NOK"), "amount.currency"),
        ({**set_off("10.00"), "due_date": "2027-01-31"}, "due_date"),
        ({**recovery("10.00"), "due_date": None}, "due_date"),
    ):
        r = await budget_client.post(f"/v1/claims/{first['id']}/corrections", json=body, headers=OFFICER)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    r = await budget_client.post(
        f"/v1/claims/{first['id']}/corrections", json={**set_off("1"), "origin": "x"}, headers=OFFICER
    )
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert (
        await budget_client.post(f"/v1/claims/{first['id']}/corrections", json=set_off("1.00"), headers=FIA)
    ).status_code == 403
    assert (await budget_client.get(f"/v1/corrections?claim_id={first['id']}", headers=OFFICER)).json()["items"] == []

    correction = await corrected(budget_client, first["id"], set_off("12345.67"))
    assert (correction["status"], correction["amount"], correction["amount_programme"]) == (
        "open",
        money("12345.67"),
        money("12345.67"),
    )
    assert (correction["origin"], correction["typology"], correction["recorded_by"]) == (
        "audit",
        "public-procurement",
        "olga-officer",
    )
    # A set-off is not settled by hand: it is settled by the next claim's payment.
    r = await budget_client.post(
        f"/v1/corrections/{correction['id']}/settlement", json={"received_on": "2027-01-15"}, headers=FIA
    )
    assert r.status_code == 409 and r.json()["state"] == "open"
    assert cell(await report(budget_client), "ERDF", "1", "paid") == cell(before, "ERDF", "1", "paid")

    # The next claim holds the correction: it pays 80 000.00 − 12 345.67.
    second = (
        await budget_client.post("/v1/claims", json=claim_body(cid, "ERDF", "80000.00", period=2), headers=APPLICATIONS)
    ).json()
    assert (second["amount"], second["deducted"], second["payable"]) == (
        money("80000.00"),
        money("12345.67"),
        money("67654.33"),
    )
    got = (await budget_client.get(f"/v1/corrections/{correction['id']}", headers=FIA)).json()
    assert (got["status"], got["set_off_claim_id"]) == ("set-off", second["id"])
    left_before = remainder((await budget_client.get(f"/v1/commitments/{cid}", headers=OFFICER)).json(), "ERDF")
    done = await paid(budget_client, second["id"])
    assert done["paid_programme"] == money("80000.00") and done["payable"] == money("67654.33")
    after = await report(budget_client)
    assert cell(after, "ERDF", "1", "paid") - cell(before, "ERDF", "1", "paid") == Decimal("67654.33")
    assert cell(after, "ERDF", "1", "corrected") - cell(before, "ERDF", "1", "corrected") == Decimal("12345.67")
    assert cell(after, "ERDF", "1", "recovered") == cell(before, "ERDF", "1", "recovered")
    now = (await budget_client.get(f"/v1/commitments/{cid}", headers=OFFICER)).json()
    assert left_before - remainder(now, "ERDF") == Decimal("67654.33")
    assert amount(line(now, "ERDF")["paid"]) == Decimal("100000.00") + Decimal("67654.33")
    settled = (await budget_client.get(f"/v1/corrections?commitment_id={cid}", headers=OFFICER)).json()["items"]
    assert [(s["id"], s["status"], s["settled_by"]) for s in settled] == [
        (correction["id"], "settled", "frank-finance")
    ]
    # The next claim after it holds nothing: a correction is set off once.
    third = await pay_by_claim(budget_client, cid, "ERDF", "1000.00")
    assert (third["deducted"], third["payable"], third["paid_programme"]) == (None, None, money("1000.00"))
    # The claim cannot be corrected beyond what it paid: 100 000.00 − 12 345.67 remain correctable.
    r = await budget_client.post(f"/v1/claims/{first['id']}/corrections", json=set_off("87654.34"), headers=OFFICER)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount"
    await reconciled(budget_client)


async def test_a_recovery_lowers_paid_when_the_money_comes_back_settled_by_a_second_person(
    budget_client: AsyncClient,
) -> None:
    c = await committed(budget_client, ("ERDF", "390000.00", "EUR"), ("NO-STATE", "2500000.00", "NOK"))
    cid = c["id"]
    claim = await pay_by_claim(budget_client, cid, "NO-STATE", "250000.00", "NOK")
    assert claim["paid_programme"] == money("25000.00")  # at the programme's fixed 10.0000 NOK per EUR
    before = await report(budget_client)
    order = await corrected(budget_client, claim["id"], recovery("50000.00", "NOK"))
    assert (order["status"], order["amount"], order["amount_programme"], order["flags"], order["due_date"]) == (
        "open",
        money("50000.00", "NOK"),
        money("5000.00"),  # at the claim's own proportion: 25 000.00 EUR for 250 000.00 NOK
        ["fraud-suspected"],
        "2027-03-31",
    )
    # Recording it moves no money: only its settlement does, and not by the officer who recorded it.
    assert cell(await report(budget_client), "NO-STATE", "1", "paid") == cell(before, "NO-STATE", "1", "paid")
    body = {"received_on": "2027-03-14", "reference": "bank statement 42"}
    own = await budget_client.post(f"/v1/corrections/{order['id']}/settlement", json=body, headers={**OFFICER, **key()})
    assert own.status_code == 403 and own.headers["content-type"] == PROBLEM
    assert own.json()["type"].endswith("/four-eyes-settlement")
    r = await budget_client.post(f"/v1/corrections/{order['id']}/settlement", json={}, headers=OTTO)
    assert r.status_code == 422
    retry = {**OTTO, **key()}
    done = await budget_client.post(f"/v1/corrections/{order['id']}/settlement", json=body, headers=retry)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["settled_by"], done.json()["received_on"]) == (
        "settled",
        "otto-officer",
        "2027-03-14",
    )
    replay = await budget_client.post(f"/v1/corrections/{order['id']}/settlement", json=body, headers=retry)
    assert replay.status_code == 200 and replay.json() == done.json()
    again = await budget_client.post(f"/v1/corrections/{order['id']}/settlement", json=body, headers={**FIA, **key()})
    assert again.status_code == 409 and again.json()["state"] == "settled"
    after = await report(budget_client)
    assert cell(before, "NO-STATE", "1", "paid") - cell(after, "NO-STATE", "1", "paid") == Decimal("5000.00")
    assert cell(after, "NO-STATE", "1", "recovered") - cell(before, "NO-STATE", "1", "recovered") == Decimal("5000.00")
    assert cell(after, "NO-STATE", "1", "available") == cell(before, "NO-STATE", "1", "available")
    now = (await budget_client.get(f"/v1/commitments/{cid}", headers=OFFICER)).json()
    assert remainder(now, "NO-STATE") - remainder(c, "NO-STATE") == Decimal("-20000.00")  # 25 000 paid, 5 000 back
    # What came back can be claimed again: 2 250 000 NOK remain plus the 50 000 recovered.
    big = (
        await budget_client.post(
            "/v1/claims", json=claim_body(cid, "NO-STATE", "3000000.00", "NOK"), headers=APPLICATIONS
        )
    ).json()
    assert big["amount"] == money("2300000.00", "NOK")
    await reconciled(budget_client)


async def test_a_recovery_on_a_released_commitment_is_released_and_raises_the_funds_available(
    budget_client: AsyncClient,
) -> None:
    c = await committed(budget_client, ("ERDF", "10000.00", "EUR"))
    claim = await pay_by_claim(budget_client, c["id"], "ERDF", "6000.00")
    r = await budget_client.post(
        f"/v1/commitments/{c['id']}/release", json={"reason": "Closed"}, headers={**APPLICATIONS, **key()}
    )
    assert r.status_code == 200 and r.json()["status"] == "released", r.text
    before = await report(budget_client)
    # No claim follows on a released commitment: a set-off is refused, a recovery is the way.
    r = await budget_client.post(f"/v1/claims/{claim['id']}/corrections", json=set_off("1.00"), headers=OFFICER)
    assert r.status_code == 409 and r.json()["state"] == "released", r.text
    order = await corrected(budget_client, claim["id"], recovery("1234.56"))
    done = await budget_client.post(
        f"/v1/corrections/{order['id']}/settlement", json={"received_on": "2027-02-01"}, headers={**FIA, **key()}
    )
    assert done.status_code == 200, done.text
    after = await report(budget_client)
    assert cell(before, "ERDF", "1", "paid") - cell(after, "ERDF", "1", "paid") == Decimal("1234.56")
    assert cell(after, "ERDF", "1", "available") - cell(before, "ERDF", "1", "available") == Decimal("1234.56")
    now = (await budget_client.get(f"/v1/commitments/{c['id']}", headers=ADMIN)).json()
    assert now["status"] == "released" and remainder(now, "ERDF") == Decimal("0.00")
    assert (
        await budget_client.get("/v1/corrections/6f1d2c3b-0000-4000-8000-000000000001", headers=FIA)
    ).status_code == 404
    await reconciled(budget_client)


async def test_a_set_off_gives_its_room_back_to_the_claim_it_is_set_against(budget_client: AsyncClient) -> None:
    c = await committed(budget_client, ("ERDF", "10000.00", "EUR"))
    first = await pay_by_claim(budget_client, c["id"], "ERDF", "9000.00")
    await corrected(budget_client, first["id"], set_off("3000.00"))
    # 1 000.00 remained; the 3 000.00 taken back is room again: the claim is 4 000.00 and pays 1 000.00.
    second = (
        await budget_client.post("/v1/claims", json=claim_body(c["id"], "ERDF", "5000.00"), headers=APPLICATIONS)
    ).json()
    assert (second["amount"], second["deducted"], second["payable"], second["capped"]) == (
        money("4000.00"),
        money("3000.00"),
        money("1000.00"),
        True,
    )
    done = await paid(budget_client, second["id"])
    assert done["paid_programme"] == money("4000.00")
    now = (await budget_client.get(f"/v1/commitments/{c['id']}", headers=OFFICER)).json()
    assert (line(now, "ERDF")["paid"], remainder(now, "ERDF")) == (money("10000.00"), Decimal("0.00"))
    await reconciled(budget_client)


async def test_corrections_are_listed_newest_first_in_pages(budget_client: AsyncClient) -> None:
    c = await committed(budget_client, ("ERDF", "10000.00", "EUR"))
    claim = await pay_by_claim(budget_client, c["id"], "ERDF", "6000.00")
    made = [(await corrected(budget_client, claim["id"], set_off(f"{n}.00")))["id"] for n in (1, 2, 3)]
    r = await budget_client.get("/v1/corrections", params={"claim_id": claim["id"], "limit": 2}, headers=FIA)
    assert r.status_code == 200, r.text
    first = r.json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    r = await budget_client.get(
        "/v1/corrections", params={"claim_id": claim["id"], "limit": 2, "cursor": first["next_cursor"]}, headers=FIA
    )
    rest = r.json()
    assert rest["next_cursor"] is None
    assert sorted(i["id"] for i in first["items"] + rest["items"]) == sorted(made)
    assert [i["recorded_at"] for i in first["items"] + rest["items"]] == sorted(
        (i["recorded_at"] for i in first["items"] + rest["items"]), reverse=True
    )
    r = await budget_client.get("/v1/corrections", params={"cursor": "not-one-of-ours"}, headers=FIA)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = await budget_client.get("/v1/corrections", params={"status": "open", "commitment_id": c["id"]}, headers=OFFICER)
    assert len(r.json()["items"]) == 3
    assert (await budget_client.get("/v1/corrections")).status_code == 401


async def test_corrections_are_sent_as_events_recorded_and_settled(
    budget_app: FastAPI, budget_client: AsyncClient
) -> None:
    with receiving() as receiver:
        types = [f"se.interreg.correction.{t}" for t in ("recorded", "settled")]
        body = {"integrator": "ekonomi", "url": receiver.url, "event_types": types}
        r = await budget_client.post("/v1/webhooks/subscriptions", json=body, headers={**ADMIN, **key()})
        assert r.status_code == 201, r.text
        c = await committed(budget_client, ("ERDF", "10000.00", "EUR"))
        claim = await pay_by_claim(budget_client, c["id"], "ERDF", "6000.00")
        off = await corrected(budget_client, claim["id"], set_off("100.00"))
        order = await corrected(budget_client, claim["id"], recovery("200.00"))
        await pay_by_claim(budget_client, c["id"], "ERDF", "1000.00")  # the set-off is settled on its payment
        r = await budget_client.post(
            f"/v1/corrections/{order['id']}/settlement", json={"received_on": "2027-02-01"}, headers={**FIA, **key()}
        )
        assert r.status_code == 200, r.text
        await budget_app.state.webhook_relay.drain()
        got = [one.event for one in receiver.wait_for(4)]
    # Each correction's events in order (the order between two corrections is not promised).
    for made in (off, order):
        mine = [e for e in got if e["subject"] == f"corrections/{made['id']}"]
        assert [e["type"].rsplit(".", 1)[1] for e in mine] == ["recorded", "settled"]
        assert [e["data"]["status"] for e in mine] == ["open", "settled"]
        assert all("description" not in e["data"] for e in mine)
    by_subject = {(e["subject"], e["data"]["status"]): e["data"] for e in got}
    assert by_subject[(f"corrections/{off['id']}", "open")]["amount"] == money("100.00")
    assert by_subject[(f"corrections/{order['id']}", "open")]["flags"] == ["fraud-suspected"]
    assert by_subject[(f"corrections/{off['id']}", "settled")]["set_off_claim_id"] is not None


async def test_the_corrections_of_a_whole_claim_take_back_exactly_what_it_paid(budget_client: AsyncClient) -> None:
    c = await committed(budget_client, ("NO-STATE", "100000.00", "NOK"))
    claim = await pay_by_claim(budget_client, c["id"], "NO-STATE", "1000.00", "NOK")
    assert claim["paid_programme"] == money("100.00")
    before = await report(budget_client)
    parts = [await corrected(budget_client, claim["id"], recovery(v, "NOK")) for v in ("333.33", "333.33", "333.34")]
    # 33.333 and 33.333 round to 33.33 each; the part that completes the claim takes the rest: 33.34.
    assert [p["amount_programme"] for p in parts] == [money("33.33"), money("33.33"), money("33.34")]
    for p in parts:
        r = await budget_client.post(
            f"/v1/corrections/{p['id']}/settlement", json={"received_on": "2027-02-01"}, headers={**FIA, **key()}
        )
        assert r.status_code == 200, r.text
    after = await report(budget_client)
    assert cell(before, "NO-STATE", "1", "paid") - cell(after, "NO-STATE", "1", "paid") == Decimal("100.00")
    r = await budget_client.post(f"/v1/claims/{claim['id']}/corrections", json=recovery("0.01", "NOK"), headers=OFFICER)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount"
    await reconciled(budget_client)
