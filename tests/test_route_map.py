"""docs/service-pattern.md maps every route to its code in one step: each route module of the four
services (and the shared routers they mount) has a row in its "Where a route's code is" table, and the
row names every domain module the route module calls. A route added in a module the table does not
know, or a route module that starts calling another package, fails here until the doc says so."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "service-pattern.md"
SERVICES = ("catalogue", "applications", "eligibility", "budget")
NOT_DOMAIN = {"config", "models", "errors", "examples", "main", "repository"}
"""Modules a route may read without its row naming them: settings, tables, problems, OpenAPI examples."""


def route_table() -> dict[str, str]:
    """`services/<svc>/routes/<tag>.py` (or `shared/<x>.py`) → the text of its row."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Where a route's code is", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        m = re.match(r"\|\s*`([^`]+\.py)`\s*\|(.*)\|\s*$", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def module_path(module: str) -> str:
    return module.replace(".", "/") + ".py"


def domain_imports(path: Path, service: str) -> set[str]:
    """The service's domain modules a route module imports, as paths relative to the service folder."""
    prefix = f"services.{service}"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix):
            base = node.module[len(prefix) :].lstrip(".")
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                full = f"{prefix}.{candidate}"
                try:
                    importlib.import_module(full)
                    module = candidate
                except ImportError:
                    module = base  # a name imported from a module, not a module
                if not module:
                    continue
                top = module.split(".")[0]
                if top in ("routes", "schemas", *NOT_DOMAIN) or module in NOT_DOMAIN:
                    continue
                found.add(module_path(module))
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_module_has_a_row_naming_the_code_it_calls(service: str) -> None:
    rows = route_table()
    routers = importlib.import_module(f"services.{service}.routes").routers  # what main.py includes
    modules = {
        route.endpoint.__module__ for router in routers for route in router.routes if isinstance(route, APIRoute)
    }
    assert modules, "no routes found"
    missing = sorted(module_path(m) for m in modules if module_path(m) not in rows)
    assert missing == [], f"route modules with no row in {DOC.name}: {missing}"
    unnamed = {}
    for m in sorted(modules):
        if not m.startswith(f"services.{service}.routes."):
            continue
        row = rows[module_path(m)]
        needed = domain_imports(ROOT / module_path(m), service)
        lacking = sorted(d for d in needed if f"`{d}`" not in row)
        if lacking:
            unnamed[module_path(m)] = lacking
    assert unnamed == {}, f"rows of {DOC.name} that do not name the code their routes call: {unnamed}"
