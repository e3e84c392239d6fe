"""What a decision, a termination and a submission owe other services, delivered through the outbox:
pending while an upstream is down, delivered once when it is back, never twice; one definition of
"the call is open" for the pre-check and the submission; one Idempotency-Key, one result."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from services.applications.main import create_app
from services.applications.outbound import reconciliation
from services.applications.tests.fixtures import _settings
from services.applications.tests.helpers import (
    ADMIN,
    ALICE,
    NOW,
    OLGA,
    PROGRAMME,
    A,
    assessed,
    budget_cell,
    create,
    decided,
    delivered,
    gron,
    history,
    key,
    on_reserve,
    open_call,
    submit,
)
from services.budget.tests.helpers import pay_by_claim
from shared.clock import FixedClock
from tests.harness import auth

pytestmark = pytest.mark.usefixtures("backend")


class Switch(httpx.AsyncBaseTransport):
    """A network to one upstream that an operator can cut: `down` refuses the connection; `lose_answers`
    delivers the request and loses the answer (a timeout after the upstream did the work)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False
        self.lose_answers = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("the budget is down (test)", request=request)
        response = await self.inner.handle_async_request(request)
        if self.lose_answers:
            await response.aread()
            raise httpx.ReadTimeout("the answer was lost (test)", request=request)
        return response


@pytest.fixture
async def network(
    applications_database_url: str,
    applications_clock: FixedClock,
    catalogue_app: FastAPI,
    eligibility_app: FastAPI,
    budget_live_app: FastAPI,
) -> AsyncIterator[tuple[FastAPI, Switch]]:
    """The applications app whose line to the budget can be cut, and that line."""
    budget = Switch(httpx.ASGITransport(app=budget_live_app))
    transports: dict[str, httpx.AsyncBaseTransport] = {
        "catalogue": httpx.ASGITransport(app=catalogue_app),
        "eligibility": httpx.ASGITransport(app=eligibility_app),
        "budget": budget,
    }
    app = create_app(_settings(applications_database_url), transports=transports, clock=applications_clock)
    async with LifespanManager(app, startup_timeout=30):
        yield app, budget


@pytest.fixture
async def client(network: tuple[FastAPI, Switch]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(network[0]), base_url="http://applications", timeout=60
    ) as c:
        yield c


@pytest.fixture
async def call_id(catalogue_client: httpx.AsyncClient) -> str:
    return await open_call(catalogue_client)


async def commitments_of(budget: httpx.AsyncClient, application_id: str) -> list[dict]:
    r = await budget.get("/v1/commitments", params={"application_id": application_id}, headers=OLGA)
    assert r.status_code == 200, r.text
    items: list[dict] = r.json()["items"]
    return items


async def test_an_approval_while_the_budget_is_down_is_pending_then_committed_once(
    network: tuple[FastAPI, Switch],
    client: httpx.AsyncClient,
    budget_client: httpx.AsyncClient,
    applications_clock: FixedClock,
    call_id: str,
) -> None:
    app, line = network
    aid = (await create(client, gron(call_id)))["id"]
    assert (await assessed(client, app, aid))["status"] == "eligible"
    before = Decimal(await budget_cell(budget_client, "ERDF", "1"))
    await on_reserve(client, aid)  # the committee's reserve project, approved alone while the budget is down

    line.down = True
    r = await client.post(f"{A}/{aid}/decision", json={"decision": "approved"}, headers={**OLGA, **key()})
    assert r.status_code == 200, r.text  # the decision is recorded; the money follows
    assert r.json()["status"] == "approved" and r.json()["commitment_status"] == "pending"
    await delivered(app)
    assert (await client.get(f"{A}/{aid}", headers=OLGA)).json()["commitment_status"] == "pending"

    # Back up, but every answer is lost: the budget commits, the relay does not know, and tries again.
    line.down, line.lose_answers = False, True
    applications_clock.advance(dt.timedelta(minutes=5))
    await delivered(app)
    assert (await client.get(f"{A}/{aid}", headers=OLGA)).json()["commitment_status"] == "pending"
    assert len(await commitments_of(budget_client, aid)) == 1

    line.lose_answers = False
    applications_clock.advance(dt.timedelta(minutes=5))
    await delivered(app)
    approved = (await client.get(f"{A}/{aid}", headers=OLGA)).json()
    assert approved["commitment_status"] == "active"
    made = await commitments_of(budget_client, aid)
    assert [c["id"] for c in made] == [approved["commitment_id"]]  # one commitment, whoever asked how often
    assert made[0]["application_version"] == 1
    assert Decimal(await budget_cell(budget_client, "ERDF", "1")) - before == Decimal("390000.00")


async def test_terminating_releases_what_was_not_paid(
    network: tuple[FastAPI, Switch], client: httpx.AsyncClient, budget_client: httpx.AsyncClient, call_id: str
) -> None:
    app, _ = network
    aid = (await create(client, gron(call_id)))["id"]
    await assessed(client, app, aid)
    approved = await decided(client, app, aid, {"decision": "approved", "reason": "Committee 2025-03"})
    cid = approved["commitment_id"]
    # A project is paid through a claim (the budget's side of a verified project report), by two finance officers.
    paid = await pay_by_claim(budget_client, cid, "ERDF", "100000.00")
    assert paid["paid_programme"] == {"amount": "100000.00", "currency": "EUR"}
    # An officer cannot release the project's money beside the application.
    r = await budget_client.post(f"/v1/commitments/{cid}/release", json={"reason": "x"}, headers={**OLGA, **key()})
    assert r.status_code == 403

    r = await client.post(f"{A}/{aid}/terminate", json={}, headers={**OLGA, **key()})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(f"{A}/{aid}/terminate", json={"reason": "The lead partner went bankrupt."}, headers=ALICE)
    assert r.status_code == 403
    r = await client.post(
        f"{A}/{aid}/terminate", json={"reason": "The lead partner went bankrupt."}, headers={**OLGA, **key()}
    )
    assert r.status_code == 200 and r.json()["status"] == "terminated" and r.json()["commitment_status"] == "releasing"
    await delivered(app)
    ended = (await client.get(f"{A}/{aid}", headers=OLGA)).json()
    assert ended["commitment_status"] == "released" and ended["allowed_actions"] == []
    commitment = (await budget_client.get(f"/v1/commitments/{cid}", headers=OLGA)).json()
    erdf = next(ln for ln in commitment["lines"] if ln["fund"] == "ERDF")
    assert erdf["paid"]["amount"] == "100000.00" and erdf["released"]["amount"] == "290000.00"
    assert commitment["status"] == "released"  # nothing remains: what was paid stays paid
    last = (await history(client, aid, OLGA))[-1]
    assert (last["to_status"], last["reason"]) == ("terminated", "The lead partner went bankrupt.")


async def test_a_withdrawal_before_a_decision_owes_nothing(
    network: tuple[FastAPI, Switch], client: httpx.AsyncClient, budget_client: httpx.AsyncClient, call_id: str
) -> None:
    app, line = network
    aid = (await create(client, gron(call_id)))["id"]
    await assessed(client, app, aid)
    line.down = True  # the budget is not needed: no money is held before an approval
    r = await client.post(f"{A}/{aid}/withdraw", json={"reason": "Partner left"}, headers={**ALICE, **key()})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and r.json()["commitment_status"] is None
    line.down = False
    assert await commitments_of(budget_client, aid) == []


async def test_concurrent_requests_with_one_key_get_the_first_result(
    network: tuple[FastAPI, Switch], client: httpx.AsyncClient, call_id: str
) -> None:
    app, _ = network
    aid = (await create(client, gron(call_id)))["id"]
    await assessed(client, app, aid)
    await on_reserve(client, aid)
    same = {**OLGA, **key()}
    answers = await asyncio.gather(
        *(client.post(f"{A}/{aid}/decision", json={"decision": "approved"}, headers=same) for _ in range(5))
    )
    assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers]
    assert len({a.content for a in answers}) == 1
    assert [e["to_status"] for e in await history(client, aid)].count("approved") == 1


@pytest.mark.parametrize("offset", ["+01:00", "+02:00"])
async def test_pre_check_and_submit_agree_at_the_closing_instant(
    client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient, applications_clock: FixedClock, offset: str
) -> None:
    """The catalogue's one definition of "open", at the instant: a call closing at 12:00 (written in
    either of the programme's two offsets) is open at 12:00:00 and closed at 12:00:01, for the pre-check
    (rule `call-open`) and the submission alike."""
    closes = dt.datetime.fromisoformat(f"{(NOW + dt.timedelta(days=2)).date().isoformat()}T12:00:00{offset}")
    body = {
        "number": f"boundary{offset.replace(':', '').replace('+', '-')}",
        "name": {"sv": "Gränstest", "nb": "Grensetest", "en": "Boundary test"},
        "opens_at": (NOW - dt.timedelta(days=1)).isoformat(),
        "closes_at": closes.isoformat(),
        "specific_objectives": ["1B"],
        "project_types": ["main-project"],
    }
    r = await catalogue_client.post(f"/v1/programmes/{PROGRAMME}/calls", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    call = r.json()["id"]
    for delta, is_open in ((-1, True), (0, True), (1, False)):
        applications_clock.set(closes + dt.timedelta(seconds=delta))
        aid = (await create(client, gron(call)))["id"]
        check = (await client.post(f"{A}/{aid}/pre-check", headers=ALICE)).json()
        call_open = next(x for x in check["results"] if x["rule"] == "call-open")
        answer = await submit(client, aid)
        assert call_open["passed"] is is_open, (delta, call_open)
        assert (answer.status_code == 200) is is_open, (delta, answer.text)
        if not is_open:
            assert answer.status_code == 409 and answer.json()["type"].endswith("/call-not-open")


async def test_the_reconciler_finds_money_no_approved_application_holds_and_repairs_it_once(
    network: tuple[FastAPI, Switch], client: httpx.AsyncClient, budget_live_client: httpx.AsyncClient, call_id: str
) -> None:
    budget_client = budget_live_client
    app, _ = network
    approved_id = (await create(client, gron(call_id)))["id"]
    await assessed(client, app, approved_id)
    await decided(client, app, approved_id, {"decision": "approved"})
    eligible_id = (await create(client, gron(call_id)))["id"]
    eligible = await assessed(client, app, eligible_id)
    r = await client.get("/v1/reconciliation", params={"programme": PROGRAMME}, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["consistent"] is True and r.json()["applications"] == 1 and r.json()["commitments"] == 1
    assert (await client.get("/v1/reconciliation", params={"programme": PROGRAMME}, headers=OLGA)).status_code == 403

    # Money committed with the applications service's credentials for an application nobody approved
    # (what a crash between a budget call and its record left behind before the outbox).
    stray = {
        "programme": PROGRAMME,
        "application_id": eligible_id,
        "application_version": 1,
        "priority": "1",
        "specific_objective": "1B",
        "call_id": call_id,
        "reference": eligible["reference"],
        "lines": [{"fund": "ERDF", "amount": {"amount": "1000.00", "currency": "EUR"}}],
    }
    service = auth("officer", "service:applications")
    made = await budget_client.post("/v1/commitments", json=stray, headers={**service, **key()})
    assert made.status_code == 201, made.text
    found = (await client.get("/v1/reconciliation", params={"programme": PROGRAMME}, headers=ADMIN)).json()
    assert found["consistent"] is False
    assert [(d["kind"], d["application_id"], d["commitment_id"], d["actual"]) for d in found["differences"]] == [
        ("orphan-commitment", eligible_id, made.json()["id"], ["ERDF 1000.00 EUR"])
    ]

    settings = app.state.settings
    repaired = await reconciliation.repair(app.state.db, app.state.upstreams, settings, PROGRAMME)
    assert [d.repaired for d in repaired.differences] == [True]
    again = await reconciliation.repair(app.state.db, app.state.upstreams, settings, PROGRAMME)
    assert again.consistent is True and again.differences == []
    released = (await budget_client.get(f"/v1/commitments/{made.json()['id']}", headers=OLGA)).json()
    assert released["status"] == "released" and released["lines"][0]["released"]["amount"] == "1000.00"


@pytest.fixture
async def fragile(
    applications_database_url: str,
    applications_clock: FixedClock,
    catalogue_app: FastAPI,
    eligibility_app: FastAPI,
    budget_live_app: FastAPI,
) -> AsyncIterator[tuple[FastAPI, Switch, httpx.AsyncClient]]:
    """The applications app with `APPLICATIONS_OUTBOX_MAX_ATTEMPTS=2`, its line to the budget, a client."""
    budget = Switch(httpx.ASGITransport(app=budget_live_app))
    transports: dict[str, httpx.AsyncBaseTransport] = {
        "catalogue": httpx.ASGITransport(app=catalogue_app),
        "eligibility": httpx.ASGITransport(app=eligibility_app),
        "budget": budget,
    }
    settings = _settings(applications_database_url).model_copy(update={"outbox_max_attempts": 2})
    app = create_app(settings, transports=transports, clock=applications_clock)
    async with LifespanManager(app, startup_timeout=30):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://applications", timeout=60
        ) as c:
            yield app, budget, c


async def test_a_commitment_dead_after_its_attempts_is_listed_replayed_once_by_an_admin_and_delivered(
    fragile: tuple[FastAPI, Switch, httpx.AsyncClient],
    budget_client: httpx.AsyncClient,
    applications_clock: FixedClock,
    call_id: str,
) -> None:
    app, line, client = fragile
    aid = (await create(client, gron(call_id)))["id"]
    other = (await create(client, gron(call_id)))["id"]
    assert (await assessed(client, app, aid))["status"] == "eligible"
    await assessed(client, app, other)
    await on_reserve(client, aid)
    line.down = True
    r = await client.post(f"{A}/{aid}/decision", json={"decision": "approved"}, headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["commitment_status"] == "pending"
    await delivered(app)
    applications_clock.advance(dt.timedelta(minutes=5))
    await delivered(app)  # the second failed attempt: dead

    r = await client.get("/v1/outbox", params={"state": "dead"}, headers=OLGA)
    assert r.status_code == 403  # an officer does not mend deliveries
    r = await client.get("/v1/outbox", params={"state": "dead"}, headers=ADMIN)
    assert r.status_code == 200, r.text
    [dead] = r.json()["items"]
    assert (dead["kind"], dead["aggregate"], dead["state"], dead["attempts"]) == ("budget.commit", aid, "dead", 2)
    assert dead["last_error"] == "the budget service could not be reached: ConnectError"
    assert dead["key"] == f"budget.commit:{aid}:v1"
    metrics = (await client.get("/metrics")).text
    assert 'outbox_dead_messages{service="applications"} 1.0' in metrics

    # A later message of the same application waits behind the dead one, and says so; another
    # application's commitment does not (the budget is back).
    r = await client.post(f"{A}/{aid}/terminate", json={"reason": "Ended early."}, headers={**OLGA, **key()})
    assert r.status_code == 200 and r.json()["commitment_status"] == "releasing"
    line.down = False
    await decided(client, app, other, {"decision": "approved"})
    assert (await client.get(f"{A}/{other}", headers=OLGA)).json()["commitment_status"] == "active"
    held = (await client.get("/v1/outbox", params={"aggregate": aid, "state": "owed"}, headers=ADMIN)).json()
    assert [(m["kind"], m["held_back_by"]) for m in held["items"]] == [("budget.release", dead["id"])]
    assert await commitments_of(budget_client, aid) == []

    replay = {**ADMIN, **key()}
    first = await client.post(f"/v1/outbox/{dead['id']}/replay", headers=replay)
    assert first.status_code == 200, first.text
    assert first.json()["attempts"] == 0 and first.json()["replayed_by"] == "root" and first.json()["dead_at"] is None
    again = await client.post(f"/v1/outbox/{dead['id']}/replay", headers=replay)
    assert (again.status_code, again.json()) == (200, first.json())  # the same request: the first answer
    other_request = await client.post(f"/v1/outbox/{dead['id']}/replay", headers={**ADMIN, **key()})
    assert other_request.status_code == 409 and other_request.json()["state"] == "failing"
    r = await client.post("/v1/outbox/999999/replay", headers={**ADMIN, **key()})
    assert r.status_code == 404

    await delivered(app)
    ended = (await client.get(f"{A}/{aid}", headers=OLGA)).json()
    assert ended["commitment_status"] == "released"  # committed once, then released, in order
    [made] = await commitments_of(budget_client, aid)
    assert made["status"] == "released"
    r = await client.get(f"/v1/outbox/{dead['id']}", headers=ADMIN)
    assert r.json()["state"] == "delivered" and r.json()["outcome"] == "delivered"
    assert 'outbox_dead_messages{service="applications"} 0.0' in (await client.get("/metrics")).text
