"""Unit tests of the rule engine on in-memory reference data: every rule at and across its boundary."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from services.eligibility.engine.rules import REGISTRY, add_months, evaluate, months_spanned, validate_params
from services.eligibility.messages.render import MESSAGES, placeholders
from services.eligibility.schemas import RuleSetCreate
from shared.schemas.eligibility import Report, RuleResult

from .helpers import NMS, SE_NO, context, gron, m, make_call, reference, seeded_rule_set


def run(app: dict[str, Any], language: str = "en", ref: Any = None, programme: str = SE_NO) -> Report:
    return evaluate(seeded_rule_set(programme), context(app, ref), language)


def result(report: Report, code: str) -> RuleResult:
    return next(r for r in report.results if r.rule == code)


def test_gron_industrivaxt_is_eligible() -> None:
    report = run(gron())
    assert report.eligible, [(r.rule, r.message) for r in report.results if not r.passed]
    assert [r.rule for r in report.results] == [
        "cross-border-partnership",
        "eligible-organisation",
        "programme-area",
        "programme-area-partners",
        "co-financing-se",
        "co-financing-no",
        "own-financing-no",
        "fund-country",
        "cross-border-added-value",
        "project-duration",
        "pre-project-erdf-cap",
        "call-open",
        "specific-objective-open",
        "financing-balances",
        "change-flexibility",
        "de-minimis-2023-2831",
        "de-minimis-1407-2013",
        "gber-20a-cap",
    ]
    assert all(r.passed for r in report.results)
    assert report.rule_set.id == SE_NO and report.rule_set.version == 1


def test_gron_industrivaxt_at_66_percent_says_who_and_by_how_much() -> None:
    report = run(gron(erdf="396000.00", own_se="204000.00"))
    assert not report.eligible
    r = result(report, "co-financing-se")
    assert not r.passed and r.severity == "error"
    assert "Region Värmland" in r.message and "66.00%" in r.message and "6,000.00 EUR" in r.message
    partner = r.facts["partners"][0]
    assert partner == {
        "partner": "Region Värmland",
        "country": "SE",
        "erdf": "396000.00",
        "eligible_costs": "600000.00",
        "erdf_share": "0.6600",
        "limit": "0.65",
        "excess": "6000.00",
        "currency": "EUR",
        "passed": False,
    }
    sv = result(run(gron(erdf="396000.00", own_se="204000.00"), "sv"), "co-financing-se").message
    assert "66,00\u00a0%" in sv and "6\u00a0000,00 EUR" in sv


@pytest.mark.parametrize(
    ("erdf", "own", "passed"),
    [
        ("390000.00", "210000.00", True),  # 65.00 %
        ("390060.00", "209940.00", False),  # 65.01 %
        ("390000.01", "209999.99", False),  # one cent over
    ],
)
def test_co_financing_se_boundary(erdf: str, own: str, passed: bool) -> None:
    assert result(run(gron(erdf=erdf, own_se=own)), "co-financing-se").passed is passed


@pytest.mark.parametrize(
    ("no_state", "own", "passed"),
    [
        ("150000.00", "150000.00", True),  # 50.00 %
        ("150030.00", "149970.00", False),  # 50.01 %
    ],
)
def test_co_financing_no_boundary(no_state: str, own: str, passed: bool) -> None:
    r = result(run(gron(no_state=no_state, own_no=own)), "co-financing-no")
    assert r.passed is passed
    if not passed:
        assert "Kongsvinger kommune" in r.message and "30.00 EUR" in r.message


def test_co_financing_is_exact_not_rounded() -> None:
    # 0.65 * 100000.01 = 65000.0065: 65000.01 is over the limit although both round to 65.00 %.
    app = gron()
    app["partners"][0]["budget"] = [{"category": "staff", "amount": m("100000.01")}]
    app["partners"][0]["financing"] = [
        {"source": "ERDF", "amount": m("65000.01")},
        {"source": "own-public", "amount": m("35000.00")},
    ]
    assert result(run(app), "co-financing-se").passed is False
    app["partners"][0]["financing"][0]["amount"] = m("65000.00")
    app["partners"][0]["financing"][1]["amount"] = m("35000.01")
    assert result(run(app), "co-financing-se").passed is True


def test_co_financing_with_sek_partner_uses_its_own_currency() -> None:
    app = gron()
    app["partners"][0]["budget"] = [{"category": "staff", "amount": m("1000000.00", "SEK")}]
    app["partners"][0]["financing"] = [
        {"source": "ERDF", "amount": m("650000.00", "SEK")},
        {"source": "own-public", "amount": m("350000.00", "SEK")},
    ]
    r = result(run(app), "co-financing-se")
    assert r.passed and r.facts["partners"][0]["currency"] == "SEK"


@pytest.mark.parametrize(
    ("project_type", "end", "passed", "months"),
    [
        ("pre-project", "2023-08-31", True, 12),
        ("pre-project", "2023-09-01", False, 13),
        ("main-project", "2025-08-31", True, 36),
        ("main-project", "2025-09-01", False, 37),
    ],
)
def test_project_duration_boundary(project_type: str, end: str, passed: bool, months: int) -> None:
    app = gron(project_type=project_type, end_date=end, start_date="2022-09-01")
    r = result(run(app), "project-duration")
    assert r.passed is passed and r.facts["months"] == months
    assert r.facts["max_months_from"] == "params"


@pytest.mark.parametrize(("start", "end"), [("2022-09-01", "2022-09-01"), ("2022-09-02", "2022-09-01")])
def test_project_must_end_after_it_starts(start: str, end: str) -> None:
    r = result(run(gron(start_date=start, end_date=end)), "project-duration")
    assert not r.passed and start in r.message


def test_project_duration_takes_the_limit_from_params_not_code() -> None:
    rule_set = seeded_rule_set()
    rules = tuple(
        r
        if r.code != "project-duration"
        else type(r)(
            r.code,
            r.kind,
            r.severity,
            validate_params("project-duration", {"max_months": {"pre-project": 6}, "use_catalogue_default": False}),
        )
        for r in rule_set.rules
    )
    six = type(rule_set)(rule_set.id, 2, rule_set.programme, None, rules)
    app = gron(project_type="pre-project", start_date="2022-09-01", end_date="2023-03-31")
    assert not result(evaluate(six, context(app), "en"), "project-duration").passed
    app["end_date"] = "2023-02-28"
    assert result(evaluate(six, context(app), "en"), "project-duration").passed


def test_months_spanned() -> None:
    assert months_spanned(dt.date(2023, 1, 1), dt.date(2023, 12, 31)) == 12
    assert months_spanned(dt.date(2023, 1, 1), dt.date(2024, 1, 1)) == 13
    assert months_spanned(dt.date(2023, 1, 31), dt.date(2023, 2, 27)) == 1
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("start", "region", "inside"),
    [
        ("2023-12-31", "NO082", True),  # Viken, last valid day
        ("2024-01-01", "NO082", False),  # dissolved
        ("2023-12-31", "NO083", False),  # Østfold not yet
        ("2024-01-01", "NO083", True),
        ("2024-01-01", "NO084", True),
        ("2023-01-01", "NO081", False),  # Oslo: never in the area
    ],
)
def test_programme_area_with_historical_regions(start: str, region: str, inside: bool) -> None:
    # Kongsvinger kommune is the Norwegian side's only organisation, hence its project owner: outside the
    # area (Viken after its dissolution, Oslo) the project is not carried out in the area.
    app = gron(start_date=start, end_date="2025-12-31")
    app["partners"][1]["region"] = region
    report = run(app)
    r = result(report, "programme-area")
    assert r.passed is inside
    assert r.severity == "error"
    if not inside:
        assert not report.eligible
        assert f"the region {region} is not in the programme area on {start}" in r.message


def _with_third_partner(region: str, justification: str | None = None) -> dict[str, Any]:
    app = gron(start_date="2024-01-01", end_date="2025-12-31")
    third = copy.deepcopy(app["partners"][1])
    third.update(name="Hamar kommune", organisation_number="970540008", role="partner", region=region)
    third["region_justification"] = justification
    third["budget"] = [{"category": "staff", "amount": m("100000.00")}]
    third["financing"] = [{"source": "own-public", "amount": m("100000.00")}]
    app["partners"][1]["role"] = "lead"
    app["partners"].append(third)
    return app


def test_a_partner_outside_the_area_is_a_warning_with_its_justification() -> None:
    report = run(_with_third_partner("NO082"))
    r = result(report, "programme-area-partners")
    assert not r.passed and r.severity == "warning"
    assert "justification" in r.message and "none has been given" in r.message
    assert r.facts["partners"][0]["justification_given"] is False
    assert report.eligible or not result(report, "call-open").passed  # a warning never makes it ineligible
    assert result(report, "programme-area").passed  # both owners are inside


def test_programme_area_notes_a_given_justification_and_successors() -> None:
    r = result(
        run(_with_third_partner("NO082", "Former Viken partner with key competence.")), "programme-area-partners"
    )
    assert not r.passed and "one has been given" in r.message and "NO083, NO084" in r.message
    assert r.facts["partners"][0]["justification_given"] is True


@pytest.mark.parametrize(
    ("as_of", "passed"), [("2022-05-14", False), ("2022-05-15", True), ("2022-06-15", True), ("2022-06-16", False)]
)
def test_call_window_edges(as_of: str, passed: bool) -> None:
    r = result(run(gron(as_of=as_of)), "call-open")
    assert r.passed is passed and r.facts["number"] == "2022-1"


@pytest.mark.parametrize(
    ("at", "passed"),
    [("2022-06-16T01:29:59+02:00", True), ("2022-06-16T01:30:00+02:00", True), ("2022-06-16T01:30:01+02:00", False)],
)
def test_call_window_is_an_instant_shown_in_stockholm_time(at: str, passed: bool) -> None:
    # Closing at 23:30 UTC on 15 June is 01:30 on 16 June in Stockholm: open through that instant, not after.
    call = make_call(closes="2022-06-15T23:30:00+00:00")
    r = result(run(gron(at=at, as_of="2022-06-16"), ref=reference(call=call)), "call-open")
    assert r.passed is passed and r.facts["as_of"] == "2022-06-16"
    assert "2022-06-16 01:30:00" in r.message  # the closing instant in the programme's time


def test_rolling_call_is_open_any_time_after_opening() -> None:
    call = make_call(opens="2023-01-01T00:00:00+01:00", closes=None)
    ref = reference(call=call)
    assert not result(run(gron(as_of="2022-12-31"), ref=ref), "call-open").passed
    r = result(run(gron(as_of="2031-06-01"), ref=ref), "call-open")
    assert r.passed and r.facts["rolling"] is True and "rolling" in r.message


def test_unknown_call_fails_call_rules_not_the_check() -> None:
    report = run(gron(), ref=reference(call=None))
    assert not result(report, "call-open").passed and not result(report, "specific-objective-open").passed
    assert not report.eligible


def test_call_of_another_programme_fails() -> None:
    report = run(gron(), ref=reference(call=make_call(programme=NMS)))
    assert not result(report, "call-open").passed


def test_specific_objective_and_project_type_must_be_open_in_the_call() -> None:
    call = make_call(specific_objectives=["1A"], project_types=["pre-project"])
    r = result(run(gron(), ref=reference(call=call)), "specific-objective-open")
    assert not r.passed and "1B" in r.message and "1A" in r.message


def test_financing_balances_off_by_a_cent() -> None:
    assert result(run(gron(own_se="209999.99")), "financing-balances").passed is False
    assert result(run(gron(own_se="210000.01")), "financing-balances").passed is False
    assert result(run(gron()), "financing-balances").passed is True


def test_partnership_needs_both_countries() -> None:
    app = gron()
    app["partners"][1]["country"] = "SE"
    r = result(run(app), "cross-border-partnership")
    assert not r.passed and "There is no partner from Norway." in r.message


@pytest.mark.parametrize("org_type", ["sole-proprietorship", "private-person", "no-such-type"])
def test_eligible_organisation(org_type: str) -> None:
    app = gron()
    app["partners"][0]["organisation_type"] = org_type
    r = result(run(app), "eligible-organisation")
    assert not r.passed and "Region Värmland" in r.message


@pytest.mark.parametrize(("erdf", "passed"), [("10000.00", True), ("10000.01", False)])
def test_pre_project_erdf_cap(erdf: str, passed: bool) -> None:
    own = str(Decimal("600000.00") - Decimal(erdf))
    app = gron(erdf=erdf, own_se=own, project_type="pre-project", start_date="2022-09-01", end_date="2023-08-31")
    r = result(run(app), "pre-project-erdf-cap")
    assert r.passed is passed and r.facts["applies"] is True
    if not passed:
        assert "0.01 EUR" in r.message


def test_funding_cap_converts_nok_at_the_fixed_rate_and_refuses_sek() -> None:
    rule_set = seeded_rule_set()
    cap = validate_params(
        "funding-cap", {"source": "NO-STATE", "country": "NO", "max_amount": {"amount": "15000.00", "currency": "EUR"}}
    )
    rules = (*rule_set.rules, type(rule_set.rules[0])("no-cap", "funding-cap", "error", cap))
    with_cap = type(rule_set)(rule_set.id, 9, rule_set.programme, None, rules)
    app = gron(no_state="150000.00", own_no="150000.00")
    for p in [app["partners"][1]]:
        p["budget"] = [{"category": "staff", "amount": m("300000.00", "NOK")}]
        p["financing"] = [
            {"source": "NO-STATE", "amount": m("150000.00", "NOK")},
            {"source": "own-public", "amount": m("150000.00", "NOK")},
        ]
    r = result(evaluate(with_cap, context(app), "en"), "no-cap")
    assert r.passed and r.facts["total"] == "15000.00"  # 150000 NOK / 10 = 15000 EUR: at the cap
    app["partners"][1]["financing"][0]["amount"] = m("150000.10", "NOK")
    app["partners"][1]["financing"][1]["amount"] = m("149999.90", "NOK")
    assert not result(evaluate(with_cap, context(app), "en"), "no-cap").passed


def test_five_broken_rules_all_reported_in_three_languages() -> None:
    bad = gron(erdf="500000.00", own_se="100000.00", no_state="200000.00", own_no="100000.00")
    bad["project_type"] = "main-project"
    bad["end_date"] = "2025-09-30"  # 37 months > 36
    bad["partners"][1]["country"] = "SE"  # no Norwegian partner
    bad["partners"][1]["region"] = "SE312"
    bad["partners"][0]["organisation_type"] = "sole-proprietorship"
    bad["partners"][0]["financing"][1]["amount"]["amount"] = "99999.99"  # does not balance
    want = {
        "cross-border-partnership",
        "eligible-organisation",
        "co-financing-se",
        "fund-country",  # the second Swedish partner is financed with Norwegian state money
        "project-duration",
        "financing-balances",
    }
    texts: dict[str, dict[str, str]] = {}
    for lang in ("sv", "nb", "en"):
        report = run(bad, lang)
        assert not report.eligible and report.language == lang
        failed = {r.rule: r.message for r in report.results if not r.passed}
        assert set(failed) == want
        texts[lang] = failed
    for code in want:
        assert len({texts[lang][code] for lang in ("sv", "nb", "en")}) == 3, code
    assert "Norge" in texts["sv"]["cross-border-partnership"] and "Norway" in texts["en"]["cross-border-partnership"]


def test_norra_mellansverige_same_kinds_other_params() -> None:
    app = gron(programme=NMS)
    app["partners"][1].update(country="SE", region="SE313")
    app["partners"][0]["financing"] = [
        {"source": "ERDF", "amount": m("300000.00")},
        {"source": "own-public", "amount": m("300000.00")},
    ]
    app["partners"][1]["financing"] = [
        {"source": "ERDF", "amount": m("150000.00")},
        {"source": "other-public", "amount": m("150000.00")},
    ]
    report = run(app, ref=reference(NMS, call=None), programme=NMS)
    assert report.eligible, [(r.rule, r.message) for r in report.results if not r.passed]
    assert report.rule_set.id == NMS
    # 50.01 % fails; a Norwegian partner fails single-country; a region outside fails (an error here)
    app["partners"][1]["financing"] = [
        {"source": "ERDF", "amount": m("150030.00")},
        {"source": "other-public", "amount": m("149970.00")},
    ]
    app["partners"][1].update(country="NO", region="NO020")
    report = run(app, ref=reference(NMS, call=None), programme=NMS)
    failed = {r.rule for r in report.results if not r.passed}
    assert failed == {"single-country", "co-financing-erdf", "programme-area"}
    assert result(report, "programme-area").severity == "error"


def test_every_message_in_three_languages_with_the_same_figures() -> None:
    for key, texts in MESSAGES.items():
        assert set(texts) == {"sv", "nb", "en"}, key
        assert placeholders(texts["sv"]) == placeholders(texts["nb"]) == placeholders(texts["en"]), key


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("co-financing", {"source": "ERDF", "max_share": "1.5"}),
        ("co-financing", {"source": "ERDF", "max_share": "0"}),
        ("co-financing", {"source": "ERDF", "max_share": 0.65}),  # a float
        ("co-financing", {"source": "GOLD", "max_share": "0.5"}),
        ("co-financing", {"source": "ERDF", "max_share": "0.5", "extra": 1}),
        ("funding-cap", {"source": "ERDF", "max_amount": {"amount": "-1.00", "currency": "EUR"}}),
        ("project-duration", {"max_months": {"pre-project": 0}}),
        ("partnership", {"countries": []}),
    ],
)
def test_invalid_params_are_refused(kind: str, params: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validate_params(kind, params)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown check kind"):
        RuleSetCreate.model_validate({"programme": SE_NO, "rules": [{"code": "no-such-check", "params": {}}]})


def test_registry_covers_the_contract_codes() -> None:
    codes = {r.code for r in seeded_rule_set().rules}
    assert {
        "cross-border-partnership",
        "eligible-organisation",
        "programme-area",
        "co-financing-se",
        "co-financing-no",
        "project-duration",
        "call-open",
        "specific-objective-open",
        "financing-balances",
    } <= codes
    assert {r.kind for r in seeded_rule_set().rules} <= set(REGISTRY)


def test_change_flexibility_reports_the_programmes_share_and_always_passes() -> None:
    """Not a condition of the application: the share a contracted project may reallocate without a decision
    (ours: 10 %), which the applications service reads from the report of a change's resulting version."""
    result = next(r for r in run(gron()).results if r.rule == "change-flexibility")
    assert result.passed and result.severity == "warning" and result.facts == {"reallocation_share": "0.10"}
