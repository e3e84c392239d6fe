"""What the budget's endpoints share: who may call them, the path parameters, paging, idempotency and
the catalogue client. The dependencies are `async def` even where they do not await: FastAPI runs a plain
`def` dependency in its thread pool, a thread hop per request."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request

from services.budget import schemas as s
from services.budget.config import Settings
from services.budget.models import idempotency_keys
from services.budget.references import Snapshot
from shared.auth import Principal, require_roles
from shared.clients.catalogue import CatalogueClient
from shared.data_version import PerVersion
from shared.idempotency import Idempotent, idempotency
from shared.money import CURRENCY_PATTERN
from shared.text import Bounded

Idempotency = Annotated[Idempotent, Depends(idempotency(idempotency_keys))]
"""POSTs that create or move state or money: `Idempotency-Key` replays the first result."""

Admin = Annotated[Principal, Depends(require_roles("admin"))]
Staff = Annotated[Principal, Depends(require_roles("officer", "admin"))]
ProgrammeCode = Annotated[
    str, Bounded(100, min_length=1), Path(description="Programme code", examples=["interreg-se-no-2021-2027"])
]
CurrencyCode = Annotated[str, Path(pattern=CURRENCY_PATTERN, description="ISO 4217 code", examples=["NOK"])]
Month = Annotated[str, Path(pattern=s.MONTH_PATTERN, description="yyyy-mm", examples=["2024-05"])]
CommitmentId = Annotated[uuid.UUID, Path(description="The commitment's id")]


async def _catalogue(request: Request) -> CatalogueClient:
    client: CatalogueClient = request.app.state.catalogue
    return client


Catalogue = Annotated[CatalogueClient, Depends(_catalogue)]
"""The catalogue client opened in the app's setup."""


async def _references(request: Request) -> Snapshot:
    references: PerVersion[Snapshot] = request.app.state.references
    return await references.current()


ReferenceData = Annotated[Snapshot, Depends(_references)]
"""What commitments check of the programmes, at the current data version (`references.py`); taken
before the request's session holds a connection (a dependency runs before the endpoint)."""


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


BudgetSettings = Annotated[Settings, Depends(_settings)]
