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
