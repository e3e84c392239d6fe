"""Every write endpoint of every service against hostile input, on SQLite and PostgreSQL.

For each write operation of each service's OpenAPI document, a valid body (written out below) is sent
once per field and hostile value: a NUL byte, a lone surrogate, a huge string, huge or malformed numbers
(`1e400`, `1e27`, 30 digits, `1_0`, Arabic-Indic digits, NaN), values of the wrong type; then an empty
body, a body that is not JSON, an oversized body, and ten kinds of bad token. Every answer must be a 4xx
problem+json (never a 429: the rate limit is off here, so each refusal is the input's own), and the
state each service shows through its API must be the same afterwards.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from services.catalogue.partners.schemas import ENTRY_EXAMPLE as PARTNER_ENTRY_EXAMPLE
from services.catalogue.schemas import CALL_EXAMPLE
from services.eligibility.schemas import SE_NO_RULES_EXAMPLE
from shared.auth import SERVICES
from shared.schemas.examples import FIRST_CALL_2022, PROGRAMME, gron_industrivaxt
from shared.settings import DEV_SECRET
from tests.harness import auth

ADMIN = auth("admin", "root")
ALICE = auth("applicant", "alice")
OLGA = auth("officer", "olga")
SERVICE = auth("officer", "service:applications")
MB = 1024 * 1024

STRINGS: dict[str, Any] = {"nul": "a\x00b", "lone surrogate": "a\ud800b", "huge string": "x" * 300_000}
NUMBERS: dict[str, Any] = {
    "1e400": "1e400",
    "1e27": "1e27",
    "30 digits": "1" * 30,
    "digit separator": "1_0",
    "arabic-indic digits": "١٠",
    "NaN": "NaN",
    "huge integer": 10**30,
    "huge float": 1e300,
}
WRONG_TYPES: dict[str, Any] = {"object": {"a": 1}, "list": [1], "bool": True}


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for service in ("CATALOGUE", "APPLICATIONS", "ELIGIBILITY", "BUDGET"):
        monkeypatch.setenv(f"{service}_WRITE_RATE_LIMIT", "")


@dataclass
class Write:
    """One write operation: who may call it and a valid body (None: it takes none)."""

    token: dict[str, str]
    body: Any = None
    public: bool = False
    content_type: str = "application/json"
    empty_ok: bool = False
    """An empty object is a valid body (a PATCH that changes nothing, a close now)."""


def gron(call_id: str = FIRST_CALL_2022) -> dict[str, Any]:
    return gron_industrivaxt(call_id, start_date="2025-09-01", end_date="2028-06-30")


def claim(commitment_id: str) -> dict[str, Any]:
    """A valid payment claim on the world's commitment (the world makes it first: asked again, it is a 200)."""
    return {
        "key": "project-report:hostile:ERDF",
        "commitment_id": commitment_id,
        "fund": "ERDF",
        "amount": {"amount": "100.00", "currency": "EUR"},
        "certified": {"amount": "200.00", "currency": "EUR"},
        "co_financing_rate": "0.50",
        "project_report_id": "hostile-report",
        "period": 1,
    }


def webhook_writes() -> dict[tuple[str, str], Write]:
    """The webhook admin API's writes, the same in the applications and budget services (shared/webhooks)."""
    sub = "/v1/webhooks/subscriptions/{subscription_id}"
    return {
        ("POST", "/v1/webhooks/subscriptions"): Write(
            ADMIN,
            {"integrator": "hostile", "url": "http://127.0.0.1:9/hooks", "event_types": [], "description": "x"},
        ),
        ("PATCH", sub): Write(ADMIN, {"url": "http://127.0.0.1:9/other", "active": True}, empty_ok=True),
        ("POST", sub + "/secret-rotation"): Write(ADMIN, {"old_secret_valid_seconds": 3600}, empty_ok=True),
    }


def writes(ids: dict[str, str] | None = None) -> dict[str, dict[tuple[str, str], Write]]:
    """The valid request of every write operation, by service and (method, path template); `ids`: the
    world's (a claim names its commitment)."""
    eur = {"amount": "1000.00", "currency": "EUR"}
    return {
        "catalogue": {
            ("POST", "/v1/programmes/{programme}/calls"): Write(ADMIN, CALL_EXAMPLE),
            ("PATCH", "/v1/calls/{call_id}"): Write(
                ADMIN, {"name": {"en": "Call"}, "decision_expected": "2030-07"}, empty_ok=True
            ),
            ("POST", "/v1/calls/{call_id}/close"): Write(ADMIN, {"at": "2030-04-01T12:00:00+02:00"}, empty_ok=True),
            ("POST", "/v1/partner-search/entries"): Write(ALICE, copy.deepcopy(PARTNER_ENTRY_EXAMPLE)),
        },
        "eligibility": {
            ("POST", "/v1/checks"): Write({}, {**gron(), "as_of": "2022-05-01"}, public=True),
            ("POST", "/v1/checks/batch"): Write({}, {"items": [{**gron(), "as_of": "2022-05-01"}]}, public=True),
            ("POST", "/v1/rule-sets"): Write(
                ADMIN,
                {"programme": PROGRAMME, "name": {"en": "Rules"}, "rules": copy.deepcopy(SE_NO_RULES_EXAMPLE)},
            ),
            ("POST", "/v1/rule-sets/{rule_set_id}/versions/{version}/activation"): Write(
                ADMIN, {"effective_from": "2030-01-01T00:00:00+01:00"}, empty_ok=True
            ),
        },
        "applications": {
            ("POST", "/v1/applications"): Write(ALICE, gron()),
            ("POST", "/v1/projects/{application_id}/change-requests"): Write(
                ALICE,
                {"type": "content", "justification": "A clearer summary.", "diff": {"summary": {"en": "Clearer."}}},
            ),
            ("POST", "/v1/change-requests/{request_id}/assessment"): Write(
                OLGA, {"recommendation": "approve", "comment": "Within the project's aims."}
            ),
            ("POST", "/v1/change-requests/{request_id}/decision"): Write(
                OLGA, {"decision": "approved", "reason": "As assessed.", "committee_reference": "ÖK 2025-03-14 §7"}
            ),
            ("POST", "/v1/partner-reports/{report_id}/lines"): Write(
                ALICE,
                {
                    "category": "travel-accommodation",
                    "invoice_number": "F-2025-0412",
                    "invoice_date": "2025-09-03",
                    "payment_date": "2025-09-20",
                    "supplier": "SJ AB",
                    "description": "Train Karlstad–Kongsvinger",
                    "amount": {"amount": "1250.00", "currency": "SEK"},
                    "vat": {"amount": "75.00", "currency": "SEK"},
                },
            ),
            ("PUT", "/v1/partner-reports/{report_id}/lines/{number}/verification"): Write(
                ADMIN,
                {
                    "certified": {"amount": "1000.00", "currency": "SEK"},
                    "deducted": {"amount": "175.00", "currency": "SEK"},
                    "typology": "missing-supporting-documents",
                    "comment": "no boarding pass",
                },
            ),
            ("PUT", "/v1/projects/{application_id}/controllers/{partner}"): Write(OLGA, {"controller": "nora"}),
            ("PUT", "/v1/applications/{application_id}"): Write(ALICE, gron()),
            ("POST", "/v1/applications/{application_id}/decision"): Write(
                OLGA, {"decision": "rejected", "reason": "Not secured"}
            ),
            ("POST", "/v1/applications/{application_id}/reopen"): Write(OLGA, {"reason": "Complete it"}),
            ("POST", "/v1/applications/{application_id}/withdraw"): Write(
                ALICE, {"reason": "Partner left"}, empty_ok=True
            ),
            **webhook_writes(),
        },
        "budget": {
            ("POST", "/v1/programmes/{programme}/reallocations"): Write(
                ADMIN, {"fund": "ERDF", "from_priority": "TA", "to_priority": "1", "amount": eur, "reason": "MC"}
            ),
            ("POST", "/v1/commitments"): Write(
                SERVICE,
                {
                    "programme": PROGRAMME,
                    "application_id": str(uuid.uuid4()),
                    "application_version": 1,
                    "priority": "1",
                    "specific_objective": "1B",
                    "reference": "SE-NO-2025-0001",
                    "lines": [{"fund": "ERDF", "amount": eur}],
                },
            ),
            ("POST", "/v1/commitments/{commitment_id}/release"): Write(
                SERVICE, {"reason": "Withdrawn", "lines": [{"fund": "ERDF", "amount": eur}]}
            ),
            ("POST", "/v1/commitments/{commitment_id}/increases"): Write(
                SERVICE,
                {
                    "key": "change:hostile:1",
                    "application_version": 2,
                    "reason": "Change 1",
                    "lines": [{"fund": "ERDF", "amount": eur}],
                },
            ),
            ("POST", "/v1/commitments/{commitment_id}/payments"): Write(
                ADMIN, {"lines": [{"fund": "ERDF", "amount": eur}], "note": "First claim"}
            ),
            ("POST", "/v1/claims"): Write(SERVICE, claim((ids or {}).get("commitment_id", str(uuid.uuid4())))),
            ("POST", "/v1/claims/{claim_id}/corrections"): Write(
                ADMIN,
                {
                    "amount": {"amount": "10.00", "currency": "EUR"},
                    "typology": "ineligible-cost",
                    "origin": "audit",
                    "flags": ["fraud-suspected"],
                    "description": "Invoice outside the period",
                    "effect": "recovery",
                    "due_date": "2030-03-31",
                },
            ),
            ("POST", "/v1/corrections/{correction_id}/settlement"): Write(
                ADMIN, {"received_on": "2030-03-14", "reference": "bank statement 42"}
            ),
            ("PUT", "/v1/programmes/{programme}/fixed-rates/{currency}"): Write(ADMIN, {"units_per_eur": "11.2345"}),
            ("PUT", "/v1/exchange-rates/{currency}/{month}"): Write(ADMIN, {"units_per_eur": "11.2345"}),
            ("POST", "/v1/exchange-rates/import"): Write(
                ADMIN, "ISO code;Rate per EUR;Month\nNOK;11,6145;2024-05\n", content_type="text/csv"
            ),
            **webhook_writes(),
        },
    }


READS: dict[str, list[tuple[str, dict[str, str]]]] = {
    "catalogue": [(f"/v1/programmes/{PROGRAMME}/calls?limit=500", {}), ("/v1/partner-search/entries?limit=500", {})],
    "eligibility": [("/v1/rule-sets?limit=500", {}), (f"/v1/rule-sets/{PROGRAMME}/versions?limit=500", {})],
    "applications": [
        ("/v1/applications?limit=500", ADMIN),
        ("/v1/applications/{application_id}/history", ADMIN),
        ("/v1/webhooks/subscriptions?limit=500", ADMIN),
    ],
    "budget": [
        ("/v1/commitments?limit=500", ADMIN),
        (f"/v1/programmes/{PROGRAMME}/budget", {}),
        ("/v1/exchange-rates?limit=500", {}),
        (f"/v1/programmes/{PROGRAMME}/fixed-rates", {}),
        ("/v1/claims?limit=500", ADMIN),
        ("/v1/corrections?limit=500", ADMIN),
        ("/v1/webhooks/subscriptions?limit=500", ADMIN),
    ],
}
"""What each service shows of its state: the same before and after the hostile requests."""


@dataclass
class World:
    clients: dict[str, httpx.AsyncClient]
    ids: dict[str, str] = field(default_factory=dict)

    def path(self, template: str) -> str:
        return template.format(
            programme=PROGRAMME,
            currency="NOK",
            month="2024-05",
            call_id=FIRST_CALL_2022,
            number=1,
            partner=1,
            message_id=1,
            rule_set_id=PROGRAMME,
            version=1,
            report_id="6f1d2c3b-0000-4000-8000-000000000001",  # no such report: its writes are 404 or 422
            entry_id="6f1d2c3b-0000-4000-8000-000000000002",  # no such partner-search entry: likewise
            subscription_id="6f1d2c3b-0000-4000-8000-000000000003",  # no such subscription: 404 or 422
            delivery_id=1,
            correction_id="6f1d2c3b-0000-4000-8000-000000000004",  # no such correction: 404 or 422
            request_id="6f1d2c3b-0000-4000-8000-000000000005",  # no such change request: 404 or 422
            **self.ids,
        )

    async def state(self, service: str) -> list[Any]:
        out = []
        for template, headers in READS[service]:
            response = await self.clients[service].get(self.path(template), headers=headers)
            assert response.status_code == 200, response.text
            out.append(response.json())
        return out


@pytest.fixture
async def world(
    catalogue_app: FastAPI, eligibility_app: FastAPI, budget_app: FastAPI, applications_app: FastAPI
) -> AsyncIterator[World]:
    apps = {"catalogue": catalogue_app, "eligibility": eligibility_app, "budget": budget_app}
    apps["applications"] = applications_app
    clients = {
        name: httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=f"http://{name}", timeout=60)
        for name, app in apps.items()
    }
    world = World(clients)
    draft = await clients["applications"].post("/v1/applications", json=gron(), headers=ALICE)
    assert draft.status_code == 201, draft.text
    world.ids["application_id"] = draft.json()["id"]
    body = writes()["budget"][("POST", "/v1/commitments")].body
    commitment = await clients["budget"].post("/v1/commitments", json=body, headers=SERVICE)
    assert commitment.status_code == 201, commitment.text
    world.ids["commitment_id"] = commitment.json()["id"]
    made = await clients["budget"].post("/v1/claims", json=claim(world.ids["commitment_id"]), headers=SERVICE)
    assert made.status_code == 201, made.text
    world.ids["claim_id"] = made.json()["id"]
    try:
        yield world
    finally:
        for client in clients.values():
            await client.aclose()


def leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every scalar of a JSON value with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, (*path, index))
    else:
        yield path, node


def replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(body)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def looks_numeric(value: Any) -> bool:
    """A JSON number, or a decimal string with a point (`"1000.00"`, `"0.60"`): not a code of digits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and "." in value and value.replace(".", "", 1).lstrip("-").isdigit()


def hostile_bodies(body: Any, *, empty_ok: bool) -> Iterator[tuple[str, Any]]:
    """(what, body) for every field and hostile value that field can be given."""
    for path, value in leaves(body):
        where = ".".join(str(p) for p in path)
        kinds = {**STRINGS, **WRONG_TYPES}
        if looks_numeric(value):
            kinds.update(NUMBERS)
        for name, hostile in kinds.items():
            if hostile != value or type(hostile) is not type(value):
                yield f"{where} = {name}", replaced(body, path, hostile)
    if isinstance(body, dict) and not empty_ok:
        yield "empty object", {}
    yield "a list instead of an object", [body]


def bad_tokens() -> dict[str, dict[str, str]]:
    now = int(time.time())

    def signed(claims: dict[str, Any], key: str = DEV_SECRET, algorithm: str = "HS256") -> dict[str, str]:
        return {"Authorization": "Bearer " + jwt.encode(claims, key, algorithm=algorithm)}

    good = {"sub": "root", "roles": ["admin"], "aud": list(SERVICES), "exp": now + 600}
    return {
        "none": {},
        "garbage": {"Authorization": "Bearer not.a.token"},
        "not bearer": {"Authorization": "Basic cm9vdDpyb290"},
        "expired": signed({**good, "exp": now - 600}),
        "other secret": signed(good, key="another-secret-another-secret-another-secret"),
        "alg none": {"Authorization": "Bearer " + jwt.encode(good, None, algorithm="none")},
        "roles a string": signed({**good, "roles": "admin"}),
        "roles an object": signed({**good, "roles": {"admin": True}}),
        "empty sub": signed({**good, "sub": ""}),
        "no expiry": signed({"sub": "root", "roles": ["admin"]}),
    }


async def send(client: httpx.AsyncClient, method: str, url: str, write: Write, body: Any, **kw: Any) -> httpx.Response:
    headers = {**write.token, "Content-Type": write.content_type, **kw.pop("headers", {})}
    if isinstance(body, bytes):
        content = body
    elif write.content_type == "application/json":
        content = json.dumps(body, ensure_ascii=True).encode()  # a lone surrogate travels as \\ud800
    else:
        content = str(body).encode("utf-8", "surrogatepass")
    return await client.request(method, url, content=content, headers=headers, **kw)


def refusal_problem(response: httpx.Response) -> str | None:
    """What is wrong with `response` as a refusal of hostile input (None: nothing)."""
    if not 400 <= response.status_code < 500 or response.status_code == 429:
        return f"{response.status_code} {response.text[:200]}"
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return f"{response.status_code} as {response.headers.get('content-type')}"
    return None


@pytest.mark.parametrize("service", ["catalogue", "eligibility", "applications", "budget"])
async def test_hostile_input_to_every_write_endpoint_is_refused_and_changes_nothing(world: World, service: str) -> None:
    client = world.clients[service]
    spec = (await client.get("/openapi.json")).json()
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("post", "put", "patch", "delete")
    }
    table = writes(world.ids)[service]
    before = await world.state(service)
    failures: list[str] = []
    for method, template in sorted(operations):
        write = table.get((method, template), Write(ADMIN))
        url = world.path(template)
        if write.content_type == "application/json" and write.body is not None:
            for what, body in hostile_bodies(write.body, empty_ok=write.empty_ok):
                reason = refusal_problem(await send(client, method, url, write, body))
                if reason:
                    failures.append(f"{method} {template} {what}: {reason}")
        elif write.body is not None:  # a CSV upload
            for what, text in {**STRINGS, **NUMBERS}.items():
                csv = f"ISO code;Rate per EUR;Month\nNOK;{text};2024-05\n{text};11,6;2024-05\n"
                reason = refusal_problem(await send(client, method, url, write, csv))
                if reason:
                    failures.append(f"{method} {template} csv {what}: {reason}")
        for what, raw in {"empty body": b"", "not JSON": b"{'a': 1", "oversized": b"[" + b"1," * MB + b"1]"}.items():
            if (write.body is None or write.empty_ok) and what == "empty body":
                continue
            if (write.body is None or write.content_type != "application/json") and what == "not JSON":
                continue
            reason = refusal_problem(await send(client, method, url, write, raw))
            if reason:
                failures.append(f"{method} {template} {what}: {reason}")
        for what, token in bad_tokens().items():
            if write.public and what in ("none", "not bearer"):  # a public write needs no bearer token
                continue
            response = await send(client, method, url, Write(token, write.body), write.body)
            if response.status_code != 401 or refusal_problem(response):
                failures.append(f"{method} {template} token {what}: {response.status_code} {response.text[:200]}")
    assert failures == [], f"{len(failures)} wrong answers:\n" + "\n".join(failures[:60])
    assert await world.state(service) == before
    # The valid requests are indeed valid: the hostile answers above were about the hostile values.
    for (method, template), write in table.items():
        if write.body is None:
            continue
        response = await send(client, method, world.path(template), write, write.body, headers={})
        assert response.status_code != 422, f"{method} {template}: {response.text}"


def test_the_dates_of_the_valid_application_are_consistent() -> None:
    body = gron()
    assert dt.date.fromisoformat(body["start_date"]) < dt.date.fromisoformat(body["end_date"])
