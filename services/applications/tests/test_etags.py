"""What two people editing one resource see, through the API (SQLite and PostgreSQL): a read answers a
strong ETag (304 to `If-None-Match` with it); a write needs `If-Match` (428 without it), and one made on
an older state is a 412 naming the current ETag — neither changes anything. The application draft, the
project's contract data and a partner report's progress. And `allowed_actions`: what this caller may do."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import ADMIN, ALICE, OLGA, A, assessed, create, editing, gron, key, open_call
from services.applications.tests.project_support import (
    SVEA,
    P,
    R,
    approved_project,
    contract_body,
    register_controllers,
)
from tests.harness import auth

pytestmark = pytest.mark.usefixtures("backend")

ANNA = auth("applicant", "anna", org="region-varmland")
PER = auth("applicant", "per", org="region-varmland")
"""Two owners of one application: applicants of the organisation that owns it."""


def problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    return body


async def test_two_owners_editing_one_application_the_second_write_with_the_old_etag_gets_412(
    applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    client = applications_client
    call_id = await open_call(catalogue_client)
    draft = await create(client, gron(call_id), who=ANNA)
    url = f"{A}/{draft['id']}"
    anna, per = await client.get(url, headers=ANNA), await client.get(url, headers=PER)
    etag = anna.headers["etag"]
    assert etag == per.headers["etag"] and etag.startswith('"') and not etag.startswith("W/")

    first = await client.put(url, json=gron(call_id, acronym="ANNA"), headers={**ANNA, "If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.json()["acronym"] == "ANNA" and first.headers["etag"] != etag
    second = await client.put(url, json=gron(call_id, acronym="PER"), headers={**PER, "If-Match": etag})
    stale = problem(second, 412)
    assert stale["type"].endswith("/precondition-failed") and stale["current_etag"] == first.headers["etag"]
    assert second.headers["etag"] == first.headers["etag"] and first.headers["etag"] in stale["detail"]
    # Without If-Match: 428. Neither changed anything.
    missing = problem(await client.put(url, json=gron(call_id, acronym="PER"), headers=PER), 428)
    assert missing["type"].endswith("/precondition-required") and missing["current_etag"] == first.headers["etag"]
    now = await client.get(url, headers=PER)
    assert now.json() == {**first.json(), "allowed_actions": now.json()["allowed_actions"]}
    assert now.json()["acronym"] == "ANNA" and now.headers["etag"] == first.headers["etag"]
    # Per, having read Anna's version, writes on it.
    again = await client.put(url, json=gron(call_id, acronym="PER"), headers={**PER, "If-Match": now.headers["etag"]})
    assert again.status_code == 200 and again.json()["acronym"] == "PER", again.text
    # A weak tag never matches a write (strong comparison); `*` names whatever the state is.
    weak = await client.put(url, json=gron(call_id), headers={**PER, "If-Match": "W/" + again.headers["etag"]})
    assert problem(weak, 412)["current_etag"] == again.headers["etag"]
    assert (await client.put(url, json=gron(call_id), headers={**PER, "If-Match": "*"})).status_code == 200


async def test_a_read_with_the_current_etag_is_304_and_a_move_changes_the_etag(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    client = applications_client
    draft = await create(client, gron(await open_call(catalogue_client)))
    url = f"{A}/{draft['id']}"
    etag = (await client.get(url, headers=ALICE)).headers["etag"]
    same = await client.get(url, headers={**ALICE, "If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    assert (await client.get(url, headers={**ALICE, "If-None-Match": '"0.-"'})).status_code == 200
    await assessed(client, applications_app, draft["id"])  # submitted and checked: a new state
    moved = await client.get(url, headers={**ALICE, "If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["etag"] != etag
    # Another applicant: 404 before any precondition (never telling that it exists).
    other = auth("applicant", "bob")
    assert (await client.put(url, json=gron(), headers={**other, "If-Match": etag})).status_code == 404


async def test_contract_data_and_partner_report_progress_need_the_current_etag(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    client = applications_client
    aid = await approved_project(client, applications_app, catalogue_client)
    await register_controllers(client)
    olga, karin = await editing(client, f"{P}/{aid}", OLGA), auth("officer", "karin")
    karin = await editing(client, f"{P}/{aid}", karin)
    assert olga["If-Match"] == karin["If-Match"]
    problem(await client.put(f"{P}/{aid}/contract", json=contract_body(), headers=OLGA), 428)
    first = await client.put(f"{P}/{aid}/contract", json=contract_body(), headers=olga)
    assert first.status_code == 200 and first.headers["etag"] != olga["If-Match"], first.text
    stale = problem(await client.put(f"{P}/{aid}/contract", json=contract_body(), headers=karin), 412)
    assert stale["current_etag"] == first.headers["etag"]
    read = await client.get(f"{P}/{aid}", headers={**OLGA, "If-None-Match": first.headers["etag"]})
    assert read.status_code == 304

    assert (await client.post(f"{P}/{aid}/contracting", headers={**OLGA, **key()})).status_code == 200
    r = await client.post(f"{P}/{aid}/partner-reports", json={"partner": 1, "period": 1}, headers={**SVEA, **key()})
    assert r.status_code == 201, r.text
    url = f"{R}/{r.json()['id']}"
    svea = await editing(client, url, SVEA)
    admin = await editing(client, url, ADMIN)
    problem(await client.patch(url, json={"progress": "no tag"}, headers=SVEA), 428)
    done = await client.patch(url, json={"progress": "Workshops held in Arvika"}, headers=svea)
    assert done.status_code == 200 and done.json()["progress"] == "Workshops held in Arvika", done.text
    stale = problem(await client.patch(url, json={"progress": "older"}, headers=admin), 412)
    assert stale["current_etag"] == done.headers["etag"]
    assert (await client.get(url, headers=SVEA)).json()["progress"] == "Workshops held in Arvika"


async def test_the_openapi_declares_the_etag_and_the_preconditions(applications_client: httpx.AsyncClient) -> None:
    paths = (await applications_client.get("/openapi.json")).json()["paths"]
    for path, method in (
        ("/v1/applications/{application_id}", "put"),
        ("/v1/projects/{application_id}/contract", "put"),
        ("/v1/partner-reports/{report_id}", "patch"),
    ):
        operation = paths[path][method]
        assert {"412", "428"} <= set(operation["responses"]), path
        assert "ETag" in operation["responses"]["200"]["headers"]
        assert "If-Match" in [p["name"] for p in operation["parameters"] if p["in"] == "header"]
    for path in (
        "/v1/applications/{application_id}",
        "/v1/projects/{application_id}",
        "/v1/partner-reports/{report_id}",
    ):
        responses = paths[path]["get"]["responses"]
        assert "ETag" in responses["200"]["headers"] and "304" in responses, path


async def test_allowed_actions_are_what_the_caller_may_do(
    applications_client: httpx.AsyncClient, applications_app: FastAPI, catalogue_client: httpx.AsyncClient
) -> None:
    """The applicant who owns an eligible application may only withdraw it (the withdraw endpoint lets
    them); none of the officer's moves is offered to them; the officer is offered those, never the
    applicant's; an admin both, but not the assessor's. The list answers the same per caller as the application itself."""
    client = applications_client
    draft = await create(client, gron(await open_call(catalogue_client)))
    assert draft["allowed_actions"] == ["update", "submit", "withdraw"]
    url = f"{A}/{draft['id']}"
    assert (await client.get(url, headers=OLGA)).json()["allowed_actions"] == []
    assert (await assessed(client, applications_app, draft["id"]))["status"] == "eligible"
    officer = (await client.get(url, headers=OLGA)).json()["allowed_actions"]
    applicant = (await client.get(url, headers=ALICE)).json()["allowed_actions"]
    admin = (await client.get(url, headers=ADMIN)).json()["allowed_actions"]
    assert applicant == ["withdraw"]
    assert "approve" in officer and "reject" in officer and "withdraw" not in officer
    # An admin may do what applicants and officers do, but assesses only as an officer would.
    assert set(admin) == (set(officer) | set(applicant)) - {"declare-interests", "score"}
    # Each offered action is one the endpoint accepts from that caller: the applicant's withdraw is
    # allowed; an officer's move by the applicant is the 403 the list promised.
    refused = await client.post(
        f"{url}/decision", json={"decision": "rejected", "reason": "x"}, headers={**ALICE, **key()}
    )
    assert refused.status_code == 403
    listed = {x["id"]: x["allowed_actions"] for x in (await client.get(A, headers=OLGA)).json()["items"]}
    assert listed[draft["id"]] == officer
    mine = {x["id"]: x["allowed_actions"] for x in (await client.get(A, headers=ALICE)).json()["items"]}
    assert mine[draft["id"]] == ["withdraw"]
