"""The common problems of all four services in the caller's language (SQLite and PostgreSQL): `title` and
`detail` in Swedish, Norwegian (Bokmål) or English as `Accept-Language` chooses, English by default and
for a language the API does not write, `Content-Language` saying which. One mechanism for all:
`shared.problems` (401 and 403 from `shared.auth`, 404 of an unknown path, 422 of a request that does not
validate, each service's not-found), and the applications' 409 of a refused transition, 412 and 428."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.applications.tests.helpers import ALICE, OLGA, A, create, gron, key, open_call
from shared.schemas.examples import PROGRAMME
from tests.harness import auth

pytestmark = pytest.mark.usefixtures("backend")

ADMIN = auth("admin", "root")
TITLES = {
    401: {"sv": "Inloggning krävs", "nb": "Innlogging kreves", "en": "Authentication required"},
    403: {"sv": "Inte tillåtet", "nb": "Ikke tillatt", "en": "Not allowed"},
    404: {"sv": "Hittades inte", "nb": "Ikke funnet", "en": "Not found"},
    422: {"sv": "Begäran är inte giltig", "nb": "Forespørselen er ikke gyldig", "en": "The request is not valid"},
}
ASKED = {"sv": "sv-SE,sv;q=0.9,en;q=0.5", "nb": "no", "en": "en-GB"}
"""What a browser sends, per language answered (Norwegian `no` reads Bokmål)."""


def answered(r: httpx.Response, status: int, language: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["content-language"] == language, r.headers
    body: dict[str, Any] = r.json()
    return body


def cases(service: str) -> list[tuple[str, str, dict[str, str], Any, int]]:
    """Per service: method, path, headers, body, and the common problem it answers."""
    staff_only = {
        "catalogue": ("POST", f"/v1/programmes/{PROGRAMME}/calls", {"number": "x"}),
        "eligibility": ("POST", "/v1/rule-sets", {"id": "x"}),
        "budget": ("POST", f"/v1/programmes/{PROGRAMME}/reallocations", {"fund": "ERDF"}),
        "applications": ("GET", "/v1/applications.csv", None),
    }
    lists = {
        "catalogue": "/v1/programmes",
        "eligibility": "/v1/rule-sets",
        "budget": "/v1/exchange-rates",
        "applications": "/v1/applications",
    }
    method, path, body = staff_only[service]
    return [
        (method, path, {}, body, 401),
        (method, path, auth("applicant", "alice"), body, 403),
        ("GET", "/v1/no-such-thing", ADMIN, None, 404),
        ("GET", f"{lists[service]}?limit=0", ADMIN, None, 422),
    ]


async def test_common_problems_in_the_callers_language(
    catalogue_client: httpx.AsyncClient,
    eligibility_client: httpx.AsyncClient,
    budget_client: httpx.AsyncClient,
    applications_client: httpx.AsyncClient,
) -> None:
    clients = {
        "catalogue": catalogue_client,
        "eligibility": eligibility_client,
        "budget": budget_client,
        "applications": applications_client,
    }
    for service, client in clients.items():
        for method, path, headers, body, status in cases(service):
            for language, asked in ASKED.items():
                r = await client.request(method, path, json=body, headers={**headers, "Accept-Language": asked})
                problem = answered(r, status, language)
                assert problem["title"] == TITLES[status][language], (service, path, language, problem)
            default = answered(await client.request(method, path, json=body, headers=headers), status, "en")
            german = await client.request(method, path, json=body, headers={**headers, "Accept-Language": "de-DE"})
            assert answered(german, status, "en") == default


async def test_the_details_are_in_the_callers_language_too(
    applications_client: httpx.AsyncClient,
    catalogue_client: httpx.AsyncClient,
    eligibility_client: httpx.AsyncClient,
    budget_client: httpx.AsyncClient,
) -> None:
    sv, nb = {"Accept-Language": "sv"}, {"Accept-Language": "nb"}
    anonymous = await catalogue_client.post(f"/v1/programmes/{PROGRAMME}/calls", json={}, headers=sv)
    assert answered(anonymous, 401, "sv")["detail"] == "det här anropet kräver en bearer-token"
    bad = {"Authorization": "Bearer not-a-token", **nb}
    invalid = answered(await eligibility_client.post("/v1/rule-sets", json={}, headers=bad), 401, "nb")
    assert invalid["detail"].startswith("bearer-tokenet er ikke gyldig: ")
    refused = await budget_client.post(
        f"/v1/programmes/{PROGRAMME}/reallocations", json={}, headers={**auth("applicant", "a"), **sv}
    )
    assert answered(refused, 403, "sv")["detail"] == "det här kräver rollen admin"
    unknown = answered(await catalogue_client.get("/v1/programmes/no-such-programme", headers=nb), 404, "nb")
    assert (unknown["title"], unknown["detail"]) == (
        "Programmet finnes ikke",
        "programmet 'no-such-programme' finnes ikke",
    )
    rules = answered(await eligibility_client.get("/v1/rule-sets/no-such-rules", headers=sv), 404, "sv")
    assert rules["title"] == "Regeluppsättningen finns inte" and "finns inte" in rules["detail"]
    nothing = uuid.uuid4()
    commitment = await budget_client.get(f"/v1/commitments/{nothing}", headers={**ADMIN, **sv})
    assert answered(commitment, 404, "sv")["detail"] == f"inget åtagande {nothing}"
    missing = await applications_client.get(f"{A}/{uuid.uuid4()}", headers={**ALICE, **sv})
    assert answered(missing, 404, "sv")["title"] == "Ansökan finns inte" and "ingen ansökan" in missing.json()["detail"]
    path = await applications_client.get("/v1/nothing", headers=nb)
    assert answered(path, 404, "nb")["detail"] == "stien finnes ikke: /v1/nothing"

    # The applications' refused transition, and the preconditions of a write.
    draft = await create(applications_client, gron(await open_call(catalogue_client)))
    url = f"{A}/{draft['id']}"
    officer = await applications_client.post(f"{url}/withdraw", headers={**OLGA, **key(), **nb})
    assert answered(officer, 403, "nb")["detail"] == "bare søkeren som eier søknaden, får withdraw den"
    assert (await applications_client.post(f"{url}/withdraw", headers={**ALICE, **key()})).status_code == 200
    again = await applications_client.post(f"{url}/withdraw", headers={**ALICE, **key(), **sv})
    problem = answered(again, 409, "sv")
    assert problem["title"] == "Ansökans status tillåter inte detta"
    assert problem["detail"].startswith("en ansökan som är withdrawn kan inte få withdraw")
    assert problem["current_status"] == "withdrawn" and problem["attempted_transition"] == "withdraw"
    english = answered(await applications_client.post(f"{url}/withdraw", headers={**ALICE, **key()}), 409, "en")
    assert english["detail"].startswith("cannot withdraw an application that is withdrawn")
    etag = (await applications_client.get(url, headers=ALICE)).headers["etag"]
    required = answered(await applications_client.put(url, json=gron(), headers={**ALICE, **sv}), 428, "sv")
    assert required["title"] == "Den här ändringen kräver If-Match" and etag in required["detail"]
    stale = await applications_client.put(url, json=gron(), headers={**ALICE, **nb, "If-Match": '"0.-"'})
    assert answered(stale, 412, "nb")["title"] == "Ressursen er endret siden den ble lest"
    assert stale.json()["current_etag"] == etag
