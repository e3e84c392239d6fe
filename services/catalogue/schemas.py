"""Request bodies of the catalogue (the read models are `shared.schemas.catalogue`)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.text import CodeText, LocalizedName

CodeList = Annotated[list[CodeText], Field(min_length=1, max_length=100)]
DecisionExpected = Annotated[
    str, Field(pattern=r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$", description="yyyy-mm or yyyy-mm-dd", examples=["2022-09"])
]

CALL_EXAMPLE: dict[str, Any] = {
    "number": "2025-1",
    "name": {"sv": "Utlysning 2025", "nb": "Utlysning 2025", "en": "Call 2025"},
    "opens_at": "2025-03-01T00:00:00+01:00",
    "closes_at": "2025-04-15T23:59:59+02:00",
    "decision_expected": "2025-06",
    "specific_objectives": ["1A", "1B", "2B"],
    "project_types": ["pre-project", "main-project"],
}


class CallCreate(BaseModel):
    """A new call. Times must carry a time zone; `closes_at` null (or absent) makes a rolling call."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CALL_EXAMPLE]})

    number: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$",
        description="Unique within the programme; the call id is derived from it",
        examples=["2025-1"],
    )
    name: LocalizedName = Field(min_length=1)
    opens_at: AwareDatetime
    closes_at: AwareDatetime | None = Field(default=None, description="Null for a rolling call")
    decision_expected: DecisionExpected | None = None
    specific_objectives: CodeList = Field(description="Codes of the specific objectives open in the call")
    project_types: CodeList = Field(description="Codes of the project types the call accepts")
    assessment_criteria: CodeText | None = Field(
        default=None, description="Code of the programme's criteria set (default: its first)", examples=["standard"]
    )
    concept_note: bool = Field(default=False, description="Step 1 of a two-step call: it takes concept notes")
    concept_note_call_id: UUID | None = Field(
        default=None, description="Step 2 of a two-step call: the step-1 call whose invited concept notes it takes"
    )


class CallUpdate(BaseModel):
    """Fields to change; absent fields stay as they are. `closes_at: null` turns it into a rolling call."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"closes_at": "2025-04-30T23:59:59+02:00"},
                {
                    "name": {"sv": "Utlysning 2025 (förlängd)", "en": "Call 2025 (extended)"},
                    "decision_expected": "2025-07",
                },
            ]
        },
    )

    name: LocalizedName | None = Field(default=None, min_length=1)
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    decision_expected: DecisionExpected | None = None
    specific_objectives: CodeList | None = None
    project_types: CodeList | None = None
    assessment_criteria: CodeText | None = None


class CallClose(BaseModel):
    """Close a call early, now or at a given time."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}, {"at": "2025-04-01T12:00:00+02:00"}]})

    at: AwareDatetime | None = Field(default=None, description="When the call closes; default: now")
