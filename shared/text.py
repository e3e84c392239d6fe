"""Text that every database stores as given: no NUL byte (PostgreSQL refuses it in text columns, SQLite
keeps it) and no lone surrogate (not encodable as UTF-8). Such input is a 422 naming the field on both
backends, never a 500 on one of them."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def clean(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogate)") from None
    return value


SourceText = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(clean)]
"""Where a value comes from: `seed <file>: «quote»`, `derived: …`, `ours: …` or `outside the seeds: …`."""
SourceKey = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_*][A-Za-z0-9_.*\-]*$")]
"""A field path a source is given for (`name.en`, `max_months.main-project`)."""
