"""State aid through the API with the real catalogue, eligibility and budget in-process: the aid of an
approved application counts in the de minimis check of the same organisation's next application, and
the secretariat's report lists per partner the aid granted under each regime (JSON and CSV). Figures
written out by hand; the programme fixes 10 NOK per EUR."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import ALICE, OLGA, A, create, decided, gron, open_call, submit

pytestmark = pytest.mark.usefixtures("backend")

COMPANY = "912345678"
DECLARED = [
    {"granted_on": "2024-03-01", "amount": {"amount": "120000.00", "currency": "EUR"}, "granted_by": "Innovasjon Norge"}
]


def nok(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "NOK"}


def with_company(call_id: str, *, no_state: str, own: str, costs: str) -> dict[str, Any]:
    """Grön industriväxt whose Norwegian partner is a company under de minimis, budgeting in NOK."""
    body = gron(call_id)
    body["partners"][1].update(
        name="Kongsvinger Industri AS",
        organisation_number=COMPANY,
        organisation_type="company",
        budget=[{"category": "staff", "amount": nok(costs)}],
        financing=[{"source": "NO-STATE", "amount": nok(no_state)}, {"source": "own-private", "amount": nok(own)}],
        state_aid={"economic_activity": True, "regime": "de-minimis", "previous_de_minimis": DECLARED},
    )
    return body


async def settled(app: FastAPI, client: httpx.AsyncClient, application_id: str) -> dict[str, Any]:
    """The application once what its last move owes other services is delivered (the outbox relay, when
    the service has one, is drained instead of waited for)."""
    relay = getattr(app.state, "relay", None)
    if relay is not None:
        await relay.drain()
    r = await client.get(f"{A}/{application_id}", headers=ALICE)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def de_minimis(client: httpx.AsyncClient, application_id: str) -> dict[str, Any]:
    r = await client.post(f"{A}/{application_id}/pre-check", headers=ALICE)
    assert r.status_code == 200, r.text
    rule: dict[str, Any] = next(x for x in r.json()["results"] if x["rule"] == "de-minimis-2023-2831")
    return rule


async def test_a_second_application_sees_the_aid_of_the_first_once_approved_and_the_report_lists_it(
    applications_app: FastAPI, applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    client = applications_client
    call_id = await open_call(catalogue_client)
    # The first project: NOK 1,500,000.00 of Norwegian state funds = EUR 150,000.00 of de minimis aid.
    first = await create(client, with_company(call_id, no_state="1500000.00", own="1500000.00", costs="3000000.00"))
    # The second: NOK 400,000.00 = EUR 40,000.00.
    second = await create(client, with_company(call_id, no_state="400000.00", own="400000.00", costs="800000.00"))

    before = await de_minimis(client, second["id"])
    assert before["passed"] is True
    assert before["facts"]["organisations"][0]["total"] == "160000.00"  # 40,000 here + 120,000 declared

    assert (await submit(client, first["id"])).status_code == 200
    assert (await settled(applications_app, client, first["id"]))["status"] == "eligible"
    still = await de_minimis(client, second["id"])
    assert still["facts"]["organisations"][0]["programme_granted"] == "0.00"  # eligible is not approved

    await decided(client, applications_app, first["id"], {"decision": "approved"})  # in a committee session
    approved = await settled(applications_app, client, first["id"])
    assert approved["status"] == "approved"

    after = await de_minimis(client, second["id"])
    assert after["passed"] is False
    facts = after["facts"]["organisations"][0]
    assert (facts["this_application"], facts["declared"], facts["programme_granted"], facts["total"]) == (
        "40000.00",
        "120000.00",
        "150000.00",
        "310000.00",
    )
    assert facts["granted_by_programme"] == [approved["reference"]]
    assert after["message"] == (
        f"Kongsvinger Industri AS ({COMPANY}): de minimis aid of 310,000.00 EUR over the 3 years "
        "2022-03-15 – 2025-03-14 — 40,000.00 EUR in this application, 120,000.00 EUR declared as received before "
        "and 150,000.00 EUR from this programme's approved applications — exceeds the ceiling of 300,000.00 EUR of "
        "Regulation (EU) 2023/2831, Art. 3(2) by 10,000.00 EUR."
    )

    # The secretariat's report: per partner of the approved application, the aid under its regime.
    r = await client.get("/v1/reports/state-aid", headers=OLGA, params={"programme": "interreg-se-no-2021-2027"})
    assert r.status_code == 200, r.text
    report = r.json()
    rows = [(x["partner"], x["organisation_number"], x["regime"], x["amount"]) for x in report["rows"]]
    assert rows == [
        ("Region Värmland", "232100-0152", None, {"amount": "390000.00", "currency": "EUR"}),
        ("Kongsvinger Industri AS", COMPANY, "de-minimis", nok("1500000.00")),
    ]
    assert report["rows"][1]["reference"] == approved["reference"]
    assert report["rows"][1]["granted_on"] == "2025-03-14" and report["rows"][1]["economic_activity"] is True
    assert {(t["organisation_number"], t["regime"]): t["amount"] for t in report["totals"]} == {
        ("232100-0152", None): {"amount": "390000.00", "currency": "EUR"},
        (COMPANY, "de-minimis"): nok("1500000.00"),
    }
    only = await client.get("/v1/reports/state-aid", headers=OLGA, params={"organisation_number": COMPANY})
    assert [x["partner"] for x in only.json()["rows"]] == ["Kongsvinger Industri AS"]

    r = await client.get("/v1/reports/state-aid.csv", headers=OLGA)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.text)))
    assert table == [
        [
            "reference",
            "acronym",
            "programme",
            "granted_on",
            "partner",
            "organisation_number",
            "country",
            "economic_activity",
            "regime",
            "amount",
            "currency",
        ],
        [
            approved["reference"],
            "GIV",
            "interreg-se-no-2021-2027",
            "2025-03-14",
            "Region Värmland",
            "232100-0152",
            "SE",
            "",
            "",
            "390000.00",
            "EUR",
        ],
        [
            approved["reference"],
            "GIV",
            "interreg-se-no-2021-2027",
            "2025-03-14",
            "Kongsvinger Industri AS",
            COMPANY,
            "NO",
            "yes",
            "de-minimis",
            "1500000.00",
            "NOK",
        ],
    ]
    assert (await client.get("/v1/reports/state-aid", headers=ALICE)).status_code == 403


async def test_a_declaration_of_aid_without_economic_activity_is_422(
    applications_offline_client: httpx.AsyncClient,
) -> None:
    body = gron()
    body["partners"][1]["state_aid"] = {"economic_activity": False, "regime": "de-minimis"}
    r = await applications_offline_client.post(A, json=body, headers=ALICE)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "partners.1.state_aid"
    assert "not an undertaking" in r.json()["errors"][0]["message"]
