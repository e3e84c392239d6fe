"""What the budget's endpoints share: who may call them, the path parameters, paging, idempotency and
the app's settings, catalogue client and reference data. The dependencies are `async def` even where they do not await: FastAPI runs a plain
`def` dependency in its thread pool, a thread hop per request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from services.budget import schemas as s
from services.budget.commitments.references import Snapshot
from services.budget.config import Settings
from shared.auth import Principal, require_roles
from shared.clients.catalogue import CatalogueClient
from shared.data_version import PerVersion
from shared.money import CURRENCY_PATTERN
from shared.text import Bounded

ProgrammeCode = Annotated[
    str, Bounded(100, min_length=1), Path(description="Programme code", examples=["interreg-se-no-2021-2027"])
]
CurrencyCode = Annotated[str, Path(pattern=CURRENCY_PATTERN, description="ISO 4217 code", examples=["NOK"])]
Month = Annotated[str, Path(pattern=s.MONTH_PATTERN, description="yyyy-mm", examples=["2024-05"])]
CommitmentId = Annotated[uuid.UUID, Path(description="The commitment's id")]
CommitmentsCaller = Annotated[Principal, Depends(require_roles("officer", "admin", scope="budget:commitments"))]
"""Staff, or the applications service's own token with the scope `budget:commitments`: committing, reading
and releasing commitments."""


@dataclass(frozen=True)
class Service:
    """What the budget's endpoints use of the app besides the request's session: its settings, the
    catalogue client opened in the app's setup and the programme reference data kept per data version
    (`commitments/references.py`; `await service.references.current()`, before the request's session holds a
    connection). One dependency for the three: each dependency FastAPI solves costs a request several
    microseconds, a commitment's route solved three of them for this."""

    settings: Settings
    catalogue: CatalogueClient
    references: PerVersion[Snapshot]


async def _service(request: Request) -> Service:
    state = request.app.state
    return Service(settings=state.settings, catalogue=state.catalogue, references=state.references)


BudgetService = Annotated[Service, Depends(_service)]
"""The app's settings, catalogue client and reference data (`Service`)."""
