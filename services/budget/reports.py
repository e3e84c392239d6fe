"""Renderings of the utilisation report: CSV for spreadsheets and an SVG chart (matplotlib, Agg).

Both are made from the same `UtilisationReport` as the JSON, so the three always show the same figures.
"""

from __future__ import annotations

import csv
import io
import threading
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from services.budget.schemas import UtilisationReport
from shared.money import decimal_str

CSV_COLUMNS = ("programme", "priority", "fund", "currency", "allocated", "committed", "available", "utilisation")
_render_lock = threading.Lock()  # rc_context changes matplotlib's process-wide settings while it renders


def utilisation_csv(report: UtilisationReport) -> str:
    """UTF-8 CSV with a header, one row per fund × priority and a `TOTAL` row; amounts are plain decimals
    with a point (no thousands separator), in the `currency` column's currency."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in [*report.rows, report.total]:
        writer.writerow(
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
        )
    return out.getvalue()


def _millions(value: Decimal) -> float:
    # Plotting only: bar heights are drawn, never read back as money.
    return float(value / Decimal(1_000_000))


def utilisation_svg(report: UtilisationReport, title: str) -> bytes:
    """A grouped bar chart (allocated, committed, available) per priority and fund, in millions."""
    labels = [f"{r.priority}\n{r.fund}" for r in report.rows]
    series = (
        ("Allocated", [_millions(r.allocated.amount) for r in report.rows], "#4c72b0"),
        ("Committed", [_millions(r.committed.amount) for r in report.rows], "#dd8452"),
        ("Available", [_millions(r.available.amount) for r in report.rows], "#55a868"),
    )
    width = 0.27
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
