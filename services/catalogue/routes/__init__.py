"""The catalogue's HTTP API, one module per OpenAPI tag; `main.py` includes `routers` and lists `TAGS`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.catalogue.routes import calls_admin, catalogue, partner_search

TAGS: list[dict[str, Any]] = [
    {"name": catalogue.TAG, "description": "Public reads of programme reference data, and search"},
    {"name": calls_admin.TAG, "description": "Opening, changing and closing calls (role `admin`)"},
    {
        "name": partner_search.TAG,
        "description": "Profiles and project ideas organisations publish to find partners: search is public",
    },
    {"name": "operations", "description": "Health, readiness and metrics"},
]

routers: list[APIRouter] = [catalogue.router, calls_admin.router, partner_search.router]
