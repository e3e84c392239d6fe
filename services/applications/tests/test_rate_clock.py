"""One definition of conversion: the committee's preview converts at the rate the budget names for the
instant (`GET /v1/programmes/{p}/conversion-rates/{currency}?at=`), so when an operator changes the
budget's rate clock (`BUDGET_RATE_TIMEZONE`) the preview follows, and it agrees with the commitment the
budget then makes, to the cent."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from services.applications.main import create_app
from services.applications.tests.fixtures import _settings
from services.applications.tests.helpers import ADMIN, OLGA, assess, assessed, create, decided, gron, open_call
from services.budget.config import Settings as BudgetSettings
from services.budget.main import create_app as create_budget_app
from shared.clock import FixedClock

pytestmark = pytest.mark.usefixtures("backend")

AT = dt.datetime(2025, 3, 31, 22, 30, tzinfo=dt.UTC)
"""Still March in UTC; already 1 April (00:30) in Brussels."""
RATES = {"2025-03": "11.0000", "2025-04": "12.0000"}


@pytest.fixture(params=[("UTC", "2025-03", "27272.73"), ("Europe/Brussels", "2025-04", "25000.00")], ids=str)
def clock_case(request: pytest.FixtureRequest) -> tuple[str, str, str]:
    case: tuple[str, str, str] = request.param
    return case


@pytest.fixture
async def stack(
    clock_case: tuple[str, str, str],
    applications_database_url: str,
    budget_database_url: str,
    catalogue_app: FastAPI,
    eligibility_app: FastAPI,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient]]:
    """The applications app and a budget whose rate clock is the case's zone, both at `AT`."""
    budget = create_budget_app(
        BudgetSettings(
            database_url=budget_database_url,
            environment="test",
            catalogue_url="http://catalogue",
            rate_timezone=clock_case[0],
        ),
        transports={"catalogue": httpx.ASGITransport(catalogue_app)},
        clock=FixedClock(AT),
    )
    async with LifespanManager(budget, startup_timeout=30):
        upstreams = {"catalogue": catalogue_app, "eligibility": eligibility_app, "budget": budget}
        transports: dict[str, httpx.AsyncBaseTransport] = {n: httpx.ASGITransport(app=a) for n, a in upstreams.items()}
        app = create_app(_settings(applications_database_url), transports=transports, clock=FixedClock(AT))
        async with LifespanManager(app, startup_timeout=30):
            async with (
                httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://applications", timeout=60) as c,
                httpx.AsyncClient(transport=httpx.ASGITransport(budget), base_url="http://budget") as b,
            ):
                r = await b.post("/v1/sync", headers={**ADMIN, "Idempotency-Key": "sync-1"})
                assert r.status_code == 200, r.text
                for month, rate in RATES.items():
                    r = await b.put(f"/v1/exchange-rates/SEK/{month}", json={"units_per_eur": rate}, headers=ADMIN)
                    assert r.status_code == 200, r.text
                yield app, c, b


async def test_the_preview_converts_on_the_budgets_rate_clock_as_the_commitment_does(
    stack: tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient],
    clock_case: tuple[str, str, str],
    catalogue_client: httpx.AsyncClient,
) -> None:
    app, client, budget = stack
    _, month, erdf_eur = clock_case
    programme = "interreg-se-no-2021-2027"
    rate = await budget.get(f"/v1/programmes/{programme}/conversion-rates/SEK", params={"at": AT.isoformat()})
    assert rate.status_code == 200, rate.text
    answer = rate.json()
    assert Decimal(answer.pop("units_per_eur")) == Decimal(RATES[month])
    assert answer == {"programme": programme, "currency": "SEK", "month": month, "source": "monthly"}

    call_id = await open_call(catalogue_client)
    body = gron(call_id, acronym="SEK")
    lead = body["partners"][0]
    lead["budget"] = [{"category": "staff", "amount": {"amount": "600000.00", "currency": "SEK"}}]
    lead["financing"] = [
        {"source": "ERDF", "amount": {"amount": "300000.00", "currency": "SEK"}},
        {"source": "own-public", "amount": {"amount": "300000.00", "currency": "SEK"}},
    ]
    aid = (await create(client, body))["id"]
    assert (await assessed(client, app, aid))["status"] == "eligible"
    await assess(client, aid, {"anna": (5,), "per": (4,)})

    ranking = await client.get("/v1/committee/ranking", params={"call_id": call_id}, headers=OLGA)
    assert ranking.status_code == 200, ranking.text
    [item] = ranking.json()["items"]
    erdf = next(x for x in item["requested"] if x["fund"] == "ERDF")
    assert erdf["amount"] == {"amount": "300000.00", "currency": "SEK"}
    assert erdf["amount_programme"] == {"amount": erdf_eur, "currency": "EUR"}

    approved = await decided(client, app, aid, {"decision": "approved"})
    assert approved["commitment_status"] == "active"
    commitment = (await budget.get(f"/v1/commitments/{approved['commitment_id']}", headers=OLGA)).json()
    line = next(ln for ln in commitment["lines"] if ln["fund"] == "ERDF")
    assert line["amount_programme"] == erdf["amount_programme"]  # the preview's figure is what was committed
    assert Decimal(line["amount_programme"]["amount"]) == (Decimal("300000.00") / Decimal(RATES[month])).quantize(
        Decimal("0.01")
    )


async def test_a_missing_rate_names_the_month_of_the_budgets_clock(
    stack: tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient], clock_case: tuple[str, str, str]
) -> None:
    _, _, budget = stack
    r = await budget.get("/v1/programmes/interreg-se-no-2021-2027/conversion-rates/DKK", params={"at": AT.isoformat()})
    assert r.status_code == 404
    assert r.json()["month"] == clock_case[1] and f"PUT /v1/exchange-rates/DKK/{clock_case[1]}" in r.json()["detail"]
    r = await budget.get("/v1/programmes/interreg-se-no-2021-2027/conversion-rates/SEK", params={"at": "2025-03-31"})
    assert r.status_code == 422  # an instant has its offset
