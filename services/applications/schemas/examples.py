"""The OpenAPI examples of the assessment and the committee (`schemas_assessment.py`): Grön industriväxt
(SE-NO-2022-0001) before the steering committee of September 2022."""

from __future__ import annotations

from typing import Any

SCORE_EXAMPLE: dict[str, Any] = {
    "criterion": "cross-border-added-value",
    "score": 4,
    "justification": "Shared supplier base.",
}
APP_ID = "9b2f4a8e-0c41-4f7e-8a43-6f1d2f6b8e21"
CALL_ID = "02f4dbe0-39d7-5f0f-a1b2-940aa2383ed1"
AT = "2022-08-20T10:00:00Z"


def _eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


REQUESTED_EXAMPLE: list[dict[str, Any]] = [
    {"fund": "ERDF", "amount": _eur("390000.00"), "amount_programme": _eur("390000.00")},
    {
        "fund": "NO-STATE",
        "amount": {"amount": "1500000.05", "currency": "NOK"},
        "amount_programme": _eur("150000.01"),
    },
]


SESSION_REQUEST: dict[str, Any] = {
    "call_id": "02f4dbe0-39d7-5f0f-a1b2-940aa2383ed1",
    "minutes_reference": "ÖK 2022-09-21 §4",
    "held_on": "2022-09-21",
    "decisions": [
        {
            "application_id": "9b2f4a8e-0c41-4f7e-8a43-6f1d2f6b8e21",
            "decision": "approved",
            "granted": [
                {
                    "organisation_number": "232100-0152",
                    "fund": "ERDF",
                    "amount": {"amount": "312000.00", "currency": "EUR"},
                    "covered_by": "own-public",
                }
            ],
        },
        {
            "application_id": "0c9b6a3e-2f4d-4c1a-9e8b-7d6c5b4a3f21",
            "decision": "approved-with-conditions",
            "conditions": ["The Norwegian co-financing letter is signed before the start."],
        },
        {
            "application_id": "5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b",
            "decision": "reserve",
            "reserve_rank": 1,
        },
        {
            "application_id": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
            "decision": "rejected",
            "reason": "Below the threshold on cross-border added value.",
        },
    ],
}


ASSESSMENT: dict[str, Any] = {
    "application_id": APP_ID,
    "criteria": None,
    "assessors": [
        {
            "assessor": "anna",
            "assigned_by": "olga",
            "assigned_at": AT,
            "declared_at": AT,
            "conflict_of_interest": False,
            "conflict_organisations": [],
            "submitted_at": AT,
            "version": 1,
            "scores": [SCORE_EXAMPLE],
        },
        {
            "assessor": "per",
            "assigned_by": "olga",
            "assigned_at": AT,
            "declared_at": AT,
            "conflict_of_interest": True,
            "conflict_organisations": ["964950113"],
            "submitted_at": None,
            "version": None,
            "scores": None,
        },
    ],
    "complete": True,
    "scores_hidden": False,
    "consolidated": None,
}


RANKING: dict[str, Any] = {
    "call_id": CALL_ID,
    "programme": "interreg-se-no-2021-2027",
    "currency": "EUR",
    "items": [
        {
            "rank": 1,
            "application_id": APP_ID,
            "reference": "SE-NO-2022-0001",
            "acronym": "GIV",
            "status": "eligible",
            "specific_objective": "1B",
            "priority": "1",
            "score": "4.43",
            "meets_thresholds": True,
            "requested": REQUESTED_EXAMPLE,
            "fits": True,
            "remaining": [
                {"fund": "ERDF", "priority": "1", "available": _eur("610000.00")},
                {"fund": "NO-STATE", "priority": "1", "available": _eur("849999.99")},
            ],
        }
    ],
    "available": [
        {"fund": "ERDF", "priority": "1", "available": _eur("1000000.00")},
        {"fund": "NO-STATE", "priority": "1", "available": _eur("1000000.00")},
    ],
    "rounding": "each requested line converted as the budget converts it; sums exact",
}


SESSION: dict[str, Any] = {
    "id": "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a",
    "call_id": CALL_ID,
    "programme": "interreg-se-no-2021-2027",
    "minutes_reference": "ÖK 2022-09-21 §4",
    "held_on": "2022-09-21",
    "recorded_by": "olga",
    "recorded_at": "2022-09-22T08:00:00Z",
    "decisions": [
        {
            "application_id": APP_ID,
            "reference": "SE-NO-2022-0001",
            "decision": "approved-with-conditions",
            "reserve_rank": None,
            "reason": None,
            "conditions": ["The Norwegian co-financing letter is signed before the start."],
        }
    ],
}


RESERVE: dict[str, Any] = {
    "call_id": CALL_ID,
    "proposal": APP_ID,
    "items": [
        {
            "reserve_rank": 1,
            "application_id": APP_ID,
            "reference": "SE-NO-2022-0004",
            "acronym": "GIV",
            "priority": "1",
            "requested": REQUESTED_EXAMPLE,
            "fits": True,
            "proposed": True,
        }
    ],
    "available": [{"fund": "ERDF", "priority": "1", "available": _eur("400000.00")}],
}


CONDITION: dict[str, Any] = {
    "number": 1,
    "text": "The Norwegian co-financing letter is signed before the start.",
    "approval": 1,
    "session_id": "1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a",
    "fulfilled_at": "2022-10-03T09:00:00Z",
    "fulfilled_by": "olga",
    "note": "Signed letter received.",
}


GRANT: dict[str, Any] = {
    "application_id": "9b2f4a8e-0c41-4f7e-8a43-6f1d2f6b8e21",
    "approval": 1,
    "version": 1,
    "session_id": "1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "recorded_at": "2022-09-21T10:00:00Z",
    "reduced": True,
    "lines": [
        {
            "organisation_number": "232100-0152",
            "partner": "Region Värmland",
            "fund": "ERDF",
            "asked": {"amount": "390000.00", "currency": "EUR"},
            "granted": {"amount": "312000.00", "currency": "EUR"},
        }
    ],
    "state_aid": [
        {
            "rule": "de-minimis-2023-2831",
            "passed": True,
            "message": "No partner declares de minimis aid (Regulation (EU) 2023/2831, Art. 3(2)).",
            "facts": {"regulation": "Regulation (EU) 2023/2831, Art. 3(2)", "applies": True, "organisations": []},
        }
    ],
    "rule_set": {"id": "interreg-se-no-2021-2027", "version": 2},
}
