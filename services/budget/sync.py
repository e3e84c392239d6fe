"""Sync from the catalogue: each programme's funds and their allocation per priority, its priorities,
specific objectives and fixed exchange rates.

How a fund is allocated (every rounding through `shared.money`):
1. by the programme's explicit allocations for the fund (action plans), taken as given; whatever they
   leave of the fund goes to the `unallocated` reserve, so a fund's allocations always sum to its amount;
2. else by the priorities' shares with `split` (largest remainder): each fund's parts sum exactly to
   the fund (ERDF 47,000,000.00 EUR -> 19,740,000.00 / 10,340,000.00 / 9,400,000.00 / 4,230,000.00 /
   3,290,000.00);
3. else everything to the `unallocated` reserve (an admin reallocates it).

A fund already recorded is never rewritten (an admin's reallocations survive, re-running changes
nothing); fixed rates set by an admin are kept.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget import schemas as s
from services.budget.ledger import entries as ledger_entries
from services.budget.rates.conversion import RATE_QUANTUM, month_of
from shared.clients.catalogue import CatalogueClient
from shared.db import Database, session_scope
from shared.money import rate_str, split
from shared.schemas import catalogue as cat

UNALLOCATED = m.UNALLOCATED
SYNC_ACTOR = "sync"

Definition = tuple[cat.Programme, list[cat.Priority], list[cat.SpecificObjective]]
"""Everything sync needs of one programme, as the catalogue serves it."""


async def fetch_definition(catalogue: CatalogueClient, code: str) -> Definition:
    return (
        await catalogue.require_programme(code),
        await catalogue.priorities(code),
        await catalogue.specific_objectives(code),
    )


async def fetch_definitions(catalogue: CatalogueClient) -> list[Definition]:
    """The definition of every programme the catalogue lists (503 if the catalogue cannot be read)."""
    return [await fetch_definition(catalogue, code) for code in await catalogue.programme_codes()]


def plan_allocations(
    programme: cat.Programme, priorities: list[cat.Priority], fund: cat.Fund
) -> tuple[str, list[tuple[str, Decimal]], list[str]]:
    """How a fund is split across priorities: (method, [(priority, amount)], notes). Pure; unit-tested.

    The method is `explicit`, `shares` or `reserve` (module docstring). Raises ValueError when the
    programme's explicit allocations do not fit the fund.
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
        derived = (
            f"{fund.code}: derived, not the programme's figures: the fund split by the priorities' shares "
            "(catalogue `Priority.share`, which the seeds give as shares of the programme's total financing), "
            "applied to the fund's amount; the programme publishes no per-fund split"
        )
        return "shares", [(p.code, a) for p, a in zip(priorities, amounts, strict=True)], [derived]
    return "reserve", [(UNALLOCATED, fund.amount.amount)], [f"{fund.code}: no shares; all in the unallocated reserve"]


async def _sync_structure(
    session: AsyncSession,
    programme: cat.Programme,
    priorities: list[cat.Priority],
    objectives: list[cat.SpecificObjective],
) -> None:
    known_priorities = {p.code: p for p in await repo.priorities(session, programme.code)}
    for position, p in enumerate(priorities):
        pr = known_priorities.get(p.code)
        if pr is None:
            repo.add(session, m.BudgetPriority(programme=programme.code, code=p.code, position=position, share=p.share))
        elif (pr.position, pr.share) != (position, p.share):
            pr.position, pr.share = position, p.share
    known_objectives = {o.code: o for o in await repo.specific_objectives(session, programme.code)}
    for o in objectives:
        so = known_objectives.get(o.code)
        if so is None:
            repo.add(session, m.BudgetSpecificObjective(programme=programme.code, code=o.code, priority=o.priority))
        elif so.priority != o.priority:
            so.priority = o.priority


async def _sync_fixed_rates(
    session: AsyncSession, programme: cat.Programme, notes: list[str], *, now: dt.datetime
) -> dict[str, str]:
    fixed: dict[str, str] = {}
    known_rates = {r.currency: r for r in await repo.fixed_rates(session, programme.code)}
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
            repo.add(session, current)
        elif current.source == "catalogue" and current.units_per_eur != fr.units_per_eur:
            current.units_per_eur, current.updated_at = fr.units_per_eur.quantize(RATE_QUANTUM), now
        elif current.source == "admin" and current.units_per_eur != fr.units_per_eur:
            notes.append(
                f"{fr.currency}: the admin's fixed rate {current.units_per_eur} is kept (catalogue {fr.units_per_eur})"
            )
        fixed[fr.currency] = rate_str(current.units_per_eur)
    return fixed


async def sync_programme(
    session: AsyncSession,
    programme: cat.Programme,
    priorities: list[cat.Priority],
    objectives: list[cat.SpecificObjective],
    *,
    now: dt.datetime,
    rate_zone: ZoneInfo,
) -> s.ProgrammeSync:
    """Record a programme's funds and their allocations, priorities, objectives and fixed rates.

    Idempotent: a fund already recorded is left as it is (so an admin's reallocations survive); a fund
    that is new gets its allocation entries on the ledger. Fixed rates set by an admin are kept.
    """
    notes: list[str] = []
    row = await repo.programme(session, programme.code)
    if row is None:
        row = m.BudgetProgramme(
            code=programme.code,
            currency=programme.currency,
            name={str(k): v for k, v in programme.name.items()},
            synced_at=now,
        )
        repo.add(session, row)
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

    await _sync_structure(session, programme, priorities, objectives)
    fixed = await _sync_fixed_rates(session, programme, notes, now=now)

    created: list[str] = []
    unchanged: list[str] = []
    entries: list[ledger_entries.Entry] = []
    known_funds = {f.code: f for f in await repo.funds(session, programme.code)}
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
            session,
            m.BudgetFund(
                programme=programme.code,
                code=fund.code,
                position=position,
                amount=fund.amount.amount,
                currency=fund.amount.currency,
                method=method,
            ),
        )
        for priority, amount in plan:
            repo.add(
                session,
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
            )
            entries.append(
                ledger_entries.entry(
                    kind="allocation",
                    programme=programme.code,
                    fund=fund.code,
                    priority=priority,
                    amount=amount,
                    currency=programme.currency,
                    reason=f"sync from the catalogue ({method})"
                    + (": derived from the priorities' shares of the total financing" if method == "shares" else ""),
                    actor=SYNC_ACTOR,
                    now=now,
                    month=month_of(now, rate_zone),
                )
            )
        created.append(fund.code)
    await session.flush()
    await repo.append_ledger(session, entries)
    return s.ProgrammeSync(
        programme=programme.code,
        currency=programme.currency,
        funds_created=created,
        funds_unchanged=unchanged,
        fixed_rates=fixed,
        notes=notes,
    )


async def sync_catalogue(
    session: AsyncSession, catalogue: CatalogueClient, *, now: dt.datetime, rate_zone: ZoneInfo
) -> s.SyncReport:
    """Sync every programme the catalogue lists in one transaction (`POST /v1/sync`). The catalogue is
    read first, so a catalogue that cannot be read (503) changes nothing."""
    definitions = await fetch_definitions(catalogue)
    return s.SyncReport(
        programmes=[
            await sync_programme(session, p, prios, sos, now=now, rate_zone=rate_zone) for p, prios, sos in definitions
        ]
    )


async def sync_all(db: Database, catalogue: CatalogueClient, *, now: dt.datetime, rate_zone: ZoneInfo) -> s.SyncReport:
    """Sync every programme the catalogue lists, one transaction per programme (the `sync` command)."""
    out = []
    for code in await catalogue.programme_codes():
        programme, priorities, objectives = await fetch_definition(catalogue, code)
        async for session in session_scope(db):
            out.append(await sync_programme(session, programme, priorities, objectives, now=now, rate_zone=rate_zone))
    return s.SyncReport(programmes=out)
