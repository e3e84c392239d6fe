"""Parameters and answers the catalogue's route modules share: path parameters, paging, cached JSON."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Request, Response

from shared.caching import cached_json
from shared.text import Bounded

ProgrammeCode = Annotated[
    str, Bounded(100, min_length=1), Path(description="Programme code", examples=["interreg-se-no-2021-2027"])
]
CallId = Annotated[
    uuid.UUID, Path(description="Call id (from the call list)", examples=["0b6c5d0a-0a53-5c5c-9c43-9b0a0e4f0c11"])
]


def cached(request: Request, content: Any) -> Response:
    """A catalogue read: JSON with an ETag and the configured `max-age`, or 304 when the client has it."""
    return cached_json(request, content, max_age=request.app.state.settings.cache_max_age)
