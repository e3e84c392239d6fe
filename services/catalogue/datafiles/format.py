"""The programme data files (`data/<programme>.yaml`, see data/FORMAT.md) and their validation.

A file is parsed into pydantic models that refuse unknown keys, then checked as a whole: unique codes,
shares on all or none of the priorities and summing to exactly 1, every reference (priority, sub-area,
successor region, objective, project type, fund) pointing at something the file defines, allocations
adding up. Any failure raises `DataFileError`, whose message names the file and the field path:
`interreg-se-no-2021-2027.yaml: specific_objectives[3].priority: unknown priority '9'`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from services.catalogue.datafiles.assessment_criteria import CallOptionsIn, CriteriaSetIn, check_assessment
from services.catalogue.datafiles.cost_options import CostOptionIn, check_cost_options
from services.catalogue.datafiles.sources import Sourced, unknown_source_keys
from shared import yaml_files
from shared.i18n import LocalizedList, LocalizedText
from shared.money import Currency, Money, to_decimal


class DataFileError(ValueError):
    """A data file that cannot be loaded; `problems` are (field path, message) pairs."""

    def __init__(self, file: str, problems: list[tuple[str, str]]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(
            "\n".join(f"{file}: {path}: {message}" if path else f"{file}: {message}" for path, message in problems)
        )


def _code(value: Any) -> Any:
    # YAML reads an unquoted 1 as an int; a code is always text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Code = Annotated[
    str, BeforeValidator(_code), Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
]
Decimal4 = Annotated[Decimal, BeforeValidator(to_decimal)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Entry(Sourced, BaseModel):
    """An entry of a data file: unknown keys refused, `source` required (services/catalogue/datafiles/sources.py)."""


class DataMoney(Money):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _no_blank_texts(value: dict[str, Any] | None) -> dict[str, Any] | None:
    for language, text in (value or {}).items():
        if isinstance(text, str) and not text.strip():
            raise ValueError(f"the {language} text is empty")
    return value


class Period(Strict):
    start: dt.date
    end: dt.date


class FundIn(Entry):
    code: Code
    name: LocalizedText
    description: LocalizedText | None = None
    amount: DataMoney
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class ExchangeRateIn(Entry):
    UNSOURCED: ClassVar[frozenset[str]] = frozenset({"currency"})

    currency: Currency
    units_per_eur: Decimal4 = Field(gt=0)
    note: LocalizedText | None = None


class AllocationIn(Entry):
    UNSOURCED: ClassVar[frozenset[str]] = frozenset({"fund", "priority"})

    fund: Code
    priority: Code
    amount: DataMoney


class NamedCodeIn(Entry):
    code: Code
    name: LocalizedText


class RegionIn(Entry):
    code: Code
    name: LocalizedText
    country: str = Field(pattern=r"^[A-Z]{2}$")
    nuts_level: int | None = Field(default=None, ge=0, le=3)
    sub_area: Code | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    successors: list[Code] = []


class PriorityIn(Entry):
    code: Code
    name: LocalizedText
    description: LocalizedText | None = None
    share: Decimal4 | None = Field(default=None, ge=0, le=1)
    total_financing: DataMoney | None = None


class SpecificObjectiveIn(Entry):
    UNSOURCED: ClassVar[frozenset[str]] = frozenset({"code", "priority"})

    code: Code
    priority: Code
    eu_code: str | None = None
    short_name: LocalizedText | None = None
    title: LocalizedText
    description: LocalizedText | None = None
    target_groups: LocalizedText | None = None
    effects: LocalizedText | None = None
    examples: LocalizedList = {}
    partners: list[Code] = []


class ProjectTypeIn(Entry):
    code: Code
    name: LocalizedText
    description: LocalizedText | None = None
    max_duration_months: int | None = Field(default=None, gt=0)


class OrganisationTypeIn(Entry):
    code: Code
    name: LocalizedText
    description: LocalizedText | None = None
    may_apply: bool


class CallIn(Entry, CallOptionsIn):
    UNSOURCED: ClassVar[frozenset[str]] = frozenset({"number"})

    number: Code
    name: LocalizedText
    opens_at: AwareDatetime
    closes_at: AwareDatetime | None = None
    decision_expected: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    specific_objectives: list[Code] = Field(min_length=1)
    project_types: list[Code] = Field(min_length=1)


class ExampleProjectIn(Entry):
    code: Code
    name: LocalizedText
    description: LocalizedText | None = None
    specific_objective: Code


class ProgrammeFile(Entry):
    """One programme data file, as FORMAT.md describes it."""

    UNSOURCED: ClassVar[frozenset[str]] = frozenset({"code", "source_seeds"})

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=100)
    cci: str | None = None
    reference_prefix: str | None = Field(default=None, max_length=30)
    kind: Literal["interreg", "regional-fund", "action-plan"]
    decisions: Literal["committee-only", "direct"] = (
        "direct"  # approvals only in a committee session, or also one by one
    )
    name: LocalizedText
    short_name: LocalizedText | None = None
    vision: LocalizedText | None = None
    description: LocalizedText | None = None
    currency: Currency
    period: Period
    languages: list[str] = Field(min_length=1)
    source_seeds: list[str] = []
    funds: list[FundIn] = Field(min_length=1)
    fixed_exchange_rates: list[ExchangeRateIn] = []
    allocations: list[AllocationIn] = []
    sub_areas: list[NamedCodeIn] = []
    regions: list[RegionIn] = []
    smart_specialisation: list[NamedCodeIn] = []
    cross_border_added_value: LocalizedText | None = None
    partnership: LocalizedText | None = None
    priorities: list[PriorityIn] = Field(min_length=1)
    specific_objectives: list[SpecificObjectiveIn] = Field(min_length=1)
    project_types: list[ProjectTypeIn] = []
    organisation_types: list[OrganisationTypeIn] = []
    calls: list[CallIn] = []
    example_projects: list[ExampleProjectIn] = []
    cost_options: list[CostOptionIn] = []
    assessment_criteria: list[CriteriaSetIn] = []

    @field_validator("name", "short_name", "vision", "description", "cross_border_added_value", "partnership")
    @classmethod
    def _texts(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _no_blank_texts(value)


def _path(loc: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def check(data: ProgrammeFile) -> list[tuple[str, str]]:
    """The rules that span the file; each problem as (field path, message)."""
    problems: list[tuple[str, str]] = []

    def unique(section: str, codes: list[str], what: str = "code") -> None:
        seen = Counter(codes)
        for i, c in enumerate(codes):
            if seen[c] > 1:
                problems.append((f"{section}[{i}].{what}", f"duplicate {what} '{c}'"))

    unique("funds", [f.code for f in data.funds])
    unique("priorities", [p.code for p in data.priorities])
    unique("specific_objectives", [o.code for o in data.specific_objectives])
    unique("sub_areas", [s.code for s in data.sub_areas])
    unique("regions", [r.code for r in data.regions])
    unique("smart_specialisation", [s.code for s in data.smart_specialisation])
    unique("project_types", [t.code for t in data.project_types])
    unique("organisation_types", [t.code for t in data.organisation_types])
    unique("calls", [c.number for c in data.calls], "number")
    unique("example_projects", [e.code for e in data.example_projects])
    unique("fixed_exchange_rates", [r.currency for r in data.fixed_exchange_rates], "currency")

    problems.extend(unknown_source_keys(data))
    problems.extend(check_cost_options(data.cost_options))
    problems.extend(check_assessment(data.assessment_criteria, data.calls))

    if data.period.start > data.period.end:
        problems.append(("period", f"starts {data.period.start} after it ends {data.period.end}"))

    def same_currency(path: str, money: Money | None) -> None:
        if money is not None and money.currency != data.currency:
            problems.append((path, f"currency {money.currency} is not the programme's currency {data.currency}"))

    for i, f in enumerate(data.funds):
        same_currency(f"funds[{i}].amount", f.amount)
    for i, p in enumerate(data.priorities):
        same_currency(f"priorities[{i}].total_financing", p.total_financing)

    # Shares: all or none, and exactly 1 in total.
    with_share = [p for p in data.priorities if p.share is not None]
    if with_share and len(with_share) != len(data.priorities):
        missing = [i for i, p in enumerate(data.priorities) if p.share is None]
        problems.append(
            (
                f"priorities[{missing[0]}].share",
                f"a share is given for {len(with_share)} of {len(data.priorities)} priorities; give all or none",
            )
        )
    elif with_share:
        total = sum((p.share for p in with_share if p.share is not None), Decimal(0))
        if total != 1:
            problems.append(("priorities", f"shares sum to {total}, not 1"))

    priorities = {p.code for p in data.priorities}
    objectives = {o.code for o in data.specific_objectives}
    funds = {f.code: f for f in data.funds}
    project_types = {t.code for t in data.project_types}
    sub_areas = {s.code for s in data.sub_areas}
    regions = {r.code for r in data.regions}

    for i, o in enumerate(data.specific_objectives):
        if o.priority not in priorities:
            problems.append((f"specific_objectives[{i}].priority", f"unknown priority '{o.priority}'"))
        for j, partner in enumerate(o.partners):
            if partner not in funds:
                problems.append((f"specific_objectives[{i}].partners[{j}]", f"unknown fund '{partner}'"))

    for i, r in enumerate(data.regions):
        if r.sub_area is not None and r.sub_area not in sub_areas:
            problems.append((f"regions[{i}].sub_area", f"unknown sub-area '{r.sub_area}'"))
        for j, s in enumerate(r.successors):
            if s not in regions or s == r.code:
                problems.append((f"regions[{i}].successors[{j}]", f"unknown region '{s}'"))
        if r.valid_from and r.valid_to and r.valid_from > r.valid_to:
            problems.append((f"regions[{i}].valid_to", f"{r.valid_to} is before valid_from {r.valid_from}"))

    for i, c in enumerate(data.calls):
        if c.closes_at is not None and c.closes_at <= c.opens_at:
            problems.append((f"calls[{i}].closes_at", f"{c.closes_at.isoformat()} is not after opens_at"))
        for j, o_code in enumerate(c.specific_objectives):
            if o_code not in objectives:
                problems.append((f"calls[{i}].specific_objectives[{j}]", f"unknown specific objective '{o_code}'"))
        for j, t in enumerate(c.project_types):
            if t not in project_types:
                problems.append((f"calls[{i}].project_types[{j}]", f"unknown project type '{t}'"))

    for i, e in enumerate(data.example_projects):
        if e.specific_objective not in objectives:
            problems.append(
                (f"example_projects[{i}].specific_objective", f"unknown specific objective '{e.specific_objective}'")
            )

    # Allocations: known fund and priority; each fund's allocations add up to the fund, each
    # priority's to its total financing.
    by_fund: dict[str, Decimal] = defaultdict(Decimal)
    by_priority: dict[str, Decimal] = defaultdict(Decimal)
    seen_pairs: set[tuple[str, str]] = set()
    for i, a in enumerate(data.allocations):
        if a.fund not in funds:
            problems.append((f"allocations[{i}].fund", f"unknown fund '{a.fund}'"))
        if a.priority not in priorities:
            problems.append((f"allocations[{i}].priority", f"unknown priority '{a.priority}'"))
        if (a.fund, a.priority) in seen_pairs:
            problems.append(
                (f"allocations[{i}]", f"a second allocation for fund '{a.fund}' and priority '{a.priority}'")
            )
        seen_pairs.add((a.fund, a.priority))
        same_currency(f"allocations[{i}].amount", a.amount)
        by_fund[a.fund] += a.amount.amount
        by_priority[a.priority] += a.amount.amount
    if data.allocations:
        for i, f in enumerate(data.funds):
            if by_fund.get(f.code, Decimal(0)) != f.amount.amount:
                problems.append(
                    (
                        f"funds[{i}].amount",
                        f"allocations of fund '{f.code}' sum to "
                        f"{by_fund.get(f.code, Decimal(0))}, not {f.amount.amount}",
                    )
                )
        for i, p in enumerate(data.priorities):
            if p.total_financing is not None and by_priority.get(p.code, Decimal(0)) != p.total_financing.amount:
                problems.append(
                    (
                        f"priorities[{i}].total_financing",
                        f"allocations to priority '{p.code}' sum to "
                        f"{by_priority.get(p.code, Decimal(0))}, not {p.total_financing.amount}",
                    )
                )
    return problems


def parse(name: str, raw: Any) -> ProgrammeFile:
    """Validate already-parsed YAML content of the file `name`."""
    if not isinstance(raw, dict):
        raise DataFileError(name, [("", "the file must be a mapping of programme fields")])
    try:
        data = ProgrammeFile.model_validate(raw)
    except ValidationError as exc:
        problems = [(_path(e["loc"]), str(e["msg"]).removeprefix("Value error, ")) for e in exc.errors()]
        raise DataFileError(name, problems) from None
    problems = check(data)
    expected = Path(name).stem
    if expected != data.code:
        problems.insert(0, ("code", f"'{data.code}' does not match the file name (expected '{expected}')"))
    if problems:
        raise DataFileError(name, problems)
    return data


def read(path: Path) -> ProgrammeFile:
    """Read and validate one data file."""
    try:
        raw = yaml_files.load(path.read_text(encoding="utf-8"))
    except yaml_files.YAMLError as exc:
        raise DataFileError(path.name, [("", f"not valid YAML: {exc}")]) from None
    return parse(path.name, raw)


def read_dir(folder: Path) -> list[ProgrammeFile]:
    """Every `*.yaml` of `folder`, validated; all files are checked before any is loaded."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise DataFileError(str(folder), [("", "no *.yaml data files in this folder")])
    problems: list[str] = []
    out: list[ProgrammeFile] = []
    for path in files:
        try:
            out.append(read(path))
        except DataFileError as exc:
            problems.append(str(exc))
    if problems:
        raise DataFilesError("\n".join(problems))
    return out


class DataFilesError(ValueError):
    """One or more data files failed; the message lists each file's problems, one per line."""
