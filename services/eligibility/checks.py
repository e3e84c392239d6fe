"""A check: choose the rule set for an application, fetch the reference data its rules read from the
catalogue, and evaluate every rule into a report. Side-effect free.

The rule set is read in a short session of its own that is closed before the catalogue is asked, so no
database transaction (on SQLite: the writer lock of `BEGIN IMMEDIATE`) is held while waiting on the
network.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility import repository as repo
from services.eligibility.errors import RuleSetMismatch, RuleSetNotFound, UnknownProgramme
from services.eligibility.rules import Context, ReferenceData, Rule, RuleSet, evaluate, needs
from shared.clients.catalogue import CatalogueClient
from shared.db import Database
from shared.schemas.applications import CheckRequest
from shared.schemas.eligibility import Report


async def resolve_rule_set(
    session: AsyncSession, application: CheckRequest, *, rule_set_id: str | None, version: int | None
) -> RuleSet:
    """The rule set a check uses: the one given, else the call's own set, else the programme's; its latest
    version unless one is given."""
    if rule_set_id is not None:
        header = await repo.get_rule_set(session, rule_set_id)
        if header is None:
            raise RuleSetNotFound(f"there is no rule set {rule_set_id!r}")
        if header.programme != application.programme:
            raise RuleSetMismatch(
                f"the rule set {rule_set_id!r} is for programme {header.programme!r}, not {application.programme!r}"
            )
    else:
        header = await repo.find_rule_set(
            session, application.programme, str(application.call_id)
        ) or await repo.find_rule_set(session, application.programme, None)
        if header is None:
            raise UnknownProgramme(f"there are no eligibility rules for the programme {application.programme!r}")
    number = version or await repo.latest_version(session, header.id)
    row = await repo.get_version(session, header.id, number) if number else None
    if row is None:
        raise RuleSetNotFound(f"the rule set {header.id!r} has no version {number}")
    return RuleSet(
        id=header.id,
        version=row.version,
        programme=header.programme,
        call_id=header.call_id,
        rules=tuple(
            Rule(code=r.code, kind=r.kind, severity=r.severity, params=r.params)  # type: ignore[arg-type]
            for r in row.rules
        ),
    )


async def _nothing() -> None:
    return None


async def reference_data(catalogue: CatalogueClient, rule_set: RuleSet, application: CheckRequest) -> ReferenceData:
    """Fetch, concurrently, the reference data the set's rules read."""
    wanted = needs(rule_set)
    programme_code = application.programme

    programme, regions, org_types, project_types, call = await asyncio.gather(
        catalogue.programme(programme_code),
        catalogue.regions(programme_code) if "regions" in wanted else _nothing(),
        catalogue.organisation_types(programme_code) if "organisation_types" in wanted else _nothing(),
        catalogue.project_types(programme_code) if "project_types" in wanted else _nothing(),
        catalogue.call(application.call_id) if "call" in wanted else _nothing(),
    )
    if programme is None:
        raise UnknownProgramme(f"the catalogue does not know the programme {programme_code!r}")
    return ReferenceData(
        programme=programme, regions=regions, organisation_types=org_types, project_types=project_types, call=call
    )


async def check(
    db: Database,
    catalogue: CatalogueClient,
    application: CheckRequest,
    *,
    language: str,
    timezone: ZoneInfo,
    now: dt.datetime,
    rule_set_id: str | None = None,
    version: int | None = None,
) -> Report:
    """The eligibility report of `application`; the check date is its `as_of`, else today in `timezone`
    at `now`."""
    async with db.sessionmaker() as session:  # read-only: closed (rolled back) before the catalogue is asked
        rule_set = await resolve_rule_set(session, application, rule_set_id=rule_set_id, version=version)
    reference = await reference_data(catalogue, rule_set, application)
    as_of = application.as_of or now.astimezone(timezone).date()
    ctx = Context(application=application, reference=reference, as_of=as_of, timezone=timezone)
    return evaluate(rule_set, ctx, language)
