"""Loading validated programme data files into the database, idempotently.

Entries are upserted by (programme, code); entries gone from a file are removed. Calls are upserted by
(programme, number) with the id `calls.call_id` (uuid5 of "programme/number"), and never deleted: calls
that admins created or changed through the API belong to the API and are left as they are. A region's
predecessors are derived from the other regions' successors. The search index is brought in step at
the end. Loading the same files twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.catalogue import models, repository
from services.catalogue.calls import call_id, offset_minutes
from services.catalogue.datafiles import assessment_criteria, sources
from services.catalogue.datafiles.format import ProgrammeFile, read_dir
from services.catalogue.search import documents
from shared.db import Database, session_scope


@dataclass
class LoadReport:
    """What a load did, per programme: rows inserted, updated, deleted."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    programmes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"loaded {', '.join(self.programmes)}: {self.inserted} inserted, {self.updated} updated, "
            f"{self.deleted} deleted"
        )


def _apply(row: models.Base, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


async def _upsert(
    session: AsyncSession, report: LoadReport, model: type[models.Base], programme: str, rows: list[dict[str, Any]]
) -> None:
    current = {row.code: row for row in await repository.entries(session, model, programme)}  # type: ignore[attr-defined]
    for position, values in enumerate(rows):
        values = {**values, "position": position}
        existing = current.get(values["code"])
        if existing is None:
            session.add(model(programme=programme, **values))
            report.inserted += 1
        elif _apply(existing, values):
            report.updated += 1
    await session.flush()


async def load_programme(
    session: AsyncSession,
    data: ProgrammeFile,
    *,
    now: dt.datetime,
    position: int = 0,
    report: LoadReport | None = None,
) -> LoadReport:
    """Upsert one validated programme file (flushes, never commits); `now` stamps the calls it writes."""
    report = report or LoadReport()
    code = data.code
    values: dict[str, Any] = {
        "kind": data.kind,
        "cci": data.cci,
        "reference_prefix": data.reference_prefix,
        "decisions": data.decisions,
        "name": data.name,
        "short_name": data.short_name,
        "vision": data.vision,
        "description": data.description,
        "currency": data.currency,
        "period_start": data.period.start,
        "period_end": data.period.end,
        "languages": data.languages,
        "source_seeds": data.source_seeds,
        "fixed_exchange_rates": [sources.dump(r) for r in data.fixed_exchange_rates],
        "allocations": [sources.dump(a) for a in data.allocations],
        "smart_specialisation": [sources.dump(s) for s in data.smart_specialisation],
        "cross_border_added_value": data.cross_border_added_value,
        "partnership": data.partnership,
        "cost_options": [sources.dump(o) for o in data.cost_options],
        "assessment_criteria": [assessment_criteria.dump(a) for a in data.assessment_criteria],
        "sources": sources.expand(data),
        "position": position,
    }
    programme = await repository.programme(session, code)
    if programme is None:
        programme = models.Programme(code=code, **values)
        session.add(programme)
        report.inserted += 1
    elif _apply(programme, values):
        report.updated += 1
    await session.flush()

    await _upsert(
        session,
        report,
        models.SubArea,
        code,
        [{"code": s.code, "name": s.name, "sources": sources.expand(s)} for s in data.sub_areas],
    )
    await _upsert(
        session,
        report,
        models.Priority,
        code,
        [
            {
                "code": p.code,
                "name": p.name,
                "description": p.description,
                "share": p.share,
                "total_financing": p.total_financing.amount if p.total_financing else None,
                "total_financing_currency": p.total_financing.currency if p.total_financing else None,
                "sources": sources.expand(p),
            }
            for p in data.priorities
        ],
    )
    await _upsert(
        session,
        report,
        models.Fund,
        code,
        [
            {
                "code": f.code,
                "name": f.name,
                "description": f.description,
                "amount": f.amount.amount,
                "currency": f.amount.currency,
                "country": f.country,
                "sources": sources.expand(f),
            }
            for f in data.funds
        ],
    )
    await _upsert(
        session,
        report,
        models.ProjectType,
        code,
        [
            {
                "code": t.code,
                "name": t.name,
                "description": t.description,
                "max_duration_months": t.max_duration_months,
                "sources": sources.expand(t),
            }
            for t in data.project_types
        ],
    )
    await _upsert(
        session,
        report,
        models.OrganisationType,
        code,
        [
            {
                "code": t.code,
                "name": t.name,
                "description": t.description,
                "may_apply": t.may_apply,
                "sources": sources.expand(t),
            }
            for t in data.organisation_types
        ],
    )
    predecessors: dict[str, list[str]] = {}
    for r in data.regions:
        for s in r.successors:
            predecessors.setdefault(s, []).append(r.code)
    region_sources = {r.code: sources.expand(r) for r in data.regions}
    for r in data.regions:
        if r.code in predecessors:
            region_sources[r.code]["predecessors"] = "derived: the regions that name it as successor; " + "; ".join(
                f"{p}: {region_sources[p]['successors']}" for p in predecessors[r.code]
            )
    await _upsert(
        session,
        report,
        models.Region,
        code,
        [
            {
                "code": r.code,
                "name": r.name,
                "country": r.country,
                "nuts_level": r.nuts_level,
                "sub_area": r.sub_area,
                "valid_from": r.valid_from,
                "valid_to": r.valid_to,
                "successors": r.successors,
                "predecessors": predecessors.get(r.code, []),
                "sources": region_sources[r.code],
            }
            for r in data.regions
        ],
    )
    await _upsert(
        session,
        report,
        models.SpecificObjective,
        code,
        [
            {
                "code": o.code,
                "priority": o.priority,
                "eu_code": o.eu_code,
                "short_name": o.short_name,
                "title": o.title,
                "description": o.description,
                "target_groups": o.target_groups,
                "effects": o.effects,
                "examples": o.examples,
                "partners": o.partners,
                "sources": sources.expand(o),
            }
            for o in data.specific_objectives
        ],
    )
    await _upsert(
        session,
        report,
        models.ExampleProject,
        code,
        [
            {
                "code": e.code,
                "name": e.name,
                "description": e.description,
                "specific_objective": e.specific_objective,
                "sources": sources.expand(e),
            }
            for e in data.example_projects
        ],
    )

    keep = {
        models.ExampleProject: {e.code for e in data.example_projects},
        models.SpecificObjective: {o.code for o in data.specific_objectives},
        models.Region: {r.code for r in data.regions},
        models.SubArea: {s.code for s in data.sub_areas},
        models.Priority: {p.code for p in data.priorities},
        models.Fund: {f.code for f in data.funds},
        models.ProjectType: {t.code for t in data.project_types},
        models.OrganisationType: {t.code for t in data.organisation_types},
    }
    for model in models.ENTRY_MODELS:
        report.deleted += await repository.delete_entries(session, model, code, keep[model])

    calls = {row.number: row for row in await repository.calls(session, code)}
    for c in data.calls:
        cid = call_id(code, c.number)
        row = calls.get(c.number)
        call_values: dict[str, Any] = {
            "name": c.name,
            "opens_at": c.opens_at.astimezone(dt.UTC),
            "opens_at_offset": offset_minutes(c.opens_at),
            "closes_at": c.closes_at.astimezone(dt.UTC) if c.closes_at else None,
            "closes_at_offset": offset_minutes(c.closes_at) if c.closes_at else None,
            "decision_expected": c.decision_expected,
            "specific_objectives": c.specific_objectives,
            "project_types": c.project_types,
            "assessment_criteria": c.assessment_criteria,
            "concept_note": c.concept_note,
            "concept_note_call_id": call_id(code, c.concept_note_call) if c.concept_note_call else None,
            "sources": sources.expand(c),
        }
        if row is None:
            session.add(
                models.Call(
                    id=cid,
                    programme=code,
                    number=c.number,
                    source="data",
                    created_at=now,
                    updated_at=now,
                    updated_by=None,
                    **call_values,
                )
            )
            report.inserted += 1
        elif row.source == "data" and _apply(row, call_values):
            row.updated_at = now
            report.updated += 1
    await session.flush()
    await reindex_programme(session, code)
    report.programmes.append(code)
    return report


async def reindex_programme(session: AsyncSession, code: str) -> None:
    """Rebuild the search documents of one programme from what the database holds."""
    programme = await repository.programme(session, code)
    if programme is None:
        return
    docs = documents.documents(
        programme,
        list(await repository.entries(session, models.Fund, code)),
        list(await repository.entries(session, models.Priority, code)),
        list(await repository.entries(session, models.SpecificObjective, code)),
        list(await repository.entries(session, models.SubArea, code)),
        list(await repository.entries(session, models.Region, code)),
        list(await repository.entries(session, models.ProjectType, code)),
        list(await repository.entries(session, models.OrganisationType, code)),
        list(await repository.entries(session, models.ExampleProject, code)),
        list(await repository.calls(session, code)),
    )
    await repository.sync_search_documents(session, code, docs)


async def load_files(db: Database, files: list[ProgrammeFile], *, now: dt.datetime) -> LoadReport:
    """Load validated files in one transaction: all of them, or (on any error) none."""
    report = LoadReport()
    async for session in session_scope(db):
        for position, data in enumerate(sorted(files, key=lambda f: f.code)):
            await load_programme(session, data, now=now, position=position, report=report)
    return report


async def load_dir(url: str, folder: Path, *, now: dt.datetime) -> LoadReport:
    """Validate every data file of `folder`, then load them (the `load-data` command)."""
    files = read_dir(folder)
    db = Database(url)
    try:
        return await load_files(db, files, now=now)
    finally:
        await db.dispose()
