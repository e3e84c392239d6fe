"""Simplified cost options in an application's budget, through the API with the real catalogue (and, for
the pre-check, eligibility) in-process: amounts computed by the service with the formula and the base,
rounded once half up to the cent; exclusions refused with problem+json; a change of staff costs
recomputes every flat rate on them; totals and financing balance to the cent. Figures are written out by
hand."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.applications.errors import InvalidApplication
from services.applications.intake.costs import price
from services.applications.tests.helpers import ALICE, A, create, editing, gron, open_call
from shared.schemas.applications import ApplicationContent
from shared.schemas.cost_options import CostOption

pytestmark = pytest.mark.usefixtures("backend")

OFFICE = "office-administration-15"
TRAVEL = "travel-accommodation-15"
ROUNDING = "the exact product, rounded once to the minor unit, half up (0.005 away from zero)"


def sek(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "SEK"}


def swedish(body: dict[str, Any], budget: list[dict[str, Any]], financing: list[dict[str, Any]]) -> dict[str, Any]:
    """`body` whose Swedish partner (Region Värmland) budgets in SEK with these lines."""
    body["partners"][0]["budget"] = budget
    body["partners"][0]["financing"] = financing
    return body


def staff_and_office(staff: str) -> list[dict[str, Any]]:
    return [
        {"category": "staff", "amount": sek(staff)},
        {"category": "office-administration", "cost_option": OFFICE},
    ]


async def test_15_percent_office_of_one_million_is_150000_with_formula_and_base(
    applications_client: httpx.AsyncClient,
) -> None:
    body = swedish(gron(), staff_and_office("1000000.00"), [{"source": "ERDF", "amount": sek("747500.00")}])
    draft = await create(applications_client, body)
    office = draft["partners"][0]["budget"][1]
    assert office["amount"] == sek("150000.00")
    assert office["cost_option"] == OFFICE
    computed = office["computed"]
    assert computed["option"] == OFFICE and computed["kind"] == "flat-rate" and computed["rate"] == "0.15"
    assert computed["base"] == sek("1000000.00") and computed["base_categories"] == ["staff"]
    assert computed["formula"] == "15 % × 1000000.00 SEK (staff) = 150000.00 SEK"
    assert computed["rounding"] == ROUNDING
    assert computed["legal_basis"]["en"].startswith("Regulation (EU) 2021/1059 Art. 40(2)")
    stored = await applications_client.get(f"{A}/{draft['id']}", headers=ALICE)
    assert stored.json()["partners"][0]["budget"][1] == office


async def test_15_percent_of_333333_33_rounds_half_up_to_50000(applications_client: httpx.AsyncClient) -> None:
    # 0.15 × 333,333.33 = 49,999.9995: half a cent and less, rounded half up once -> 50,000.00 (never truncated).
    body = swedish(gron(), staff_and_office("333333.33"), [{"source": "ERDF", "amount": sek("1.00")}])
    office = (await create(applications_client, body))["partners"][0]["budget"][1]
    assert office["amount"] == sek("50000.00")
    assert office["computed"]["formula"] == "15 % × 333333.33 SEK (staff) = 50000.00 SEK"


async def test_a_typed_amount_of_a_flat_rate_is_replaced(applications_client: httpx.AsyncClient) -> None:
    budget = staff_and_office("1000000.00")
    budget[1]["amount"] = sek("999999.00")
    budget[1]["computed"] = {
        "option": OFFICE,
        "kind": "flat-rate",
        "formula": "typed",
        "rounding": "none",
        "legal_basis": {"en": "none"},
    }
    office = (await create(applications_client, swedish(gron(), budget, [])))["partners"][0]["budget"][1]
    assert office["amount"] == sek("150000.00") and office["computed"]["formula"].endswith("= 150000.00 SEK")


async def test_the_40_percent_option_refuses_every_other_category_and_stores_nothing(
    applications_client: httpx.AsyncClient,
) -> None:
    budget = [
        {"category": "staff", "amount": sek("500000.00")},
        {"category": "other-costs", "cost_option": "other-costs-40"},
        {"category": "travel-accommodation", "amount": sek("10000.00")},
        {"category": "office-administration", "cost_option": OFFICE},
    ]
    r = await applications_client.post(A, json=swedish(gron(), budget, []), headers=ALICE)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"].endswith("/invalid-application")
    assert problem["errors"] == [
        {
            "field": "partners.0.budget.2",
            "message": "real costs for travel-accommodation: the category is covered by the option other-costs-40 "
            "(partners.0.budget.1); a flat rate and other costs for the same category exclude each other",
        },
        {
            "field": "partners.0.budget.3",
            "message": f"the option {OFFICE} for office-administration: the category is covered by the option "
            "other-costs-40 (partners.0.budget.1); a flat rate and other costs for the same category exclude "
            "each other",
        },
    ]
    assert (await applications_client.get(A, headers=ALICE)).json()["items"] == []
    # Staff costs and the 40 % alone are accepted: 40 % of 500,000.00 = 200,000.00.
    ok = await create(applications_client, swedish(gron(), budget[:2], []))
    assert ok["partners"][0]["budget"][1]["amount"] == sek("200000.00")


async def test_a_flat_rate_and_real_costs_for_one_category_are_refused(applications_client: httpx.AsyncClient) -> None:
    budget = [*staff_and_office("100000.00"), {"category": "office-administration", "amount": sek("20000.00")}]
    r = await applications_client.post(A, json=swedish(gron(), budget, []), headers=ALICE)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["partners.0.budget.2"]
    assert "real costs for office-administration: the category is the option" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (
            {"category": "office-administration", "cost_option": "office-25"},
            "partners.0.budget.1.cost_option",
            "the programme offers no cost option 'office-25' (it offers: office-administration-15, other-costs-40, "
            "staff-20, travel-accommodation-15)",
        ),
        (
            {"category": "equipment", "cost_option": OFFICE},
            "partners.0.budget.1.category",
            f"the option {OFFICE} is for office-administration costs, not equipment",
        ),
        (
            {"category": "office-administration", "cost_option": OFFICE, "units": "3"},
            "partners.0.budget.1.units",
            "only a unit-cost option line has units",
        ),
    ],
)
async def test_a_wrong_option_line_is_422_naming_it(
    applications_client: httpx.AsyncClient, line: dict[str, Any], field: str, message: str
) -> None:
    budget = [{"category": "staff", "amount": sek("100000.00")}, line]
    r = await applications_client.post(A, json=swedish(gron(), budget, []), headers=ALICE)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": field, "message": message}]


async def test_flat_rates_computed_from_each_other_are_refused(applications_client: httpx.AsyncClient) -> None:
    budget = [
        {"category": "staff", "cost_option": "staff-20", "condition_confirmed": True},  # 20 % of travel, …
        {"category": "travel-accommodation", "cost_option": TRAVEL},  # … while travel is 15 % of staff
        {"category": "equipment", "amount": sek("1000.00")},
    ]
    r = await applications_client.post(A, json=swedish(gron(), budget, []), headers=ALICE)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "partners.0.budget",
            "message": f"the options staff-20, {TRAVEL} would be computed from each other",
        }
    ]


async def test_the_staff_flat_rate_is_used_only_when_its_condition_is_confirmed(
    applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    """CPR Art. 55(1): the staff flat rate of 20 % only without public contracts above the thresholds of
    Directive 2014/24/EU Art. 4; the catalogue serves the condition and the applicant confirms it."""
    options = (await catalogue_client.get("/v1/programmes/interreg-se-no-2021-2027")).json()["cost_options"]
    staff = next(o for o in options if o["code"] == "staff-20")
    assert "Directive 2014/24/EU" in staff["condition"]["en"] and "2014/24/EU" in staff["condition"]["sv"]
    assert "Art. 55(1)" in staff["sources"]["condition.en"] and staff["sources"]["condition.en"].startswith(
        "translation"
    )
    line = {"category": "staff", "cost_option": "staff-20"}
    budget = [line, {"category": "equipment", "amount": sek("100000.00")}]
    r = await applications_client.post(A, json=swedish(gron(), budget, []), headers=ALICE)
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == "partners.0.budget.0.condition_confirmed"
    assert "Article 4 of Directive 2014/24/EU" in error["message"]
    budget[0] = {**line, "condition_confirmed": True}
    draft = await create(applications_client, swedish(gron(), budget, []))
    first = draft["partners"][0]["budget"][0]
    assert first["amount"] == sek("20000.00") and first["condition_confirmed"] is True


async def test_a_change_of_staff_costs_recomputes_every_flat_rate_on_them(
    applications_client: httpx.AsyncClient,
) -> None:
    budget = [*staff_and_office("1000000.00"), {"category": "travel-accommodation", "cost_option": TRAVEL}]
    draft = await create(applications_client, swedish(gron(), budget, []))
    lines = draft["partners"][0]["budget"]
    assert [line["amount"]["amount"] for line in lines] == ["1000000.00", "150000.00", "150000.00"]
    changed = copy.deepcopy(draft)
    body = {k: changed[k] for k in ApplicationContent.model_fields}  # the body as read, staff changed
    body["partners"][0]["budget"][0]["amount"] = sek("333333.33")
    r = await applications_client.put(
        f"{A}/{draft['id']}", json=body, headers=await editing(applications_client, f"{A}/{draft['id']}")
    )
    assert r.status_code == 200, r.text
    lines = r.json()["partners"][0]["budget"]
    assert [line["amount"]["amount"] for line in lines] == ["333333.33", "50000.00", "50000.00"]
    assert [line["computed"]["base"] for line in lines[1:]] == [sek("333333.33"), sek("333333.33")]


async def test_totals_and_financing_balance_to_the_cent(
    applications_client: httpx.AsyncClient, catalogue_client: httpx.AsyncClient
) -> None:
    call_id = await open_call(catalogue_client)
    budget = [
        *staff_and_office("333333.33"),  # office 50,000.00
        {"category": "travel-accommodation", "cost_option": TRAVEL},  # 50,000.00
        {"category": "external-expertise", "amount": sek("66666.67")},
    ]
    # Costs 500,000.00 SEK exactly; the ERDF at 65 % of them (325,000.00) and 35 % own money.
    financing = [{"source": "ERDF", "amount": sek("325000.00")}, {"source": "own-public", "amount": sek("175000.00")}]
    draft = await create(applications_client, swedish(gron(call_id), budget, financing))
    total = sum(Decimal(line["amount"]["amount"]) for line in draft["partners"][0]["budget"])
    assert total == Decimal("500000.00")
    r = await applications_client.post(f"{A}/{draft['id']}/pre-check", headers=ALICE)
    assert r.status_code == 200, r.text
    results = {x["rule"]: x for x in r.json()["results"]}
    balance = next(p for p in results["financing-balances"]["facts"]["partners"] if p["partner"] == "Region Värmland")
    assert balance == {
        "partner": "Region Värmland",
        "budget": "500000.00",
        "financing": "500000.00",
        "difference": "0.00",
        "currency": "SEK",
        "passed": True,
    }
    assert results["financing-balances"]["passed"] is True
    assert results["co-financing-se"]["passed"] is True
    assert results["co-financing-se"]["facts"]["partners"][0]["erdf_share"] == "0.6500"


async def test_a_budget_of_real_costs_keeps_its_wire_format_and_an_unreachable_catalogue_stores_nothing(
    applications_drafting_client: httpx.AsyncClient, applications_offline_client: httpx.AsyncClient
) -> None:
    body = gron()
    draft = await create(applications_drafting_client, body)
    for sent, saved in zip(body["partners"], draft["partners"], strict=True):
        assert saved["budget"] == [{**line, "description": None} for line in sent["budget"]]
        assert "state_aid" not in saved
    # The programme, its call and its options come from the catalogue: unreachable is a 503, nothing stored.
    for unreached in (gron(), swedish(gron(), staff_and_office("100.00"), [])):
        r = await applications_offline_client.post(A, json=unreached, headers=ALICE)
        assert r.status_code == 503
    assert len((await applications_offline_client.get(A, headers=ALICE)).json()["items"]) == 1


# --------------------------------------------------------------------------- lump sums and unit costs
# No programme ships one (the seeds define none); the computation is the same for any programme that does.


def _options() -> dict[str, CostOption]:
    legal = {"en": "Regulation (EU) 2021/1060 Art. 53(1)"}
    return {
        "preparation": CostOption(
            code="preparation",
            kind="lump-sum",
            category="other-costs",
            name={"en": "Preparation"},
            legal_basis=legal,
            amounts=[{"amount": "10000.00", "currency": "EUR"}, {"amount": "110000.00", "currency": "SEK"}],  # type: ignore[list-item]
        ),
        "participant-day": CostOption(
            code="participant-day",
            kind="unit-cost",
            category="external-expertise",
            name={"en": "Participant day"},
            legal_basis=legal,
            amounts=[{"amount": "125.55", "currency": "SEK"}],  # type: ignore[list-item]
            unit={"en": "one participant day"},
        ),
    }


def test_a_lump_sum_is_its_amount_in_the_partners_currency_and_a_unit_cost_units_times_the_rate() -> None:
    budget = [
        {"category": "staff", "amount": sek("1000.00")},
        {"category": "other-costs", "cost_option": "preparation"},
        {"category": "external-expertise", "cost_option": "participant-day", "units": "3.5"},
    ]
    content = ApplicationContent.model_validate(swedish(gron(), budget, []))
    lines = price(content, _options()).partners[0].budget
    assert lines[1].amount is not None and lines[1].amount.model_dump(mode="json") == sek("110000.00")
    # 3.5 × 125.55 = 439.425 -> 439.43 (half up, once).
    assert lines[2].amount is not None and lines[2].amount.model_dump(mode="json") == sek("439.43")
    assert lines[2].computed is not None and lines[2].computed.formula == "3.5 × 125.55 SEK = 439.43 SEK"


def test_a_unit_cost_without_units_or_an_amount_in_the_currency_is_refused() -> None:
    budget = [
        {"category": "staff", "amount": m_nok("1000.00")},
        {"category": "external-expertise", "cost_option": "participant-day"},
    ]
    body = gron()
    body["partners"][1]["budget"], body["partners"][1]["financing"] = budget, []
    with pytest.raises(InvalidApplication) as info:
        price(ApplicationContent.model_validate(body), _options())
    assert [(e.field, e.message) for e in info.value.errors or []] == [
        ("partners.1.budget.1.units", "a unit-cost option line needs its units")
    ]
    budget[1]["units"] = "2"
    with pytest.raises(InvalidApplication) as info:
        price(ApplicationContent.model_validate(body), _options())
    assert [(e.field, e.message) for e in info.value.errors or []] == [
        ("partners.1.budget.1.cost_option", "the option participant-day has no NOK amount")
    ]


def m_nok(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "NOK"}


async def test_the_openapi_example_with_cost_options_is_saved_as_documented(
    applications_client: httpx.AsyncClient,
) -> None:
    spec = (await applications_client.get("/openapi.json")).json()
    examples = spec["paths"]["/v1/applications"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    example = examples["cost-options-and-state-aid"]["value"]
    draft = await create(applications_client, example)
    lines = draft["partners"][0]["budget"]
    assert [line["amount"]["amount"] for line in lines] == ["333333.33", "50000.00", "50000.00", "66666.67"]
    assert draft["partners"][1]["state_aid"]["regime"] == "de-minimis"
    report = spec["paths"]["/v1/reports/state-aid"]["get"]["responses"]["200"]["content"]["application/json"]
    assert report["schema"]["$ref"].endswith("/StateAidReport")
