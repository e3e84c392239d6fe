"""API tests through ASGITransport, with the real catalogue in-process; each runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from services.eligibility.config import DATA_DIR, Settings
from services.eligibility.main import create_app
from services.eligibility.rule_sets import files
from shared.clock import FixedClock
from shared.db import session_scope
from tests.harness import auth

from .fixtures import CLOCK_START
from .helpers import NMS, SE_NO, activate, gron, m

ADMIN = auth("admin", "ada")
SHARE_060 = [
    {"code": "cross-border-partnership", "kind": "partnership", "params": {"countries": ["SE", "NO"]}},
    {
        "code": "co-financing-se",
        "kind": "co-financing",
        "params": {"country": "SE", "source": "ERDF", "max_share": "0.60"},
    },
    {
        "code": "co-financing-no",
        "kind": "co-financing",
        "params": {"country": "NO", "source": "NO-STATE", "max_share": "0.50"},
    },
    {"code": "financing-balances", "params": {}},
]


class _Refused(httpx.AsyncBaseTransport):
    """A catalogue that cannot be reached (connection refused)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


@pytest.fixture
async def rules_app(eligibility_database_url: str, catalogue_app: FastAPI) -> AsyncIterator[FastAPI]:
    """The eligibility app for tests of the rule-set endpoints (a new version is checked against the catalogue)."""
    app = create_app(
        Settings(database_url=eligibility_database_url, http_retries=0),
        transports={"catalogue": httpx.ASGITransport(catalogue_app)},
        clock=FixedClock(CLOCK_START),
    )
    async with LifespanManager(app):
        yield app


@pytest.fixture
async def rules_client(rules_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(rules_app), base_url="http://eligibility") as client:
        yield client


@pytest.fixture
async def first_call(catalogue_client: httpx.AsyncClient) -> str:
    """The id of Interreg Sverige–Norge's call 2022-1, as the catalogue names it."""
    r = await catalogue_client.get(f"/v1/programmes/{SE_NO}/calls", params={"limit": 100})
    assert r.status_code == 200, r.text
    return next(c["id"] for c in r.json()["items"] if c["number"] == "2022-1")


async def check(client: httpx.AsyncClient, app: dict[str, Any], lang: str = "en", **params: Any) -> dict[str, Any]:
    r = await client.post("/v1/checks", json=app, headers={"Accept-Language": lang}, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def rule(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in report["results"] if r["rule"] == code)


async def test_gron_industrivaxt_eligible_and_at_66_percent_not(
    eligibility_client: httpx.AsyncClient, first_call: str
) -> None:
    report = await check(eligibility_client, gron(call_id=first_call))
    assert report["eligible"] is True, [r for r in report["results"] if not r["passed"]]
    assert report["rule_set"] == {"id": SE_NO, "version": 1}
    assert report["as_of"] == "2022-06-01"
    assert len(report["results"]) == 18 and all(r["passed"] for r in report["results"])

    r = await eligibility_client.post(
        "/v1/checks",
        json=gron(call_id=first_call, erdf="396000.00", own_se="204000.00"),
        headers={"Accept-Language": "nb"},
    )
    assert r.status_code == 200 and r.headers["content-language"] == "nb"
    bad = r.json()
    assert bad["eligible"] is False and bad["language"] == "nb"
    co = rule(bad, "co-financing-se")
    assert co["passed"] is False
    assert "Region Värmland" in co["message"] and "6\u00a0000,00 EUR" in co["message"] and "66,00" in co["message"]
    assert co["facts"]["partners"][0]["excess"] == "6000.00"
    assert co["facts"]["partners"][0]["erdf_share"] == "0.6600"


async def test_five_broken_rules_in_three_languages(eligibility_client: httpx.AsyncClient, first_call: str) -> None:
    bad = gron(call_id=first_call, erdf="500000.00", own_se="100000.00", no_state="200000.00", own_no="100000.00")
    bad["project_type"] = "pre-project"
    bad["partners"][1]["country"] = "SE"
    bad["partners"][1]["region"] = "SE312"
    bad["partners"][0]["organisation_type"] = "sole-proprietorship"
    bad["partners"][0]["financing"][1]["amount"]["amount"] = "99999.99"
    want = {
        "cross-border-partnership",
        "eligible-organisation",
        "co-financing-se",
        "project-duration",
        "financing-balances",
    }
    messages: dict[str, dict[str, str]] = {}
    for lang in ("sv", "nb", "en"):
        report = await check(eligibility_client, bad, lang)
        failed = {r["rule"]: r["message"] for r in report["results"] if not r["passed"]}
        assert report["eligible"] is False and want <= set(failed)
        messages[lang] = failed
    for code in want:
        assert len({messages[lang][code] for lang in ("sv", "nb", "en")}) == 3


async def test_unknown_call_fails_call_open_not_the_request(eligibility_client: httpx.AsyncClient) -> None:
    report = await check(eligibility_client, gron(call_id=uuid.uuid4()))
    assert report["eligible"] is False
    assert rule(report, "call-open")["passed"] is False and rule(report, "call-open")["facts"]["found"] is False


async def test_unknown_programme_is_a_problem(eligibility_client: httpx.AsyncClient, first_call: str) -> None:
    r = await eligibility_client.post("/v1/checks", json=gron(call_id=first_call, programme="no-such-programme"))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/unknown-programme")
    # nor can rules be stored for a programme the catalogue does not know
    body = {"programme": "ghost-programme", "rules": SHARE_060}
    r = await eligibility_client.post("/v1/rule-sets", json=body, headers=ADMIN)
    assert r.status_code == 422 and r.json()["type"].endswith("/unknown-programme")
    assert r.json()["errors"] == [{"field": "programme", "message": "not a programme of the catalogue"}]


async def test_invalid_application_is_422(eligibility_client: httpx.AsyncClient, first_call: str) -> None:
    app = gron(call_id=first_call)
    app["partners"][0]["budget"][0]["amount"]["amount"] = 600000.5
    r = await eligibility_client.post("/v1/checks", json=app)
    assert r.status_code == 422 and r.json()["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("as_of", "0001-01-01"),
        ("as_of", "1899-12-31"),
        ("at", "9999-12-31T23:59:59+00:00"),
        ("at", "0001-01-01T00:00:00+00:00"),
        ("start_date", "0001-01-01"),
        ("end_date", "9999-12-31"),
        ("end_date", "2200-01-01"),
    ],
)
async def test_a_date_outside_the_calendar_of_the_api_is_422(
    eligibility_client: httpx.AsyncClient, first_call: str, field: str, value: str
) -> None:
    """Dates far outside any programme's (year 1, year 9999) made the rules' date arithmetic fail: a 500."""
    r = await eligibility_client.post("/v1/checks", json={**gron(call_id=first_call), field: value})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    assert field in r.json()["detail"] and "between 1900-01-01 and 2199-12-31" in r.json()["detail"]


async def test_the_first_and_last_days_of_the_calendar_of_the_api_are_checked(
    eligibility_client: httpx.AsyncClient, first_call: str
) -> None:
    early = await check(eligibility_client, gron(call_id=first_call, as_of="1900-01-01", start_date="1900-01-01"))
    assert early["as_of"] == "1900-01-01" and rule(early, "project-duration")["passed"] is False
    late = gron(call_id=first_call, as_of="2199-12-31", end_date="2199-12-31", at="2199-12-31T23:59:59-12:00")
    report = await check(eligibility_client, late)
    assert report["as_of"] == "2199-12-31" and rule(report, "call-open")["passed"] is False


async def test_norra_mellansverige_rule_set(eligibility_client: httpx.AsyncClient) -> None:
    app = gron(programme=NMS, call_id=uuid.uuid4())
    app["partners"][1].update(country="SE", region="SE313")
    app["partners"][0]["financing"] = [
        {"source": "ERDF", "amount": m("300000.00")},
        {"source": "own-public", "amount": m("300000.00")},
    ]
    app["partners"][1]["financing"] = [
        {"source": "ERDF", "amount": m("150000.00")},
        {"source": "other-public", "amount": m("150000.00")},
    ]
    report = await check(eligibility_client, app)
    assert report["eligible"] is True and report["rule_set"]["id"] == NMS
    app["partners"][1]["financing"][0]["amount"] = m("150030.00")
    app["partners"][1]["financing"][1]["amount"] = m("149970.00")
    report = await check(eligibility_client, app)
    assert report["eligible"] is False and rule(report, "co-financing-erdf")["passed"] is False


async def test_new_threshold_is_a_new_version_and_old_reports_reproduce(
    eligibility_client: httpx.AsyncClient, first_call: str
) -> None:
    app = gron(call_id=first_call, erdf="372000.00", own_se="228000.00")  # 62 %
    before = await check(eligibility_client, app, "sv")
    assert before["rule_set"] == {"id": SE_NO, "version": 1} and before["eligible"] is True

    body = {"id": SE_NO, "programme": SE_NO, "rules": SHARE_060}
    headers = {**ADMIN, "Idempotency-Key": "share-060"}
    r = await eligibility_client.post("/v1/rule-sets", json=body, headers=headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["version"] == 2 and created["latest_version"] == 2 and created["created_by"] == "ada"
    assert created["effective_from"] is None  # a draft until activated
    assert dt.datetime.fromisoformat(created["created_at"]) == CLOCK_START  # the app's clock, not the wall's
    assert r.headers["location"] == f"/v1/rule-sets/{SE_NO}/versions/2"
    assert created["rules"][1]["params"] == {"country": "SE", "source": "ERDF", "max_share": "0.60"}
    replay = await eligibility_client.post("/v1/rule-sets", json=body, headers=headers)
    assert replay.status_code == 201 and replay.json() == created and replay.headers["idempotent-replayed"] == "true"
    other = await eligibility_client.post("/v1/rule-sets", json={**body, "rules": SHARE_060[:2]}, headers=headers)
    assert other.status_code == 422
    assert (await check(eligibility_client, app, "sv")) == before  # the draft is not used
    await activate(eligibility_client, r, ADMIN)

    after = await check(eligibility_client, app, "sv")
    assert after["rule_set"] == {"id": SE_NO, "version": 2} and after["eligible"] is False
    assert rule(after, "co-financing-se")["facts"]["limit"] == "0.60"
    assert before["rule_set"]["version"] == 1  # the earlier report still names the old version
    again = await check(eligibility_client, app, "sv", rule_set=SE_NO, rule_set_version=1)
    assert again == before

    latest = (await eligibility_client.get(f"/v1/rule-sets/{SE_NO}")).json()
    assert latest["version"] == 2
    v1 = await eligibility_client.get(f"/v1/rule-sets/{SE_NO}", params={"version": 1})
    assert v1.json()["version"] == 1 and len(v1.json()["rules"]) == 18
    same = await eligibility_client.get(f"/v1/rule-sets/{SE_NO}/versions/1")
    assert same.json() == v1.json()
    cached = await eligibility_client.get(
        f"/v1/rule-sets/{SE_NO}/versions/1", headers={"If-None-Match": same.headers["etag"]}
    )
    assert cached.status_code == 304
    versions = (await eligibility_client.get(f"/v1/rule-sets/{SE_NO}/versions")).json()
    assert [v["version"] for v in versions["items"]] == [1, 2]


async def test_funding_cap_rule_added_by_a_new_version(eligibility_client: httpx.AsyncClient, first_call: str) -> None:
    current = (await eligibility_client.get(f"/v1/rule-sets/{SE_NO}")).json()
    rules = [r for r in current["rules"] if r["code"] != "pre-project-erdf-cap"]
    rules.append(
        {
            "code": "pre-project-erdf-cap-8000",
            "kind": "funding-cap",
            "params": {
                "project_type": "pre-project",
                "country": "SE",
                "source": "ERDF",
                "max_amount": {"amount": "8000.00", "currency": "EUR"},
            },
        }
    )
    r = await eligibility_client.post("/v1/rule-sets", json={"programme": SE_NO, "rules": rules}, headers=ADMIN)
    assert r.status_code == 201 and r.json()["id"] == SE_NO and r.json()["version"] == 2
    await activate(eligibility_client, r, ADMIN)
    app = gron(
        call_id=first_call, erdf="9000.00", own_se="591000.00", project_type="pre-project", end_date="2023-08-31"
    )
    report = await check(eligibility_client, app)
    cap = rule(report, "pre-project-erdf-cap-8000")
    assert cap["passed"] is False and cap["facts"]["excess"] == "1000.00"


async def test_call_specific_rule_set_wins_for_its_call(eligibility_client: httpx.AsyncClient, first_call: str) -> None:
    body = {"programme": SE_NO, "call_id": first_call, "rules": SHARE_060}
    r = await eligibility_client.post("/v1/rule-sets", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    call_set = r.json()["id"]
    assert call_set != SE_NO and r.json()["version"] == 1
    # a draft call set leaves the call to the programme's rules until it is activated
    assert (await check(eligibility_client, gron(call_id=first_call)))["rule_set"]["id"] == SE_NO
    await activate(eligibility_client, r, ADMIN)
    report = await check(eligibility_client, gron(call_id=first_call))
    assert report["rule_set"] == {"id": call_set, "version": 1}
    other = await check(eligibility_client, gron(call_id=uuid.uuid4()))
    assert other["rule_set"]["id"] == SE_NO
    listed = (await eligibility_client.get("/v1/rule-sets", params={"programme": SE_NO})).json()
    assert {i["id"] for i in listed["items"]} == {SE_NO, call_set}
    # another id for a scope that has one already, or an id moved to another scope: 409
    clash = await eligibility_client.post("/v1/rule-sets", json={**body, "id": "another-id"}, headers=ADMIN)
    assert clash.status_code == 409
    moved = await eligibility_client.post(
        "/v1/rule-sets", json={"id": SE_NO, "programme": NMS, "rules": SHARE_060[3:]}, headers=ADMIN
    )
    assert moved.status_code == 409
    # a rule set of another programme cannot check this application
    r = await eligibility_client.post("/v1/checks", json=gron(call_id=first_call), params={"rule_set": NMS})
    assert r.status_code == 422
    r = await eligibility_client.post(
        "/v1/checks", json=gron(call_id=first_call), params={"rule_set": SE_NO, "rule_set_version": 99}
    )
    assert r.status_code == 404


async def test_rule_set_reads(rules_client: httpx.AsyncClient) -> None:
    listed = (await rules_client.get("/v1/rule-sets")).json()
    assert [i["id"] for i in listed["items"]] == [NMS, SE_NO] and listed["next_cursor"] is None
    page = (await rules_client.get("/v1/rule-sets", params={"limit": 1})).json()
    assert [i["id"] for i in page["items"]] == [NMS] and page["next_cursor"]
    page2 = (await rules_client.get("/v1/rule-sets", params={"limit": 1, "cursor": page["next_cursor"]})).json()
    assert [i["id"] for i in page2["items"]] == [SE_NO] and page2["next_cursor"] is None
    only = (await rules_client.get("/v1/rule-sets", params={"programme": NMS})).json()
    assert [i["id"] for i in only["items"]] == [NMS]
    assert (await rules_client.get("/v1/rule-sets/nope")).status_code == 404
    assert (await rules_client.get(f"/v1/rule-sets/{SE_NO}/versions/7")).status_code == 404
    assert (await rules_client.get("/v1/rule-sets/nope/versions")).status_code == 404
    versions = (await rules_client.get(f"/v1/rule-sets/{SE_NO}/versions")).json()
    assert [(v["id"], v["version"], v["created_by"]) for v in versions["items"]] == [(SE_NO, 1, "load-rules")]
    assert versions["next_cursor"] is None
    assert dt.datetime.fromisoformat(versions["items"][0]["created_at"]) == CLOCK_START


async def test_check_kinds_is_a_page(rules_client: httpx.AsyncClient) -> None:
    kinds = (await rules_client.get("/v1/check-kinds")).json()
    assert set(kinds) == {"items", "next_cursor"} and kinds["next_cursor"] is None
    codes = [k["code"] for k in kinds["items"]]
    assert {"co-financing", "funding-cap", "call-open", "programme-area"} <= set(codes)
    co = next(k for k in kinds["items"] if k["code"] == "co-financing")
    assert "max_share" in co["params_schema"]["properties"]
    first = (await rules_client.get("/v1/check-kinds", params={"limit": 2})).json()
    assert [k["code"] for k in first["items"]] == codes[:2] and first["next_cursor"]
    rest = (await rules_client.get("/v1/check-kinds", params={"cursor": first["next_cursor"]})).json()
    assert [k["code"] for k in rest["items"]] == codes[2:] and rest["next_cursor"] is None


async def test_versions_page_with_a_cursor(rules_client: httpx.AsyncClient) -> None:
    for i in range(2):
        rules = SHARE_060[: 2 + i]
        r = await rules_client.post("/v1/rule-sets", json={"programme": SE_NO, "rules": rules}, headers=ADMIN)
        assert r.status_code == 201, r.text
    page = (await rules_client.get(f"/v1/rule-sets/{SE_NO}/versions", params={"limit": 2})).json()
    assert [v["version"] for v in page["items"]] == [1, 2] and page["next_cursor"]
    last = (
        await rules_client.get(f"/v1/rule-sets/{SE_NO}/versions", params={"limit": 2, "cursor": page["next_cursor"]})
    ).json()
    assert [(v["version"], v["rules"]) for v in last["items"]] == [(3, 3)] and last["next_cursor"] is None


def _cursor(keyset: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(keyset).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "path", ["/v1/rule-sets", f"/v1/rule-sets/{SE_NO}/versions", "/v1/check-kinds"], ids=["sets", "versions", "kinds"]
)
@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        _cursor({"version": -1}),
        _cursor({"offset": -5}),
        _cursor({"id": ""}),
        _cursor({"id": SE_NO, "version": 1}),
        _cursor([1, 2]),
        _cursor("x" * 10),
    ],
)
async def test_crafted_cursor_is_422(rules_client: httpx.AsyncClient, path: str, cursor: str) -> None:
    r = await rules_client.get(path, params={"cursor": cursor})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == ["query.cursor"]


async def test_a_cursor_of_another_list_is_422(rules_client: httpx.AsyncClient) -> None:
    sets = (await rules_client.get("/v1/rule-sets", params={"limit": 1})).json()["next_cursor"]
    kinds = (await rules_client.get("/v1/check-kinds", params={"limit": 1})).json()["next_cursor"]
    assert (await rules_client.get(f"/v1/rule-sets/{SE_NO}/versions", params={"cursor": sets})).status_code == 422
    assert (await rules_client.get("/v1/rule-sets", params={"cursor": kinds})).status_code == 422
    assert (await rules_client.get("/v1/check-kinds", params={"cursor": sets})).status_code == 422


@pytest.mark.parametrize(
    ("headers", "status"), [({}, 401), (auth("applicant", "anna"), 403), (auth("officer", "olga"), 403)]
)
async def test_only_admins_post_rule_sets(
    rules_client: httpx.AsyncClient, headers: dict[str, str], status: int
) -> None:
    r = await rules_client.post("/v1/rule-sets", json={"programme": SE_NO, "rules": SHARE_060}, headers=headers)
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "rules",
    [
        [{"code": "no-such-check", "params": {}}],
        [{"code": "co-financing-se", "kind": "co-financing", "params": {"source": "ERDF", "max_share": "1.5"}}],
        [{"code": "co-financing-se", "kind": "co-financing", "params": {"source": "ERDF", "max_share": 0.6}}],
        [{"code": "call-open", "params": {"surprise": True}}],
        [{"code": "call-open"}, {"code": "call-open"}],
        [],
    ],
)
async def test_invalid_rule_sets_are_422(rules_client: httpx.AsyncClient, rules: list[Any]) -> None:
    r = await rules_client.post("/v1/rule-sets", json={"programme": SE_NO, "rules": rules}, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert r.json()["errors"]
    assert (await rules_client.get(f"/v1/rule-sets/{SE_NO}")).json()["latest_version"] == 1


async def test_catalogue_unreachable_is_503(eligibility_database_url: str) -> None:
    settings = Settings(database_url=eligibility_database_url, http_retries=0)
    app = create_app(settings, transports={"catalogue": _Refused()}, clock=FixedClock(CLOCK_START))
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://eligibility") as client,
    ):
        r = await client.post("/v1/checks", json=gron())
        assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"].endswith("/upstream-unavailable") and r.json()["service"] == "catalogue"
        assert (await client.get("/v1/rule-sets")).status_code == 200  # its own reads still work


async def test_load_rules_is_idempotent_and_a_changed_file_is_a_new_version(rules_app: FastAPI, tmp_path: Path) -> None:
    later = CLOCK_START + dt.timedelta(days=30)
    async for session in session_scope(rules_app.state.db):
        again = await files.load_rule_files(session, DATA_DIR, now=later)
    assert {(r.id, r.version, r.created) for r in again} == {(SE_NO, 1, False), (NMS, 1, False)}
    text = (DATA_DIR / f"{SE_NO}.yaml").read_text(encoding="utf-8").replace('max_share: "0.65"', 'max_share: "0.60"')
    (tmp_path / f"{SE_NO}.yaml").write_text(text, encoding="utf-8")
    async for session in session_scope(rules_app.state.db):
        changed = await files.load_rule_files(session, tmp_path, now=later)
    assert [(r.id, r.version, r.created) for r in changed] == [(SE_NO, 2, True)]
    async for session in session_scope(rules_app.state.db):
        unchanged = await files.load_rule_files(session, tmp_path, now=later)
    assert [(r.id, r.version, r.created) for r in unchanged] == [(SE_NO, 2, False)]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(rules_app), base_url="http://eligibility") as client:
        stored = (await client.get(f"/v1/rule-sets/{SE_NO}/versions/2")).json()
    assert stored["created_by"] == "load-rules" and dt.datetime.fromisoformat(stored["created_at"]) == later


async def test_openapi_health_and_docs(eligibility_client: httpx.AsyncClient) -> None:
    spec = (await eligibility_client.get("/openapi.json")).json()
    post = spec["paths"]["/v1/checks"]["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]
    assert examples["gron-industrivaxt"]["value"]["acronym"] == "GIV"
    assert post["responses"]["200"]["content"]["application/json"]["example"]["rule_set"]["id"] == SE_NO
    assert {"422", "503"} <= set(post["responses"])
    assert {"401", "403", "409", "422"} <= set(spec["paths"]["/v1/rule-sets"]["post"]["responses"])
    assert (await eligibility_client.get("/docs")).status_code == 200
    assert (await eligibility_client.get("/healthz")).status_code == 200
    assert (await eligibility_client.get("/readyz")).status_code == 200


async def test_historical_regions_from_the_catalogue(eligibility_client: httpx.AsyncClient, first_call: str) -> None:
    """Viken (NO082) counts until 2023-12-31; from 2024-01-01 it is outside, and as the region of the
    Norwegian side's only organisation (its project owner) that makes the project ineligible."""
    app = gron(call_id=first_call, start_date="2023-12-31", end_date="2025-12-30")
    app["partners"][1]["region"] = "NO082"
    inside = rule(await check(eligibility_client, app), "programme-area")
    assert inside["passed"] is True
    app.update(start_date="2024-01-01", end_date="2025-12-31")
    report = await check(eligibility_client, app)
    outside = rule(report, "programme-area")
    assert outside["passed"] is False and outside["severity"] == "error"
    assert outside["facts"]["partners"][1]["successors"] == ["NO083", "NO084"]
    assert outside["facts"]["scope"] == "owners"
    assert {r["rule"] for r in report["results"] if not r["passed"]} == {"programme-area"}
    assert report["eligible"] is False


async def test_default_check_date_is_today_in_stockholm_at_the_apps_clock(
    eligibility_app: FastAPI, eligibility_client: httpx.AsyncClient, first_call: str
) -> None:
    app = gron(call_id=first_call)
    del app["as_of"]
    clock: FixedClock = eligibility_app.state.clock
    clock.set(dt.datetime(2022, 5, 31, 22, 30, tzinfo=dt.UTC))  # 00:30 on 1 June in Stockholm
    assert (await check(eligibility_client, app))["as_of"] == "2022-06-01"
    clock.set(dt.datetime(2022, 5, 31, 21, 30, tzinfo=dt.UTC))  # 23:30 on 31 May in Stockholm
    assert (await check(eligibility_client, app))["as_of"] == "2022-05-31"
    clock.set(dt.datetime(2022, 7, 1, 8, 0, tzinfo=dt.UTC))  # after call 2022-1 closed
    late = await check(eligibility_client, app)
    assert late["as_of"] == "2022-07-01" and rule(late, "call-open")["passed"] is False


class _Watching(httpx.AsyncBaseTransport):
    """The catalogue, recording how many connections of the eligibility database are checked out whenever
    it is asked (a checked-out connection is where an open transaction lives)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.checked_out = 0
        self.seen: list[int] = []

    def watch(self, engine: AsyncEngine) -> None:
        event.listen(engine.sync_engine, "checkout", lambda *_: self._move(1))
        event.listen(engine.sync_engine, "checkin", lambda *_: self._move(-1))

    def _move(self, by: int) -> None:
        self.checked_out += by

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(self.checked_out)
        return await self.inner.handle_async_request(request)


async def test_no_database_connection_is_held_while_the_catalogue_answers(
    eligibility_database_url: str, catalogue_app: FastAPI, first_call: str
) -> None:
    watching = _Watching(httpx.ASGITransport(catalogue_app))
    settings = Settings(database_url=eligibility_database_url, http_retries=0)
    app = create_app(settings, transports={"catalogue": watching}, clock=FixedClock(CLOCK_START))
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://eligibility") as client,
    ):
        watching.watch(app.state.db.engine)
        report = await check(client, gron(call_id=first_call))
    assert report["eligible"] is True
    assert len(watching.seen) >= 4 and set(watching.seen) == {0}


FIRST_RELEASE = Path(__file__).resolve().parent / "data" / f"{SE_NO}.yaml"


def _first_release_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(FIRST_RELEASE, folder / FIRST_RELEASE.name)
    return folder


async def test_an_upgraded_rule_set_is_a_new_version_and_reports_under_the_first_still_reproduce(
    eligibility_database_url: str, catalogue_app: FastAPI, catalogue_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    """A deployment that stored the first release of the rule set, then loads the seed-true rules
    (`load-rules`): the new rules are version 2; a report made under version 1 reproduces exactly."""
    first_release = _first_release_folder(tmp_path)
    settings = Settings(database_url=eligibility_database_url, http_retries=0, rules_dir=first_release)
    app = create_app(
        settings, transports={"catalogue": httpx.ASGITransport(catalogue_app)}, clock=FixedClock(CLOCK_START)
    )
    call_id = (await catalogue_client.get(f"/v1/programmes/{SE_NO}/calls", params={"limit": 100})).json()["items"]
    first_call = next(c["id"] for c in call_id if c["number"] == "2022-1")
    # The Norwegian partner financed with ERDF: the first release let it pass.
    app_body = gron(call_id=first_call)
    app_body["partners"][1]["financing"] = [
        {"source": "ERDF", "amount": {"amount": "150000.00", "currency": "EUR"}},
        {"source": "own-public", "amount": {"amount": "150000.00", "currency": "EUR"}},
    ]
    async with (
        LifespanManager(app, startup_timeout=30),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://eligibility") as client,
    ):
        before = await check(client, app_body, "nb")
        assert before["rule_set"] == {"id": SE_NO, "version": 1} and before["eligible"] is True
        async for session in session_scope(app.state.db):  # what `eligibility load-rules` does
            loaded = await files.load_rule_files(session, DATA_DIR, now=CLOCK_START)
        assert [(r.id, r.version, r.created) for r in loaded if r.id == SE_NO] == [(SE_NO, 2, True)]
        # Written by another process: checks use it within ELIGIBILITY_DATA_VERSION_CHECK_MS (app clock).
        assert (await check(client, app_body, "nb"))["rule_set"] == {"id": SE_NO, "version": 1}
        clock: FixedClock = app.state.clock
        clock.advance(dt.timedelta(milliseconds=settings.data_version_check_ms))
        after = await check(client, app_body, "nb")
        assert after["rule_set"] == {"id": SE_NO, "version": 2} and after["eligible"] is False
        assert rule(after, "fund-country")["passed"] is False
        clock.set(CLOCK_START)  # the report of `before` was made at this instant
        replayed = await check(client, app_body, "nb", rule_set=SE_NO, rule_set_version=1)
        assert replayed == before
        v2 = (await client.get(f"/v1/rule-sets/{SE_NO}")).json()
        partnership = next(r for r in v2["rules"] if r["code"] == "cross-border-partnership")
        assert partnership["source"].startswith("seed 001_aed29bc0793cc30a.txt: «Det skal være to søkende parter")
        assert partnership["param_sources"]["implicit_owner"].startswith("outside the seeds:")
        duration = next(r for r in v2["rules"] if r["code"] == "project-duration")
        assert duration["param_sources"]["max_months.main-project"].startswith("outside the seeds:")
        assert v2["sources"]["name.en"].startswith("outside the seeds:")
        v1 = (await client.get(f"/v1/rule-sets/{SE_NO}/versions/1")).json()
        assert all(r["source"] is None for r in v1["rules"])  # the first release named no sources


HOSTILE_SOURCES = {
    "NUL in a source": {"source": "seed 000\x00"},
    "lone surrogate in a source": {"source": "seed \ud800"},
    "10 MB source": {"source": "x" * 10_000_000},
    "empty source": {"source": ""},
    "param source for no parameter": {"param_sources": {"no-such-param": "ours"}},
    "NUL in a param source": {"param_sources": {"max_share": "ours\x00"}},
    "huge param source key": {"param_sources": {"max_share" + "." * 5000: "ours"}},
}


@pytest.mark.parametrize("change", HOSTILE_SOURCES.values(), ids=list(HOSTILE_SOURCES))
async def test_hostile_sources_are_422_and_store_nothing(
    eligibility_client: httpx.AsyncClient, change: dict[str, Any]
) -> None:
    rules = json.loads(json.dumps(SHARE_060))
    rules[1].update(change)
    body = {"id": SE_NO, "programme": SE_NO, "rules": rules}
    before = (await eligibility_client.get(f"/v1/rule-sets/{SE_NO}/versions")).json()
    r = await eligibility_client.post(
        "/v1/rule-sets",
        content=json.dumps(body, ensure_ascii=True).encode(),
        headers={**ADMIN, "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
    )
    # A body over the service's size limit (1 MiB) is refused before it is read: 413.
    assert r.status_code == (413 if len(json.dumps(body)) > 1_048_576 else 422), r.text[:300]
    assert r.headers["content-type"] == "application/problem+json"
    assert (await eligibility_client.get(f"/v1/rule-sets/{SE_NO}/versions")).json() == before
    sources_body = {"id": SE_NO, "programme": SE_NO, "rules": SHARE_060, "sources": {"name.en": "ours\x00"}}
    r = await eligibility_client.post("/v1/rule-sets", json=sources_body, headers=ADMIN)
    assert r.status_code == 422
