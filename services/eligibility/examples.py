"""Worked examples for the OpenAPI description: the Grön industriväxt application and its report."""

from __future__ import annotations

from typing import Any

from shared.schemas.examples import FIRST_CALL_2022, gron_industrivaxt, with_cost_options_and_state_aid

GRON_INDUSTRIVAXT: dict[str, Any] = {**gron_industrivaxt(FIRST_CALL_2022), "as_of": "2022-06-01"}
GRON_INDUSTRIVAXT_66: dict[str, Any] = {
    **gron_industrivaxt(FIRST_CALL_2022, erdf="396000.00", own_se="204000.00"),
    "as_of": "2022-06-01",
}

GRON_DE_MINIMIS: dict[str, Any] = {
    **with_cost_options_and_state_aid(gron_industrivaxt(FIRST_CALL_2022)),
    "as_of": "2025-03-01",
    "granted_aid": [
        {
            "organisation_number": "912345678",
            "regime": "de-minimis",
            "amount": {"amount": "40000.00", "currency": "EUR"},
            "granted_on": "2024-09-20",
            "reference": "SE-NO-2024-0003",
        }
    ],
}
GRON_DE_MINIMIS["partners"][0] = gron_industrivaxt(FIRST_CALL_2022)["partners"][0]  # real costs, in EUR

CHECK_EXAMPLES: dict[str, dict[str, Any]] = {
    "gron-industrivaxt": {
        "summary": "Grön industriväxt (eligible)",
        "description": "Region Värmland (SE311, lead) with 65 % ERDF and Kongsvinger kommune (NO020) with 50 % "
        "Norwegian state funds; a main project under 1B in the first call of 2022.",
        "value": GRON_INDUSTRIVAXT,
    },
    "gron-industrivaxt-66": {
        "summary": "Grön industriväxt with 66 % ERDF (not eligible)",
        "description": "ERDF 396,000 of 600,000 EUR: 6,000 EUR over the 65 % limit.",
        "value": GRON_INDUSTRIVAXT_66,
    },
    "de-minimis-over-the-ceiling": {
        "summary": "A company over the de minimis ceiling (rule de-minimis-2023-2831 fails)",
        "description": "Kongsvinger Industri AS: NOK 1,500,000.00 (EUR 150,000.00 at 10 NOK per EUR) in this "
        "application, EUR 120,000.00 declared as received in 2024 and EUR 40,000.00 granted by an approved "
        "application of the programme (`granted_aid`, sent by the applications service): EUR 310,000.00 over "
        "the three years to 2025-03-01, EUR 10,000.00 over the ceiling of EUR 300,000.00.",
        "value": GRON_DE_MINIMIS,
    },
}


def _r(rule: str, message: str, facts: dict[str, Any], passed: bool = True, severity: str = "error") -> dict[str, Any]:
    return {"rule": rule, "passed": passed, "severity": severity, "message": message, "facts": facts}


REPORT_EXAMPLE: dict[str, Any] = {
    "eligible": False,
    "rule_set": {"id": "interreg-se-no-2021-2027", "version": 1},
    "as_of": "2022-06-01",
    "language": "en",
    "results": [
        _r(
            "cross-border-partnership",
            "The partnership meets the requirements: partners from Norway, Sweden; lead partner: Region Värmland.",
            {"required_countries": ["SE", "NO"], "lead_partners": ["Region Värmland"]},
        ),
        _r("eligible-organisation", "Every partner's organisation type may apply (Public authority).", {}),
        _r(
            "programme-area",
            "Every partner's region lies in the programme area on 2022-09-01.",
            {"date": "2022-09-01"},
            severity="warning",
        ),
        _r(
            "co-financing-se",
            "Region Värmland: ERDF 396,000.00 EUR is 66.00% of the eligible costs of "
            "600,000.00 EUR, above the limit of 65% by 6,000.00 EUR.",
            {
                "source": "ERDF",
                "country": "SE",
                "limit": "0.65",
                "partners": [
                    {
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
                ],
            },
            passed=False,
        ),
        _r(
            "co-financing-no",
            "NO-STATE stays within 50% of the eligible costs of each partner concerned (Kongsvinger kommune: 50.00%).",
            {"source": "NO-STATE", "country": "NO", "limit": "0.50"},
        ),
        _r(
            "project-duration",
            "The project lasts 36 months (2022-09-01 – 2025-08-31), within the maximum of 36 months for Main project.",
            {"months": 36, "max_months": 36},
        ),
        _r(
            "pre-project-erdf-cap",
            "The cap applies to projects of the type Pre-project only; the rule does not apply.",
            {"applies": False},
        ),
        _r(
            "call-open",
            "Call 2022-1 is open at 2022-06-01 00:00:00 (2022-05-15 00:00:00 – 2022-06-15 23:59:59).",
            {"number": "2022-1"},
        ),
        _r(
            "specific-objective-open",
            "Call 2022-1 funds specific objective 1B and projects of the type Main project.",
            {"specific_objective": "1B"},
        ),
        _r("financing-balances", "Each partner's financing adds up exactly to its budget.", {}),
    ],
}
