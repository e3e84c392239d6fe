"""The programmes the budget holds (copied from the catalogue by `sync`): lookups that answer the
service's problems when a request names something the budget does not have."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import models as m
from services.budget import repository as repo
from services.budget.errors import ProgrammeNotFound, UnknownCode
from shared.problems import FieldError


def unknown(field: str, message: str) -> UnknownCode:
    """422 `unknown-code` naming the request field that names something the programme does not have."""
    return UnknownCode(message, errors=[FieldError(field=field, message=message)], field=field)


async def require_programme(session: AsyncSession, code: str, *, field: str | None = None) -> m.BudgetProgramme:
    """The programme; 404 when the path names an unknown one, 422 naming `field` when the body does."""
    programme = await repo.programme(session, code)
    if programme is None:
        if field is not None:
            raise unknown(field, f"the budget has no programme {code!r}")
        raise ProgrammeNotFound(
            {
                "sv": f"budgeten har inget program {code!r}",
                "nb": f"budsjettet har ikke programmet {code!r}",
                "en": f"the budget has no programme {code!r}",
            }
        )
    return programme


async def require_fund(session: AsyncSession, programme: str, code: str, *, field: str) -> m.BudgetFund:
    fund = await repo.fund(session, programme, code)
    if fund is None:
        raise unknown(field, f"programme {programme} has no fund {code!r}")
    return fund
