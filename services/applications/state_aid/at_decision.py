"""State aid decided at the decision: every approval path (a committee session, an approval of a reserve
project, a direct decision where the programme allows one) runs the State-aid rules again for the
decision's instant — the grant day, which chooses the regulation in force (de minimis: Regulation (EU)
No 1407/2013 until 31 December 2023, Regulation (EU) 2023/2831 from 1 January 2024) — counting all aid
the programme's approved applications granted up to then (so the aid approved since the submission) and,
in a session, the aid of the session's earlier approvals (granted the same day), with every amount in EUR
at the budget's rate of its grant month.

Two approvals of one undertaking at the same moment cannot both pass: the check reads, before asking the
eligibility service, how many approvals each undertaking declaring de minimis aid has had (`aid_undertakings`);
the decision is recorded only if, under the row lock of each of those undertakings (taken in the order of
their organisation numbers; SELECT … FOR UPDATE on PostgreSQL, SQLite's BEGIN IMMEDIATE on SQLite), the
count is still the one read — otherwise 409 `aid-changed` and nothing is recorded: the retry checks again
and sees the other approval. A session one of whose approvals breaks a ceiling is refused whole (409
`state-aid-ceiling`), each failing rule's message (in the request's language: sv, nb, en) naming the
undertaking, the ceiling, the regulation, the window and the amounts, its figures in `applications`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications import repository as repo
from services.applications.errors import AidChanged, StateAidCeiling
from services.applications.models import Application
from services.applications.outbound.upstreams import Upstreams
from services.applications.state_aid.granted import aid_rows, as_granted_aid
from shared.db import Database
from shared.schemas.applications import ApplicationContent
from shared.schemas.eligibility import Report
from shared.schemas.state_aid import GrantedAid

STATE_AID_KINDS = ("de-minimis", "aid-per-project-cap")
"""The check kinds run again at a decision."""
COUNTED = "de-minimis"
"""The regime whose aid adds up across applications (GBER Art. 20a is capped per project)."""


@dataclass(frozen=True)
class Approving:
    app: Application
    content: ApplicationContent
    """As granted (a reduced grant's financing, else as submitted)."""


@dataclass(frozen=True)
class AidChecks:
    counters: dict[str, int]
    """Organisation number → approvals it had when the check was made."""
    reports: dict[str, Report]
    """Application id → its State-aid rules at the decision."""


def _undertakings(content: ApplicationContent) -> set[str]:
    return {p.organisation_number for p in content.partners if p.state_aid and p.state_aid.regime == COUNTED}


async def check_at_decision(
    db: Database,
    up: Upstreams,
    approvals: list[Approving],
    *,
    now: dt.datetime,
    timezone: ZoneInfo,
    accept_language: str | None,
) -> AidChecks:
    """Run the State-aid rules for each approval, in order, at `now`; 409 `state-aid-ceiling` naming every
    approval that breaks a ceiling (so the whole session is refused)."""
    numbers = sorted(set().union(*(_undertakings(a.content) for a in approvals))) if approvals else []
    async with db.sessionmaker() as session:
        counters = await repo.aid_counters(session, numbers)
    day = now.astimezone(timezone).date()
    earlier: list[GrantedAid] = []
    reports: dict[str, Report] = {}
    refused: list[dict[str, Any]] = []
    for a in approvals:
        report = await up.eligibility.check(
            a.content,
            at=now,
            as_of=day,
            accept_language=accept_language,
            granted_aid=earlier,
            rule_kinds=STATE_AID_KINDS,
        )
        reports[a.app.id] = report
        failed = [r for r in report.results if not r.passed and r.severity == "error"]
        if failed:
            refused.append(
                {
                    "application_id": a.app.id,
                    "reference": a.app.reference,
                    "rule_set": report.rule_set.model_dump(mode="json"),
                    "rules": [{"rule": r.rule, "message": r.message, "facts": r.facts} for r in failed],
                }
            )
        numbers_here = {p.organisation_number for p in a.content.partners}
        earlier += as_granted_aid(aid_rows(a.app, a.content, day), numbers_here)
    if refused:
        raise StateAidCeiling(
            "approved on "
            + day.isoformat()
            + ", these applications would break a State-aid ceiling, so nothing was recorded: "
            + "; ".join(f"{x['reference']}: " + " ".join(r["message"] for r in x["rules"]) for x in refused),
            applications=refused,
        )
    return AidChecks(counters=counters, reports=reports)


async def take_turns(session: AsyncSession, checks: AidChecks) -> None:
    """Under the undertakings' row locks, count these approvals; 409 `aid-changed` when another approval of
    one of them was recorded after the check read its count."""
    moved = await repo.take_aid_turns(session, checks.counters)
    if moved:
        raise AidChanged(
            "another approval granting aid to "
            + ", ".join(moved)
            + " was recorded while this decision was being checked; nothing was recorded: retry (the State-aid "
            "rules then count that approval)",
            organisation_numbers=moved,
        )
