"""Hard edges (first part): integers in paths and queries stay within what the database holds, and a
programme code is a code — it never becomes part of another service's URL as anything but one escaped
path segment. Each case answered 500 (or reached another path of the catalogue) before."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from services.applications.config import Settings
from services.applications.main import create_app
from services.applications.tests.helpers import ALICE, PROGRAMME, A, create, gron, open_call
from tests.harness import auth

pytestmark = pytest.mark.usefixtures("backend")
ADMIN = auth("admin", "root")
HUGE = [str(10**30), str(2**63), str(2**31)]


@pytest.mark.parametrize("number", HUGE)
async def test_a_huge_version_is_a_422_naming_it(
    number: str, eligibility_client: httpx.AsyncClient, applications_client: httpx.AsyncClient
) -> None:
    rule_sets = (await eligibility_client.get("/v1/rule-sets")).json()["items"]
    rid = rule_sets[0]["id"]
    for path, params, field in (
        (f"/v1/rule-sets/{rid}/versions/{number}", {}, "path.version"),
        (f"/v1/rule-sets/{rid}", {"version": number}, "query.version"),
    ):
        for headers in ({}, ADMIN):
            r = await eligibility_client.get(path, params=params, headers=headers)
            assert r.status_code == 422, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in r.json()["errors"]] == [field]
    r = await applications_client.get(f"{A}/00000000-0000-0000-0000-000000000001/versions/{number}", headers=ALICE)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "path.number", r.text


@pytest.mark.parametrize(
    "programme",
    ["a\u0004b", "../../healthz", "interreg-se-no-2021-2027/calls", "interreg-se-no-2021-2027?x=1", "Interreg", ""],
    ids=repr,
)
async def test_a_programme_that_is_not_a_code_is_a_422_and_nothing_is_stored(
    programme: str, applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    call_id = await open_call(catalogue_client)
    before = (await applications_client.get(A, headers=ALICE)).json()["items"]
    r = await applications_client.post(A, json=gron(call_id) | {"programme": programme}, headers=ALICE)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["programme"]
    assert (await applications_client.get(A, headers=ALICE)).json()["items"] == before
    # A real code still goes through.
    assert (await create(applications_client, gron(call_id)))["programme"] == "interreg-se-no-2021-2027"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/v1/exchange-rates/SEK/2024-05", {"units_per_eur": "11.2345", "source": "mine"}),
        (
            "POST",
            "/v1/programmes/interreg-se-no-2021-2027/reallocations",
            {
                "fund": "ERDF",
                "from_priority": "TA",
                "to_priority": "1",
                "amount": {"amount": "1.00", "currency": "EUR"},
                "reason": "MC",
                "approved_by": "nobody",
            },
        ),
        (
            "POST",
            "/v1/commitments",
            {
                "programme": "interreg-se-no-2021-2027",
                "application_id": "TA-2024-1",
                "priority": "TA",
                "lines": [{"fund": "ERDF", "amount": {"amount": "1.00", "currency": "EUR"}, "vat": "0"}],
            },
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_the_budget_refuses_unknown_fields_as_the_other_services_do(
    method: str, path: str, body: dict[str, object], budget_client: httpx.AsyncClient
) -> None:
    before = (await budget_client.get("/v1/programmes/interreg-se-no-2021-2027/budget")).json()
    rates = (await budget_client.get("/v1/exchange-rates")).json()
    r = await budget_client.request(method, path, json=body, headers={**ADMIN, "Idempotency-Key": "k-1"})
    assert r.status_code == 422, r.text
    assert any(e["message"].startswith("Extra inputs") for e in r.json()["errors"]), r.json()
    assert (await budget_client.get("/v1/programmes/interreg-se-no-2021-2027/budget")).json() == before
    assert (await budget_client.get("/v1/exchange-rates")).json() == rates


RATE_TOO_LARGE = ["9300000000000", "1000000000000", "1e40"]


@pytest.mark.parametrize("rate", RATE_TOO_LARGE)
async def test_a_rate_the_column_cannot_hold_is_a_422_and_nothing_changes(
    rate: str, budget_client: httpx.AsyncClient
) -> None:
    programme = "interreg-se-no-2021-2027"
    rates = (await budget_client.get("/v1/exchange-rates")).json()
    fixed = (await budget_client.get(f"/v1/programmes/{programme}/fixed-rates")).json()
    for path in ("/v1/exchange-rates/SEK/2024-05", f"/v1/programmes/{programme}/fixed-rates/SEK"):
        r = await budget_client.put(path, json={"units_per_eur": rate}, headers=ADMIN)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["errors"][0]["field"] == "units_per_eur"
    r = await budget_client.post(
        "/v1/exchange-rates/import",
        content=f"ISO code;Rate per EUR;Month\nSEK;{rate};2024-05\n",
        headers={**ADMIN, "Content-Type": "text/csv", "Idempotency-Key": f"import-{rate}"},
    )
    assert r.status_code == 422, r.text
    assert (await budget_client.get("/v1/exchange-rates")).json() == rates
    assert (await budget_client.get(f"/v1/programmes/{programme}/fixed-rates")).json() == fixed
    # The largest rate the column holds is stored and read back exactly.
    r = await budget_client.put(
        "/v1/exchange-rates/SEK/2024-06", json={"units_per_eur": "999999999999.999999"}, headers=ADMIN
    )
    assert r.status_code == 200 and r.json()["units_per_eur"].startswith("999999999999.999999"), r.text


async def test_a_currency_code_in_the_rates_file_is_exact(budget_client: httpx.AsyncClient) -> None:
    r = await budget_client.post(
        "/v1/exchange-rates/import",
        content="ISO code;Rate per EUR;Month\nnok;11,6145;2024-05\n",
        headers={**ADMIN, "Content-Type": "text/csv", "Idempotency-Key": "import-lower"},
    )
    assert r.status_code == 422 and "'nok' is not an ISO 4217 currency code" in r.text, r.text


async def test_a_country_filter_is_exact_upper_case(
    catalogue_client: httpx.AsyncClient, applications_client: httpx.AsyncClient
) -> None:
    """`NO` filters; `no` is a 422 naming the parameter (it used to be folded to `NO`), on the catalogue's
    regions and the officers' list alike."""
    regions = f"/v1/programmes/{PROGRAMME}/regions"
    r = await catalogue_client.get(regions, params={"country": "NO"})
    assert r.status_code == 200 and {x["country"] for x in r.json()["items"]} == {"NO"}, r.text
    officer = auth("officer", "olga")
    assert (await applications_client.get(A, params={"country": "NO"}, headers=officer)).status_code == 200
    for client, path, headers in ((catalogue_client, regions, {}), (applications_client, A, officer)):
        r = await client.get(path, params={"country": "no"}, headers=headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.country", r.text


async def test_a_body_over_the_limit_is_one_problem_type_declared_or_chunked(
    applications_client: httpx.AsyncClient,
) -> None:
    too_big = b'{"x": "' + b"a" * 2_000_000 + b'"}'

    async def chunks():  # type: ignore[no-untyped-def]
        for i in range(0, len(too_big), 65536):
            yield too_big[i : i + 65536]

    declared = await applications_client.post(A, content=too_big, headers={**ALICE, "Content-Type": "application/json"})
    chunked = await applications_client.post(A, content=chunks(), headers={**ALICE, "Content-Type": "application/json"})
    assert "content-length" not in {k.lower() for k in chunked.request.headers}
    for r in (declared, chunked):
        assert r.status_code == 413, r.text
        assert r.json()["type"].endswith("/content-too-large")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("acronym", "G\nIV"),
        ("acronym", "GIV\u001b[31m"),
        ("name", "Region\u0001Värmland"),
        ("name", "Region\tVärmland"),
    ],
    ids=repr,
)
async def test_a_control_character_in_one_line_text_is_a_422(
    field: str, value: str, applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    body = gron(await open_call(catalogue_client))
    if field == "name":
        body["partners"][0]["name"] = value
        where = "partners.0.name"
    else:
        body[field] = value
        where = field
    r = await applications_client.post(A, json=body, headers=ALICE)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [where]


async def test_prose_keeps_its_lines_and_tabs_but_no_other_control(
    applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    body = gron(await open_call(catalogue_client))
    body["cross_border_added_value"] = "Two sides:\n\t- Värmland\r\n\t- Innlandet"
    made = await create(applications_client, body)
    assert made["cross_border_added_value"] == "Two sides:\n\t- Värmland\r\n\t- Innlandet"
    body["cross_border_added_value"] = "A bell \u0007 rings"
    r = await applications_client.post(A, json=body, headers=ALICE)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cross_border_added_value", r.text


@pytest.mark.parametrize("value", [0, 1700000000, 20240101.0], ids=repr)
async def test_a_date_is_iso_text_never_a_number(
    value: object, applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    body = gron(await open_call(catalogue_client))
    body["start_date"] = value
    r = await applications_client.post(A, json=body, headers=ALICE)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["start_date"], r.text
    body = gron(await open_call(catalogue_client))
    body["partners"][0]["state_aid"] = {
        "economic_activity": True,
        "regime": "de-minimis",
        "previous_de_minimis": [
            {"granted_on": value, "amount": {"amount": "1000.00", "currency": "EUR"}, "granted_by": "X"}
        ],
    }
    r = await applications_client.post(A, json=body, headers=ALICE)
    assert r.status_code == 422, r.text
    assert "partners.0.state_aid.previous_de_minimis.0.granted_on" in [e["field"] for e in r.json()["errors"]], r.text


class _RefusingEligibility(httpx.AsyncBaseTransport):
    """An eligibility service that refuses every check as unprocessable (as it does a programme it has no
    rules for): a stand-in for the network, the applications service's handling is what is tested."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        problem = {
            "type": "https://problems.interreg-backend.dev/unknown-programme",
            "title": "Unknown programme",
            "status": 422,
            "detail": "there are no eligibility rules for the programme 'interreg-se-no-2021-2027'",
        }
        return httpx.Response(422, json=problem, headers={"content-type": "application/problem+json"})


async def test_an_upstreams_refusal_is_a_422_naming_it_not_an_outage(
    applications_database_url: str, catalogue_app: FastAPI
) -> None:
    settings = Settings(
        database_url=applications_database_url,
        http_retries=0,
        environment="test",
        catalogue_url="http://catalogue",
        eligibility_url="http://eligibility",
        budget_url="http://budget",
        outbox_relay=False,
    )
    transports = {"catalogue": httpx.ASGITransport(catalogue_app), "eligibility": _RefusingEligibility()}
    app = create_app(settings, transports=transports)
    async with (
        LifespanManager(app, startup_timeout=30),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://applications") as client,
    ):
        aid = (await create(client, gron()))["id"]
        r = await client.post(f"{A}/{aid}/pre-check", headers=ALICE)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("/upstream-refused") and body["service"] == "eligibility"
    assert body["upstream_status"] == 422 and "no eligibility rules" in body["detail"]
