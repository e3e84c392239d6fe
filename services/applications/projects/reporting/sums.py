"""The reconciler of the kept sums: `expenditure_sums` (what a report's totals read, kept by
`reporting/repository.py` in the transaction of every change of a line) against the sums counted from the
lines themselves. They never differ unless something wrote lines around the repository; a difference is
reported, never repaired silently — the lines are the truth, the kept sums a derived cache.

- `GET /v1/partner-reports/{rid}/totals/check` (staff and finance): one report, counted from its lines;
- `python -m services.applications check-sums`: every report (exit 1 on a difference).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from services.applications.projects.reporting import repository as lines_repo
from services.applications.projects.reporting.partner_reports import visible_report
from services.applications.projects.reporting.repository import LineSums, SumsKey
from services.applications.projects.reporting.schemas import SumsCheck, SumsDifference, SumsFigures
from shared.auth import Principal
from shared.money import Money
from shared.problems import Forbidden

Sums = dict[tuple[str, SumsKey], LineSums]


def _figures(s: LineSums | None) -> SumsFigures | None:
    if s is None:
        return None
    return SumsFigures(
        lines=s.lines,
        verified_lines=s.verified,
        amount=Money.of(s.amount, s.currency),
        vat=Money.of(s.vat, s.currency),
        certified=Money.of(s.certified, s.currency),
        deducted=Money.of(s.deducted, s.currency),
    )


def differences(kept: Sums, counted: Sums) -> list[SumsDifference]:
    out: list[SumsDifference] = []
    for report_id, key in sorted(kept.keys() | counted.keys()):
        k, c = kept.get((report_id, key)), counted.get((report_id, key))
        if k is None or c is None or k.figures() != c.figures():
            category, currency, parked = key
            out.append(
                SumsDifference(
                    report_id=report_id,
                    category=category,
                    currency=currency,
                    parked=parked,
                    kept=_figures(k),
                    counted=_figures(c),
                )
            )
    return out


async def check(session: AsyncSession, principal: Principal, report_id: str, *, now: dt.datetime) -> SumsCheck:
    _, report = await visible_report(session, principal, report_id, now=now)
    if not (principal.is_staff or principal.has("finance")):
        raise Forbidden("the check of a report's kept sums is for the secretariat and finance")
    found = differences(
        await lines_repo.kept_sums(session, report.id), await lines_repo.counted_sums(session, report.id)
    )
    return SumsCheck(report_id=report.id, consistent=not found, differences=found)


async def check_all(session: AsyncSession) -> list[SumsDifference]:
    """Every report's kept sums against its lines (one aggregate over the lines table)."""
    return differences(await lines_repo.kept_sums(session), await lines_repo.counted_sums(session))
