"""State aid decided at the decision, in any currency, through the API with the real catalogue, eligibility
and budget in-process: the State-aid rules run again at every approval (the grant day's regulation, the aid
approved since the submission counted, amounts at the budget's rate of their grant month), a session that
breaks a ceiling is refused whole with the figures, and two approvals of one undertaking at once cannot
both pass. The programme fixes 10 NOK per EUR; figures written out by hand."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.applications.tests.helpers import (
    ALICE,
    NOW,
    OLGA,
    A,
    assess,
    assessed,
    create,
    delivered,
    gron,
    key,
    open_call,
)
from services.applications.tests.test_state_aid import COMPANY, nok
from shared.clock import FixedClock
from tests.harness import auth

pytestmark = pytest.mark.usefixtures("backend")
DECLARED_150 = [
    {"granted_on": "2024-03-01", "amount": {"amount": "150000.00", "currency": "EUR"}, "granted_by": "Innovasjon Norge"}
]


def company(call_id: str, *, no_state: str = "1000000.00", declared: list[Any] | None = None) -> dict[str, Any]:
    """Grön industriväxt whose Norwegian partner is a company under de minimis budgeting in NOK: NOK
    `no_state` of Norwegian state funds (NOK 1,000,000.00 = EUR 100,000.00), as much of its own."""
    body = gron(call_id)
    body["partners"][1].update(
        name="Kongsvinger Industri AS",
        organisation_number=COMPANY,
        organisation_type="company",
        budget=[{"category": "staff", "amount": nok(f"{2 * float(no_state):.2f}")}],
        financing=[{"source": "NO-STATE", "amount": nok(no_state)}, {"source": "own-private", "amount": nok(no_state)}],
        state_aid={
            "economic_activity": True,
            "regime": "de-minimis",
            "previous_de_minimis": DECLARED_150 if declared is None else declared,
        },
    )
    return body


async def session(
    client: httpx.AsyncClient, call_id: str, ids: list[str], *, lang: str = "en", held_on: dt.date | None = None
) -> httpx.Response:
    body = {
        "call_id": call_id,
        "minutes_reference": f"ÖK §{uuid.uuid4().hex[:4]}",
        "held_on": (held_on or NOW.date()).isoformat(),
        "decisions": [{"application_id": i, "decision": "approved"} for i in ids],
    }
    return await client.post("/v1/committee/sessions", json=body, headers={**OLGA, **key(), "Accept-Language": lang})


async def ready(client: httpx.AsyncClient, app: FastAPI, body: dict[str, Any]) -> str:
    """Created, submitted, eligible, assessed above the thresholds."""
    aid: str = (await create(client, body))["id"]
    assert (await assessed(client, app, aid))["status"] == "eligible"
    await assess(client, aid)
    return aid


async def test_the_second_approval_of_an_undertaking_over_the_ceiling_is_refused_with_the_figures(
    applications_app: FastAPI, applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    client, app = applications_client, applications_app
    call_id = await open_call(catalogue_client)
    # 150,000 EUR declared before; each application 100,000 EUR: each fits when submitted (250,000 EUR).
    first, second = [await ready(client, app, company(call_id)) for _ in range(2)]

    # Both in one session: 350,000 EUR for the undertaking, so the whole session is refused.
    r = await session(client, call_id, [first, second], lang="sv")
    assert r.status_code == 409 and r.json()["type"].endswith("/state-aid-ceiling"), r.text
    [refused] = r.json()["applications"]
    assert refused["application_id"] == second
    assert "Kongsvinger Industri AS (912345678)" in refused["rules"][0]["message"]
    assert "350\u00a0000,00 EUR" in r.json()["detail"] and "300\u00a0000,00 EUR" in r.json()["detail"]
    statuses = {(await client.get(f"{A}/{x}", headers=OLGA)).json()["status"] for x in (first, second)}
    assert statuses == {"eligible"}  # nothing recorded

    r = await session(client, call_id, [first])
    assert r.status_code == 201, r.text
    await delivered(app)
    for lang, words in (
        ("en", ("de minimis aid of 350,000.00 EUR over the 3 years 2022-03-15 – 2025-03-14", "ceiling of 300,000.00")),
        ("sv", ("stöd av mindre betydelse på sammanlagt 350\u00a0000,00 EUR", "taket på 300\u00a0000,00 EUR")),
        ("nb", ("bagatellmessig støtte på til sammen 350\u00a0000,00 EUR", "taket på 300\u00a0000,00 EUR")),
    ):
        r = await session(client, call_id, [second], lang=lang)
        assert r.status_code == 409 and r.json()["type"].endswith("/state-aid-ceiling"), r.text
        rule = r.json()["applications"][0]["rules"][0]
        assert rule["rule"] == "de-minimis-2023-2831" and all(w in rule["message"] for w in words), rule["message"]
    figures = rule["facts"]
    row = figures["organisations"][0]
    assert (row["this_application"], row["declared"], row["programme_granted"], row["total"], row["excess"]) == (
        "100000.00",
        "150000.00",
        "100000.00",
        "350000.00",
        "50000.00",
    )
    assert (figures["cap"], figures["window_start"], figures["window_end"]) == (
        {"amount": "300000.00", "currency": "EUR"},
        "2022-03-15",
        "2025-03-14",
    )
    assert figures["rates"] == [
        {"currency": "NOK", "month": "2025-03", "units_per_eur": "10", "source": "programme-fixed"}
    ]
    assert (await client.get(f"{A}/{second}", headers=OLGA)).json()["status"] == "eligible"
    report = (await client.get("/v1/reports/state-aid", headers=OLGA, params={"organisation_number": COMPANY})).json()
    assert [t["amount"] for t in report["totals"]] == [nok("1000000.00")]


async def test_two_sessions_at_once_approving_one_undertaking_over_the_ceiling_one_is_refused(
    applications_app: FastAPI, applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    client, app = applications_client, applications_app
    call_id = await open_call(catalogue_client)
    first, second = [await ready(client, app, company(call_id)) for _ in range(2)]
    answers = await asyncio.gather(session(client, call_id, [first]), session(client, call_id, [second]))
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    refused = next(r for r in answers if r.status_code == 409).json()
    assert refused["type"].rsplit("/", 1)[1] in ("aid-changed", "state-aid-ceiling"), refused
    await delivered(app)
    statuses = {x: (await client.get(f"{A}/{x}", headers=OLGA)).json()["status"] for x in (first, second)}
    assert sorted(statuses.values()) == ["approved", "eligible"]
    # Asked again, the refused one meets the other's approval in its figures.
    loser = next(x for x, status in statuses.items() if status == "eligible")
    r = await session(client, call_id, [loser])
    assert r.status_code == 409 and r.json()["type"].endswith("/state-aid-ceiling"), r.text


async def test_submitted_in_december_2023_approved_in_january_2024_is_judged_by_2023_2831(
    applications_app: FastAPI,
    applications_client: httpx.AsyncClient,
    applications_clock: FixedClock,
    catalogue_client: httpx.AsyncClient,
) -> None:
    client, app = applications_client, applications_app
    submitted_at = dt.datetime(2023, 12, 20, 10, 0, tzinfo=dt.UTC)
    call_id = await open_call(
        catalogue_client, opens_in_days=(submitted_at - NOW).days - 1, closes_in_days=(submitted_at - NOW).days + 5
    )
    applications_clock.set(submitted_at)
    declared = [{"granted_on": "2022-05-01", "amount": {"amount": "50000.00", "currency": "EUR"}, "granted_by": "IN"}]
    aid = await ready(client, app, company(call_id, declared=declared))
    at_submission = (await client.get(f"{A}/{aid}/eligibility", headers=ALICE)).json()
    rules = {r["rule"]: r for r in at_submission["results"]}
    assert rules["de-minimis-1407-2013"]["facts"]["applies"] is True  # the day of the submission: 2023
    assert rules["de-minimis-2023-2831"]["facts"]["applies"] is False

    applications_clock.set(dt.datetime(2024, 1, 15, 10, 0, tzinfo=dt.UTC))
    r = await session(client, call_id, [aid], held_on=dt.date(2024, 1, 15))
    assert r.status_code == 201, r.text
    grant = (await client.get(f"{A}/{aid}/grant", headers=ALICE)).json()
    at_decision = {x["rule"]: x for x in grant["state_aid"]}
    assert set(at_decision) == {"de-minimis-2023-2831", "de-minimis-1407-2013", "gber-20a-cap"}
    judged = at_decision["de-minimis-2023-2831"]
    assert judged["passed"] is True and judged["facts"]["applies"] is True
    assert judged["facts"]["regulation"] == "Regulation (EU) 2023/2831, Art. 3(2)"
    assert (judged["facts"]["window_start"], judged["facts"]["window_end"]) == ("2021-01-16", "2024-01-15")
    assert judged["facts"]["organisations"][0]["total"] == "150000.00"
    assert at_decision["de-minimis-1407-2013"]["facts"]["applies"] is False
    report = (await client.get("/v1/reports/state-aid", headers=OLGA, params={"organisation_number": COMPANY})).json()
    assert report["rows"][0]["granted_on"] == "2024-01-15"


def swedish_company(call_id: str) -> dict[str, Any]:
    """Grön industriväxt whose Swedish partner is a company budgeting in SEK, with SEK 1,100,000.00 of de
    minimis aid declared (granted in March 2025), asking SEK 650,000.00 of ERDF."""
    body = gron(call_id)
    sek = {"currency": "SEK"}
    body["partners"][0].update(
        name="Värmlands Verkstad AB",
        organisation_number="556677-8899",
        organisation_type="company",
        budget=[{"category": "staff", "amount": {"amount": "1000000.00", **sek}}],
        financing=[
            {"source": "ERDF", "amount": {"amount": "650000.00", **sek}},
            {"source": "own-private", "amount": {"amount": "350000.00", **sek}},
        ],
        state_aid={
            "economic_activity": True,
            "regime": "de-minimis",
            "previous_de_minimis": [
                {"granted_on": "2025-03-03", "amount": {"amount": "1100000.00", **sek}, "granted_by": "Tillväxtverket"}
            ],
        },
    )
    return body


async def test_a_swedish_undertaking_in_sek_gets_a_verdict_at_the_months_rate_or_a_warning_naming_the_month(
    applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient, budget_live_client: httpx.AsyncClient
) -> None:
    client = applications_client
    call_id = await open_call(catalogue_client)
    aid = (await create(client, swedish_company(call_id)))["id"]

    def de_minimis(report: dict[str, Any]) -> dict[str, Any]:
        rule: dict[str, Any] = next(x for x in report["results"] if x["rule"] == "de-minimis-2023-2831")
        return rule

    # No SEK rate for March 2025 in the budget yet: the pre-check says so, naming the month and the fix.
    r = await client.post(f"{A}/{aid}/pre-check", headers={**ALICE, "Accept-Language": "en"})
    assert r.status_code == 200, r.text
    missing = de_minimis(r.json())
    assert missing["passed"] is False
    assert "no exchange rate for SEK in 2025-03" in missing["message"]
    assert "PUT /v1/exchange-rates/SEK/2025-03" in missing["message"]
    r = await client.post(f"{A}/{aid}/pre-check", headers={**ALICE, "Accept-Language": "sv"})
    assert "ingen växelkurs för SEK i 2025-03" in de_minimis(r.json())["message"]

    # An admin sets the Commission's monthly rate: a real verdict, the rate and its month in the figures.
    admin = auth("admin", "root")
    r = await budget_live_client.put("/v1/exchange-rates/SEK/2025-03", json={"units_per_eur": "11.0000"}, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.post(f"{A}/{aid}/pre-check", headers=ALICE)
    verdict = de_minimis(r.json())
    assert verdict["passed"] is True, verdict["message"]
    row = verdict["facts"]["organisations"][0]
    # SEK 650,000.00 / 11 = EUR 59,090.91 here; SEK 1,100,000.00 / 11 = EUR 100,000.00 declared.
    assert (row["this_application"], row["declared"], row["total"]) == ("59090.91", "100000.00", "159090.91")
    assert verdict["facts"]["rates"] == [
        {"currency": "SEK", "month": "2025-03", "units_per_eur": "11", "source": "monthly"}
    ]
