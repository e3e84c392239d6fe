"""Text that every database stores as given: no NUL byte (PostgreSQL refuses it in text columns, SQLite
keeps it) and no lone surrogate (not encodable as UTF-8). Such input is a 422 naming the field on both
backends, never a 500 on one of them. No other C0 control character either (U+0001–U+001F): a name, a code
or a reference is one line; prose (a text of `PROSE_LENGTH` characters or more: reasons, descriptions,
justifications) keeps tab, line feed and carriage return."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from fastapi import Request
from pydantic import AfterValidator, BeforeValidator, Field, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue

from shared.i18n import Language
from shared.problems import FieldError, Unprocessable


def clean(value: str) -> str:
    """`value` unchanged if it holds no NUL character and no lone surrogate; a `ValueError` otherwise."""
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogate)") from None
    return value


SINGLE_LINE_PATTERN = r"^[^\x00-\x1f]*$"
"""What the OpenAPI documents say of a one-line text: no C0 control character."""
PROSE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"
"""What they say of prose: no C0 control character but tab, line feed and carriage return."""
PROSE_LENGTH = 2000
"""A text allowed this many characters or more is prose (multi-line); a shorter one is a single line."""
_ANY_CONTROL = re.compile(r"[\x01-\x1f]")
_PROSE_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")


def single_line(value: str) -> str:
    """`value` unchanged if it is clean (`clean`) and holds no C0 control character; a `ValueError` otherwise."""
    clean(value)
    if _ANY_CONTROL.search(value):
        raise ValueError("must be one line: no control character (U+0001–U+001F)")
    return value


def prose(value: str) -> str:
    """`value` unchanged if it is clean and its only control characters are tab, line feed and carriage return."""
    clean(value)
    if _PROSE_CONTROL.search(value):
        raise ValueError("must not contain a control character other than tab, line feed or carriage return")
    return value


@dataclass(frozen=True)
class _ControlsInSchema:
    """Puts `pattern` (single line or prose) in the JSON Schema of a string that has no pattern of its own,
    so the OpenAPI documents say what the validator refuses (a lone surrogate cannot be sent as valid
    JSON text in the first place: it is not Unicode)."""

    pattern: str

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        if schema.get("type") == "string" and "pattern" not in schema:
            schema["pattern"] = self.pattern
        return schema


@dataclass(frozen=True)
class Bounded(GroupedMetadata):
    """Constraints of a text on the wire: `Annotated[str, Bounded(64)]` is at most 64 characters (the
    column it is stored in, or less), has no NUL byte and no lone surrogate, and matches `pattern` if
    given, and holds no control character (tab, line feed and carriage return allowed in prose: a
    `max_length` of `PROSE_LENGTH` or more). Request models, path and query parameters all use it, so bad
    text is a 422 naming the field on SQLite and PostgreSQL alike."""

    max_length: int
    min_length: int = 0
    pattern: str | None = None

    def __iter__(self) -> Iterator[Any]:
        yield from StringConstraints(
            min_length=self.min_length or None, max_length=self.max_length, pattern=self.pattern
        )
        is_prose = self.max_length >= PROSE_LENGTH
        yield AfterValidator(prose if is_prose else single_line)
        yield _ControlsInSchema(PROSE_PATTERN if is_prose else SINGLE_LINE_PATTERN)


def iso_text(value: Any) -> Any:
    """A date or instant on the wire is ISO 8601 text (`BeforeValidator(iso_text)`): a number such as `0`
    is refused instead of read as seconds since 1970."""
    if isinstance(value, int | float):
        raise ValueError("must be an ISO 8601 date or date-time text, not a number")
    return value


IsoText = BeforeValidator(iso_text)
"""`Annotated[dt.date, IsoText]`: dates and instants only as ISO text."""

SourceText = Annotated[str, Bounded(2000, min_length=1)]
"""Where a value comes from: `seed <file>: «quote»`, `derived: …`, `ours: …` or `outside the seeds: …`."""
SourceKey = Annotated[str, Bounded(200, min_length=1, pattern=r"^[A-Za-z0-9_*][A-Za-z0-9_.*\-]*$")]
"""A field path a source is given for (`name.en`, `max_months.main-project`)."""
CodeText = Annotated[str, Bounded(64, min_length=1)]
"""A code (fund, priority, specific objective, project type…): 1–64 characters, the size of every code column."""

MAX_JSON_BYTES = 100_000
"""Largest free-form JSON value a request may carry (a rule's parameters)."""


def clean_json(value: Any) -> Any:
    """A free-form JSON value with every key and string clean (see `clean`) and at most `MAX_JSON_BYTES`
    bytes written out: JSON columns are stored as text (PostgreSQL's JSON refuses `\\u0000` too)."""

    def walk(node: Any) -> None:
        if isinstance(node, str):
            clean(node)
        elif isinstance(node, dict):
            for key, item in node.items():
                walk(key)
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    if len(json.dumps(value, default=str)) > MAX_JSON_BYTES:
        raise ValueError(f"must be at most {MAX_JSON_BYTES} characters written as JSON")
    return value


_NAME_EXAMPLE = {"sv": "Grön industriväxt", "nb": "Grønn industrivekst", "en": "Green industrial growth"}
LocalizedName = Annotated[
    dict[Language, Annotated[str, Bounded(500)]],
    Field(
        description="A name or title keyed by language (sv, nb, nn, da, fi, en), at most 500 characters each",
        examples=[_NAME_EXAMPLE],
    ),
]
"""`LocalizedText` as a request sends a name or title."""
LocalizedProse = Annotated[
    dict[Language, Annotated[str, Bounded(20000)]],
    Field(
        description="Text keyed by language (sv, nb, nn, da, fi, en), at most 20,000 characters each",
        examples=[_NAME_EXAMPLE],
    ),
]
"""`LocalizedText` as a request sends a summary or description."""


async def refuse_unclean_parameters(request: Request) -> None:
    """App-wide dependency: a NUL byte in a path or query parameter is a 422 naming it, for every route
    (parameters typed `Bounded` say so in the OpenAPI; this also covers the ones typed otherwise).
    `async def` though it awaits nothing: FastAPI runs a plain `def` dependency in its thread pool."""
    for where, items in (("path", request.path_params.items()), ("query", request.query_params.multi_items())):
        for name, value in items:
            if isinstance(value, str) and "\x00" in value:
                raise Unprocessable(
                    f"{where}.{name}: must not contain a NUL character",
                    errors=[FieldError(field=f"{where}.{name}", message="must not contain a NUL character")],
                )
