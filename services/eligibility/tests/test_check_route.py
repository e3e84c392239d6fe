"""`POST /v1/checks` answers the same whichever way it is served: the fast path in front of the routes (a JSON
body with a length, no query string, no `Authorization`) and FastAPI's route (taken for anything else) give
the very same bytes, errors included, and what only the route reads (query parameters, a token) is still
read."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.eligibility.routes.checks import CheckFastPath
from services.eligibility.tests.helpers import SE_NO, gron


@pytest.fixture
async def call_id(catalogue_client: httpx.AsyncClient) -> str:
    r = await catalogue_client.get(f"/v1/programmes/{SE_NO}/calls", params={"limit": 100})
    return str(next(c["id"] for c in r.json()["items"] if c["number"] == "2022-1"))


async def test_the_fast_path_and_the_route_answer_the_same_bytes(
    eligibility_app: Any, eligibility_client: httpx.AsyncClient, call_id: str
) -> None:
    assert CheckFastPath in [m.cls for m in eligibility_app.user_middleware]
    for body, language in ((gron(call_id=call_id), "sv"), (gron(call_id=call_id, erdf="396000.00"), "nb")):
        content = json.dumps(body).encode()
        plain = {"Content-Type": "application/json", "Accept-Language": language}
        direct = await eligibility_client.post("/v1/checks", content=content, headers=plain)
        variants = [
            # A scheme other than Bearer: no caller, as without the header, but the general handler reads it.
            {**plain, "Authorization": "Basic abc"},
            # Another spelling of JSON: the general handler parses the media type.
            {**plain, "Content-Type": "application/json; charset=utf-8"},
        ]
        chunked = await eligibility_client.post("/v1/checks", content=_chunks(content), headers=plain)
        assert (chunked.status_code, chunked.content) == (200, direct.content)  # no length: the route's
        assert direct.status_code == 200, direct.text
        assert direct.json()["language"] == language
        for headers in variants:
            general = await eligibility_client.post("/v1/checks", content=content, headers=headers)
            assert (general.status_code, general.content) == (200, direct.content)
            assert general.headers["content-language"] == direct.headers["content-language"]
        latest = await eligibility_client.post("/v1/checks?rule_set_version=1", content=content, headers=plain)
        assert latest.content == direct.content


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(content), 100):
        yield content[start : start + 100]


async def test_an_error_of_the_check_is_answered_as_the_route_answers_it(
    eligibility_client: httpx.AsyncClient, call_id: str
) -> None:
    content = json.dumps({**gron(call_id=call_id), "programme": "no-such-programme"}).encode()
    plain = {"Content-Type": "application/json"}
    fast = await eligibility_client.post("/v1/checks", content=content, headers=plain)
    route = await eligibility_client.post("/v1/checks", content=content, headers={**plain, "Authorization": "Basic x"})
    assert fast.status_code == route.status_code == 422
    assert fast.headers["content-type"] == "application/problem+json"
    assert fast.content == route.content and "no-such-programme" in fast.json()["detail"]


async def test_what_the_fast_path_does_not_read_is_still_read(
    eligibility_client: httpx.AsyncClient, call_id: str
) -> None:
    body = gron(call_id=call_id)
    bad_version = await eligibility_client.post("/v1/checks?rule_set_version=0", json=body)
    assert bad_version.status_code == 422
    assert [e["field"] for e in bad_version.json()["errors"]] == ["query.rule_set_version"]
    both = await eligibility_client.post("/v1/checks?rule_set_version=0", json={**body, "partners": "x"})
    assert [e["field"] for e in both.json()["errors"]] == ["query.rule_set_version", "partners"]
    missing = await eligibility_client.post("/v1/checks?rule_set=no-such-set", json=body)
    assert missing.status_code == 404
    token = await eligibility_client.post("/v1/checks", json=body, headers={"Authorization": "Bearer not-a-token"})
    assert token.status_code == 401
    not_json = await eligibility_client.post("/v1/checks", content=b"{", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 422
    invalid = await eligibility_client.post("/v1/checks", json={**body, "partners": "x"})
    assert invalid.status_code == 422 and [e["field"] for e in invalid.json()["errors"]] == ["partners"]


@pytest.mark.parametrize("version", ["2147483647", "2147483648", "99999999999999999999999"])
async def test_a_version_beyond_the_column_is_a_422_not_a_database_error(
    eligibility_client: httpx.AsyncClient, call_id: str, version: str
) -> None:
    answer = await eligibility_client.post(f"/v1/checks?rule_set_version={version}", json=gron(call_id=call_id))
    if version == "2147483647":  # the largest version the column holds: looked up, and not found
        assert answer.status_code == 404, answer.text
    else:
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["query.rule_set_version"]


def _tricky(call_id: str) -> list[bytes]:
    """Bodies a JSON parser may read differently: the fast path must answer each as the route does."""
    body = gron(call_id=call_id)
    text = json.dumps(body)
    staff = '{"amount": "600000.00", "currency": "EUR"}'
    assert staff in text
    return [
        text.replace('"programme": ', '"programme": "nope", "programme": ', 1).encode(),  # a key twice: the last
        text.replace(staff, '{"amount": 600000, "currency": "EUR"}', 1).encode(),  # an integer amount
        text.replace(staff, '{"amount": 600000.0, "currency": "EUR"}', 1).encode(),  # a float: refused
        text.replace(staff, '{"amount": NaN, "currency": "EUR"}', 1).encode(),  # not JSON, Python reads it
        text.replace('"acronym": "GIV"', '"acronym": "G\\u00cfV"', 1).encode(),  # an escape
        text.replace('"acronym": "GIV"', '"acronym": "G\\ud800V"', 1).encode(),  # a lone surrogate
        text.replace('"acronym": "GIV"', '"acronym": "GIV", "unknown": [1e400]', 1).encode(),  # beyond a double
        b"\xef\xbb\xbf" + text.encode(),  # a byte-order mark
        text.encode("utf-16"),  # not UTF-8
        b"[]",
        b"null",
    ]


async def test_bodies_read_differently_by_parsers_get_the_routes_answer(
    eligibility_client: httpx.AsyncClient, call_id: str
) -> None:
    for content in _tricky(call_id):
        plain = {"Content-Type": "application/json"}
        fast = await eligibility_client.post("/v1/checks", content=content, headers=plain)
        route = await eligibility_client.post(
            "/v1/checks", content=content, headers={**plain, "Authorization": "Basic x"}
        )
        assert (fast.status_code, fast.content) == (route.status_code, route.content), content[:80]
        assert fast.status_code in (200, 422), fast.text


async def test_a_batch_answers_each_application_as_its_check_alone(
    eligibility_client: httpx.AsyncClient, call_id: str
) -> None:
    bodies = [
        gron(call_id=call_id),
        {**gron(call_id=call_id), "programme": "no-such-programme"},
        gron(call_id=call_id, erdf="396000.00"),
    ]
    headers = {"Accept-Language": "sv"}
    alone = [await eligibility_client.post("/v1/checks", json=body, headers=headers) for body in bodies]
    assert [r.status_code for r in alone] == [200, 422, 200]
    batch = await eligibility_client.post("/v1/checks/batch", json={"items": bodies}, headers=headers)
    assert batch.status_code == 200, batch.text
    assert batch.headers["content-language"] == "sv"
    items = batch.json()["items"]
    assert [item["status"] for item in items] == [200, 422, 200]
    assert [items[0]["report"], items[2]["report"]] == [alone[0].json(), alone[2].json()]
    assert [items[0]["report"]["eligible"], items[2]["report"]["eligible"]] == [True, False]
    # The route (a token: not the fast path) answers the very same bytes.
    routed = await eligibility_client.post(
        "/v1/checks/batch", json={"items": bodies}, headers={**headers, "Authorization": "Basic abc"}
    )
    assert (routed.status_code, routed.content) == (200, batch.content)
    problem = items[1]["problem"]
    assert (problem["status"], problem["detail"]) == (422, alone[1].json()["detail"])
    assert "no-such-programme" in problem["detail"]


async def test_a_batch_that_does_not_validate_is_refused_whole(
    eligibility_client: httpx.AsyncClient, call_id: str
) -> None:
    for body in (
        {"items": []},
        {"items": [gron(call_id=call_id), {"programme": SE_NO}]},
        {"items": [gron(call_id=call_id)] * 201},
    ):
        r = await eligibility_client.post("/v1/checks/batch", json=body)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
