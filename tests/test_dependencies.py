"""No request waits on the thread pool for a dependency: FastAPI runs a plain `def` dependency (or a
plain generator) in its thread pool, a thread hop on every request that uses it, which cost a fifth of
a commitment's time (docs/performance.md). Every dependency of every route is `async def`."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

SERVICES = ("catalogue", "applications", "eligibility", "budget")


def _runs_on_the_loop(call: Any) -> bool:
    """Whether FastAPI awaits `call` on the event loop (an `async def` function or `__call__`, or an
    async generator) rather than running it in its thread pool."""
    if inspect.isclass(call):
        return False  # a class is instantiated in the thread pool
    target = call if inspect.isfunction(call) or inspect.ismethod(call) else type(call).__call__
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def _sync_dependencies(dependant: Dependant, seen: set[int]) -> list[str]:
    found = []
    for dep in dependant.dependencies:
        if dep.call is not None and id(dep.call) not in seen:
            seen.add(id(dep.call))
            if not _runs_on_the_loop(dep.call):
                found.append(getattr(dep.call, "__qualname__", repr(dep.call)))
        found += _sync_dependencies(dep, seen)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_dependency_is_async(service: str) -> None:
    app = importlib.import_module(f"services.{service}.main").create_app()
    found: set[str] = set()
    routes = [c.route for c in iter_route_contexts(app.routes) if isinstance(c.route, APIRoute)]
    assert len(routes) > 10
    for route in routes:
        found.update(_sync_dependencies(route.dependant, set()))
    app_wide = [d.dependency for d in app.router.dependencies]
    assert app_wide and all(_runs_on_the_loop(d) for d in app_wide)
    assert sorted(found) == []
