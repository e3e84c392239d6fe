"""A change request's diff against the approved version, typed, and what follows from it, all pure:

- `budget-reallocation`: `budget` sets real-cost lines of partners (between categories or partners) and
  `financing` their financing lines; cost-option lines (flat rates) are computed again from the result.
- `time-extension`: `end_date`, later than the approved one.
- `partner-change`: `partners_in` (new partners with their budget and financing, appended) and
  `partners_out` (partners without a report, never a lead; removed).
- `content`: `title`, `summary`, `cross_border_added_value`.

`parts` name what a request changes (two open requests sharing one conflict), `sides` whose owners must
submit it (a change of the dates or texts touches both). `flexibility` says whether a reallocation stays
within the programme's share (moved between one side's categories, each partner's total unchanged), and
`money` is the difference per fund and currency of the two versions' commitment lines: what rises, what falls.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.applications.intake.content import commitment_lines
from services.applications.projects.texts import say
from shared.money import Money, NonNegativeMoney
from shared.problems import FieldError
from shared.schemas.applications import ApplicationContent, CostCategory, FinancingSource, Partner, ProjectDate
from shared.text import Bounded, LocalizedName, LocalizedProse

ChangeType = Literal["budget-reallocation", "time-extension", "partner-change", "content"]
PartnerNumber = Annotated[int, Field(ge=1, le=100, description="The partner's place in the approved version (from 1)")]
SIDES = ("SE", "NO")


class BudgetSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    partner: PartnerNumber
    category: CostCategory
    amount: NonNegativeMoney = Field(description="The line's new amount (0 removes the line)")


class FinancingSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    partner: PartnerNumber
    source: FinancingSource
    amount: NonNegativeMoney


class ChangeDiff(BaseModel):
    """What changes against the approved version; only the fields of the request's type."""

    model_config = ConfigDict(extra="forbid")
    budget: list[BudgetSet] | None = Field(default=None, max_length=200)
    financing: list[FinancingSet] | None = Field(default=None, max_length=200)
    end_date: ProjectDate | None = None
    partners_in: list[Partner] | None = Field(default=None, max_length=20)
    partners_out: list[PartnerNumber] | None = Field(default=None, max_length=20)
    title: LocalizedName | None = None
    summary: LocalizedProse | None = None
    cross_border_added_value: Annotated[str, Bounded(20000)] | None = None


FIELDS: dict[str, set[str]] = {
    "budget-reallocation": {"budget", "financing"},
    "time-extension": {"end_date"},
    "partner-change": {"partners_in", "partners_out"},
    "content": {"title", "summary", "cross_border_added_value"},
}


def given(diff: ChangeDiff) -> set[str]:
    return {name for name in ChangeDiff.model_fields if getattr(diff, name) is not None}


def problems(
    type: str, diff: ChangeDiff, base: ApplicationContent, reported: set[int], language: str
) -> list[FieldError]:
    """What is wrong with the diff against the approved content (`reported`: partners with a report), each
    message in `language` (sv, nb, en)."""
    allowed = ", ".join(sorted(FIELDS[type]))

    def error(field: str, key: str, **values: object) -> FieldError:
        return FieldError(field=field, message=say(key, language, **values))

    errors = [
        error(f"diff.{name}", "diff-not-part", type=type, allowed=allowed)
        for name in sorted(given(diff) - FIELDS[type])
    ]
    if not given(diff) & FIELDS[type]:
        errors.append(error("diff", "diff-empty", type=type, allowed=allowed))
    count = len(base.partners)
    for i, line in enumerate(diff.budget or []):
        if line.partner > count:
            errors.append(error(f"diff.budget.{i}.partner", "diff-partner-count", count=count))
        elif any(b.category == line.category and b.cost_option for b in base.partners[line.partner - 1].budget):
            errors.append(error(f"diff.budget.{i}.category", "diff-cost-option"))
    for i, fin in enumerate(diff.financing or []):
        if fin.partner > count:
            errors.append(error(f"diff.financing.{i}.partner", "diff-partner-count", count=count))
    if diff.end_date is not None and diff.end_date <= base.end_date:
        errors.append(error("diff.end_date", "diff-end-date", date=base.end_date.isoformat()))
    for i, number in enumerate(diff.partners_out or []):
        if number > count:
            errors.append(error(f"diff.partners_out.{i}", "diff-partner-count", count=count))
        elif base.partners[number - 1].role == "lead":
            errors.append(error(f"diff.partners_out.{i}", "diff-lead-stays"))
        elif any(n >= number for n in reported):
            errors.append(error(f"diff.partners_out.{i}", "diff-has-reports"))
    for i, partner in enumerate(diff.partners_in or []):
        if partner.role == "lead":
            errors.append(error(f"diff.partners_in.{i}.role", "diff-new-lead"))
    return errors


def parts(diff: ChangeDiff) -> list[str]:
    out = {f"budget:{b.partner}" for b in diff.budget or []} | {f"budget:{f.partner}" for f in diff.financing or []}
    if diff.end_date is not None:
        out.add("dates")
    if diff.partners_in or diff.partners_out:
        out.add("partners")
        out |= {f"budget:{n}" for n in diff.partners_out or []}
    out |= {
        f"content:{name}"
        for name in ("title", "summary", "cross_border_added_value")
        if getattr(diff, name) is not None
    }
    return sorted(out)


def sides(diff: ChangeDiff, base: ApplicationContent) -> list[str]:
    """The sides whose owners submit the request."""
    if diff.end_date is not None or any(getattr(diff, n) is not None for n in FIELDS["content"]):
        return list(SIDES)
    numbers = (
        [b.partner for b in diff.budget or []]
        + [f.partner for f in diff.financing or []]
        + list(diff.partners_out or [])
    )
    found = {base.partners[n - 1].country for n in numbers if n <= len(base.partners)}
    found |= {p.country for p in diff.partners_in or []}
    return [s for s in SIDES if s in found] or list(SIDES)


def applied(diff: ChangeDiff, base: ApplicationContent) -> ApplicationContent:
    """The approved content with the diff applied (cost-option lines still to be computed again)."""
    data = base.model_dump(mode="json")
    partners: list[dict[str, Any]] = data["partners"]
    for b in diff.budget or []:
        lines = partners[b.partner - 1]["budget"]
        kept = [ln for ln in lines if ln["category"] != b.category]
        if b.amount.amount > 0:
            kept.append({"category": b.category, "amount": b.amount.model_dump(mode="json")})
        partners[b.partner - 1]["budget"] = kept
    for f in diff.financing or []:
        lines = partners[f.partner - 1]["financing"]
        kept = [ln for ln in lines if ln["source"] != f.source]
        if f.amount.amount > 0:
            kept.append({"source": f.source, "amount": f.amount.model_dump(mode="json")})
        partners[f.partner - 1]["financing"] = kept
    for line in (ln for p in partners for ln in p["budget"] if ln.get("cost_option")):
        line.pop("amount", None)
        line.pop("computed", None)
    out = [p for i, p in enumerate(partners, start=1) if i not in set(diff.partners_out or [])]
    out += [p.model_dump(mode="json") for p in diff.partners_in or []]
    data["partners"] = out
    for name in ("end_date", "title", "summary", "cross_border_added_value"):
        value = getattr(diff, name)
        if value is not None:
            data[name] = value.isoformat() if name == "end_date" else value
    return ApplicationContent.model_validate(data)


def _total(partner: Partner) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for line in partner.budget:
        if line.amount is not None:
            out[line.amount.currency] += line.amount.amount
    return dict(out)


def flexibility(
    type: str, diff: ChangeDiff, base: ApplicationContent, result: ApplicationContent, share: Decimal | None
) -> dict[str, Any] | None:
    """Whether a reallocation stays within `share` of its side's approved budget (None: not a reallocation)."""
    if type != "budget-reallocation":
        return None
    numbers = sorted({b.partner for b in diff.budget or []})
    side = {base.partners[n - 1].country for n in numbers}
    within = share is not None and not diff.financing and len(side) == 1
    within = within and all(_total(base.partners[n - 1]) == _total(result.partners[n - 1]) for n in numbers)
    moved: dict[str, Decimal] = defaultdict(Decimal)
    for n in numbers:
        old = {ln.category: ln.amount for ln in base.partners[n - 1].budget if ln.amount}
        for ln in result.partners[n - 1].budget:
            if ln.amount is not None and ln.amount.amount > (old[ln.category].amount if ln.category in old else 0):
                moved[ln.amount.currency] += ln.amount.amount - (old[ln.category].amount if ln.category in old else 0)
    budget: dict[str, Decimal] = defaultdict(Decimal)
    for p in base.partners:
        if p.country in side:
            for currency, amount in _total(p).items():
                budget[currency] += amount
    within = (
        within
        and len(moved) <= 1
        and all(amount <= (share or 0) * budget.get(currency, Decimal(0)) for currency, amount in moved.items())
    )
    return {
        "share": str(share) if share is not None else None,
        "side": next(iter(side)) if len(side) == 1 else None,
        "moved": [Money.of(a, c).model_dump(mode="json") for c, a in sorted(moved.items())],
        "limit": [
            Money.of(((share or 0) * a).quantize(Decimal("0.01")), c).model_dump(mode="json")
            for c, a in sorted(budget.items())
        ],
        "within": within,
    }


def money(
    base: ApplicationContent, result: ApplicationContent
) -> tuple[list[tuple[str, Money]], list[tuple[str, Money]]]:
    """(rises, falls): per fund and currency, the difference of the versions' commitment lines."""

    def per(content: ApplicationContent) -> dict[tuple[str, str], Decimal]:
        return {(ln.fund, ln.amount.currency): ln.amount.amount for ln in commitment_lines(content)}

    old, new = per(base), per(result)
    rises: list[tuple[str, Money]] = []
    falls: list[tuple[str, Money]] = []
    for fund, currency in sorted(set(old) | set(new)):
        delta = new.get((fund, currency), Decimal(0)) - old.get((fund, currency), Decimal(0))
        if delta > 0:
            rises.append((fund, Money.of(delta, currency)))
        elif delta < 0:
            falls.append((fund, Money.of(-delta, currency)))
    return rises, falls
