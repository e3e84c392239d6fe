"""Reading a programme's reference data as wire models: the programme, its funds, priorities,
specific objectives, regions, project and organisation types.

Every read of a programme's entries first checks the programme exists (404 otherwise); lists answer a
page of the entries in data-file order.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from services.catalogue import models, repository
from services.catalogue.errors import EntryNotFound, ProgrammeNotFound
from shared.money import Money
from shared.pagination import Page, PageParams, paginate_sequence
from shared.schemas import catalogue as wire
from shared.schemas.assessment import CriteriaSet
from shared.schemas.cost_options import CostOption

PRIORITY_OBJECTIVES = "derived: the specific objectives that name this priority"


async def get_programme_row(session: AsyncSession, code: str) -> models.Programme:
    row = await repository.programme(session, code)
    if row is None:
        raise ProgrammeNotFound(
            {
                "sv": f"programmet '{code}' finns inte",
                "nb": f"programmet '{code}' finnes ikke",
                "en": f"there is no programme '{code}'",
            },
            programme=code,
        )
    return row


def programme_summary(p: models.Programme) -> wire.ProgrammeSummary:
    return wire.ProgrammeSummary(
        code=p.code,
        kind=p.kind,
        cci=p.cci,
        reference_prefix=p.reference_prefix,
        decisions=p.decisions,
        name=p.name,
        currency=p.currency,
        period_start=p.period_start,
        period_end=p.period_end,
        sources=p.sources,
    )


def fund(f: models.Fund) -> wire.Fund:
    return wire.Fund(
        code=f.code,
        name=f.name,
        description=f.description,
        amount=Money(amount=f.amount, currency=f.currency),
        country=f.country,
        sources=f.sources,
    )


def specific_objective(o: models.SpecificObjective) -> wire.SpecificObjective:
    return wire.SpecificObjective(
        code=o.code,
        eu_code=o.eu_code,
        priority=o.priority,
        short_name=o.short_name,
        title=o.title,
        description=o.description,
        target_groups=o.target_groups,
        effects=o.effects,
        examples=o.examples,
        partners=o.partners,
        sources=o.sources,
    )


def region(r: models.Region) -> wire.Region:
    return wire.Region(
        code=r.code,
        name=r.name,
        country=r.country,
        nuts_level=r.nuts_level,
        sub_area=r.sub_area,
        valid_from=r.valid_from,
        valid_to=r.valid_to,
        successors=r.successors,
        predecessors=r.predecessors,
        sources=r.sources,
    )


async def programmes(session: AsyncSession, *, page: PageParams) -> Page[wire.ProgrammeSummary]:
    return paginate_sequence([programme_summary(p) for p in await repository.programmes(session)], page)


async def programme_detail(session: AsyncSession, *, programme: str) -> wire.Programme:
    p = await get_programme_row(session, programme)
    funds = await repository.entries(session, models.Fund, programme)
    sub_areas = await repository.entries(session, models.SubArea, programme)
    return wire.Programme(
        **programme_summary(p).model_dump(),
        short_name=p.short_name,
        vision=p.vision,
        description=p.description,
        languages=p.languages,
        funds=[fund(f) for f in funds],
        fixed_exchange_rates=[wire.FixedExchangeRate.model_validate(r) for r in p.fixed_exchange_rates],
        allocations=[wire.Allocation.model_validate(a) for a in p.allocations],
        sub_areas=[wire.SubArea(code=s.code, name=s.name, sources=s.sources) for s in sub_areas],
        smart_specialisation=[wire.NamedCode.model_validate(s) for s in p.smart_specialisation],
        cross_border_added_value=p.cross_border_added_value,
        partnership=p.partnership,
        cost_options=[CostOption.model_validate(o) for o in p.cost_options],
        assessment_criteria=[CriteriaSet.model_validate(a) for a in p.assessment_criteria],
    )


async def funds(session: AsyncSession, *, programme: str, page: PageParams) -> Page[wire.Fund]:
    await get_programme_row(session, programme)
    return paginate_sequence([fund(f) for f in await repository.entries(session, models.Fund, programme)], page)


async def priorities(session: AsyncSession, *, programme: str, page: PageParams) -> Page[wire.Priority]:
    await get_programme_row(session, programme)
    objectives = await repository.entries(session, models.SpecificObjective, programme)
    out = []
    for p in await repository.entries(session, models.Priority, programme):
        total = (
            Money(amount=p.total_financing, currency=p.total_financing_currency)
            if p.total_financing is not None and p.total_financing_currency
            else None
        )
        codes = [o.code for o in objectives if o.priority == p.code]
        out.append(
            wire.Priority(
                code=p.code,
                name=p.name,
                description=p.description,
                share=p.share,
                total_financing=total,
                specific_objectives=codes,
                sources={**p.sources, "specific_objectives": PRIORITY_OBJECTIVES} if codes else p.sources,
            )
        )
    return paginate_sequence(out, page)


async def specific_objectives(
    session: AsyncSession, *, programme: str, priority: str | None, page: PageParams
) -> Page[wire.SpecificObjective]:
    await get_programme_row(session, programme)
    filters = {"priority": priority} if priority is not None else {}
    rows = await repository.entries(session, models.SpecificObjective, programme, **filters)
    return paginate_sequence([specific_objective(o) for o in rows], page)


async def specific_objective_detail(session: AsyncSession, *, programme: str, code: str) -> wire.SpecificObjective:
    await get_programme_row(session, programme)
    row = await repository.entry(session, models.SpecificObjective, programme, code)
    if row is None:
        raise EntryNotFound(
            f"programme '{programme}' has no specific objective '{code}'", programme=programme, code=code
        )
    return specific_objective(row)


async def regions(
    session: AsyncSession, *, programme: str, valid_on: dt.date | None, country: str | None, page: PageParams
) -> Page[wire.Region]:
    await get_programme_row(session, programme)
    out = []
    for row in await repository.entries(session, models.Region, programme):
        r = region(row)
        if valid_on is not None and not r.valid_on(valid_on):
            continue
        if country is not None and r.country != country:
            continue
        out.append(r)
    return paginate_sequence(out, page)


async def project_types(session: AsyncSession, *, programme: str, page: PageParams) -> Page[wire.ProjectType]:
    await get_programme_row(session, programme)
    items = [
        wire.ProjectType(
            code=t.code,
            name=t.name,
            description=t.description,
            max_duration_months=t.max_duration_months,
            sources=t.sources,
        )
        for t in await repository.entries(session, models.ProjectType, programme)
    ]
    return paginate_sequence(items, page)


async def organisation_types(session: AsyncSession, *, programme: str, page: PageParams) -> Page[wire.OrganisationType]:
    await get_programme_row(session, programme)
    items = [
        wire.OrganisationType(
            code=t.code, name=t.name, description=t.description, may_apply=t.may_apply, sources=t.sources
        )
        for t in await repository.entries(session, models.OrganisationType, programme)
    ]
    return paginate_sequence(items, page)
