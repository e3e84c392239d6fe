"""The State-aid rules (`de-minimis`, `aid-per-project-cap`) of the Interreg Sverige–Norge rule set: worked
examples with the figures written out by hand, in the rule engine and through the API (sv, nb, en), and
an old report reproduced with its old ceiling after a new version raised it."""

from __future__ import annotations

from typing import Any

import httpx

from services.eligibility.engine.rules import Rule, RuleSet, evaluate
from shared.schemas.eligibility import Report, RuleResult
from tests.harness import auth

from .helpers import SE_NO, activate, context, gron, m, seeded_rule_set

ADMIN = auth("admin", "ada")


def nok(amount: str) -> dict[str, str]:
    return m(amount, "NOK")


def undertaking(
    app: dict[str, Any], *, no_state: str = "1500000.00", regime: str = "de-minimis", declared: list[Any] | None = None
) -> dict[str, Any]:
    """Grön industriväxt whose Norwegian partner is a company budgeting in NOK (fixed rate 10 NOK per EUR):
    NOK 3,000,000.00 of costs, `no_state` of Norwegian state funds, the rest its own."""
    partner = app["partners"][1]
    own = f"{3000000 - float(no_state):.2f}"
    partner.update(
        name="Kongsvinger Industri AS",
        organisation_number="912345678",
        organisation_type="company",
        budget=[{"category": "staff", "amount": nok("3000000.00")}],
        financing=[{"source": "NO-STATE", "amount": nok(no_state)}, {"source": "own-private", "amount": nok(own)}],
        state_aid={"economic_activity": True, "regime": regime, "previous_de_minimis": declared or []},
    )
    return app


DECLARED = [
    {"granted_on": "2024-03-01", "amount": m("120000.00"), "granted_by": "Innovasjon Norge"},
    {"granted_on": "2021-06-01", "amount": m("50000.00"), "granted_by": "Innovasjon Norge"},  # before the window
]
GRANTED = [
    {
        "organisation_number": "912345678",
        "regime": "de-minimis",
        "amount": m("40000.00"),
        "granted_on": "2024-09-20",
        "reference": "SE-NO-2024-0003",
    }
]


def run(app: dict[str, Any], language: str = "en") -> Report:
    return evaluate(seeded_rule_set(SE_NO), context(app), language)


def result(report: Report, code: str) -> RuleResult:
    return next(r for r in report.results if r.rule == code)


def test_declared_plus_programme_plus_this_application_over_300000_fails_naming_every_figure() -> None:
    app = undertaking(gron(as_of="2025-03-01"), declared=DECLARED)
    app["granted_aid"] = GRANTED
    r = result(run(app), "de-minimis-2023-2831")
    # NOK 1,500,000.00 / 10 = EUR 150,000.00 here; 120,000.00 declared in the window; 40,000.00 granted.
    assert r.passed is False
    assert r.message == (
        "Kongsvinger Industri AS (912345678): de minimis aid of 310,000.00 EUR over the 3 years "
        "2022-03-02 – 2025-03-01 — 150,000.00 EUR in this application, 120,000.00 EUR declared as received "
        "before and 40,000.00 EUR from this programme's approved applications — exceeds the ceiling of "
        "300,000.00 EUR of Regulation (EU) 2023/2831, Art. 3(2) by 10,000.00 EUR."
    )
    assert r.facts["organisations"] == [
        {
            "partner": "Kongsvinger Industri AS",
            "organisation_number": "912345678",
            "this_application": "150000.00",
            "declared": "120000.00",
            "programme_granted": "40000.00",
            "granted_by_programme": ["SE-NO-2024-0003"],
            "total": "310000.00",
            "excess": "10000.00",
            "currency": "EUR",
            "passed": False,
        }
    ]
    assert run(app).eligible is False
    # The old regulation does not apply to a check in 2025.
    assert result(run(app), "de-minimis-1407-2013").passed is True


def test_exactly_at_the_ceiling_passes_and_a_cent_more_fails() -> None:
    app = undertaking(gron(as_of="2025-03-01"), no_state="1400000.00", declared=DECLARED)  # 140,000 EUR
    app["granted_aid"] = GRANTED
    r = result(run(app), "de-minimis-2023-2831")
    assert r.passed is True and r.facts["organisations"][0]["total"] == "300000.00"
    app = undertaking(gron(as_of="2025-03-01"), no_state="1400000.10", declared=DECLARED)  # 140,000.01 EUR
    app["granted_aid"] = GRANTED
    assert result(run(app), "de-minimis-2023-2831").passed is False


def test_the_message_in_swedish_and_norwegian() -> None:
    app = undertaking(gron(as_of="2025-03-01"), declared=DECLARED)
    app["granted_aid"] = GRANTED
    assert result(run(app, "sv"), "de-minimis-2023-2831").message == (
        "Kongsvinger Industri AS (912345678): stöd av mindre betydelse på sammanlagt 310\u00a0000,00 EUR under "
        "de 3 åren 2022-03-02 – 2025-03-01 — 150\u00a0000,00 EUR i denna ansökan, 120\u00a0000,00 EUR angivet "
        "tidigare stöd och 40\u00a0000,00 EUR från programmets beviljade ansökningar — överskrider taket på "
        "300\u00a0000,00 EUR i Regulation (EU) 2023/2831, Art. 3(2) med 10\u00a0000,00 EUR."
    )
    assert result(run(app, "nb"), "de-minimis-2023-2831").message == (
        "Kongsvinger Industri AS (912345678): bagatellmessig støtte på til sammen 310\u00a0000,00 EUR i de 3 "
        "årene 2022-03-02 – 2025-03-01 — 150\u00a0000,00 EUR i denne søknaden, 120\u00a0000,00 EUR oppgitt "
        "tidligere støtte og 40\u00a0000,00 EUR fra programmets innvilgede søknader — overstiger taket på "
        "300\u00a0000,00 EUR i Regulation (EU) 2023/2831, Art. 3(2) med 10\u00a0000,00 EUR."
    )


def test_aid_of_another_organisation_or_regime_or_outside_the_window_is_not_counted() -> None:
    app = undertaking(gron(as_of="2025-03-01"), declared=DECLARED)
    app["granted_aid"] = [
        {**GRANTED[0], "organisation_number": "999999999"},
        {**GRANTED[0], "regime": "gber-20a"},
        {**GRANTED[0], "granted_on": "2022-03-01"},  # the day before the window
    ]
    r = result(run(app), "de-minimis-2023-2831")
    assert r.passed is True and r.facts["organisations"][0]["programme_granted"] == "0.00"
    assert r.facts["organisations"][0]["total"] == "270000.00"


def test_before_2024_the_200000_ceiling_over_three_fiscal_years() -> None:
    declared = [{"granted_on": "2021-02-01", "amount": m("60000.00"), "granted_by": "Tillväxtverket"}]
    app = undertaking(gron(as_of="2023-06-01"), declared=declared)
    report = run(app)
    old, new = result(report, "de-minimis-1407-2013"), result(report, "de-minimis-2023-2831")
    assert new.passed is True and new.facts["applies"] is False
    assert new.message == (
        "The ceiling of Regulation (EU) 2023/2831, Art. 3(2) applies to aid granted from 2024-01-01 to "
        "2030-12-31; the check date 2023-06-01 lies outside it."
    )
    assert old.passed is False
    assert old.message == (
        "Kongsvinger Industri AS (912345678): de minimis aid of 210,000.00 EUR over the 3 fiscal years "
        "2021-01-01 – 2023-06-01 — 150,000.00 EUR in this application, 60,000.00 EUR declared as received "
        "before and 0.00 EUR from this programme's approved applications — exceeds the ceiling of 200,000.00 EUR "
        "of Regulation (EU) No 1407/2013, Art. 3(2) by 10,000.00 EUR."
    )
    # A year later the 2021 aid has left the three-year window of the new regulation.
    later = run(undertaking(gron(as_of="2024-06-01"), declared=declared))
    assert result(later, "de-minimis-2023-2831").passed is True
    assert result(later, "de-minimis-1407-2013").facts["applies"] is False


def test_a_partner_that_is_not_an_undertaking_is_not_counted() -> None:
    app = gron(as_of="2025-03-01")
    app["partners"][1]["state_aid"] = {"economic_activity": False, "regime": "not-aid"}
    r = result(run(app), "de-minimis-2023-2831")
    assert (
        r.passed is True and r.message == "No partner declares de minimis aid (Regulation (EU) 2023/2831, Art. 3(2))."
    )


def _swedish_company(app: dict[str, Any], declared: list[Any] | None = None) -> dict[str, Any]:
    """Grön industriväxt whose Swedish partner is a company budgeting in SEK, declaring de minimis aid."""
    swedish = app["partners"][0]
    swedish.update(
        budget=[{"category": "staff", "amount": m("1000000.00", "SEK")}],
        financing=[
            {"source": "ERDF", "amount": m("650000.00", "SEK")},
            {"source": "own-private", "amount": m("350000.00", "SEK")},
        ],
        state_aid={"economic_activity": True, "regime": "de-minimis", "previous_de_minimis": declared or []},
    )
    return app


def _old(rule_set: RuleSet) -> RuleSet:
    """The rule set as stored before `conversion` existed (its rules' parameters without it)."""
    rules = tuple(
        Rule(
            code=r.code,
            kind=r.kind,
            severity=r.severity,
            params={k: v for k, v in r.params.items() if k != "conversion"},
        )
        for r in rule_set.rules
    )
    return RuleSet(id=rule_set.id, version=rule_set.version, programme=rule_set.programme, call_id=None, rules=rules)


def test_an_amount_without_a_rate_of_its_month_fails_naming_the_month_and_how_an_admin_sets_it() -> None:
    r = result(run(_swedish_company(gron(as_of="2025-03-01"))), "de-minimis-2023-2831")
    assert r.passed is False
    assert r.message.startswith(
        "Region Värmland: amounts in SEK cannot be expressed in euro for 2025-03, the month the aid is granted in: "
        "the budget service has no exchange rate for SEK in 2025-03. An administrator sets it "
        "(PUT /v1/exchange-rates/SEK/2025-03 of the budget service"
    )
    # A version stored before the monthly conversion keeps its old answer (old reports reproduce).
    old = result(
        evaluate(_old(seeded_rule_set(SE_NO)), context(_swedish_company(gron(as_of="2025-03-01"))), "en"),
        "de-minimis-2023-2831",
    )
    assert old.message.startswith("Region Värmland: amounts in SEK cannot be expressed in EUR; the programme has no")


def test_sek_at_the_monthly_rate_of_each_grant_month() -> None:
    declared = [{"granted_on": "2024-05-10", "amount": m("1100000.00", "SEK"), "granted_by": "Tillväxtverket"}]
    app = _swedish_company(gron(as_of="2025-03-01"), declared)
    app["aid_rates"] = [
        {"currency": "SEK", "month": "2025-03", "units_per_eur": "11.0000", "source": "monthly"},
        {"currency": "SEK", "month": "2024-05", "units_per_eur": "11.5000", "source": "monthly"},
    ]
    r = result(run(app), "de-minimis-2023-2831")
    assert r.passed is True, r.message
    row = r.facts["organisations"][0]
    # 650,000 SEK / 11.0 = 59,090.91 EUR here; 1,100,000 SEK / 11.5 = 95,652.17 EUR declared.
    assert (row["this_application"], row["declared"], row["total"]) == ("59090.91", "95652.17", "154743.08")
    assert r.facts["rates"] == [  # each rate as every answer writes one (shared.money.rate_str)
        {"currency": "SEK", "month": "2024-05", "units_per_eur": "11.5", "source": "monthly"},
        {"currency": "SEK", "month": "2025-03", "units_per_eur": "11", "source": "monthly"},
    ]


def test_gber_article_20a_amount_of_2023_1315_holds_from_1_july_2023_only() -> None:
    before = result(run(undertaking(gron(as_of="2023-06-30"), no_state="250000.00", regime="gber-20a")), "gber-20a-cap")
    assert before.passed is True and before.facts["applies"] is False
    assert "2023-07-01" in before.message and "2023-06-30" in before.message
    after = result(run(undertaking(gron(as_of="2023-07-01"), no_state="250000.00", regime="gber-20a")), "gber-20a-cap")
    assert after.passed is False


def test_gber_article_20a_caps_the_aid_per_undertaking_and_project() -> None:
    app = undertaking(gron(as_of="2025-03-01"), no_state="220000.00", regime="gber-20a")  # 22,000.00 EUR
    r = result(run(app), "gber-20a-cap")
    assert r.passed is True
    assert r.message == (
        "The aid under Regulation (EU) No 651/2014 (GBER), Art. 20a(2) stays within the ceiling of 22,000.00 EUR "
        "per undertaking and project (Kongsvinger Industri AS: 22,000.00 EUR)."
    )
    app = undertaking(gron(as_of="2025-03-01"), no_state="250000.00", regime="gber-20a")
    r = result(run(app), "gber-20a-cap")
    assert r.passed is False
    assert r.message == (
        "Kongsvinger Industri AS (912345678): the aid of 25,000.00 EUR in this project exceeds the ceiling of "
        "22,000.00 EUR per undertaking and project of Regulation (EU) No 651/2014 (GBER), Art. 20a(2) by "
        "3,000.00 EUR."
    )
    assert result(run(app), "de-minimis-2023-2831").passed is True  # GBER aid is not de minimis aid


# --------------------------------------------------------------------------- through the API


async def _check(client: httpx.AsyncClient, app: dict[str, Any], lang: str, **params: Any) -> dict[str, Any]:
    r = await client.post("/v1/checks", json=app, headers={"Accept-Language": lang}, params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _rule(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in report["results"] if r["rule"] == code)


async def test_the_api_reports_the_excess_in_three_languages_and_an_old_report_keeps_its_old_ceiling(
    eligibility_client: httpx.AsyncClient,
) -> None:
    app = undertaking(gron(as_of="2025-03-01"), declared=DECLARED)
    app["granted_aid"] = GRANTED
    reports = {lang: await _check(eligibility_client, app, lang) for lang in ("sv", "nb", "en")}
    for lang, report in reports.items():
        rule = _rule(report, "de-minimis-2023-2831")
        assert rule["passed"] is False and report["eligible"] is False, lang
        assert rule["facts"]["organisations"][0]["total"] == "310000.00"
    assert "310,000.00 EUR" in _rule(reports["en"], "de-minimis-2023-2831")["message"]
    assert "taket på 300\u00a0000,00 EUR" in _rule(reports["sv"], "de-minimis-2023-2831")["message"]
    assert "taket på 300\u00a0000,00 EUR" in _rule(reports["nb"], "de-minimis-2023-2831")["message"]

    # An administrator raises the ceiling in a new version of the rule set…
    current = (await eligibility_client.get(f"/v1/rule-sets/{SE_NO}")).json()
    rules = current["rules"]
    for rule in rules:
        if rule["code"] == "de-minimis-2023-2831":
            rule["params"]["cap"] = m("400000.00")
    body = {"id": SE_NO, "programme": SE_NO, "name": current["name"], "rules": rules}
    created = await eligibility_client.post("/v1/rule-sets", json=body, headers={**ADMIN, "Idempotency-Key": "cap-400"})
    await activate(eligibility_client, created, ADMIN)
    now = await _check(eligibility_client, app, "en")
    assert now["rule_set"] == {"id": SE_NO, "version": 2}
    assert _rule(now, "de-minimis-2023-2831")["passed"] is True
    # …and the report of version 1 reproduces, old ceiling and all.
    again = await _check(eligibility_client, app, "en", rule_set=SE_NO, rule_set_version=1)
    assert again == reports["en"]


async def test_the_openapi_example_over_the_ceiling_fails_as_described(eligibility_client: httpx.AsyncClient) -> None:
    spec = (await eligibility_client.get("/openapi.json")).json()
    examples = spec["paths"]["/v1/checks"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    report = await _check(eligibility_client, examples["de-minimis-over-the-ceiling"]["value"], "en")
    rule = _rule(report, "de-minimis-2023-2831")
    assert rule["passed"] is False and rule["facts"]["organisations"][0]["excess"] == "10000.00"
    kinds = {
        k["code"] for k in (await eligibility_client.get("/v1/check-kinds", params={"limit": 100})).json()["items"]
    }
    assert {"de-minimis", "aid-per-project-cap"} <= kinds


async def test_a_check_of_the_state_aid_rules_only(eligibility_client: httpx.AsyncClient) -> None:
    """What the applications service asks at a decision: only the rules of the State-aid kinds run."""
    app = undertaking(gron(as_of="2025-03-01"), declared=DECLARED)
    app["granted_aid"] = GRANTED
    app["rule_kinds"] = ["de-minimis", "aid-per-project-cap"]
    report = await _check(eligibility_client, app, "sv")
    assert [r["rule"] for r in report["results"]] == ["de-minimis-2023-2831", "de-minimis-1407-2013", "gber-20a-cap"]
    assert report["eligible"] is False
