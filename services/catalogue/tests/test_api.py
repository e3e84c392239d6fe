"""The read API against the real data files, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import uuid
from decimal import Decimal

import httpx

from services.catalogue.calls import CALL_NAMESPACE

P = "/v1/programmes/interreg-se-no-2021-2027"
PROGRAMMES = {"interreg-se-no-2021-2027", "erdf-norra-mellansverige-2021-2027", "nordic-regional-action-plan-2021-2024"}
SEED_REGIONS = {"SE322", "SE321", "SE232", "SE311", "SE312", "NO060", "NO020", "NO082"}


def _problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["type"] and body["title"]
    return body


async def test_programmes(catalogue_client: httpx.AsyncClient) -> None:
    r = await catalogue_client.get("/v1/programmes")
    assert r.status_code == 200
    body = r.json()
    assert body["next_cursor"] is None
    assert {p["code"] for p in body["items"]} == PROGRAMMES


async def test_programme_with_funds(catalogue_client: httpx.AsyncClient) -> None:
    body = (await catalogue_client.get(P)).json()
    funds = {f["code"]: f["amount"] for f in body["funds"]}
    assert funds == {
        "ERDF": {"amount": "47000000.00", "currency": "EUR"},
        "NO-STATE": {"amount": "16000000.00", "currency": "EUR"},
    }
    assert body["name"]["sv"] and body["name"]["nb"]
    assert body["currency"] == "EUR" and body["period_start"] == "2021-01-01"
    assert {s["code"] for s in body["sub_areas"]} == {"nordens-grona-balte", "centrala-skandinavien"}


async def test_priorities_shares_and_totals(catalogue_client: httpx.AsyncClient) -> None:
    items = (await catalogue_client.get(P + "/priorities")).json()["items"]
    assert [p["code"] for p in items] == ["1", "2", "3", "4", "TA"]
    assert sum(Decimal(p["share"]) for p in items) == Decimal(1)
    assert all(isinstance(p["share"], str) for p in items)
    assert sum(Decimal(p["total_financing"]["amount"]) for p in items) == Decimal("104200000")
    by_code = {p["code"]: p for p in items}
    assert by_code["1"]["share"] == "0.4200"
    assert by_code["1"]["specific_objectives"] == ["1A", "1B"]
    assert by_code["3"]["specific_objectives"] == ["3A", "3B", "3C"]
    assert by_code["TA"]["specific_objectives"] == []


async def test_specific_objectives(catalogue_client: httpx.AsyncClient) -> None:
    items = (await catalogue_client.get(P + "/specific-objectives")).json()["items"]
    assert [o["code"] for o in items] == ["1A", "1B", "2A", "2B", "3A", "3B", "3C", "4"]
    assert all(o["title"]["sv"] and o["title"]["nb"] for o in items)
    two_b = next(o for o in items if o["code"] == "2B")
    assert two_b["eu_code"] == "RSO2.6" and two_b["priority"] == "2"
    assert two_b["examples"]["sv"] and two_b["examples"]["nb"]
    for field in ("description", "target_groups", "effects"):
        assert field in two_b

    only3 = (await catalogue_client.get(P + "/specific-objectives", params={"priority": "3"})).json()["items"]
    assert [o["code"] for o in only3] == ["3A", "3B", "3C"]

    one = await catalogue_client.get(P + "/specific-objectives/2B")
    assert one.status_code == 200 and one.json() == two_b


async def test_not_found(catalogue_client: httpx.AsyncClient) -> None:
    _problem(await catalogue_client.get("/v1/programmes/nope"), 404)
    _problem(await catalogue_client.get("/v1/programmes/nope/priorities"), 404)
    _problem(await catalogue_client.get("/v1/programmes/nope/regions"), 404)
    _problem(await catalogue_client.get("/v1/programmes/nope/calls"), 404)
    body = _problem(await catalogue_client.get(P + "/specific-objectives/9Z"), 404)
    assert "9Z" in body["detail"]
    _problem(await catalogue_client.get(f"/v1/calls/{uuid.uuid4()}"), 404)
    _problem(await catalogue_client.get("/v1/calls/not-a-uuid"), 422)
    _problem(await catalogue_client.get("/v1/search", params={"q": "x", "programme": "nope"}), 404)


async def test_regions(catalogue_client: httpx.AsyncClient) -> None:
    items = (await catalogue_client.get(P + "/regions", params={"limit": 100})).json()["items"]
    by_code = {r["code"]: r for r in items}
    assert SEED_REGIONS <= set(by_code)
    viken = by_code["NO082"]
    assert viken["valid_to"] == "2023-12-31"
    assert set(viken["successors"]) == {"NO083", "NO084"}
    for successor in viken["successors"]:
        assert by_code[successor]["predecessors"] == ["NO082"]
        assert by_code[successor]["valid_from"] == "2024-01-01"
    assert all(r["country"] in ("SE", "NO") and r["code"][:2] == r["country"] for r in items)
    assert by_code["SE311"]["sub_area"] == "centrala-skandinavien"

    in_2024 = (await catalogue_client.get(P + "/regions", params={"valid_on": "2024-06-01"})).json()["items"]
    assert "NO082" not in {r["code"] for r in in_2024} and "NO083" in {r["code"] for r in in_2024}
    in_2023 = (await catalogue_client.get(P + "/regions", params={"valid_on": "2023-12-31"})).json()["items"]
    assert {r["code"] for r in in_2023} == SEED_REGIONS
    norway = (await catalogue_client.get(P + "/regions", params={"country": "NO"})).json()["items"]
    assert {r["code"] for r in norway} == {"NO060", "NO020", "NO082", "NO083", "NO084"}


async def test_types(catalogue_client: httpx.AsyncClient) -> None:
    types = (await catalogue_client.get(P + "/project-types")).json()["items"]
    assert [t["code"] for t in types] == ["pre-project", "main-project", "small-scale-project"]
    assert types[0]["max_duration_months"] == 12
    orgs = (await catalogue_client.get(P + "/organisation-types")).json()["items"]
    may = {o["code"]: o["may_apply"] for o in orgs}
    assert may["public-authority"] is True
    assert may["sole-proprietorship"] is False and may["private-person"] is False
    funds = (await catalogue_client.get(P + "/funds")).json()["items"]
    assert [f["code"] for f in funds] == ["ERDF", "NO-STATE"]


async def test_pagination(catalogue_client: httpx.AsyncClient) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = (await catalogue_client.get(P + "/specific-objectives", params=params)).json()
        seen += [o["code"] for o in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == ["1A", "1B", "2A", "2B", "3A", "3B", "3C", "4"]
    _problem(await catalogue_client.get(P + "/specific-objectives", params={"cursor": "garbage!"}), 422)
    _problem(await catalogue_client.get(P + "/specific-objectives", params={"limit": 0}), 422)
    _problem(await catalogue_client.get(P + "/specific-objectives", params={"limit": 501}), 422)


async def test_etag_and_304(catalogue_client: httpx.AsyncClient) -> None:
    for path in (P + "/specific-objectives", P, "/v1/programmes", P + "/calls"):
        first = await catalogue_client.get(path)
        tag = first.headers["etag"]
        assert "max-age" in first.headers["cache-control"]
        again = await catalogue_client.get(path, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == tag
        other = await catalogue_client.get(path, headers={"If-None-Match": '"stale"'})
        assert other.status_code == 200


async def test_data_calls(catalogue_client: httpx.AsyncClient) -> None:
    items = (await catalogue_client.get(P + "/calls")).json()["items"]
    assert [c["number"] for c in items] == ["2022-1", "2022-2"]
    first = items[0]
    assert first["id"] == str(uuid.uuid5(CALL_NAMESPACE, "interreg-se-no-2021-2027/2022-1"))
    assert first["opens_at"].startswith("2022-05-15T00:00:00")
    assert first["opens_at"].endswith("+02:00")
    assert first["status"] == "closed"
    assert first["decision_expected"] == "2022-09"
    assert len(first["specific_objectives"]) == 8
    one = await catalogue_client.get(f"/v1/calls/{first['id']}")
    assert one.status_code == 200 and one.json() == first
    closed = (await catalogue_client.get(P + "/calls", params={"status": "closed"})).json()["items"]
    assert len(closed) == 2
    assert (await catalogue_client.get(P + "/calls", params={"status": "open"})).json()["items"] == []


async def test_operations(catalogue_client: httpx.AsyncClient) -> None:
    assert (await catalogue_client.get("/healthz")).status_code == 200
    assert (await catalogue_client.get("/readyz")).status_code == 200
    assert (await catalogue_client.get("/metrics")).status_code == 200
    spec = (await catalogue_client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if path.startswith("/v1/"):
                assert op.get("description"), f"{method} {path} has no docstring"
    docs = await catalogue_client.get("/docs")
    assert docs.status_code == 200 and "cdn.jsdelivr" not in docs.text


LISTS = [
    "/v1/programmes",
    P + "/funds",
    P + "/priorities",
    P + "/specific-objectives",
    P + "/regions",
    P + "/project-types",
    P + "/organisation-types",
    P + "/calls",
]


def _cursor(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


CRAFTED = [
    "garbage!",
    _cursor('{"offset":-1}'),
    _cursor('{"offset":1,"extra":true}'),
    _cursor('{"number":3}'),
    _cursor("[1]"),
    "x" * 600,
]


async def test_crafted_cursors_are_422(catalogue_client: httpx.AsyncClient) -> None:
    for path in LISTS:
        for cursor in CRAFTED:
            body = _problem(await catalogue_client.get(path, params={"cursor": cursor}), 422)
            assert any(e["field"] == "query.cursor" for e in body["errors"]), (path, cursor, body)
    for cursor in [*CRAFTED, _cursor('{"offset":1001}')]:
        r = await catalogue_client.get("/v1/search", params={"q": "projekt", "cursor": cursor})
        body = _problem(r, 422)
        assert any(e["field"] == "query.cursor" for e in body["errors"]), (cursor, body)


async def test_every_list_pages_to_the_end(catalogue_client: httpx.AsyncClient) -> None:
    for path in LISTS:
        whole = (await catalogue_client.get(path, params={"limit": 500})).json()
        assert whole["next_cursor"] is None and whole["items"], path
        paged: list[dict] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"limit": 1}
            if cursor:
                params["cursor"] = cursor
            body = (await catalogue_client.get(path, params=params)).json()
            paged += body["items"]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert paged == whole["items"], path


async def test_decisions_setting_with_its_source(catalogue_client: httpx.AsyncClient) -> None:
    """Interreg Sverige–Norge approves only through its committee; Norra Mellansverige also directly;
    each value names its source."""
    se_no = (await catalogue_client.get(P)).json()
    assert se_no["decisions"] == "committee-only"
    assert "api-contract.md" in se_no["sources"]["decisions"] and "2021/1059" in se_no["sources"]["decisions"]
    nms = (await catalogue_client.get("/v1/programmes/erdf-norra-mellansverige-2021-2027")).json()
    assert nms["decisions"] == "direct" and nms["sources"]["decisions"].startswith("ours:")
    listed = (await catalogue_client.get("/v1/programmes")).json()["items"]
    assert {p["code"]: p["decisions"] for p in listed}["interreg-se-no-2021-2027"] == "committee-only"
