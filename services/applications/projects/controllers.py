"""The programme's first-level controllers, as data (admin): the Swedish side's central control and the
controllers approved nationally in Norway whom the Norwegian owners choose. A contract assigns one to each
partner (`contracting.put_contract`: a controller of another country is a 422)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.projects import repository as repo
from services.applications.projects.errors import AlreadyExists, ControllerNotFound
from services.applications.projects.models import ProjectController
from services.applications.projects.schemas import ControllerIn, ControllerOut
from shared.auth import Principal
from shared.pagination import Keyset, Page, PageParams, paginate


class BySub(Keyset):
    sub: str


def controller_out(row: ProjectController) -> ControllerOut:
    return ControllerOut(
        programme=row.programme, sub=row.sub, name=row.name, country=row.country, created_at=row.created_at
    )


async def register(
    session: AsyncSession, principal: Principal, programme: str, body: ControllerIn, *, now: dt.datetime
) -> ControllerOut:
    if await repo.controller(session, programme, body.sub) is not None:
        raise AlreadyExists(f"{body.sub} is a controller of {programme} already")
    row = ProjectController(
        programme=programme,
        sub=body.sub,
        name=body.name,
        country=body.country,
        created_by=principal.sub,
        created_at=now,
    )
    repo.add(session, row)
    await session.flush()
    return controller_out(row)


async def page(session: AsyncSession, programme: str, params: PageParams) -> Page[ControllerOut]:
    after = params.after(BySub)
    rows = await repo.controllers(session, programme, after=after.sub if after else None, limit=params.limit + 1)
    return paginate([controller_out(r) for r in rows], params, lambda c: BySub(sub=c.sub))


async def read(session: AsyncSession, programme: str, sub: str) -> ControllerOut:
    row = await repo.controller(session, programme, sub)
    if row is None:
        raise ControllerNotFound(f"no controller {sub} in {programme}")
    return controller_out(row)
