"""Drafts, validation, access and lists: everything that needs no other service than the catalogue (which
says the programme and call a draft names exist; the eligibility and budget services are unreachable,
so these also show that nothing is stored when a remote call fails)."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import uuid

import httpx
import pytest

from services.applications.tests.helpers import ADMIN, ALICE, BOB, OLGA, A, create, editing, gron, history, key
from services.catalogue.calls import call_id
from shared.clock import FixedClock
from shared.schemas.examples import PROGRAMME
from tests.harness import auth

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
async def client(applications_drafting_client: httpx.AsyncClient) -> httpx.AsyncClient:
    return applications_drafting_client


async def test_a_draft_names_a_programme_and_a_call_the_catalogue_has(client: httpx.AsyncClient) -> None:
    for changes, field in (
        ({"programme": "no-such-programme"}, "programme"),
        ({"call_id": str(uuid.uuid4())}, "call_id"),
    ):
        r = await client.post(A, json={**gron(), **changes}, headers=ALICE)
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == [field]
    # a call of another programme is not this programme's
    other = {**gron(), "programme": "erdf-norra-mellansverige-2021-2027"}
    r = await client.post(A, json=other, headers=ALICE)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "call_id"
    draft = await create(client, gron())
    url = f"{A}/{draft['id']}"
    moved = await client.put(url, json={**gron(), "call_id": str(uuid.uuid4())}, headers=await editing(client, url))
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "call_id"
    assert (await client.get(A, headers=ALICE)).json()["items"] == [draft]


async def test_create_a_draft(client: httpx.AsyncClient) -> None:
    r = await client.post(A, json=gron(), headers=ALICE)
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"{A}/{body['id']}"
    assert body["status"] == "draft" and body["reference"] is None and body["version"] == 0
    assert body["owner"] == "alice" and body["title"]["sv"] == "Grön industriväxt"
    assert body["partners"][0]["budget"][0]["amount"] == {"amount": "600000.00", "currency": "EUR"}
    assert "submit" in body["allowed_actions"]
    got = await client.get(r.headers["location"], headers=ALICE)
    assert got.json() == body
    [entry] = await history(client, body["id"])
    assert (entry["from_status"], entry["to_status"], entry["actor"], entry["role"]) == (
        None,
        "draft",
        "alice",
        "applicant",
    )


async def test_create_with_an_idempotency_key_creates_once(client: httpx.AsyncClient) -> None:
    headers = {**ALICE, **key()}
    first = await client.post(A, json=gron(), headers=headers)
    again = await client.post(A, json=gron(call_id=first.json()["call_id"]), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert len((await client.get(A, headers=ALICE)).json()["items"]) == 1
    other = await client.post(A, json=gron(acronym="X"), headers=headers)
    assert other.status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["partners"][0]["budget"][0]["amount"].update(amount="-5"), "partners.0.budget.0.amount"),
        (lambda b: b["partners"][1]["financing"][0]["amount"].update(amount="-0.01"), "partners.1.financing.0.amount"),
        (lambda b: b["partners"][0]["financing"][1]["amount"].update(currency="SEK"), "partners.0"),
        (lambda b: b.update(start_date="2026-01-01", end_date="2025-12-31"), "end_date"),
        (lambda b: b["partners"][0]["budget"][0]["amount"].update(amount=12.5), "partners.0.budget.0.amount.amount"),
        (lambda b: b["partners"][0]["budget"][0]["amount"].update(currency="USD"), "partners.0"),
        (lambda b: b.update(unknown="x"), "unknown"),
    ],
    ids=[
        "negative-budget",
        "negative-financing",
        "mixed-currencies",
        "end-before-start",
        "float",
        "currency-not-allowed",
        "unknown-field",
    ],
)
async def test_structural_errors_are_422_naming_the_field(client: httpx.AsyncClient, change, field: str) -> None:
    body = gron()
    change(body)
    r = await client.post(A, json=body, headers=ALICE)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    # The same check on an update of a draft.
    draft = await create(client, gron())
    r = await client.put(f"{A}/{draft['id']}", json=body, headers=await editing(client, f"{A}/{draft['id']}"))
    assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]]
    assert (await client.get(f"{A}/{draft['id']}", headers=ALICE)).json() == draft


async def test_update_a_draft(client: httpx.AsyncClient) -> None:
    draft = await create(client, gron())
    body = gron(call_id=draft["call_id"], acronym="GIV2")
    r = await client.put(f"{A}/{draft['id']}", json=body, headers=await editing(client, f"{A}/{draft['id']}"))
    assert r.status_code == 200, r.text
    assert r.json()["acronym"] == "GIV2" and r.json()["status"] == "draft"
    assert r.json()["updated_at"] >= draft["updated_at"]


async def test_roles(client: httpx.AsyncClient) -> None:
    assert (await client.post(A, json=gron(), headers=OLGA)).status_code == 403
    assert (await client.post(A, json=gron(), headers=ADMIN)).status_code == 201
    draft = await create(client, gron())
    # An officer reads everything but does not edit or submit an applicant's draft.
    assert (await client.get(f"{A}/{draft['id']}", headers=OLGA)).status_code == 200
    assert (
        await client.put(f"{A}/{draft['id']}", json=gron(), headers=await editing(client, f"{A}/{draft['id']}", OLGA))
    ).status_code == 403
    assert (await client.post(f"{A}/{draft['id']}/submit", headers=OLGA)).status_code == 403
    # An applicant does not decide, not even on their own application.
    r = await client.post(f"{A}/{draft['id']}/decision", json={"decision": "approved"}, headers=ALICE)
    assert r.status_code == 403
    r = await client.post(f"{A}/{draft['id']}/reopen", json={"reason": "x"}, headers=ALICE)
    assert r.status_code == 403


def endpoints(aid: str) -> list[tuple[str, str, object]]:
    return [
        ("GET", f"{A}/{aid}", None),
        ("PUT", f"{A}/{aid}", gron()),
        ("POST", f"{A}/{aid}/pre-check", None),
        ("POST", f"{A}/{aid}/submit", None),
        ("GET", f"{A}/{aid}/eligibility", None),
        ("GET", f"{A}/{aid}/versions", None),
        ("GET", f"{A}/{aid}/versions/1", None),
        ("GET", f"{A}/{aid}/history", None),
        ("POST", f"{A}/{aid}/decision", {"decision": "rejected", "reason": "x"}),
        ("POST", f"{A}/{aid}/reopen", {"reason": "x"}),
        ("POST", f"{A}/{aid}/withdraw", {"reason": "x"}),
    ]


async def test_another_applicant_gets_404_everywhere_and_anonymous_401(client: httpx.AsyncClient) -> None:
    draft = await create(client, gron())
    for method, url, body in endpoints(draft["id"]):
        r = await client.request(method, url, json=body, headers={**BOB, **key()})
        assert r.status_code == 404, (method, url, r.status_code, r.text)
        assert "Region Värmland" not in r.text and "alice" not in r.text
        r = await client.request(method, url, json=body)
        assert r.status_code == 401, (method, url, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")
    for url in (A, f"{A}.csv"):
        assert (await client.get(url)).status_code == 401
    assert (await client.post(A, json=gron())).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await client.get(f"{A}/{draft['id']}", headers=bad)).status_code == 401
    # Nothing changed for Alice.
    assert (await client.get(f"{A}/{draft['id']}", headers=ALICE)).json() == draft
    assert [e["to_status"] for e in await history(client, draft["id"])] == ["draft"]
    assert (await client.get(A, headers=BOB)).json()["items"] == []


async def test_an_organisation_shares_its_applications(client: httpx.AsyncClient) -> None:
    anna = auth("applicant", "anna", org="region-varmland")
    per = auth("applicant", "per", org="region-varmland")
    eve = auth("applicant", "eve", org="other-org")
    draft = await create(client, gron(), who=anna)
    assert draft["organisation"] == "region-varmland"
    assert (await client.get(f"{A}/{draft['id']}", headers=per)).status_code == 200
    edit = await editing(client, f"{A}/{draft['id']}", per)
    assert (await client.put(f"{A}/{draft['id']}", json=gron(acronym="P"), headers=edit)).status_code == 200
    assert (await client.get(f"{A}/{draft['id']}", headers=eve)).status_code == 404
    assert [x["id"] for x in (await client.get(A, headers=per)).json()["items"]] == [draft["id"]]
    assert (await client.get(A, headers=eve)).json()["items"] == []
    # An application without an organisation is its owner's only.
    lone = await create(client, gron(), who=ALICE)
    assert (
        await client.get(f"{A}/{lone['id']}", headers=auth("applicant", "x", org="region-varmland"))
    ).status_code == 404


async def test_unreachable_upstreams_are_503_and_nothing_is_stored(
    client: httpx.AsyncClient, applications_offline_client: httpx.AsyncClient
) -> None:
    # with no catalogue a draft cannot be made: whether its programme and call exist is unknown
    made = await applications_offline_client.post(A, json=gron(), headers={**ALICE, **key()})
    assert made.status_code == 503 and made.json()["service"] == "catalogue"
    assert (await client.get(A, headers=ALICE)).json()["items"] == []
    draft = await create(client, gron())
    for path in ("submit", "pre-check"):
        r = await applications_offline_client.post(f"{A}/{draft['id']}/{path}", headers={**ALICE, **key()})
        assert r.status_code == 503, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"{A}/{draft['id']}", headers=ALICE)).json() == draft
    assert (await client.get(f"{A}/{draft['id']}/versions", headers=ALICE)).json() == {"items": [], "next_cursor": None}
    assert (await client.get(f"{A}/{draft['id']}/eligibility", headers=ALICE)).status_code == 404
    assert len(await history(client, draft["id"])) == 1


async def test_withdraw_a_draft_then_nothing_more(client: httpx.AsyncClient) -> None:
    draft = await create(client, gron())
    headers = {**ALICE, **key()}
    r = await client.post(f"{A}/{draft['id']}/withdraw", json={"reason": "partner left"}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and r.json()["allowed_actions"] == []
    replay = await client.post(f"{A}/{draft['id']}/withdraw", json={"reason": "partner left"}, headers=headers)
    assert replay.json() == r.json() and replay.headers.get("idempotent-replayed") == "true"
    again = await client.post(f"{A}/{draft['id']}/withdraw", headers=ALICE)
    assert again.status_code == 409
    assert again.json()["current_status"] == "withdrawn" and again.json()["attempted_transition"] == "withdraw"
    put = await client.put(f"{A}/{draft['id']}", json=gron(), headers=await editing(client, f"{A}/{draft['id']}"))
    assert put.status_code == 409 and "withdrawn" in put.json()["detail"]
    entries = await history(client, draft["id"])
    assert [(e["to_status"], e["reason"]) for e in entries] == [("draft", None), ("withdrawn", "partner left")]


async def test_a_rejection_needs_a_reason(client: httpx.AsyncClient) -> None:
    draft = await create(client, gron())
    r = await client.post(f"{A}/{draft['id']}/decision", json={"decision": "rejected"}, headers=OLGA)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(f"{A}/{draft['id']}/decision", json={"decision": "rejected", "reason": "no"}, headers=OLGA)
    assert r.status_code == 409 and r.json()["current_status"] == "draft"
    r = await client.post(f"{A}/{draft['id']}/decision", json={"decision": "maybe"}, headers=OLGA)
    assert r.status_code == 422


async def test_lists_filters_and_pagination(client: httpx.AsyncClient, applications_clock: FixedClock) -> None:
    call_a, call_b = str(call_id(PROGRAMME, "2022-1")), str(call_id(PROGRAMME, "2022-2"))
    made = []
    for i in range(5):
        applications_clock.advance(dt.timedelta(minutes=1))
        body = gron(call_id=call_a if i % 2 else call_b, acronym=f"A{i}", specific_objective="1B" if i < 3 else "2A")
        if i == 4:  # a Swedish-Finnish project: no Norwegian partner
            body["partners"][1].update(country="FI", region="FI1D")
        made.append(await create(client, body, who=ALICE if i < 4 else BOB))
    # Applicants see their own; officers all, newest first.
    assert {x["acronym"] for x in (await client.get(A, headers=ALICE)).json()["items"]} == {"A0", "A1", "A2", "A3"}
    everything = (await client.get(A, headers=OLGA)).json()["items"]
    assert [x["acronym"] for x in everything] == ["A4", "A3", "A2", "A1", "A0"]
    # Pages of two, walked with the cursor.
    seen, cursor = [], None
    while True:
        r = await client.get(A, params={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=OLGA)
        page = r.json()
        assert len(page["items"]) <= 2
        seen += [x["acronym"] for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["A4", "A3", "A2", "A1", "A0"]
    assert (await client.get(A, params={"cursor": "garbage!"}, headers=OLGA)).status_code == 422

    async def acronyms(**params: str) -> set[str]:
        r = await client.get(A, params=params, headers=OLGA)
        assert r.status_code == 200, r.text
        return {x["acronym"] for x in r.json()["items"]}

    assert await acronyms(call_id=call_a) == {"A1", "A3"}
    assert await acronyms(specific_objective="2A") == {"A3", "A4"}
    assert await acronyms(country="FI") == {"A4"}
    assert await acronyms(country="NO") == {"A0", "A1", "A2", "A3"}
    assert await acronyms(status="draft", programme="interreg-se-no-2021-2027") == {f"A{i}" for i in range(5)}
    assert await acronyms(status="eligible") == set()
    assert await acronyms(submitted_from="2000-01-01") == set()  # none submitted yet
    assert (await client.get(A, params={"status": "pending"}, headers=OLGA)).status_code == 422


def crafted(keyset: object) -> str:
    """A cursor in the API's encoding that the API did not hand out."""
    return base64.urlsafe_b64encode(json.dumps(keyset).encode()).decode().rstrip("=")


async def test_a_cursor_the_api_did_not_return_is_422_on_every_list(client: httpx.AsyncClient) -> None:
    draft = await create(client, gron())
    await create(client, gron())
    page = (await client.get(A, params={"limit": 1}, headers=ALICE)).json()
    foreign = page["next_cursor"]  # a cursor of the application list, used on another list
    history_page = (await client.get(f"{A}/{draft['id']}/history", params={"limit": 1}, headers=ALICE)).json()
    assert history_page["next_cursor"] is None  # one entry: no next page, so craft the history's own shape
    lists = {
        A: [
            crafted({"created_at": "not-a-time", "id": str(uuid.uuid4())}),
            crafted({"created_at": "2025-03-14T09:30:00", "id": str(uuid.uuid4())}),  # no time zone
            crafted({"created_at": "2025-03-14T09:30:00Z", "id": "x", "extra": 1}),
            crafted({"id": 1}),
        ],
        f"{A}/{draft['id']}/versions": [crafted({"number": -1}), crafted({"number": 0}), crafted({"n": 1}), foreign],
        f"{A}/{draft['id']}/history": [crafted({"id": -5}), crafted({"id": "1"}), crafted([1]), foreign],
    }
    for url, cursors in lists.items():
        for cursor in [*cursors, "garbage!", crafted("plain")]:
            r = await client.get(url, params={"cursor": cursor}, headers=ALICE)
            assert r.status_code == 422, (url, cursor, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in r.json()["errors"]] == ["query.cursor"]


async def test_csv_export(client: httpx.AsyncClient) -> None:
    body = gron()
    body["partners"][1]["budget"][0]["amount"] = {"amount": "3000000.00", "currency": "NOK"}
    body["partners"][1]["financing"] = [
        {"source": "NO-STATE", "amount": {"amount": "1500000.00", "currency": "NOK"}},
        {"source": "own-public", "amount": {"amount": "1500000.00", "currency": "NOK"}},
    ]
    await create(client, body)
    await create(client, gron(specific_objective="2A"), who=BOB)
    assert (await client.get(f"{A}.csv", headers=ALICE)).status_code == 403
    r = await client.get(f"{A}.csv", params={"specific_objective": "1B"}, headers=OLGA)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 1
    row = rows[0]
    assert row["acronym"] == "GIV" and row["status"] == "draft" and row["countries"] == "NO;SE"
    assert row["specific_objective"] == "1B" and row["programme"] == "interreg-se-no-2021-2027"
    assert (row["total_budget_EUR"], row["total_budget_NOK"], row["total_budget_SEK"]) == (
        "600000.00",
        "3000000.00",
        "",
    )
    assert row["requested_ERDF_EUR"] == "390000.00" and row["requested_NO_STATE_NOK"] == "1500000.00"
    assert row["requested_NO_STATE_EUR"] == ""
    everything = await client.get(f"{A}.csv", headers=ADMIN)
    assert len(list(csv.DictReader(io.StringIO(everything.text)))) == 2


async def test_csv_export_never_hands_a_spreadsheet_a_formula(client: httpx.AsyncClient) -> None:
    await create(client, gron(acronym='=HYPERLINK("http://evil","GIV")'))
    r = await client.get(f"{A}.csv", headers=OLGA)
    assert r.status_code == 200
    (row,) = list(csv.DictReader(io.StringIO(r.text)))
    assert row["acronym"] == '\'=HYPERLINK("http://evil","GIV")'
    assert row["total_budget_EUR"] == "900000.00"


@pytest.mark.parametrize("acronym", [" =1+1", "|calc", "\uff1d1+1"], ids=repr)
async def test_csv_export_neutralises_what_spreadsheets_fold_into_a_formula(
    client: httpx.AsyncClient, acronym: str
) -> None:
    await create(client, gron(acronym=acronym))
    (row,) = list(csv.DictReader(io.StringIO((await client.get(f"{A}.csv", headers=OLGA)).text)))
    assert row["acronym"] == "'" + acronym


async def test_openapi_documents_every_endpoint(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path, ops in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, op in ops.items():
            assert op.get("description"), (method, path)
            assert any(code.startswith("4") for code in op["responses"]), (method, path)
    create_op = spec["paths"]["/v1/applications"]["post"]
    examples = create_op["requestBody"]["content"]["application/json"]["examples"]
    assert examples["gron-industrivaxt"]["value"]["acronym"] == "GIV"
    assert (await client.get("/docs")).status_code == 200
