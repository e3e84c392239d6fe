"""Conflicts of interest bind: an assessor who declared a conflict with a partner of an application is
removed from everything about it — its score in the ranking they read, its decision in a session they
record, its decision made directly — and a session's minutes name who abstained on each application."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.errors import ConflictOfInterest
from services.applications.models import Application, Assessment


def conflicted_of(rows: dict[str, list[Assessment]], sub: str) -> set[str]:
    """The applications (of `rows`: assessments per application) whose conflict `sub` declared."""
    return {aid for aid, assessments in rows.items() if any(a.assessor == sub and a.conflict for a in assessments)}


async def refuse_if_conflicted(session: AsyncSession, sub: str, apps: list[Application]) -> None:
    """403 `conflict-of-interest` naming every application of `apps` whose conflict `sub` declared."""
    rows = await repo.assessments(session, [a.id for a in apps])
    conflicted = conflicted_of(rows, sub)
    if conflicted:
        named = ", ".join(sorted(a.reference or a.id for a in apps if a.id in conflicted))
        raise ConflictOfInterest(
            f"{sub} declared a conflict of interest with a partner of {named}: another officer records its decision"
        )


async def abstentions(session: AsyncSession, application_ids: list[str]) -> dict[str, list[str]]:
    """Per application, the assessors who declared a conflict of interest (they abstain), in assignment order."""
    rows = await repo.assessments(session, application_ids)
    return {aid: [a.assessor for a in assessments if a.conflict] for aid, assessments in rows.items()}
