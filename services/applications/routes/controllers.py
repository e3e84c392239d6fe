"""Tag `controllers`: the programme's first-level controllers (data, admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from services.applications.projects import controllers
from services.applications.projects.schemas import ControllerIn, ControllerOut
from shared.app import DbSession
from shared.auth import Admin, CurrentPrincipal
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.pagination import Page, Paging
from shared.problems import problem_responses
from shared.text import Bounded

TAG = {"name": "controllers", "description": "First-level controllers per programme and country"}
router = APIRouter(prefix="/v1", tags=[TAG["name"]])
Programme = Annotated[str, Bounded(64, min_length=1), Path(examples=["interreg-se-no-2021-2027"])]
Sub = Annotated[str, Bounded(200, min_length=1), Path(description="The controller's token subject")]


@router.post(
    "/programmes/{programme}/controllers",
    status_code=201,
    response_model=ControllerOut,
    responses={**problem_responses(401, 403, 409, 422), 201: {"description": "Registered"}},
)
async def register_controller(
    idempotent: Idempotency, principal: Admin, programme: Programme, body: ControllerIn, now: Now
) -> JSONResponse:
    """An admin registers a controller: its subject, name and country (SE: the central control; NO: a
    controller approved nationally). 409 if registered already."""
    return await idempotent(
        work=lambda: controllers.register(idempotent.session, principal, programme, body, now=now), status_code=201
    )


@router.get(
    "/programmes/{programme}/controllers", response_model=Page[ControllerOut], responses=problem_responses(401, 422)
)
async def list_controllers(
    session: DbSession, principal: CurrentPrincipal, programme: Programme, params: Paging
) -> Page[ControllerOut]:
    """The programme's controllers by subject."""
    return await controllers.page(session, programme, params)


@router.get(
    "/programmes/{programme}/controllers/{sub}", response_model=ControllerOut, responses=problem_responses(401, 404)
)
async def get_controller(
    session: DbSession, principal: CurrentPrincipal, programme: Programme, sub: Sub
) -> ControllerOut:
    """One controller of the programme by its token subject: name and country (404 when it is not one)."""
    return await controllers.read(session, programme, sub)
