"""The open-data feed through the API (SQLite and PostgreSQL): a project approved by the committee is in the
public feed at the next read, with exactly keep.eu's fields and no personal one; JSON pages with keyset
cursors, CSV with neutralised cells, ETags answered with 304 until a decision changes the feed."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ADMIN,
    ALICE,
    OLGA,
    PROGRAMME,
    A,
    assess,
    assessed,
    create,
    decided,
    delivered,
    gron,
    key,
    open_call,
    record_session,
)
from services.applications.tests.project_support import approved_project

pytestmark = pytest.mark.usefixtures("backend")
FEED = "/v1/open-data/projects"
PROJECT_FIELDS = {
    "id",
    "reference",
    "programme",
    "acronym",
    "name",
    "summary",
    "start_date",
    "end_date",
    "specific_objective",
    "priority",
    "project_type",
    "status",
    "decided_on",
    "total_budget",
    "eu_funding",
    "eu_rate",
    "norwegian_funding",
    "norwegian_rate",
    "partners",
}
PARTNER_FIELDS = {
    "number",
    "name",
    "role",
    "country",
    "organisation_type",
    "region",
    "budget",
    "eu_funding",
    "eu_rate",
    "norwegian_funding",
    "norwegian_rate",
}
PERSONAL = {"organisation_number", "owner_sub", "owners", "contacts", "email", "bank_account", "iban"}


async def test_an_approved_project_is_in_the_feed_at_once_without_personal_data(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    client = applications_client
    r = await client.get(FEED)
    assert r.status_code == 200, r.text
    assert r.json() == {"items": [], "next_cursor": None}
    empty_etag = r.headers["etag"]

    aid = await approved_project(client, applications_app, catalogue_client)  # the committee's session
    r = await client.get(FEED, headers={"If-None-Match": empty_etag})  # no token; the very next read
    assert r.status_code == 200, r.text
    (item,) = r.json()["items"]
    assert set(item) == PROJECT_FIELDS
    assert [set(p) for p in item["partners"]] == [PARTNER_FIELDS, PARTNER_FIELDS]
    assert PERSONAL.isdisjoint(r.text.split('"'))
    assert "232100-0152" not in r.text and "964950113" not in r.text  # organisation numbers
    assert "alice" not in r.text
    assert item["id"] == aid and item["status"] == "approved" and item["programme"] == PROGRAMME
    assert item["acronym"] == "GIV" and item["name"]["nb"] == "Grønn industrivekst"
    assert (item["specific_objective"], item["priority"], item["project_type"]) == ("1B", "1", "main-project")
    assert item["total_budget"] == [
        {"amount": "600000.00", "currency": "EUR"},
        {"amount": "3300000.00", "currency": "NOK"},
    ]
    assert item["eu_funding"] == [{"amount": "390000.00", "currency": "EUR"}] and item["eu_rate"] == "0.65"
    assert item["norwegian_funding"] == [{"amount": "1650000.00", "currency": "NOK"}]
    assert item["norwegian_rate"] == "0.5"
    se, no = item["partners"]
    assert (se["name"], se["role"], se["country"], se["region"]) == ("Region Värmland", "lead", "SE", "SE311")
    assert se["organisation_type"] == "public-authority" and se["norwegian_funding"] is None
    assert (no["region"], no["budget"], no["norwegian_rate"]) == (
        "NO020",
        {"amount": "3300000.00", "currency": "NOK"},
        "0.5",
    )

    # The ETag: 304 while nothing changed.
    etag = r.headers["etag"]
    again = await client.get(FEED, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""

    # A reverted approval leaves the feed in the revert's own transaction: nothing kept apart can drift.
    r = await client.post(f"{A}/{aid}/revert", json={"reason": "The vote was void."}, headers={**ADMIN, **key()})
    assert r.status_code == 200, r.text
    r = await client.get(FEED, headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.json()["items"] == [] and r.headers["etag"] == empty_etag


async def test_the_feed_pages_and_exports_csv_with_etags(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    client = applications_client
    call_id = await open_call(catalogue_client)
    first = await approved_project(client, applications_app, catalogue_client)
    formula = gron(call_id, acronym="=HYPERLINK(1)")
    second = (await create(client, formula, ALICE))["id"]
    assert (await assessed(client, applications_app, second))["status"] == "eligible"
    assert (await decided(client, applications_app, second, {"decision": "approved"}))["status"] == "approved"
    rejected = (await create(client, gron(call_id), ALICE))["id"]
    assert (await assessed(client, applications_app, rejected))["status"] == "eligible"
    await decided(client, applications_app, rejected, {"decision": "rejected", "reason": "Outside the priorities."})

    r = await client.get(FEED, params={"limit": 1})
    assert r.status_code == 200, r.text
    page = r.json()
    nxt = await client.get(FEED, params={"limit": 1, "cursor": page["next_cursor"]})
    assert nxt.status_code == 200 and nxt.json()["next_cursor"] is None
    assert sorted([page["items"][0]["id"], nxt.json()["items"][0]["id"]]) == sorted([first, second])
    assert (await client.get(FEED, params={"cursor": "nope"})).status_code == 422
    assert (await client.get(FEED, params={"programme": "no-such-programme"})).json()["items"] == []

    r = await client.get(f"{FEED}.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 4  # two projects of two partners each; the rejected application is not there
    assert {row["id"] for row in rows} == {first, second}
    assert "'=HYPERLINK(1)" in {row["acronym"] for row in rows}  # neutralised
    assert "organisation_number" not in r.text.splitlines()[0] and "232100-0152" not in r.text
    etag = r.headers["etag"]
    assert (await client.get(f"{FEED}.csv", headers={"If-None-Match": etag})).status_code == 304

    # A new decision changes the feed: the old ETag no longer matches.
    third = (await create(client, gron(call_id), ALICE))["id"]
    assert (await assessed(client, applications_app, third))["status"] == "eligible"
    await decided(client, applications_app, third, {"decision": "approved"})
    r = await client.get(f"{FEED}.csv", headers={"If-None-Match": etag, **OLGA})
    assert r.status_code == 200 and len(list(csv.DictReader(io.StringIO(r.text)))) == 6


async def test_the_feed_shows_the_grant_as_the_committee_decided_it(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    """A reduced grant is published as granted, from the session's own transaction (whatever the outbox has
    delivered of the commitment since), and the asked version is never what the feed shows."""
    client = applications_client
    call_id = await open_call(catalogue_client)
    aid = (await create(client, gron(call_id)))["id"]
    assert (await assessed(client, applications_app, aid))["status"] == "eligible"
    await assess(client, aid)
    granted = {
        "organisation_number": "232100-0152",
        "fund": "ERDF",
        "amount": {"amount": "312000.00", "currency": "EUR"},
    }
    r = await record_session(client, call_id, [{"application_id": aid, "decision": "approved", "granted": [granted]}])
    assert r.status_code == 201, r.text
    (item,) = (await client.get(FEED)).json()["items"]  # the next read: the session committed it
    assert (item["id"], item["status"], item["eu_rate"]) == (aid, "approved", "0.52")
    assert item["eu_funding"] == [{"amount": "312000.00", "currency": "EUR"}]
    assert item["partners"][0]["eu_funding"] == {"amount": "312000.00", "currency": "EUR"}
    await delivered(applications_app)
    assert (await client.get(FEED)).json()["items"] == [item]
