"""Tag `reports`: the secretariat's reports on what the approved applications granted."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response

from services.applications.routes.dependencies import AppSettings
from services.applications.state_aid import granted
from shared.app import DbSession
from shared.auth import Staff
from shared.problems import problem_responses

TAG = {"name": "reports", "description": "Reports for the secretariat: the State aid granted, per partner"}
router = APIRouter(prefix="/v1/reports", tags=[TAG["name"]])

Programme = Annotated[
    str | None,
    Query(min_length=1, max_length=100, examples=["interreg-se-no-2021-2027"], description="Only this programme"),
]
OrganisationNumber = Annotated[
    str | None, Query(min_length=1, max_length=40, examples=["912345678"], description="Only this organisation")
]


@router.get("/state-aid", response_model=granted.StateAidReport, responses=problem_responses(401, 403, 422))
async def get_state_aid_report(
    session: DbSession,
    principal: Staff,
    settings: AppSettings,
    programme: Programme = None,
    organisation_number: OrganisationNumber = None,
) -> granted.StateAidReport:
    """Per partner of every approved application, the aid granted under the regime it declared (`not-aid`,
    `de-minimis`, `gber-20a`, `other`, or null when it declared none): its programme money (ERDF,
    NO-STATE) on the day of the approval; and the totals per organisation number, regime and currency
    (officers, admins)."""
    return await granted.report(
        session, programme=programme, organisation_number=organisation_number, timezone=ZoneInfo(settings.timezone)
    )


@router.get(
    "/state-aid.csv",
    response_class=Response,
    responses={
        **problem_responses(401, 403, 422),
        200: {"description": "CSV, one partner of an approved application a row", "content": {"text/csv": {}}},
    },
)
async def export_state_aid_report(
    session: DbSession,
    principal: Staff,
    settings: AppSettings,
    programme: Programme = None,
    organisation_number: OrganisationNumber = None,
) -> Response:
    """The rows of the State aid report as CSV for the secretariat (reference, acronym, programme, day
    granted, partner, organisation number, country, economic activity, regime, amount, currency), every
    cell safe to open in a spreadsheet."""
    answer = await granted.report(
        session, programme=programme, organisation_number=organisation_number, timezone=ZoneInfo(settings.timezone)
    )
    return Response(
        granted.report_csv(answer),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="state-aid.csv"'},
    )
