"""Contracting through the API (SQLite and PostgreSQL): the approved version is the baseline; incomplete
contract data is a 409 naming every missing item (in the caller's language); a controller of another
country is a 422; an IBAN with a wrong check digit is a 422; contracted; personal data only in the project
read by itself, never in the list, the CSV or the history; the controllers' registry."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import ALICE, BOB, OLGA, PROGRAMME, editing, key
from services.applications.tests.project_support import (
    FINN,
    KARL,
    NILS,
    NORA,
    SVEA,
    P,
    approved_project,
    contract_body,
    register_controllers,
)

pytestmark = pytest.mark.usefixtures("backend")


async def test_contracting_names_what_is_missing_then_contracts(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    client = applications_client
    aid = await approved_project(client, applications_app, catalogue_client)
    await register_controllers(client)

    # Nothing recorded yet: every item named, in Swedish when asked.
    r = await client.post(f"{P}/{aid}/contracting", headers={**OLGA, **key(), "Accept-Language": "sv"})
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["type"].endswith("/contract-incomplete")
    assert "avtalsuppgifterna är ofullständiga" in problem["detail"]
    assert len(problem["missing"]) == 4 + 1 + 4 + 2  # dates, periods, contacts+accounts of SE and NO, 2 controllers

    # Partial data: what is still missing is named, in English by default.
    body = contract_body()
    partial = {**body, "owners": {"SE": body["owners"]["SE"]}, "controllers": body["controllers"][:1]}
    r = await client.put(f"{P}/{aid}/contract", json=partial, headers=await editing(client, f"{P}/{aid}", OLGA))
    assert r.status_code == 200, r.text
    r = await client.post(f"{P}/{aid}/contracting", headers={**OLGA, **key()})
    assert r.status_code == 409
    assert r.json()["missing"] == [
        "contacts of the NO project owner",
        "bank account of the NO project owner",
        "controller of partner 2 (Kongsvinger kommune)",
    ]

    # A Swedish controller for the Norwegian partner: 422 naming it. A wrong IBAN: 422.
    wrong = {**body, "controllers": [{"partner": 1, "controller": "karl"}, {"partner": 2, "controller": "karl"}]}
    r = await client.put(f"{P}/{aid}/contract", json=wrong, headers=await editing(client, f"{P}/{aid}", OLGA))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "controllers.1.controller", r.text
    bad_iban = {
        **body,
        "owners": {
            **body["owners"],
            "SE": {
                **body["owners"]["SE"],
                "bank_account": {"holder": "Region Värmland", "iban": "SE4550000000058398257467"},
            },
        },
    }
    r = await client.put(f"{P}/{aid}/contract", json=bad_iban, headers=await editing(client, f"{P}/{aid}", OLGA))
    assert r.status_code == 422 and "IBAN" in r.text
    two_finals = {**body, "periods": [{**p, "final": True} for p in body["periods"]]}
    assert (
        await client.put(f"{P}/{aid}/contract", json=two_finals, headers=await editing(client, f"{P}/{aid}", OLGA))
    ).status_code == 422
    assert (await client.put(f"{P}/{aid}/contract", json=body, headers=SVEA)).status_code == 403

    r = await client.put(f"{P}/{aid}/contract", json=body, headers=await editing(client, f"{P}/{aid}", OLGA))
    assert r.status_code == 200, r.text
    r = await client.post(f"{P}/{aid}/contracting", headers={**OLGA, **key()})
    assert r.status_code == 200, r.text
    project = r.json()
    assert project["status"] == "contracted" and project["baseline_version"] == 1
    assert project["co_financing"] == {"ERDF": "0.65", "NO-STATE": "0.5"}
    assert [p["controller"] for p in project["partners"]] == ["karl", "nora"]
    assert [p["side"] for p in project["partners"]] == ["SE", "NO"]
    assert (await client.post(f"{P}/{aid}/contracting", headers={**OLGA, **key()})).status_code == 409

    # Personal data: the owners, their controllers, finance and officers read them on the project itself.
    for who in (OLGA, SVEA, NILS, ALICE, KARL, NORA, FINN):
        r = await client.get(f"{P}/{aid}", headers=who)
        assert r.status_code == 200 and r.json()["owners"]["SE"]["bank_account"]["iban"] == "SE4550000000058398257466"
    assert (await client.get(f"{P}/{aid}", headers=BOB)).status_code == 404
    listed = await client.get(P, headers=OLGA)
    assert listed.status_code == 200 and aid in [p["id"] for p in listed.json()["items"]]
    csv = await client.get(f"{P}.csv", headers=OLGA)
    history = await client.get(f"{P}/{aid}/history", headers=OLGA)
    for text in (listed.text, csv.text, history.text):
        for secret in ("SE4550000000058398257466", "86011117947", "karin.berg", "Karin Berg", "Ola Nordmann"):
            assert secret not in text
    assert [e["action"] for e in history.json()["items"]][-1] == "contracting"
    assert (await client.get(P, headers=SVEA)).status_code == 403


async def test_conditions_of_the_committee_come_first(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    """Contracting is refused while a condition of the approval is open (the committee's session)."""
    from services.applications.tests.helpers import assess, assessed, create, delivered, open_call, record_session
    from services.applications.tests.project_support import two_owner_body

    client = applications_client
    call_id = await open_call(catalogue_client)
    aid = (await create(client, two_owner_body(call_id)))["id"]
    assert (await assessed(client, applications_app, aid))["status"] == "eligible"
    await assess(client, aid)
    r = await record_session(
        client,
        call_id,
        [
            {
                "application_id": aid,
                "decision": "approved-with-conditions",
                "conditions": ["Sign the partnership agreement"],
            }
        ],
    )
    assert r.status_code == 201, r.text
    await delivered(applications_app)
    await register_controllers(client)
    assert (
        await client.put(f"{P}/{aid}/contract", json=contract_body(), headers=await editing(client, f"{P}/{aid}", OLGA))
    ).status_code == 200
    r = await client.post(f"{P}/{aid}/contracting", headers={**OLGA, **key(), "Accept-Language": "nb"})
    assert r.status_code == 409 and r.json()["conditions"] == [{"number": 1, "text": "Sign the partnership agreement"}]
    assert "vilkår i vedtaket er ikke oppfylt" in r.json()["detail"]
    r = await client.post(f"/v1/applications/{aid}/conditions/1/fulfil", json={"note": "signed"}, headers=OLGA)
    assert r.status_code == 200, r.text
    assert (await client.post(f"{P}/{aid}/contracting", headers={**OLGA, **key()})).status_code == 200


async def test_controllers_are_data(applications_client: httpx.AsyncClient) -> None:
    client = applications_client
    await register_controllers(client)
    r = await client.get(f"/v1/programmes/{PROGRAMME}/controllers", params={"limit": 2}, headers=OLGA)
    assert r.status_code == 200 and [c["sub"] for c in r.json()["items"]] == ["karl", "kerstin"]
    r2 = await client.get(
        f"/v1/programmes/{PROGRAMME}/controllers", params={"cursor": r.json()["next_cursor"]}, headers=OLGA
    )
    assert [c["country"] for c in r2.json()["items"]] == ["NO"]
    assert (await client.get(f"/v1/programmes/{PROGRAMME}/controllers/nobody", headers=OLGA)).status_code == 404
    body = {"sub": "karl", "name": "again", "country": "SE"}
    from services.applications.tests.helpers import ADMIN

    assert (
        await client.post(f"/v1/programmes/{PROGRAMME}/controllers", json=body, headers={**ADMIN, **key()})
    ).status_code == 409
    assert (
        await client.post(f"/v1/programmes/{PROGRAMME}/controllers", json=body, headers={**OLGA, **key()})
    ).status_code == 403
