"""The rule engine: a registry of check kinds, each a parameterised, pure function of an application and
the catalogue's reference data.

A rule of a rule set names a check kind (`kind`), its parameters (`params`, validated by the kind's
pydantic model when the rule set is created) and a severity. Thresholds and lists are parameters, so a
new cap or share is a new rule-set version, not new code. `evaluate` runs every rule (never stopping at
the first failure) and builds the report; it does no I/O, so it is fast, deterministic and testable with
reference data built in memory.

Amounts are compared exactly with `Decimal`: a share limit is checked as `funding <= limit * costs`, never
by comparing rounded shares, so 65.00 % passes and 65.01 % fails.

This module holds the rules of a version, the registry and the report; the check kinds live by subject in
`checks/` (`project`: the project and its partners, `call`, `money`, `state_aid`), their parameters in
`params`, and what they read and share in `context`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic_core import to_json

from services.eligibility.engine.checks.call import check_call_open, check_specific_objective_open
from services.eligibility.engine.checks.money import (
    check_co_financing,
    check_financing_balances,
    check_fund_country,
    check_funding_cap,
    check_own_financing,
)
from services.eligibility.engine.checks.project import (
    check_change_flexibility,
    check_eligible_organisation,
    check_partnership,
    check_programme_area,
    check_project_duration,
    check_required_texts,
)
from services.eligibility.engine.checks.state_aid import check_aid_per_project_cap, check_de_minimis
from services.eligibility.engine.context import (
    Context,
    Need,
    Outcome,
    ReferenceData,
    add_months,
    months_spanned,
    project_owners,
)
from services.eligibility.engine.params import (
    AidPerProjectCapParams,
    CallOpenParams,
    ChangeFlexibilityParams,
    CoFinancingParams,
    DeMinimisParams,
    EligibleOrganisationParams,
    FinancingBalancesParams,
    FundCountryParams,
    FundingCapParams,
    OwnFinancingParams,
    Params,
    PartnershipParams,
    ProgrammeAreaParams,
    ProjectDurationParams,
    RequiredTextsParams,
    SpecificObjectiveOpenParams,
)
from services.eligibility.messages.render import message_language, render_in
from shared.schemas.eligibility import Report, Severity

__all__ = [
    "REGISTRY",
    "CheckKind",
    "Context",
    "Outcome",
    "Params",
    "ReferenceData",
    "Rule",
    "RuleSet",
    "add_months",
    "evaluate",
    "months_spanned",
    "needs",
    "project_owners",
    "report_json",
    "report_of",
    "validate_params",
]


@dataclass(frozen=True)
class Rule:
    """One rule of a stored rule-set version. Immutable: its parameters are validated into its kind's model
    once (`parsed_params`), not on every check."""

    code: str
    kind: str
    severity: Severity
    params: dict[str, Any]
    _parsed: Params | None = field(default=None, init=False, repr=False, compare=False)

    def parsed_params(self, kind: CheckKind) -> Params:
        """`params` validated by `kind`'s model (frozen), made on first use."""
        parsed = self._parsed
        if parsed is None or type(parsed) is not kind.params:
            parsed = kind.params.model_validate(self.params)
            object.__setattr__(self, "_parsed", parsed)
        return parsed


@dataclass(frozen=True)
class RuleSet:
    """One immutable version of a rule set, as the engine needs it."""

    id: str
    version: int
    programme: str
    call_id: str | None
    rules: tuple[Rule, ...]
    _runnable: tuple[tuple[str, Severity, Callable[[Any, Context], Outcome], Params], ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _needs: frozenset[Need] | None = field(default=None, init=False, repr=False, compare=False)

    def runnable(self) -> tuple[tuple[str, Severity, Callable[[Any, Context], Outcome], Params], ...]:
        """Each rule as (code, severity, its kind's function, its parsed parameters), made on first use: a
        version is immutable, so a check does not look up kinds and parameters rule by rule."""
        found = self._runnable
        if found is None:
            found = tuple(
                (rule.code, rule.severity, REGISTRY[rule.kind].run, rule.parsed_params(REGISTRY[rule.kind]))
                for rule in self.rules
            )
            object.__setattr__(self, "_runnable", found)
        return found


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class CheckKind:
    """A kind of check: its parameters' model, the reference data it reads and its function."""

    code: str
    description: str
    params: type[Params]
    needs: frozenset[Need]
    run: Callable[[Any, Context], Outcome]


REGISTRY: dict[str, CheckKind] = {
    k.code: k
    for k in (
        CheckKind(
            "partnership",
            "Partners from the required countries (and only allowed ones); exactly N leads, or N project owners per country",
            PartnershipParams,
            frozenset(),
            check_partnership,
        ),
        CheckKind(
            "eligible-organisation",
            "Every partner's organisation type is listed and may apply",
            EligibleOrganisationParams,
            frozenset({"organisation_types"}),
            check_eligible_organisation,
        ),
        CheckKind(
            "programme-area",
            "Every partner's region lies in the programme area on the project's start date",
            ProgrammeAreaParams,
            frozenset({"regions"}),
            check_programme_area,
        ),
        CheckKind(
            "co-financing",
            "A financing source is at most a share of each (country's) partner's costs",
            CoFinancingParams,
            frozenset(),
            check_co_financing,
        ),
        CheckKind(
            "project-duration",
            "Start before end; at most N months per project type",
            ProjectDurationParams,
            frozenset({"project_types"}),
            check_project_duration,
        ),
        CheckKind(
            "funding-cap",
            "A financing source is at most an amount (per project type and country)",
            FundingCapParams,
            frozenset({"project_types"}),
            check_funding_cap,
        ),
        CheckKind(
            "call-open", "The call is open on the check date", CallOpenParams, frozenset({"call"}), check_call_open
        ),
        CheckKind(
            "specific-objective-open",
            "The call funds the specific objective and the project type",
            SpecificObjectiveOpenParams,
            frozenset({"call", "project_types"}),
            check_specific_objective_open,
        ),
        CheckKind(
            "fund-country",
            "Each fund finances only partners of its countries (the catalogue's fund country by default)",
            FundCountryParams,
            frozenset(),
            check_fund_country,
        ),
        CheckKind(
            "own-financing",
            "The partner's own financing is at least a share of its costs (per country)",
            OwnFinancingParams,
            frozenset(),
            check_own_financing,
        ),
        CheckKind(
            "required-texts",
            "The application's texts are given and not trivially short",
            RequiredTextsParams,
            frozenset(),
            check_required_texts,
        ),
        CheckKind(
            "financing-balances",
            "Each partner's financing adds up exactly to its budget",
            FinancingBalancesParams,
            frozenset(),
            check_financing_balances,
        ),
        CheckKind(
            "change-flexibility",
            "The share of a side's approved budget a contracted project may reallocate without a decision (reported)",
            ChangeFlexibilityParams,
            frozenset(),
            check_change_flexibility,
        ),
        CheckKind(
            "de-minimis",
            "De minimis aid per organisation over the window — this application's, that declared and that of the "
            "programme's approved applications — at most the ceiling",
            DeMinimisParams,
            frozenset(),
            check_de_minimis,
        ),
        CheckKind(
            "aid-per-project-cap",
            "The aid under one regime per organisation in this project at most the ceiling (e.g. GBER Art. 20a)",
            AidPerProjectCapParams,
            frozenset(),
            check_aid_per_project_cap,
        ),
    )
}


def validate_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a rule, validated by its kind and written out in full (defaults included), so a
    stored version keeps meaning the same even if a later release adds a parameter with a default."""
    if kind not in REGISTRY:
        raise ValueError(f"unknown check kind {kind!r}; known: {', '.join(sorted(REGISTRY))}")
    # Strictly, as JSON: `"1_0"` or `true` is not a count and `"yes"` is not a flag (JSON's own types only).
    document = json.dumps(params, default=str)
    return REGISTRY[kind].params.model_validate_json(document, strict=True).model_dump(mode="json")


def needs(rule_set: RuleSet) -> frozenset[Need]:
    """The reference data the rules of a set read (made once per version: it is immutable)."""
    found = rule_set._needs
    if found is None:
        out: set[Need] = set()
        for rule in rule_set.rules:
            out |= REGISTRY[rule.kind].needs
        found = frozenset(out)
        object.__setattr__(rule_set, "_needs", found)
    return found


def report_of(rule_set: RuleSet, ctx: Context, language: str, kinds: Collection[str] | None = None) -> dict[str, Any]:
    """Run every rule of the set (or those of the check `kinds` only), in its order, into the report as
    plain data, shaped and ordered as `Report` (`eligible` unless an error-severity rule failed). Every part
    is made here from validated inputs, so the route encodes it as it is (`report_json`) instead of building
    models to encode."""
    results = []
    eligible = True
    lang, templates = message_language(language)  # resolved once per report, not per message
    for rule, (code, severity, run, params) in zip(rule_set.rules, rule_set.runnable(), strict=True):
        if kinds is not None and rule.kind not in kinds:
            continue
        passed, messages, facts = run(params, ctx)
        if not passed and severity == "error":
            eligible = False
        results.append(
            {
                "rule": code,
                "passed": passed,
                "severity": severity,
                "message": render_in(messages[0], lang, templates)
                if len(messages) == 1
                else " ".join([render_in(m, lang, templates) for m in messages]),
                "facts": facts,
            }
        )
    return {
        "eligible": eligible,
        "rule_set": {"id": rule_set.id, "version": rule_set.version},
        "as_of": ctx.as_of,
        "language": language,
        "results": results,
    }


def report_json(report: dict[str, Any]) -> bytes:
    """A report of `report_of` as the JSON the API answers: the bytes `Report` serialises to. orjson writes
    the same compact UTF-8 for what a report holds (strings, booleans, integers, None, dates, lists and
    dicts with string keys) at a quarter of the cost; anything else it refuses (a 65-bit integer, a lone
    surrogate) is written by pydantic-core, as before."""
    try:
        return orjson.dumps(report)
    except orjson.JSONEncodeError:
        return to_json(report)


def evaluate(rule_set: RuleSet, ctx: Context, language: str) -> Report:
    """Run every rule of the set, in its order, and build the report (`eligible` unless an error-severity
    rule failed)."""
    return Report.model_validate(report_of(rule_set, ctx, language))
