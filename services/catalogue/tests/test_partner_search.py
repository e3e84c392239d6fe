"""Partner search through the API (SQLite and PostgreSQL): found by stem (`cirkulär` finds a profile written
`cirkulära`), filtered; withdrawn by its author only and then gone from results and the CSV; a contact only
with consent; codes checked against the catalogue's data (422 naming the field); writes need a token."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
import pytest

from tests.harness import auth

pytestmark = pytest.mark.usefixtures("backend")
E = "/v1/partner-search/entries"
PROGRAMME = "interreg-se-no-2021-2027"
ANNA = auth("applicant", "anna")
OLE = auth("officer", "ole")


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def profile(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "profile",
        "programme": PROGRAMME,
        "organisation_name": "Karlstads universitet",
        "country": "SE",
        "organisation_type": "research-education",
        "region": "SE311",
        "specific_objectives": ["2B"],
        "seeks": {"sv": "Vi söker norska partner för cirkulära affärsmodeller i skogsnäringen."},
        "contact": {"name": "Karin Lund", "email": "karin.lund@example.se", "consent": True},
    }
    body.update(changes)
    return body


async def publish(client: httpx.AsyncClient, body: dict[str, Any], who: dict[str, str] = ANNA) -> dict[str, Any]:
    r = await client.post(E, json=body, headers={**who, **key()})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def found(client: httpx.AsyncClient, **params: str) -> list[str]:
    r = await client.get(E, params=params)
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["items"]]


async def test_cirkular_finds_a_profile_written_cirkulara(catalogue_client: httpx.AsyncClient) -> None:
    client = catalogue_client
    mine = await publish(client, profile())
    idea = await publish(
        client,
        profile(
            kind="idea",
            organisation_name="Innlandet fylkeskommune",
            country="NO",
            organisation_type="public-authority",
            region="NO020",
            specific_objectives=["3C", "2B"],
            seeks={"nb": "Vi ønsker svenske partnere for sirkulære reiselivsmodeller."},
            contact=None,
        ),
        OLE,
    )
    other = await publish(client, profile(specific_objectives=["1A"], seeks={"en": "Partners for cyber security."}))

    assert await found(client, q="cirkulär") == [mine["id"]]
    assert await found(client, q="sirkulær") == [idea["id"]]
    assert await found(client, q="cirkulär skogsnäring") == [mine["id"]]  # every word, each by its stem
    assert await found(client, q="Karlstad universitetet") == [other["id"], mine["id"]]  # the name too
    assert await found(client, q="cirkulär cyber") == []
    assert await found(client, specific_objective="2B") == [idea["id"], mine["id"]]
    assert await found(client, country="NO") == [idea["id"]]
    assert await found(client, organisation_type="research-education", kind="profile") == [other["id"], mine["id"]]
    assert await found(client, q="...") == []  # no word: nothing matches (as the catalogue's search)

    page = (await client.get(E, params={"limit": 2})).json()
    rest = (await client.get(E, params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert [e["id"] for e in page["items"] + rest["items"]] == [other["id"], idea["id"], mine["id"]]
    assert rest["next_cursor"] is None

    # Public reads show the contact because its owner consented; the author is not shown.
    shown = (await client.get(f"{E}/{mine['id']}")).json()
    assert shown["contact"] == {"name": "Karin Lund", "email": "karin.lund@example.se"}
    assert shown["status"] == "published" and "anna" not in str(shown)


async def test_withdrawn_by_its_author_only_and_then_gone(catalogue_client: httpx.AsyncClient) -> None:
    client = catalogue_client
    entry = await publish(client, profile())
    withdrawal = f"{E}/{entry['id']}/withdrawal"
    assert (await client.post(withdrawal, headers=key())).status_code == 401
    r = await client.post(withdrawal, headers={**OLE, **key(), "Accept-Language": "sv"})
    assert r.status_code == 403 and r.json()["type"].endswith("/not-entry-author"), r.text
    assert r.json()["detail"].startswith("bara den som skrev posten")
    r = await client.post(f"{E}/{uuid.uuid4()}/withdrawal", headers={**ANNA, **key()})
    assert r.status_code == 404, r.text
    assert await found(client, q="cirkulär") == [entry["id"]]
    assert "Karlstads universitet" in (await client.get(f"{E}.csv")).text

    r = await client.post(withdrawal, headers={**ANNA, **key()})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn" and r.json()["contact"] is None  # erased
    assert await found(client, q="cirkulär") == []
    assert await found(client) == []
    export = (await client.get(f"{E}.csv")).text
    assert "Karlstads universitet" not in export and "karin.lund" not in export
    assert (await client.get(f"{E}/{entry['id']}")).status_code == 404
    assert (await client.post(withdrawal, headers={**ANNA, **key()})).json()["status"] == "withdrawn"  # again: same

    mine = await client.get("/v1/partner-search/my-entries", headers=ANNA)
    assert mine.status_code == 200 and [e["status"] for e in mine.json()["items"]] == ["withdrawn"]
    assert (await client.get("/v1/partner-search/my-entries", headers=OLE)).json()["items"] == []
    assert (await client.get("/v1/partner-search/my-entries")).status_code == 401


async def test_a_contact_only_with_consent(catalogue_client: httpx.AsyncClient) -> None:
    client = catalogue_client
    refused = profile(contact={"name": "Karin Lund", "email": "karin.lund@example.se", "consent": False})
    r = await client.post(E, json=refused, headers={**ANNA, **key()})
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["contact.consent"], r.text
    assert await found(client) == []  # nothing stored

    without = await publish(client, profile(contact=None))
    assert without["contact"] is None
    with_consent = await publish(client, profile())
    export = list(csv.DictReader(io.StringIO((await client.get(f"{E}.csv")).text)))
    contacts = {row["id"]: (row["contact_name"], row["contact_email"]) for row in export}
    assert contacts == {without["id"]: ("", ""), with_consent["id"]: ("Karin Lund", "karin.lund@example.se")}


async def test_codes_are_the_catalogues(catalogue_client: httpx.AsyncClient) -> None:
    client = catalogue_client
    assert (await client.post(E, json=profile(), headers=key())).status_code == 401
    cases = {
        "organisation_type": profile(organisation_type="no-such-type"),
        "region": profile(region="NO020"),  # a Norwegian region for a Swedish organisation
        "specific_objectives.1": profile(specific_objectives=["2B", "9Z"]),
        "programme": profile(programme="no-such-programme"),
    }
    for field, body in cases.items():
        r = await client.post(E, json=body, headers={**ANNA, **key()})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in r.json()["errors"]] == [field], r.text
    for field, body in {
        "organisation_type": profile(organisation_type="private-person"),  # may not take part
        "region": profile(country="NO", region="NO082", organisation_type="public-authority"),  # Viken ended 2023
    }.items():
        r = await client.post(E, json=body, headers={**ANNA, **key()})
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == [field], r.text
    r = await client.post(E, json=profile(seeks={}), headers={**ANNA, **key()})
    assert r.status_code == 422, r.text
    r = await client.post(E, json=profile(region="SE999"), headers={**ANNA, **key(), "Accept-Language": "nb"})
    assert r.json()["errors"] == [{"field": "region", "message": f"programmet '{PROGRAMME}' har ingen region 'SE999'"}]
    r = await client.post(E, json=profile(region="SE999"), headers={**ANNA, **key(), "Accept-Language": "sv"})
    assert r.json()["errors"][0]["message"] == f"programmet '{PROGRAMME}' har ingen region 'SE999'"
    formula = await publish(client, profile(organisation_name="=cmd|' /C calc'!A0"))
    rows = list(csv.DictReader(io.StringIO((await client.get(f"{E}.csv")).text)))
    assert [row["organisation_name"] for row in rows if row["id"] == formula["id"]] == ["'=cmd|' /C calc'!A0"]
