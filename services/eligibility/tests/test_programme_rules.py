"""The rules of Interreg Sverige–Norge as its seeds state them: two project owners, money tied to its
country, the owners in the programme area, the cross-border added value stated. Each test quotes the seed
sentence it rests on and reads the messages in sv, nb and en with the figures they must name."""

from __future__ import annotations

import copy
from typing import Any

from services.eligibility.engine.rules import evaluate
from shared.schemas.eligibility import Report, RuleResult

from .helpers import SE_NO, context, gron, m, seeded_rule_set

LANGUAGES = ("sv", "nb", "en")


def run(app: dict[str, Any], language: str = "en") -> Report:
    return evaluate(seeded_rule_set(SE_NO), context(app), language)


def result(app: dict[str, Any], code: str, language: str = "en") -> RuleResult:
    return next(r for r in run(app, language).results if r.rule == code)


def messages(app: dict[str, Any], code: str) -> dict[str, str]:
    return {lang: result(app, code, lang).message for lang in LANGUAGES}


def owners(se_role: str = "lead", no_role: str = "lead") -> dict[str, Any]:
    app = gron()
    app["partners"][0]["role"] = se_role
    app["partners"][1]["role"] = no_role
    return app


def add_partner(app: dict[str, Any], **fields: Any) -> dict[str, Any]:
    partner = {
        "name": "Karlstads universitet",
        "organisation_number": "202100-3120",
        "country": "SE",
        "organisation_type": "research-education",
        "region": "SE311",
        "role": "partner",
        "budget": [{"category": "staff", "amount": m("100000.00")}],
        "financing": [{"source": "ERDF", "amount": m("65000.00")}, {"source": "own-public", "amount": m("35000.00")}],
    }
    partner.update(fields)
    out = copy.deepcopy(app)
    out["partners"].append(partner)
    return out


# Seed 001: «Det skal være to søkende parter i et Interreg-prosjekt: en fra Sverige og en fra Norge. De to
# prosjekteierne skal gjennomføre prosjektet i fellesskap, men hver for seg ha et eget ansvar for
# prosjektets budsjett og finansiering.»


def test_a_swedish_and_a_norwegian_project_owner_are_accepted() -> None:
    report = run(owners("lead", "lead"))
    r = next(x for x in report.results if x.rule == "cross-border-partnership")
    assert r.passed, r.message
    assert r.facts["owners_per_country"] == {"NO": ["Kongsvinger kommune"], "SE": ["Region Värmland"]}
    assert report.eligible, [(x.rule, x.message) for x in report.results if not x.passed]
    assert "project owners: Region Värmland (SE), Kongsvinger kommune (NO)" in r.message


def test_two_swedish_project_owners_are_refused() -> None:
    app = add_partner(owners("lead", "lead"), role="lead")
    r = result(app, "cross-border-partnership")
    assert not r.passed
    assert r.facts["owners_per_country"]["SE"] == ["Region Värmland", "Karlstads universitet"]
    texts = messages(app, "cross-border-partnership")
    assert "exakt 1 projektägare (lead) från Sverige" in texts["sv"] and "har 2" in texts["sv"]
    assert "nøyaktig 1 prosjekteier (lead) fra Sverige" in texts["nb"] and "har 2" in texts["nb"]
    assert "exactly 1 project owner (lead) from Sweden" in texts["en"] and "has 2" in texts["en"]
    assert "Region Värmland, Karlstads universitet" in texts["en"]


def test_a_side_of_several_organisations_needs_its_owner_marked() -> None:
    # Two Swedish organisations, neither marked lead: the Swedish side has no project owner.
    app = add_partner(owners("partner", "lead"))
    r = result(app, "cross-border-partnership")
    assert not r.passed and "has 0" in r.message
    # A side of one organisation has that organisation as its owner (our reading; the rule set says so).
    assert result(owners("lead", "partner"), "cross-border-partnership").passed
    assert "implicit_owner" in seeded_rule_set(SE_NO).rules[0].params


# Seed 000: «Svensk sökande behöver ordna 35% i övrig finansiering» / «Norsk sökande i samma projekt behöver
# minst 50 % egen finansiering»; the catalogue gives ERDF the country SE and NO-STATE the country NO.


def test_erdf_on_a_norwegian_partner_is_refused() -> None:
    app = gron()
    app["partners"][1]["financing"] = [
        {"source": "ERDF", "amount": m("150000.00")},
        {"source": "NO-STATE", "amount": m("150000.00")},
    ]
    r = result(app, "fund-country")
    assert not r.passed and not run(app).eligible
    texts = messages(app, "fund-country")
    assert texts["sv"].startswith("Kongsvinger kommune (Norge) finansieras med 150\u00a0000,00 EUR från ERDF")
    assert "bara finansierar partner från Sverige" in texts["sv"]
    assert texts["nb"].startswith("Kongsvinger kommune (Norge) finansieres med 150\u00a0000,00 EUR fra ERDF")
    assert texts["en"] == (
        "Kongsvinger kommune (Norway) is financed with 150,000.00 EUR from ERDF, "
        "which finances only partners from Sweden."
    )


def test_norwegian_state_money_on_a_swedish_partner_is_refused() -> None:
    app = gron()
    app["partners"][0]["financing"] = [
        {"source": "NO-STATE", "amount": m("390000.00")},
        {"source": "own-public", "amount": m("210000.00")},
    ]
    r = result(app, "fund-country")
    assert not r.passed
    assert r.facts["lines"][0] == {
        "partner": "Region Värmland",
        "country": "SE",
        "fund": "NO-STATE",
        "amount": "390000.00",
        "currency": "EUR",
        "fund_countries": ["NO"],
        "passed": False,
    }
    texts = messages(app, "fund-country")
    assert "390 000,00 EUR från NO-STATE" in texts["sv"].replace("\u00a0", " ")
    assert "fra NO-STATE, som bare finansierer partnere fra Norge" in texts["nb"]
    assert "390,000.00 EUR from NO-STATE, which finances only partners from Norway" in texts["en"]


def test_a_norwegian_partner_under_its_own_financing_floor_is_refused_and_exactly_at_it_accepted() -> None:
    # Half the costs from Norwegian state money and the other half from another public financier: the
    # 50 % cap on NO-STATE holds, but the partner itself finances nothing.
    app = gron()
    app["partners"][1]["financing"] = [
        {"source": "NO-STATE", "amount": m("150000.00")},
        {"source": "other-public", "amount": m("150000.00")},
    ]
    assert result(app, "co-financing-no").passed
    r = result(app, "own-financing-no")
    assert not r.passed and not run(app).eligible
    assert r.facts["partners"][0]["shortfall"] == "150000.00"
    # One cent short of the floor.
    app["partners"][1]["financing"] = [
        {"source": "NO-STATE", "amount": m("100000.00")},
        {"source": "other-public", "amount": m("50000.01")},
        {"source": "own-public", "amount": m("149999.99")},
    ]
    texts = messages(app, "own-financing-no")
    assert not result(app, "own-financing-no").passed
    assert (
        "149\u00a0999,99 EUR" in texts["sv"] and "golvet 50\u00a0%" in texts["sv"] and "0,01 EUR saknas" in texts["sv"]
    )
    assert (
        "149\u00a0999,99 EUR" in texts["nb"] and "minst 50\u00a0%" in texts["nb"] and "mangler 0,01 EUR" in texts["nb"]
    )
    assert texts["en"] == (
        "Kongsvinger kommune: its own financing of 149,999.99 EUR is 50.00% of the eligible costs of 300,000.00 "
        "EUR, below the floor of 50%; 0.01 EUR is missing."
    )
    # Exactly at the floor.
    app["partners"][1]["financing"] = [
        {"source": "NO-STATE", "amount": m("100000.00")},
        {"source": "other-public", "amount": m("50000.00")},
        {"source": "own-private", "amount": m("150000.00")},
    ]
    assert result(app, "own-financing-no").passed


# Seed 000: «Programområdet är indelat i två delområden. Ett projekt kan bedrivas inom ett eller i båda
# delområdena.»


def test_every_partner_outside_the_area_is_refused() -> None:
    app = gron()
    app["partners"][0]["region"] = "SE110"  # Stockholm
    app["partners"][1]["region"] = "NO081"  # Oslo
    report = run(app)
    r = next(x for x in report.results if x.rule == "programme-area")
    assert not r.passed and r.severity == "error" and not report.eligible
    texts = messages(app, "programme-area")
    assert "Region Värmland: regionen SE110 ligger inte i programområdet den 2022-09-01." in texts["sv"]
    assert "Kongsvinger kommune: regionen NO081 ligger ikke i programområdet 2022-09-01." in texts["nb"]
    assert "Kongsvinger kommune: the region NO081 is not in the programme area on 2022-09-01." in texts["en"]


def test_a_project_owner_inside_one_sub_area_is_enough() -> None:
    app = owners()
    app["partners"][0]["region"] = "SE322"  # Jämtland, Nordens Gröna Bälte
    app["partners"][1]["region"] = "NO060"  # Trøndelag, Nordens Gröna Bälte
    assert result(app, "programme-area").passed


def test_a_project_of_only_its_two_owners_has_no_other_partners_to_place_in_the_area() -> None:
    r = result(owners(), "programme-area-partners")
    assert r.passed and r.facts["partners"] == []
    assert messages(owners(), "programme-area-partners") == {
        "sv": "Regeln gäller övriga partner, och det finns inga att pröva.",
        "nb": "Regelen gjelder øvrige partnere, og det finnes ingen å prøve.",
        "en": "The rule concerns the other partners, and there are none to check.",
    }


# Seed 001: «Hva er den grenseoverskridende merverdien? Prosjekter som mottar støtte må: – bidra til å løse
# felles utfordringer i regionen – utnytte felles muligheter og ressurser – og/eller redusere
# grensebarrierer i form av lover og regler.»


def test_an_empty_cross_border_added_value_is_refused() -> None:
    app = gron(cross_border_added_value="   ")
    r = result(app, "cross-border-added-value")
    assert not r.passed and not run(app).eligible
    assert {"field": "cross_border_added_value", "length": 0, "min_length": 40, "passed": False} in r.facts["fields"]
    texts = messages(app, "cross-border-added-value")
    assert texts["sv"] == "Det gränsöverskridande mervärdet saknas (minst 40 tecken krävs)."
    assert texts["nb"] == "Den grenseoverskridende merverdien mangler (minst 40 tegn kreves)."
    assert texts["en"] == "The cross-border added value is missing (at least 40 characters are required)."


def test_a_trivial_cross_border_added_value_is_refused_with_its_length() -> None:
    app = gron(cross_border_added_value="Yes.")
    texts = messages(app, "cross-border-added-value")
    assert texts["en"] == "The cross-border added value has 4 characters; at least 40 are required."
    assert texts["sv"] == "Det gränsöverskridande mervärdet har 4 tecken; minst 40 krävs."
    assert texts["nb"] == "Den grenseoverskridende merverdien har 4 tegn; minst 40 kreves."
    assert result(gron(), "cross-border-added-value").passed


def test_every_rule_of_the_seeded_sets_names_its_source() -> None:
    from services.eligibility.rule_sets.files import read_rule_set_file
    from services.eligibility.tests.helpers import DATA_DIR

    for path in sorted(DATA_DIR.glob("*.yaml")):
        body = read_rule_set_file(path)
        for rule in body.rules:
            assert rule.source, f"{path.name}: {rule.code} has no source"
            assert rule.source.startswith(("seed 00", "outside the seeds:", "derived:")), rule.source
        assert set(body.sources) >= {f"name.{lang}" for lang in body.name}, path.name
