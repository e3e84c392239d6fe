"""The worked example every service's OpenAPI and tests use: Grön industriväxt, a real project of
Interreg Sverige–Norge (small manufacturers in Värmland and the Kongsvinger region, Innlandet), as the
contract's application body. One builder, so the example cannot drift between services."""

from __future__ import annotations

from typing import Any

PROGRAMME = "interreg-se-no-2021-2027"
FIRST_CALL_2022 = "02f4dbe0-39d7-5f0f-a1b2-940aa2383ed1"
"""The catalogue's id of call 2022-1 of Interreg Sverige–Norge (derived from programme and number)."""


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def gron_industrivaxt(
    call_id: str = FIRST_CALL_2022,
    *,
    erdf: str = "390000.00",
    own_se: str = "210000.00",
    no_state: str = "150000.00",
    own_no: str = "150000.00",
    start_date: str = "2022-09-01",
    end_date: str = "2025-08-31",
) -> dict[str, Any]:
    """A fresh dict each call: Region Värmland (SE311, lead; 600,000 EUR, ERDF 65 %) and Kongsvinger
    kommune (NO020; 300,000 EUR, Norwegian state funds 50 %), a main project under 1B."""
    return {
        "programme": PROGRAMME,
        "call_id": str(call_id),
        "specific_objective": "1B",
        "project_type": "main-project",
        "acronym": "GIV",
        "title": {"sv": "Grön industriväxt", "nb": "Grønn industrivekst", "en": "Green industrial growth"},
        "summary": {"sv": "Hållbarhet, digitalisering och framtidens kompetens i små tillverkande företag."},
        "cross_border_added_value": "Shared supplier base across the Värmland–Kongsvinger border.",
        "start_date": start_date,
        "end_date": end_date,
        "partners": [
            {
                "name": "Region Värmland",
                "organisation_number": "232100-0152",
                "country": "SE",
                "organisation_type": "public-authority",
                "region": "SE311",
                "role": "lead",
                "budget": [{"category": "staff", "amount": eur("600000.00")}],
                "financing": [{"source": "ERDF", "amount": eur(erdf)}, {"source": "own-public", "amount": eur(own_se)}],
            },
            {
                "name": "Kongsvinger kommune",
                "organisation_number": "964950113",
                "country": "NO",
                "organisation_type": "public-authority",
                "region": "NO020",
                "role": "partner",
                "budget": [{"category": "staff", "amount": eur("300000.00")}],
                "financing": [
                    {"source": "NO-STATE", "amount": eur(no_state)},
                    {"source": "own-public", "amount": eur(own_no)},
                ],
            },
        ],
    }


def with_cost_options_and_state_aid(application: dict[str, Any]) -> dict[str, Any]:
    """`application` (a `gron_industrivaxt` dict) whose Swedish partner budgets in SEK with the programme's
    flat rates (office and travel at 15 % of staff costs, computed by the applications service) and whose
    Norwegian partner is a company under de minimis, budgeting in NOK."""
    sek = {"currency": "SEK"}
    lead, other = application["partners"]
    lead["budget"] = [
        {"category": "staff", "amount": {"amount": "333333.33", **sek}},
        {"category": "office-administration", "cost_option": "office-administration-15"},
        {"category": "travel-accommodation", "cost_option": "travel-accommodation-15"},
        {"category": "external-expertise", "amount": {"amount": "66666.67", **sek}},
    ]
    lead["financing"] = [
        {"source": "ERDF", "amount": {"amount": "325000.00", **sek}},
        {"source": "own-public", "amount": {"amount": "175000.00", **sek}},
    ]
    other.update(
        name="Kongsvinger Industri AS",
        organisation_number="912345678",
        organisation_type="company",
        budget=[{"category": "staff", "amount": {"amount": "3000000.00", "currency": "NOK"}}],
        financing=[
            {"source": "NO-STATE", "amount": {"amount": "1500000.00", "currency": "NOK"}},
            {"source": "own-private", "amount": {"amount": "1500000.00", "currency": "NOK"}},
        ],
        state_aid={
            "economic_activity": True,
            "regime": "de-minimis",
            "previous_de_minimis": [
                {"granted_on": "2024-03-01", "amount": eur("120000.00"), "granted_by": "Innovasjon Norge"}
            ],
        },
    )
    return application
