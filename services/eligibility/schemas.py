"""Request and response models of the eligibility service's rule-set endpoints (the check itself uses
`shared.schemas.applications.CheckRequest` and `shared.schemas.eligibility.Report`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from services.eligibility.engine.rules import REGISTRY, validate_params
from shared.schemas.applications import ProjectInstant
from shared.schemas.eligibility import Severity
from shared.text import Bounded, CodeText, LocalizedName, LocalizedProse, SourceKey, SourceText, clean_json

SLUG = r"^[a-z0-9][a-z0-9.\-]{0,99}$"

SE_NO_RULES_EXAMPLE: list[Any] = [
    {
        "code": "cross-border-partnership",
        "kind": "partnership",
        "severity": "error",
        "params": {
            "countries": ["SE", "NO"],
            "lead_partners": None,
            "leads_per_country": {"SE": 1, "NO": 1},
            "implicit_owner": True,
        },
        "source": "seed 001_aed29bc0793cc30a.txt: «Det skal være to søkende parter i et Interreg-prosjekt: "
        "en fra Sverige og en fra Norge.»",
    },
    {
        "code": "co-financing-se",
        "kind": "co-financing",
        "severity": "error",
        "params": {"country": "SE", "source": "ERDF", "max_share": "0.60"},
        "source": "outside the seeds: a stricter cap decided for one call (example)",
    },
    {
        "code": "pre-project-erdf-cap",
        "kind": "funding-cap",
        "severity": "error",
        "params": {
            "project_type": "pre-project",
            "country": "SE",
            "source": "ERDF",
            "max_amount": {"amount": "10000.00", "currency": "EUR"},
        },
    },
    {"code": "financing-balances", "severity": "error", "params": {}},
]


class RuleSpec(BaseModel):
    """A rule as written: a check kind (`kind`, default: the same as `code`) with its parameters."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Bounded(64, pattern=SLUG)] = Field(
        description="The rule's code in reports, unique within the set", examples=["co-financing-se"]
    )
    kind: CodeText | None = Field(
        default=None, description="The check kind (see GET /v1/check-kinds); default: code", examples=["co-financing"]
    )
    severity: Severity = Field(
        default="error", description="error: a failure makes the application ineligible; warning: reported only"
    )
    params: Annotated[dict[str, Any], AfterValidator(clean_json)] = Field(
        default_factory=dict,
        description="The kind's parameters (validated)",
        examples=[{"country": "SE", "source": "ERDF", "max_share": "0.65"}],
    )
    source: SourceText | None = Field(
        default=None,
        description="Where the rule comes from: a seed file and its quoted sentence, `derived: …`, or "
        "`outside the seeds: …` (our own reading or a fact from elsewhere)",
        examples=["seed 000_fbcfdab7ce8ef17e.txt: «Svensk sökande behöver ordna 35% i övrig finansiering»"],
    )
    param_sources: dict[SourceKey, SourceText] = Field(
        default_factory=dict,
        max_length=50,
        description="Where a parameter's value comes from when it differs from the rule's `source`, by "
        "parameter (`max_months.main-project` for one entry of a map)",
        examples=[{"max_months.main-project": "outside the seeds: main projects run up to about 3 years"}],
    )

    @model_validator(mode="after")
    def _known_kind_and_valid_params(self) -> RuleSpec:
        kind = self.kind or self.code
        if kind not in REGISTRY:
            raise ValueError(f"rule {self.code!r}: unknown check kind {kind!r}; known: {', '.join(sorted(REGISTRY))}")
        try:
            self.params = validate_params(kind, self.params)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise ValueError(f"rule {self.code!r}: invalid params for {kind}: {_short(exc)}") from None
        self.kind = kind
        unknown = sorted(k for k in self.param_sources if k.split(".", 1)[0] not in self.params)
        if unknown:
            raise ValueError(f"rule {self.code!r}: param_sources name no parameter of {kind}: {', '.join(unknown)}")
        return self


def _short(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())) or 'params'}: "
            f"{str(e.get('msg', '')).removeprefix('Value error, ')}"
            for e in errors()
        )
    return str(exc)


class RuleSetCreate(BaseModel):
    """`POST /v1/rule-sets`: a new version of a rule set (a new set when its id is not stored yet)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "interreg-se-no-2021-2027",
                    "programme": "interreg-se-no-2021-2027",
                    "call_id": None,
                    "name": {"en": "Eligibility rules of Interreg Sverige–Norge 2021–2027"},
                    "rules": SE_NO_RULES_EXAMPLE,
                }
            ]
        },
    )

    id: Annotated[str, Bounded(100, pattern=SLUG)] | None = Field(
        default=None,
        description="The rule set; default: the set already "
        "stored for this programme and call, else the programme code (plus the call id)",
    )
    programme: Annotated[str, Bounded(64, pattern=SLUG)] = Field(examples=["interreg-se-no-2021-2027"])
    call_id: UUID | None = Field(
        default=None, description="Set only for a rule set that overrides the programme's rules for one call"
    )
    name: LocalizedName = Field(default_factory=dict)
    description: LocalizedProse = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(min_length=1, max_length=100)
    sources: dict[SourceKey, SourceText] = Field(
        default_factory=dict,
        max_length=20,
        description="Where the set's own texts come from, by field and language (`name.en`, `description.en`)",
        examples=[{"name.en": "outside the seeds: our English wording"}],
    )

    @model_validator(mode="after")
    def _unique_codes(self) -> RuleSetCreate:
        codes = [r.code for r in self.rules]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"rule codes must be unique within a set: {', '.join(duplicates)}")
        return self


class RuleOut(BaseModel):
    code: str
    kind: str
    severity: Severity
    params: dict[str, Any]
    source: str | None = Field(description="Where the rule comes from (seed and quote, derived, or outside the seeds)")
    param_sources: dict[str, str] = Field(description="Where a parameter's value comes from, where it differs")


class RuleSetOut(BaseModel):
    """One immutable version of a rule set."""

    id: str = Field(examples=["interreg-se-no-2021-2027"])
    version: int = Field(examples=[1])
    latest_version: int = Field(description="The newest version of this rule set", examples=[1])
    programme: str
    call_id: str | None
    name: dict[str, str]
    description: dict[str, str]
    created_at: dt.datetime
    created_by: str
    effective_from: dt.datetime | None = Field(
        description="When this version goes (or went) live; null: a draft, used by no check unless named"
    )
    activated_by: str | None = None
    rules: list[RuleOut]
    sources: dict[str, str] = Field(description="Where the set's own texts come from (`name.en`, …)")


class RuleSetActivationIn(BaseModel):
    """`POST /v1/rule-sets/{id}/versions/{version}/activation`: when the version goes live."""

    model_config = ConfigDict(extra="forbid")
    effective_from: ProjectInstant | None = Field(
        default=None,
        description="The instant from which checks use this version (now or later; default now). Checks of an "
        "earlier instant keep the version in force then",
        examples=["2027-01-01T00:00:00+01:00"],
    )


class RuleSetVersionSummary(BaseModel):
    id: str
    version: int
    name: dict[str, str]
    created_at: dt.datetime
    created_by: str
    effective_from: dt.datetime | None = Field(description="When it goes live; null: a draft")
    rules: int = Field(description="Number of rules")


class RuleSetSummary(BaseModel):
    """A rule set in a list: its scope and its newest version."""

    id: str
    programme: str
    call_id: str | None
    latest_version: int
    name: dict[str, str]
    updated_at: dt.datetime = Field(description="When the newest version was stored")


class CheckKindOut(BaseModel):
    """A kind of check the rules of a set can use, with the JSON Schema of its parameters."""

    code: str
    description: str
    reads: list[str] = Field(description="Reference data it reads from the catalogue")
    params_schema: dict[str, Any]


class LoadedRuleSet(BaseModel):
    id: str
    version: int
    created: bool = Field(description="False when the file matched the latest stored version")
