"""The registry of check kinds as the API shows it: what each checks, what it reads, its parameters."""

from __future__ import annotations

from services.eligibility.engine.rules import REGISTRY
from services.eligibility.schemas import CheckKindOut
from shared.pagination import Page, PageParams, paginate_sequence


def check_kinds() -> list[CheckKindOut]:
    """Every check kind, in registry order, with the JSON Schema of its `params`."""
    return [
        CheckKindOut(
            code=k.code, description=k.description, reads=sorted(k.needs), params_schema=k.params.model_json_schema()
        )
        for k in REGISTRY.values()
    ]


def list_check_kinds(params: PageParams) -> Page[CheckKindOut]:
    """A page of the check kinds (a small in-memory list, paged by position)."""
    return paginate_sequence(check_kinds(), params)
