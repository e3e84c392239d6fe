"""Development CORS: under `make run` (deploy/run-local.sh sets `<SERVICE>_CORS_ORIGIN_REGEX`), a frontend's
dev server on http://localhost:<any port> may call each of the four services from a browser; in
production (nothing set) a preflight from it gets no CORS headers, and production refuses the regex."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from services.applications.config import Settings as ApplicationsSettings
from services.applications.main import create_app as applications_app
from services.budget.config import Settings as BudgetSettings
from services.budget.main import create_app as budget_app
from services.catalogue.config import Settings as CatalogueSettings
from services.catalogue.main import create_app as catalogue_app
from services.eligibility.config import Settings as EligibilitySettings
from services.eligibility.main import create_app as eligibility_app
from shared.settings import DEV_CORS_ORIGIN_REGEX, AuthSettings

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = "http://localhost:5173"
SERVICES: dict[str, tuple[type[Any], Callable[..., FastAPI], str]] = {
    "catalogue": (CatalogueSettings, catalogue_app, "/v1/programmes"),
    "applications": (ApplicationsSettings, applications_app, "/v1/applications/6f1d2c3b-0000-4000-8000-000000000001"),
    "eligibility": (EligibilitySettings, eligibility_app, "/v1/checks"),
    "budget": (BudgetSettings, budget_app, "/v1/exchange-rates"),
}
PREFLIGHT = {
    "Origin": FRONTEND,
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization, content-type, if-match, accept-language",
}
PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "audience": "interreg",
    "auth": AuthSettings(secret="a-production-secret-of-enough-length-0123456789", issuer="https://idp.example"),
}


def test_make_run_sets_the_development_regex_for_every_service() -> None:
    script = (ROOT / "deploy/run-local.sh").read_text(encoding="utf-8")
    (regex,) = re.findall(r"^DEV_CORS='([^']+)'$", script, re.M)
    assert regex == DEV_CORS_ORIGIN_REGEX
    assert "for s in CATALOGUE APPLICATIONS ELIGIBILITY BUDGET; do" in script and '_CORS_ORIGIN_REGEX"' in script
    assert "development CORS: a frontend on http://localhost:<any port>" in script  # make run says so


async def preflight(app: FastAPI, path: str, origin: str = FRONTEND) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service") as client:
        return await client.options(path, headers={**PREFLIGHT, "Origin": origin})


@pytest.mark.parametrize("service", list(SERVICES))
async def test_a_localhost_frontend_may_call_in_development_and_not_in_production(service: str, tmp_path: Path) -> None:
    settings_class, create_app, path = SERVICES[service]
    database = f"sqlite+aiosqlite:///{tmp_path}/{service}.db"
    development = create_app(settings_class(database_url=database, cors_origin_regex=DEV_CORS_ORIGIN_REGEX))
    r = await preflight(development, path)
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == FRONTEND
    assert "PUT" in r.headers["access-control-allow-methods"]
    allowed = r.headers["access-control-allow-headers"].lower()
    assert "if-match" in allowed and "accept-language" in allowed and "authorization" in allowed
    for other in ("http://localhost.evil.example", "https://localhost:5173", "http://evil.example:5173"):
        assert "access-control-allow-origin" not in (await preflight(development, path, other)).headers, other

    production = create_app(settings_class(database_url=database, **PRODUCTION))
    r = await preflight(production, path)
    assert "access-control-allow-origin" not in r.headers and "access-control-allow-methods" not in r.headers


def test_production_refuses_the_development_regex() -> None:
    with pytest.raises(ValidationError, match="admits http://localhost in production"):
        CatalogueSettings(cors_origin_regex=DEV_CORS_ORIGIN_REGEX, **PRODUCTION)
    with pytest.raises(ValidationError, match="not a regular expression"):
        CatalogueSettings(cors_origin_regex="^http://(localhost")
    assert CatalogueSettings(cors_origin_regex="").cors_origin_regex is None  # empty: closed
    production = CatalogueSettings(cors_origin_regex=r"^https://[a-z]+\.interreg\.example$", **PRODUCTION)
    assert production.cors_origin_regex
