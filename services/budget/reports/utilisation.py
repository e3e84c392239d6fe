"""The utilisation report: per priority and fund, allocated, committed (net of releases), available and
the utilisation share, with a total; as JSON, as CSV for spreadsheets and as an SVG chart (matplotlib,
Agg). The three are made from the same `UtilisationReport`, so they always show the same figures.

Utilisation shares are ratios, not money: committed / allocated with 4 decimals, half up.
"""

from __future__ import annotations

import io
import threading
from decimal import ROUND_HALF_UP, Decimal

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import schemas as s
from services.budget.ledger.balances import ordered_balances
from services.budget.programmes import require_programme
from shared.csv_export import to_csv
from shared.i18n import negotiate, pick
from shared.money import Money, decimal_str

CSV_COLUMNS = ("programme", "priority", "fund", "currency", "allocated", "committed", "available", "utilisation")
CHART_LANGUAGES = ("en", "sv", "nb", "da")
_render_lock = threading.Lock()  # rc_context changes matplotlib's process-wide settings while it renders


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    return (part / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


async def utilisation(session: AsyncSession, programme_code: str) -> s.UtilisationReport:
    """By priority, then fund (each in the programme's order), and a `TOTAL` row."""
    programme = await require_programme(session, programme_code)
    cur = programme.currency
    balances = await ordered_balances(session, programme.code, priority_first=True)
    rows = [
        s.UtilisationRow(
            priority=b.priority,
            fund=b.fund,
            allocated=Money.of(b.allocated, cur),
            committed=Money.of(b.committed_net, cur),
            available=Money.of(b.available, cur),
            utilisation=ratio(b.committed_net, b.allocated),
        )
        for b in balances
    ]
    allocated = sum((b.allocated for b in balances), Decimal(0))
    committed = sum((b.committed_net for b in balances), Decimal(0))
    total = s.UtilisationRow(
        priority="TOTAL",
        fund="TOTAL",
        allocated=Money.of(allocated, cur),
        committed=Money.of(committed, cur),
        available=Money.of(allocated - committed, cur),
        utilisation=ratio(committed, allocated),
    )
    return s.UtilisationReport(programme=programme.code, currency=cur, rows=rows, total=total)


def utilisation_csv(report: s.UtilisationReport) -> str:
    """UTF-8 CSV with a header, one row per fund × priority and a `TOTAL` row; amounts are plain decimals
    with a point (no thousands separator), in the `currency` column's currency."""
    return to_csv(
        [
            list(CSV_COLUMNS),
            *(
                [
                    report.programme,
                    row.priority,
                    row.fund,
                    report.currency,
                    decimal_str(row.allocated.amount),
                    decimal_str(row.committed.amount),
                    decimal_str(row.available.amount),
                    decimal_str(row.utilisation) if row.utilisation is not None else "",
                ]
                for row in [*report.rows, report.total]
            ),
        ]
    )


async def utilisation_csv_of(session: AsyncSession, programme_code: str) -> bytes:
    return utilisation_csv(await utilisation(session, programme_code)).encode("utf-8")


def _millions(value: Decimal) -> float:
    # Plotting only: bar heights are drawn, never read back as money.
    return float(value / Decimal(1_000_000))


def utilisation_svg(report: s.UtilisationReport, title: str) -> bytes:
    """A grouped bar chart (allocated, committed, available) per priority and fund, in millions."""
    labels = [f"{r.priority}\n{r.fund}" for r in report.rows]
    series = (
        ("Allocated", [_millions(r.allocated.amount) for r in report.rows], "#4c72b0"),
        ("Committed", [_millions(r.committed.amount) for r in report.rows], "#dd8452"),
        ("Available", [_millions(r.available.amount) for r in report.rows], "#55a868"),
    )
    width = 0.27
    # Imported on the first chart, not at start-up: matplotlib is most of the service's memory.
    import matplotlib
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(8.0, 0.9 * len(labels) + 2), 5.5))
    ax = fig.add_subplot()
    for i, (name, values, colour) in enumerate(series):
        xs = [x + (i - 1) * width for x in range(len(labels))]
        ax.bar(xs, values, width, label=name, color=colour)
    ax.set_xticks(list(range(len(labels))), labels, fontsize=8)
    ax.set_title(title)
    ax.set_xlabel("Priority and fund")
    ax.set_ylabel(f"{report.currency} (millions)")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend()
    fig.tight_layout()
    buf = io.BytesIO()
    with _render_lock, matplotlib.rc_context({"svg.hashsalt": report.programme, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


async def utilisation_chart(session: AsyncSession, programme_code: str, accept_language: str | None) -> bytes:
    """The SVG chart titled with the programme's name in the negotiated language; rendered in a worker
    thread (matplotlib is CPU-bound and would hold the event loop)."""
    report = await utilisation(session, programme_code)
    programme = await require_programme(session, programme_code)
    name = pick(programme.name, negotiate(accept_language, CHART_LANGUAGES)) or programme.code
    return await anyio.to_thread.run_sync(utilisation_svg, report, f"{name} — budget utilisation")
