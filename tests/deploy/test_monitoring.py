"""deploy/monitoring, checked offline: the alert rules parse and every expression names metrics (and
labels) the services export; the Grafana dashboard passes a JSON Schema of Grafana's dashboard model,
its panels do not overlap, and its queries pass the same checks. With `promtool` installed the rules are
also checked by Prometheus' own tool."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from prometheus_client import REGISTRY

import services.applications.main
import services.budget.main
import services.catalogue.main
import services.eligibility.main
import shared.outbox

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy" / "monitoring" / "alerts.yaml"
DASHBOARD = ROOT / "deploy" / "monitoring" / "grafana-dashboard.json"
SCHEMA = Path(__file__).with_name("grafana_dashboard.schema.json")
_ = (
    services.applications.main,
    services.budget.main,
    services.catalogue.main,
    services.eligibility.main,
    shared.outbox,
)
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}
DURATION = re.compile(r"^([0-9]+(ms|[smhdwy]))+$")


def exported() -> dict[str, set[str]]:
    """Every sample name the process's /metrics can show (`x_total`, `x_bucket`, …) → its label names."""
    names: dict[str, set[str]] = {}
    # prometheus_client keeps no public index of sample names; this one is what it checks duplicates with.
    for name, collector in REGISTRY._names_to_collectors.items():
        labels = set(getattr(collector, "_labelnames", ()))
        describe = getattr(collector, "describe", None)
        if not labels and describe is not None:  # a custom collector: the label names of its families
            labels = {label for family in describe() if name.startswith(family.name) for label in family._labelnames}
        names[name] = labels | ({"le"} if name.endswith("_bucket") else set())
    return names


class Query:
    """What a PromQL expression refers to: metric names, label matchers per metric, grouping labels."""

    def __init__(self, expr: str) -> None:
        assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}"), expr
        text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
        self.matchers: dict[str, set[str]] = {}
        self.grouping: set[str] = set()
        for clause in re.finditer(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", text):
            self.grouping |= {label.strip() for label in clause.group(1).split(",") if label.strip()}
        text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
        for m in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}", text):
            labels = {re.split(r"=~|!~|!=|=", part)[0].strip() for part in m.group(2).split(",") if part.strip()}
            self.matchers.setdefault(m.group(1), set()).update(labels)
        text = re.sub(r"\{[^}]*\}", " ", text)
        text = re.sub(r"\[[^\]]*\]", " ", text)
        self.metrics = {
            m.group(1)
            for m in re.finditer(r"(?<![\w.$:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()", text)
            if m.group(1) not in KEYWORDS
        }

    def problems(self, known: dict[str, set[str]]) -> list[str]:
        found = [f"unknown metric {name}" for name in sorted(self.metrics - set(known))]
        labels = set().union(*(known.get(name, set()) for name in self.metrics))
        for name, used in self.matchers.items():
            found += [f"{name} has no label {label}" for label in sorted(used - known.get(name, set()))]
        found += [f"no metric of the query has the label {label}" for label in sorted(self.grouping - labels)]
        return found


def rules() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]


def test_the_query_check_finds_what_is_wrong() -> None:
    """The checks below can fail: a misspelt metric, a label it lacks, a grouping no metric has."""
    known = exported()
    assert Query('sum by (service) (rate(http_requests_total{status=~"5.."}[5m]))').problems(known) == []
    assert Query("rate(http_request_total[5m])").problems(known) == ["unknown metric http_request_total"]
    assert Query('service_ready{fund="ERDF"}').problems(known) == ["service_ready has no label fund"]
    assert Query('service_ready{service!~".+-webhooks"}').problems(known) == []
    assert Query("sum by (fund) (service_ready)").problems(known) == ["no metric of the query has the label fund"]


def test_the_alert_rules_parse_and_refer_to_exported_metrics() -> None:
    known = exported()
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    assert len({g["name"] for g in groups}) == len(groups)
    names = [rule["alert"] for rule in rules()]
    assert len(set(names)) == len(names)
    for rule in rules():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert DURATION.match(rule["for"]), rule["for"]
        assert rule["labels"]["severity"] in ("critical", "warning")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        query = Query(rule["expr"])
        assert query.problems(known) == [], (rule["alert"], query.problems(known))
        # A template may only name labels the alert's series keep (its grouping, or absent()'s matchers).
        kept = query.grouping | set().union(*query.matchers.values())
        for text in rule["annotations"].values():
            assert set(re.findall(r"\$labels\.(\w+)", text)) <= kept, (rule["alert"], text)


def test_readiness_error_rate_and_outbox_age_are_alerted() -> None:
    by_metric = {name: rule["alert"] for rule in rules() for name in Query(rule["expr"]).metrics}
    assert {"service_ready", "http_requests_total", "outbox_oldest_message_age_seconds"} <= set(by_metric)
    error_rate = next(r for r in rules() if "http_requests_total" in Query(r["expr"]).metrics)
    assert '"5.."' in error_rate["expr"]


def test_promtool_accepts_the_rules_and_the_dashboard_queries(tmp_path: Path) -> None:
    beside = Path(sys.executable).parent / "promtool"  # `make promtool` (deploy/install-promtool.sh) puts it there
    promtool = str(beside) if beside.exists() else shutil.which("promtool")
    if promtool is None:
        pytest.skip(
            "promtool is not installed (`make promtool` takes it from Debian's prometheus package); "
            "the parse-and-check tests above ran"
        )
    r = subprocess.run([promtool, "check", "rules", str(ALERTS)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    # The dashboard's queries, parsed by Prometheus as recording rules.
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [t["expr"].replace("$programme", ".*") for p in dashboard["panels"] for t in p.get("targets", [])]
    recorded = [{"record": f"dashboard:query{i}", "expr": q} for i, q in enumerate(queries)]
    (tmp_path / "dashboard.yaml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": recorded}]}))
    r = subprocess.run([promtool, "check", "rules", str(tmp_path / "dashboard.yaml")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_dashboard_is_a_valid_grafana_dashboard() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    jsonschema.validate(dashboard, json.loads(SCHEMA.read_text()))
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells: dict[tuple[int, int], str] = {}
    for p in panels:
        g = p["gridPos"]
        assert g["x"] + g["w"] <= 24, p["title"]
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, f"{p['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = p["title"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"


def test_the_dashboard_queries_refer_to_exported_metrics() -> None:
    known = exported()
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    queries += [v["definition"] for v in dashboard["templating"]["list"] if "definition" in v]
    for expr in queries:
        assert set(re.findall(r"\$(\w+)", expr)) <= variables, expr
        concrete = re.sub(r"label_values\(([^,]+),[^)]*\)", r"\1", expr).replace("$programme", ".*")
        assert Query(concrete).problems(known) == [], (expr, Query(concrete).problems(known))
    shown = set().union(*(Query(q).metrics for q in queries))
    business = {"interreg_applications", "interreg_budget_allocated", "interreg_budget_committed"}
    business |= {
        "interreg_budget_available",
        "outbox_backlog_messages",
        "outbox_oldest_message_age_seconds",
        "outbox_dead_messages",
    }
    assert business | {"outbox_failures_total", "service_ready"} <= shown
