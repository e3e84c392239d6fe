"""Budget rules: sync from the catalogue, reallocations, commitments, releases, payments, exchange rates,
reconciliation and the figures of the reports. Raises the problems of `errors.py`; only flushes.

Money and rounding (every rounding goes through `shared.money`):
- Allocation by priority shares uses `split` (largest remainder): each fund's parts sum exactly to the
  fund (ERDF 47,000,000.00 EUR -> 19,740,000.00 / 10,340,000.00 / 9,400,000.00 / 4,230,000.00 /
  3,290,000.00). Explicit allocations (action plans) are taken as given; whatever they leave of the
  fund goes to the `unallocated` reserve, so a fund's allocations always sum to its amount.
- Conversion of an amount to the programme's currency goes through EUR with rates quoted as units per
  1 EUR: `amount / units_per_eur(from) * units_per_eur(to)`, rounded once at the end to the programme
  currency's minor unit with `round_minor` (half up, Reg. (EC) 1103/97 art. 5); the EUR leg is not
  rounded in between (one rounding, not two). Into EUR this is exactly `shared.money.convert`.
  A programme's fixed rate for a currency wins over the monthly rate; the monthly rate is the one of the
  month (Europe/Brussels) at the time of the request. `rate` on a commitment line is
  `units_per_eur(from) / units_per_eur(to)` shown with 10 decimals (display only, never used to recompute).
- Releases are stated in the programme's currency (what a commitment holds is its converted amount);
  payments may be in any currency and convert at the payment's month like a commitment.
- Utilisation shares are ratios, not money: committed / allocated with 4 decimals, half up.

Balances: per programme x fund x priority, `allocated`, gross `committed`, `released`, `paid`, moved in
the same transaction as the ledger rows; reports show committed net of releases and
`available = allocated - (committed - released)`. `reconcile` recomputes them from the ledger.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import schemas as s
from services.budget.clients import CatalogueClient
from services.budget.errors import (
    CommitmentNotFound,
    InsufficientFunds,
    MissingExchangeRate,
    NothingToRelease,
    ProgrammeNotFound,
    ReserveNotCommittable,
    UnknownCode,
)
from services.budget.repository import BudgetRepository
from shared.db import Database, session_scope
from shared.money import Money, convert, round_minor, split
from shared.problems import FieldError, Unprocessable
from shared.schemas import budget as wire
from shared.schemas import catalogue as cat

UNALLOCATED = m.UNALLOCATED
BRUSSELS = ZoneInfo("Europe/Brussels")
RATE_DISPLAY = Decimal("1e-10")
RATE_QUANTUM = Decimal(1).scaleb(-m.RATE_SCALE)
SYNC_ACTOR = "sync"


def month_of(now: dt.datetime, tz: ZoneInfo = BRUSSELS) -> str:
    """The accounting month (yyyy-mm) of an instant, on the Commission's clock (Europe/Brussels)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now.astimezone(tz).strftime("%Y-%m")


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; we store UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _money(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount, currency=currency)


def _unknown(field: str, message: str) -> UnknownCode:
    return UnknownCode(message, errors=[FieldError(field=field, message=message)], field=field)


# ---------------------------------------------------------------------------------------------
# Exchange rates
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Conversion:
    amount: Decimal
    rate: Decimal | None
    source: str  # identity | monthly | programme-fixed


async def units_per_eur(
    repo: BudgetRepository, programme: str, currency: str, month: str, field: str
) -> tuple[Decimal, str]:
    """The rate of a currency for a programme and month: the programme's fixed rate wins over the monthly one."""
    if currency == "EUR":
        return Decimal(1), "identity"
    fixed = await repo.fixed_rate(programme, currency)
    if fixed is not None:
        return fixed.units_per_eur, "programme-fixed"
    monthly = await repo.monthly_rate(currency, month)
    if monthly is not None:
        return monthly.units_per_eur, "monthly"
    message = f"no exchange rate for {currency} in {month} (set PUT /v1/exchange-rates/{currency}/{month})"
    raise MissingExchangeRate(
        message, errors=[FieldError(field=field, message=message)], currency=currency, month=month
    )


async def to_programme_currency(
    repo: BudgetRepository, programme: str, target: str, amount: Money, month: str, field: str
) -> Conversion:
    """Convert `amount` to the programme's currency `target` via EUR with one final rounding (module docstring)."""
    if amount.currency == target:
        return Conversion(amount.amount, None, "identity")
    upe_from, src_from = await units_per_eur(repo, programme, amount.currency, month, field)
    upe_to, src_to = await units_per_eur(repo, programme, target, month, field)
    if target == "EUR":
        converted = convert(amount.amount, units_per_eur=upe_from, to_eur=True)
    else:
        converted = round_minor(amount.amount / upe_from * upe_to, target)
    source = "monthly" if "monthly" in (src_from, src_to) else "programme-fixed"
    rate = (upe_from / upe_to).quantize(RATE_DISPLAY, rounding=ROUND_HALF_UP)
    if converted <= 0:
        raise Unprocessable(
            f"{amount} is less than a cent in {target}",
            errors=[FieldError(field=field, message="too small to convert")],
        )
    return Conversion(converted, rate, source)


async def set_monthly_rate(
    session: AsyncSession, currency: str, month: str, units: Decimal, *, source: str, actor: str, now: dt.datetime
) -> m.ExchangeRate:
    repo = BudgetRepository(session)
    units = units.quantize(RATE_QUANTUM)
    row = await repo.monthly_rate(currency, month)
    if row is None:
        row = m.ExchangeRate(
            currency=currency, month=month, units_per_eur=units, source=source, updated_by=actor, updated_at=now
        )
        repo.add(row)
    else:
        row.units_per_eur, row.source, row.updated_by, row.updated_at = units, source, actor, now
    await session.flush()
    return row


def rate_view(row: m.ExchangeRate) -> s.ExchangeRate:
    return s.ExchangeRate(
        currency=row.currency,
        month=row.month,
        units_per_eur=row.units_per_eur,
        source=row.source,
        updated_at=_aware(row.updated_at),
    )


def fixed_rate_view(row: m.ProgrammeFixedRate) -> s.FixedRate:
    return s.FixedRate(
        programme=row.programme,
        currency=row.currency,
        units_per_eur=row.units_per_eur,
        source=row.source,
        updated_at=_aware(row.updated_at),
    )


async def set_fixed_rate(
    session: AsyncSession, programme: str, currency: str, units: Decimal, *, actor: str, now: dt.datetime
) -> m.ProgrammeFixedRate:
    """An admin's fixed rate for a programme; sync never overwrites it."""
    repo = BudgetRepository(session)
    await require_programme(repo, programme)
    units = units.quantize(RATE_QUANTUM)
    row = await repo.fixed_rate(programme, currency)
    if row is None:
        row = m.ProgrammeFixedRate(
            programme=programme,
            currency=currency,
            units_per_eur=units,
            source="admin",
            updated_by=actor,
            updated_at=now,
        )
        repo.add(row)
    else:
        row.units_per_eur, row.source, row.updated_by, row.updated_at = units, "admin", actor, now
    await session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# Sync from the catalogue
# ---------------------------------------------------------------------------------------------
def plan_allocations(
    programme: cat.Programme, priorities: list[cat.Priority], fund: cat.Fund
) -> tuple[str, list[tuple[str, Decimal]], list[str]]:
    """How a fund is split across priorities: (method, [(priority, amount)], notes). Pure; unit-tested.

    1. the programme's explicit allocations for the fund (action plans), the rest of the fund to the reserve;
    2. else the priority shares, by largest remainder, when every priority has one;
    3. else everything to the `unallocated` reserve (an admin reallocates it).
    """
    currency = fund.amount.currency
    explicit = [a for a in programme.allocations if a.fund == fund.code]
    if explicit:
        notes: list[str] = []
        parts: dict[str, Decimal] = defaultdict(Decimal)
        for a in explicit:
            if a.amount.currency != currency:
                raise ValueError(f"allocation {a.fund}/{a.priority} is in {a.amount.currency}, the fund in {currency}")
            parts[a.priority] += a.amount.amount
        rest = fund.amount.amount - sum(parts.values(), Decimal(0))
        if rest < 0:
            raise ValueError(f"the allocations of {fund.code} exceed the fund by {-rest}")
        plan = list(parts.items())
        if rest > 0:
            plan.append((UNALLOCATED, rest))
            notes.append(f"{fund.code}: {rest} {currency} not allocated by the programme, kept in reserve")
        return "explicit", plan, notes
    if priorities and all(p.share is not None for p in priorities):
        amounts = split(fund.amount.amount, [p.share for p in priorities if p.share is not None], currency)
        return "shares", [(p.code, a) for p, a in zip(priorities, amounts, strict=True)], []
    return "reserve", [(UNALLOCATED, fund.amount.amount)], [f"{fund.code}: no shares; all in the unallocated reserve"]


async def sync_programme(
    session: AsyncSession,
    programme: cat.Programme,
    priorities: list[cat.Priority],
    objectives: list[cat.SpecificObjective],
    *,
    now: dt.datetime,
) -> s.ProgrammeSync:
    """Record a programme's funds and their allocations, priorities, objectives and fixed rates.

    Idempotent: a fund already recorded is left as it is (so an admin's reallocations survive); a fund
    that is new gets its allocation rows on the ledger. Fixed rates set by an admin are kept.
    """
    repo = BudgetRepository(session)
    notes: list[str] = []
    row = await repo.programme(programme.code)
    if row is None:
        row = m.BudgetProgramme(
            code=programme.code,
            currency=programme.currency,
            name={str(k): v for k, v in programme.name.items()},
            synced_at=now,
        )
        repo.add(row)
    elif row.currency != programme.currency:
        notes.append(f"the catalogue now says {programme.currency}, the budget is kept in {row.currency}; not synced")
        return s.ProgrammeSync(
            programme=programme.code,
            currency=row.currency,
            funds_created=[],
            funds_unchanged=[],
            fixed_rates={},
            notes=notes,
        )
    elif row.name != programme.name:
        row.name = {str(k): v for k, v in programme.name.items()}
    await session.flush()  # the programme row first: the rows below refer to it

    known_priorities = {p.code: p for p in await repo.priorities(programme.code)}
    for position, p in enumerate(priorities):
        pr = known_priorities.get(p.code)
        if pr is None:
            repo.add(m.BudgetPriority(programme=programme.code, code=p.code, position=position, share=p.share))
        elif (pr.position, pr.share) != (position, p.share):
            pr.position, pr.share = position, p.share
    known_objectives = {o.code: o for o in await repo.specific_objectives(programme.code)}
    for o in objectives:
        so = known_objectives.get(o.code)
        if so is None:
            repo.add(m.BudgetSpecificObjective(programme=programme.code, code=o.code, priority=o.priority))
        elif so.priority != o.priority:
            so.priority = o.priority

    fixed: dict[str, str] = {}
    known_rates = {r.currency: r for r in await repo.fixed_rates(programme.code)}
    for fr in programme.fixed_exchange_rates:
        current = known_rates.get(fr.currency)
        if current is None:
            current = m.ProgrammeFixedRate(
                programme=programme.code,
                currency=fr.currency,
                units_per_eur=fr.units_per_eur.quantize(RATE_QUANTUM),
                source="catalogue",
                updated_by=SYNC_ACTOR,
                updated_at=now,
            )
            repo.add(current)
        elif current.source == "catalogue" and current.units_per_eur != fr.units_per_eur:
            current.units_per_eur, current.updated_at = fr.units_per_eur.quantize(RATE_QUANTUM), now
        elif current.source == "admin" and current.units_per_eur != fr.units_per_eur:
            notes.append(
                f"{fr.currency}: the admin's fixed rate {current.units_per_eur} is kept (catalogue {fr.units_per_eur})"
            )
        fixed[fr.currency] = str(current.units_per_eur)

    created: list[str] = []
    unchanged: list[str] = []
    month = month_of(now)
    known_funds = {f.code: f for f in await repo.funds(programme.code)}
    for position, fund in enumerate(programme.funds):
        existing = known_funds.get(fund.code)
        if existing is not None:
            unchanged.append(fund.code)
            if existing.amount != fund.amount.amount:
                notes.append(
                    f"{fund.code}: the catalogue says {fund.amount}, the budget holds {existing.amount} "
                    f"{existing.currency}; change it with reallocations, sync never rewrites a fund"
                )
            continue
        if fund.amount.currency != programme.currency:
            notes.append(f"{fund.code}: in {fund.amount.currency}, not the programme's {programme.currency}; skipped")
            continue
        try:
            method, plan, plan_notes = plan_allocations(programme, priorities, fund)
        except ValueError as exc:
            notes.append(f"{fund.code}: {exc}; skipped")
            continue
        notes.extend(plan_notes)
        # A fund that is new has no balance rows yet (a reallocation needs the fund), so they are created
        # here with their allocation; a concurrent sync of the same fund fails on the fund's primary key.
        repo.add(
            m.BudgetFund(
                programme=programme.code,
                code=fund.code,
                position=position,
                amount=fund.amount.amount,
                currency=fund.amount.currency,
                method=method,
            )
        )
        for priority, amount in plan:
            repo.add(
                m.BudgetBalance(
                    programme=programme.code,
                    fund=fund.code,
                    priority=priority,
                    currency=programme.currency,
                    allocated=amount,
                    committed=Decimal(0),
                    released=Decimal(0),
                    paid=Decimal(0),
                ),
                m.LedgerEntry(
                    programme=programme.code,
                    fund=fund.code,
                    priority=priority,
                    kind="allocation",
                    amount=amount,
                    currency=programme.currency,
                    original_amount=amount,
                    original_currency=programme.currency,
                    rate=None,
                    rate_source="identity",
                    month=month,
                    reason=f"sync from the catalogue ({method})",
                    actor=SYNC_ACTOR,
                    created_at=now,
                ),
            )
        created.append(fund.code)
    await session.flush()
    return s.ProgrammeSync(
        programme=programme.code,
        currency=programme.currency,
        funds_created=created,
        funds_unchanged=unchanged,
        fixed_rates=fixed,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------
async def require_programme(repo: BudgetRepository, code: str, *, field: str | None = None) -> m.BudgetProgramme:
    programme = await repo.programme(code)
    if programme is None:
        if field is not None:
            raise _unknown(field, f"the budget has no programme {code!r}")
        raise ProgrammeNotFound(f"the budget has no programme {code!r}")
    return programme


async def require_fund(repo: BudgetRepository, programme: str, code: str, field: str) -> m.BudgetFund:
    fund = await repo.fund(programme, code)
    if fund is None:
        raise _unknown(field, f"programme {programme} has no fund {code!r}")
    return fund


def balance_view(b: m.BudgetBalance) -> s.BalanceView:
    c = b.currency
    return s.BalanceView(
        fund=b.fund,
        priority=b.priority,
        allocated=_money(b.allocated, c),
        committed=_money(b.committed_net, c),
        paid=_money(b.paid, c),
        available=_money(b.available, c),
    )


def _insufficient(
    fund: str, priority: str, asked: Decimal, available: Decimal, currency: str, field: str
) -> InsufficientFunds:
    message = (
        f"{fund} in priority {priority}: asked {asked} {currency}, "
        f"only {max(available, Decimal(0))} {currency} available"
    )
    return InsufficientFunds(
        message,
        errors=[FieldError(field=field, message=message)],
        fund=fund,
        priority=priority,
        asked=_money(asked, currency),
        available=_money(max(available, Decimal(0)), currency),
    )


# ---------------------------------------------------------------------------------------------
# Reallocation
# ---------------------------------------------------------------------------------------------
async def reallocate(
    session: AsyncSession, programme_code: str, body: s.ReallocationRequest, *, actor: str, now: dt.datetime
) -> s.Reallocation:
    """Move allocation between two priorities of one fund; the fund's total is unchanged."""
    repo = BudgetRepository(session)
    programme = await require_programme(repo, programme_code)
    await require_fund(repo, programme.code, body.fund, "fund")
    for field, code in (("from_priority", body.from_priority), ("to_priority", body.to_priority)):
        if code != UNALLOCATED and await repo.priority(programme.code, code) is None:
            raise _unknown(field, f"programme {programme.code} has no priority {code!r}")
    if body.from_priority == body.to_priority:
        raise Unprocessable(
            "from_priority and to_priority are the same",
            errors=[FieldError(field="to_priority", message="must differ from from_priority")],
        )
    if body.amount.currency != programme.currency:
        raise Unprocessable(
            f"reallocations are in the programme's currency {programme.currency}",
            errors=[FieldError(field="amount.currency", message=f"must be {programme.currency}")],
        )
    await repo.ensure_balance(programme.code, body.fund, body.to_priority, programme.currency)
    balances = await repo.lock_balances(
        programme.code, [(body.fund, body.from_priority), (body.fund, body.to_priority)]
    )
    source = balances.get((body.fund, body.from_priority))
    target = balances[(body.fund, body.to_priority)]
    asked = body.amount.amount
    available = source.available if source is not None else Decimal(0)
    if source is None or asked > available:
        raise _insufficient(body.fund, body.from_priority, asked, available, programme.currency, "amount")
    source.allocated -= asked
    target.allocated += asked
    month = month_of(now)
    for priority, signed in ((body.from_priority, -asked), (body.to_priority, asked)):
        repo.add(
            m.LedgerEntry(
                programme=programme.code,
                fund=body.fund,
                priority=priority,
                kind="reallocation",
                amount=signed,
                currency=programme.currency,
                original_amount=signed,
                original_currency=programme.currency,
                rate=None,
                rate_source="identity",
                month=month,
                reason=body.reason,
                actor=actor,
                created_at=now,
            )
        )
    await session.flush()
    return s.Reallocation(
        programme=programme.code,
        fund=body.fund,
        from_priority=body.from_priority,
        to_priority=body.to_priority,
        amount=body.amount,
        reason=body.reason,
        balances=[balance_view(source), balance_view(target)],
    )


# ---------------------------------------------------------------------------------------------
# Commitments
# ---------------------------------------------------------------------------------------------
def _status(lines: list[m.CommitmentLine]) -> str:
    released = sum((ln.released for ln in lines), Decimal(0))
    remaining = sum((ln.remaining for ln in lines), Decimal(0))
    if released == 0:
        return "active"
    return "released" if remaining == 0 else "partially-released"


def commitment_view(c: m.Commitment, lines: list[m.CommitmentLine]) -> wire.Commitment:
    cur = c.currency
    return wire.Commitment(
        id=c.id,
        programme=c.programme,
        application_id=c.application_id,
        priority=c.priority,
        specific_objective=c.specific_objective,
        call_id=c.call_id,
        reference=c.reference,
        status=c.status,
        created_at=_aware(c.created_at),
        lines=[
            wire.CommitmentLine(
                fund=ln.fund,
                amount=_money(ln.amount, ln.currency),
                amount_programme=_money(ln.amount_programme, cur),
                rate=ln.rate,
                rate_source=ln.rate_source,
                released=_money(ln.released, cur),
                paid=_money(ln.paid, cur),
            )
            for ln in lines
        ],
    )


async def create_commitment(
    session: AsyncSession, body: wire.CommitmentRequest, *, actor: str, now: dt.datetime
) -> wire.Commitment:
    """Commit all lines or none; 409 naming fund, priority, asked and available when a fund lacks room.

    The hot path under concurrency: one query for the reference data, the balance rows locked in
    (fund, priority) order, then plain INSERT/UPDATE statements (no ORM unit of work).
    """
    repo = BudgetRepository(session)
    ref = await repo.reference(
        body.programme, body.priority, body.specific_objective, sorted({ln.fund for ln in body.lines})
    )
    if ref.currency is None:
        raise _unknown("programme", f"the budget has no programme {body.programme!r}")
    if body.priority == UNALLOCATED:
        raise ReserveNotCommittable(
            "the unallocated reserve cannot be committed against; an admin must reallocate it to a priority first",
            errors=[FieldError(field="priority", message="the unallocated reserve is not committable")],
        )
    if not ref.priority:
        raise _unknown("priority", f"programme {body.programme} has no priority {body.priority!r}")
    if body.specific_objective is not None and ref.objective_priority != body.priority:
        raise _unknown(
            "specific_objective",
            f"priority {body.priority} of {body.programme} has no specific objective {body.specific_objective!r}",
        )
    code, currency = body.programme, ref.currency
    month = month_of(now)
    conversions: list[Conversion] = []
    needed: dict[str, Decimal] = defaultdict(Decimal)
    first_line: dict[str, int] = {}
    for i, line in enumerate(body.lines):
        if line.fund not in ref.funds:
            raise _unknown(f"lines.{i}.fund", f"programme {body.programme} has no fund {line.fund!r}")
        conv = await to_programme_currency(repo, code, currency, line.amount, month, f"lines.{i}.amount.currency")
        conversions.append(conv)
        needed[line.fund] += conv.amount
        first_line.setdefault(line.fund, i)

    locked = await repo.lock_balance_values(code, body.priority, needed)
    for fund in sorted(needed):
        row = locked.get(fund)
        available = row[0] - (row[1] - row[2]) if row is not None else Decimal(0)
        if row is None or needed[fund] > available:
            raise _insufficient(
                fund, body.priority, needed[fund], available, currency, f"lines.{first_line[fund]}.amount"
            )
    await repo.add_committed(code, body.priority, dict(needed))

    commitment_id = uuid.uuid4()
    await repo.insert_commitment(
        {
            "id": commitment_id,
            "programme": code,
            "application_id": body.application_id,
            "priority": body.priority,
            "specific_objective": body.specific_objective,
            "call_id": body.call_id,
            "reference": body.reference,
            "currency": currency,
            "status": "active",
            "month": month,
            "created_by": actor,
            "created_at": now,
        },
        [
            {
                "commitment_id": commitment_id,
                "line_no": i,
                "fund": line.fund,
                "amount": line.amount.amount,
                "currency": line.amount.currency,
                "amount_programme": conv.amount,
                "rate": conv.rate,
                "rate_source": conv.source,
                "released": Decimal(0),
                "paid": Decimal(0),
            }
            for i, (line, conv) in enumerate(zip(body.lines, conversions, strict=True))
        ],
        [
            {
                "programme": code,
                "fund": line.fund,
                "priority": body.priority,
                "kind": "commitment",
                "amount": conv.amount,
                "currency": currency,
                "original_amount": line.amount.amount,
                "original_currency": line.amount.currency,
                "rate": conv.rate,
                "rate_source": conv.source,
                "month": month,
                "commitment_id": commitment_id,
                "specific_objective": body.specific_objective,
                "call_id": body.call_id,
                "reason": f"commitment for application {body.application_id}",
                "actor": actor,
                "created_at": now,
            }
            for line, conv in zip(body.lines, conversions, strict=True)
        ],
    )
    zero = Money.zero(currency)
    return wire.Commitment(
        id=commitment_id,
        programme=code,
        application_id=body.application_id,
        priority=body.priority,
        specific_objective=body.specific_objective,
        call_id=body.call_id,
        reference=body.reference,
        status="active",
        created_at=_aware(now),
        lines=[
            wire.CommitmentLine(
                fund=line.fund,
                amount=line.amount,
                amount_programme=_money(conv.amount, currency),
                rate=conv.rate,
                rate_source=conv.source,
                released=zero,
                paid=zero,
            )
            for line, conv in zip(body.lines, conversions, strict=True)
        ],
    )


async def get_commitment(session: AsyncSession, commitment_id: uuid.UUID) -> wire.Commitment:
    repo = BudgetRepository(session)
    c = await repo.commitment(commitment_id)
    if c is None:
        raise CommitmentNotFound(f"no commitment {commitment_id}")
    return commitment_view(c, (await repo.lines([c.id]))[c.id])


async def list_commitments(
    session: AsyncSession,
    *,
    programme: str | None,
    application_id: str | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[wire.Commitment]:
    repo = BudgetRepository(session)
    rows = await repo.list_commitments(programme=programme, application_id=application_id, after=after, limit=limit)
    lines = await repo.lines([c.id for c in rows])
    return [commitment_view(c, lines[c.id]) for c in rows]


async def _locked_commitment(
    repo: BudgetRepository, commitment_id: uuid.UUID
) -> tuple[m.Commitment, list[m.CommitmentLine]]:
    # The commitment row is locked before any balance row (every writer on an existing commitment does
    # the same), and creating a commitment locks no commitment row: no cycle, no deadlock.
    c = await repo.commitment(commitment_id, lock=True)
    if c is None:
        raise CommitmentNotFound(f"no commitment {commitment_id}")
    return c, (await repo.lines([c.id]))[c.id]


def _take(lines: list[m.CommitmentLine], fund: str, amount: Decimal) -> list[tuple[m.CommitmentLine, Decimal]]:
    """Spread `amount` over the fund's lines in line order, each up to what remains on it."""
    out = []
    for ln in lines:
        if ln.fund != fund or amount <= 0:
            continue
        part = min(ln.remaining, amount)
        if part > 0:
            out.append((ln, part))
            amount -= part
    return out


async def _move(
    session: AsyncSession,
    commitment_id: uuid.UUID,
    kind: str,
    requested: list[wire.CommitmentLineIn] | None,
    *,
    reason: str | None,
    actor: str,
    now: dt.datetime,
) -> wire.Commitment:
    """Release or pay: never more than remains (committed − released − paid) per fund."""
    repo = BudgetRepository(session)
    c, lines = await _locked_commitment(repo, commitment_id)
    programme = await require_programme(repo, c.programme)
    month = month_of(now)
    # per fund: (programme-currency amount, original amount, original currency, rate, source)
    asks: list[tuple[str, Decimal, Money, Conversion, int | None]] = []
    if requested is None:
        remaining: dict[str, Decimal] = defaultdict(Decimal)
        for ln in lines:
            remaining[ln.fund] += ln.remaining
        for fund, amount in remaining.items():
            if amount > 0:
                asks.append((fund, amount, _money(amount, c.currency), Conversion(amount, None, "identity"), None))
        if not asks:
            raise NothingToRelease(f"nothing remains on commitment {c.id}", commitment=str(c.id))
    else:
        for i, line in enumerate(requested):
            if not any(ln.fund == line.fund for ln in lines):
                raise _unknown(f"lines.{i}.fund", f"commitment {c.id} has no line for fund {line.fund!r}")
            if kind == "release":
                if line.amount.currency != c.currency:
                    raise Unprocessable(
                        f"releases are in the programme's currency {c.currency}",
                        errors=[FieldError(field=f"lines.{i}.amount.currency", message=f"must be {c.currency}")],
                    )
                conv = Conversion(line.amount.amount, None, "identity")
            else:
                conv = await to_programme_currency(
                    repo, programme.code, programme.currency, line.amount, month, f"lines.{i}.amount.currency"
                )
            asks.append((line.fund, conv.amount, line.amount, conv, i))

    wanted: dict[str, Decimal] = defaultdict(Decimal)
    for fund, amount, *_ in asks:
        wanted[fund] += amount
    for fund in sorted(wanted):
        left = sum((ln.remaining for ln in lines if ln.fund == fund), Decimal(0))
        if wanted[fund] > left:
            idx = next(i for f, _, _, _, i in asks if f == fund)
            verb = "release" if kind == "release" else "pay"
            message = (
                f"cannot {verb} {wanted[fund]} {c.currency} of {fund}: only {left} {c.currency} remains "
                f"(committed − released − paid)"
            )
            raise NothingToRelease(
                message,
                errors=[FieldError(field=f"lines.{idx}.amount" if idx is not None else "lines", message=message)],
                fund=fund,
                priority=c.priority,
                asked=_money(wanted[fund], c.currency),
                available=_money(left, c.currency),
            )

    balances = await repo.lock_balances(c.programme, [(f, c.priority) for f in wanted])
    for fund, amount, original, conv, _ in asks:
        for ln, part in _take(lines, fund, amount):
            if kind == "release":
                ln.released += part
            else:
                ln.paid += part
        b = balances[(fund, c.priority)]
        if kind == "release":
            b.released += amount
        else:
            b.paid += amount
        repo.add(
            m.LedgerEntry(
                programme=c.programme,
                fund=fund,
                priority=c.priority,
                kind=kind,
                amount=amount,
                currency=c.currency,
                original_amount=original.amount,
                original_currency=original.currency,
                rate=conv.rate,
                rate_source=conv.source,
                month=month,
                commitment_id=c.id,
                specific_objective=c.specific_objective,
                call_id=c.call_id,
                reason=reason,
                actor=actor,
                created_at=now,
            )
        )
    c.status = _status(lines)
    await session.flush()
    return commitment_view(c, lines)


async def release_commitment(
    session: AsyncSession, commitment_id: uuid.UUID, body: wire.ReleaseRequest, *, actor: str, now: dt.datetime
) -> wire.Commitment:
    """Give money back to the priority: all that remains, or per fund."""
    return await _move(session, commitment_id, "release", body.lines, reason=body.reason, actor=actor, now=now)


async def pay_commitment(
    session: AsyncSession, commitment_id: uuid.UUID, body: s.PaymentRequest, *, actor: str, now: dt.datetime
) -> wire.Commitment:
    """Record payments against a commitment."""
    return await _move(session, commitment_id, "payment", body.lines, reason=body.note, actor=actor, now=now)


# ---------------------------------------------------------------------------------------------
# Reconciliation and reports
# ---------------------------------------------------------------------------------------------
COLUMNS = ("allocated", "committed", "released", "paid")
KIND_COLUMN = {
    "allocation": "allocated",
    "reallocation": "allocated",
    "commitment": "committed",
    "release": "released",
    "payment": "paid",
}


async def reconcile(session: AsyncSession, programme_code: str) -> s.Reconciliation:
    """Recompute every balance from the ledger and list where they differ."""
    repo = BudgetRepository(session)
    programme = await require_programme(repo, programme_code)
    from_ledger: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(COLUMNS, Decimal(0)))
    for fund, priority, kind, total in await repo.ledger_sums(programme.code):
        from_ledger[(fund, priority)][KIND_COLUMN[kind]] += total
    stored = {(b.fund, b.priority): b for b in await repo.balances(programme.code)}
    differences = []
    keys = sorted(set(from_ledger) | set(stored))
    for key in keys:
        b = stored.get(key)
        for col in COLUMNS:
            have = getattr(b, col) if b is not None else Decimal(0)
            want = from_ledger[key][col] if key in from_ledger else Decimal(0)
            if have != want:
                differences.append(s.Difference(fund=key[0], priority=key[1], column=col, balance=have, ledger=want))
    return s.Reconciliation(
        programme=programme.code, consistent=not differences, checked_rows=len(keys), differences=differences
    )


async def _ordered_balances(repo: BudgetRepository, programme: m.BudgetProgramme) -> list[m.BudgetBalance]:
    fund_pos = {f.code: f.position for f in await repo.funds(programme.code)}
    prio_pos = {p.code: p.position for p in await repo.priorities(programme.code)}
    rows = list(await repo.balances(programme.code))
    big = 1_000_000
    rows.sort(key=lambda b: (fund_pos.get(b.fund, big), b.fund, prio_pos.get(b.priority, big), b.priority))
    return rows


async def budget_report(session: AsyncSession, programme_code: str) -> wire.BudgetReport:
    repo = BudgetRepository(session)
    programme = await require_programme(repo, programme_code)
    rows = [wire.BudgetRow(**balance_view(b).model_dump()) for b in await _ordered_balances(repo, programme)]
    return wire.BudgetReport(programme=programme.code, currency=programme.currency, rows=rows)


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    return (part / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


async def utilisation(session: AsyncSession, programme_code: str) -> s.UtilisationReport:
    repo = BudgetRepository(session)
    programme = await require_programme(repo, programme_code)
    cur = programme.currency
    balances = await _ordered_balances(repo, programme)
    prio_pos = {p.code: p.position for p in await repo.priorities(programme.code)}
    balances.sort(key=lambda b: (prio_pos.get(b.priority, 1_000_000), b.priority))  # stable: funds keep their order
    rows = [
        s.UtilisationRow(
            priority=b.priority,
            fund=b.fund,
            allocated=_money(b.allocated, cur),
            committed=_money(b.committed_net, cur),
            available=_money(b.available, cur),
            utilisation=_ratio(b.committed_net, b.allocated),
        )
        for b in balances
    ]
    allocated = sum((b.allocated for b in balances), Decimal(0))
    committed = sum((b.committed_net for b in balances), Decimal(0))
    total = s.UtilisationRow(
        priority="TOTAL",
        fund="TOTAL",
        allocated=_money(allocated, cur),
        committed=_money(committed, cur),
        available=_money(allocated - committed, cur),
        utilisation=_ratio(committed, allocated),
    )
    return s.UtilisationReport(programme=programme.code, currency=cur, rows=rows, total=total)


async def by_specific_objective(session: AsyncSession, programme_code: str) -> s.SpecificObjectiveReport:
    repo = BudgetRepository(session)
    programme = await require_programme(repo, programme_code)
    cur = programme.currency
    data = await repo.committed_by(programme.code, m.Commitment.specific_objective, m.Commitment.priority)
    rows = [
        s.SpecificObjectiveRow(
            specific_objective=so, priority=prio, fund=fund, committed=_money(amt - rel, cur), paid=_money(paid, cur)
        )
        for so, prio, fund, amt, rel, paid in data
    ]
    rows.sort(key=lambda r: (r.priority, r.specific_objective or "", r.fund))
    return s.SpecificObjectiveReport(programme=programme.code, currency=cur, rows=rows)


async def by_call(session: AsyncSession, programme_code: str) -> s.CallReport:
    repo = BudgetRepository(session)
    programme = await require_programme(repo, programme_code)
    cur = programme.currency
    data = await repo.committed_by(programme.code, m.Commitment.call_id)
    rows = [
        s.CallRow(call_id=call, fund=fund, committed=_money(amt - rel, cur), paid=_money(paid, cur))
        for call, fund, amt, rel, paid in data
    ]
    rows.sort(key=lambda r: (str(r.call_id or ""), r.fund))
    return s.CallReport(programme=programme.code, currency=cur, rows=rows)


async def timeseries(session: AsyncSession, programme_code: str, interval: str) -> s.TimeseriesReport:
    repo = BudgetRepository(session)
    programme = await require_programme(repo, programme_code)
    cur = programme.currency
    sums: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: {"commitment": Decimal(0), "release": Decimal(0)}
    )
    for month, fund, kind, total in await repo.ledger_by_period(programme.code):
        period = month if interval == "month" else month[:4]
        sums[(period, fund)][kind] += total
    points = [
        s.TimeseriesPoint(
            period=period,
            fund=fund,
            committed=_money(v["commitment"], cur),
            released=_money(v["release"], cur),
            net=_money(v["commitment"] - v["release"], cur),
        )
        for (period, fund), v in sorted(sums.items())
    ]
    return s.TimeseriesReport(programme=programme.code, currency=cur, interval=interval, points=points)


async def sync_all(db: Database, catalogue: CatalogueClient, *, now: dt.datetime | None = None) -> s.SyncReport:
    """Sync every programme the catalogue lists, one transaction per programme (the `sync` command)."""
    out = []
    for code in await catalogue.programme_codes():
        programme, priorities, objectives = await catalogue.definition(code)
        async for session in session_scope(db):
            out.append(
                await sync_programme(session, programme, priorities, objectives, now=now or dt.datetime.now(dt.UTC))
            )
    return s.SyncReport(programmes=out)
