"""Tag `calls (admin)`: opening, changing and closing calls. Auth (role `admin`) is checked before the body."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from services.catalogue import calls
from services.catalogue.routes.common import CallId, ProgrammeCode
from services.catalogue.schemas import CallClose, CallCreate, CallUpdate
from shared.app import DbSession
from shared.auth import Admin
from shared.clock import Now
from shared.idempotency import Idempotency
from shared.openapi import created
from shared.problems import problem_responses
from shared.schemas import catalogue as wire

TAG = "calls (admin)"
router = APIRouter(prefix="/v1", tags=[TAG])


def _location(body: dict[str, Any]) -> dict[str, str]:
    return {"Location": f"/v1/calls/{body['id']}"}


@router.post(
    "/programmes/{programme}/calls",
    status_code=201,
    response_model=wire.Call,
    responses={
        **problem_responses(401, 403, 404, 409, 422),
        **created("Created; `Location` names the new call"),
    },
)
async def create_call(
    session: DbSession,
    now: Now,
    idempotent: Idempotency,
    admin: Admin,
    programme: ProgrammeCode,
    body: Annotated[CallCreate, Body()],
) -> JSONResponse:
    """Open a new call (admin). Rules: times carry a time zone; `opens_at` is before `closes_at` (when
    given; without it the call is rolling); every specific objective and project type exists in the
    programme; the number is unique in the programme (409 otherwise). A `name` is required.
    Send an `Idempotency-Key` to make a retry safe."""
    return await idempotent(
        work=lambda: calls.create_call(session, programme=programme, body=body, actor=admin.sub, now=now),
        status_code=201,
        headers=_location,
    )


@router.patch("/calls/{call_id}", response_model=wire.Call, responses=problem_responses(401, 403, 404, 422))
async def update_call(
    session: DbSession, now: Now, admin: Admin, call_id: CallId, body: Annotated[CallUpdate, Body()]
) -> wire.Call:
    """Change a call (admin): name, window, expected decision, objectives or project types. Closing a
    call early is setting `closes_at` to now or an earlier time (or `POST /v1/calls/{id}/close`).
    A call changed here is no longer overwritten by `load-data`."""
    return await calls.update_call(session, call=call_id, body=body, actor=admin.sub, now=now)


@router.post("/calls/{call_id}/close", response_model=wire.Call, responses=problem_responses(401, 403, 404, 409, 422))
async def close_call(
    session: DbSession,
    now: Now,
    idempotent: Idempotency,
    admin: Admin,
    call_id: CallId,
    body: Annotated[CallClose | None, Body()] = None,
) -> JSONResponse:
    """Close a call early (admin): now, or at the time given in `at`. Only moves the closing time
    earlier (409 if the call already closes by then)."""
    at = body.at if body else None
    return await idempotent(
        work=lambda: calls.close_call(session, call=call_id, at=at, actor=admin.sub, now=now),
    )
