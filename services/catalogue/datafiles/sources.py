"""Where each value of the reference data came from (data/FORMAT.md, "Sources").

Every entry of a data file carries `source` (the default for its values: `seed <file>: «quote»`,
`outside the seeds: …`, `derived: …`) and optional `sources` overrides keyed by field (`eu_code`),
field and language (`title.en`) or any field in one language (`*.en`). `expand` turns them into the map
the API serves: one key per value the entry holds (`name.sv`, `name.en`, `max_duration_months`, …), each
resolved as `field.lang` > `field` > `*.lang` > `source`. Identity fields (codes, links that make up the
entry's key, order) need no source.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, field_validator

from shared.text import SourceKey, SourceText

ADMIN = "created by an administrator through the API"
"""The source of every value of a call an administrator created."""
ADMIN_CHANGED = "changed by an administrator through the API"
"""The source of the values of a data-file call that an administrator changed."""

# A data-file field whose value the wire model serves under other names.
_WIRE_KEYS: dict[str, tuple[str, ...]] = {
    "period": ("period_start", "period_end"),
    "concept_note_call": ("concept_note_call_id",),
}


class Sourced(BaseModel):
    """An entry of a data file whose values say where they came from."""

    model_config = ConfigDict(extra="forbid")

    UNSOURCED: ClassVar[frozenset[str]] = frozenset({"code"})
    """Fields that identify the entry (or hold other entries) and need no source."""

    source: SourceText
    sources: dict[SourceKey, SourceText] = {}

    @field_validator("source")
    @classmethod
    def _source_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the source is empty")
        return value

    @field_validator("sources")
    @classmethod
    def _sources_not_blank(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if not text.strip():
                raise ValueError(f"the source of '{key}' is empty")
        return value


def _has_value(value: Any) -> bool:
    return value is not None and value != [] and value != {}


def _entries(value: Any) -> bool:
    """A list of entries (a programme's funds, priorities, …): each carries its own sources."""
    return isinstance(value, list) and any(isinstance(item, Sourced) for item in value)


def value_keys(entry: Sourced) -> list[tuple[str, str, str | None]]:
    """(key served, data-file field, language) of every value the entry holds."""
    out: list[tuple[str, str, str | None]] = []
    skip = entry.UNSOURCED | {"source", "sources"}
    for name in type(entry).model_fields:
        value = getattr(entry, name)
        if name in skip or not _has_value(value) or _entries(value):
            continue
        if isinstance(value, dict):
            out.extend((f"{name}.{language}", name, language) for language in value)
        else:
            out.extend((key, name, None) for key in _WIRE_KEYS.get(name, (name,)))
    return out


def unknown_keys(entry: Sourced) -> list[tuple[str, str]]:
    """The `sources` keys that name no value of the entry, each as (key, message)."""
    keys = value_keys(entry)
    names = {key for key, _, _ in keys} | {field for _, field, _ in keys}
    languages = {language for _, _, language in keys if language is not None}
    problems = []
    for key in entry.sources:
        if key in names or (key.startswith("*.") and key[2:] in languages):
            continue
        known = ", ".join(sorted(names | {f"*.{language}" for language in languages}))
        problems.append((key, f"'{key}' names no field of this entry that has a value (known: {known})"))
    return problems


def unknown_source_keys(data: Sourced) -> list[tuple[str, str]]:
    """Every unknown `sources` key of a programme file and of its entries, as (field path, message)."""
    problems = [(f"sources.{key}", message) for key, message in unknown_keys(data)]
    for name in type(data).model_fields:
        value = getattr(data, name)
        if _entries(value):
            for i, item in enumerate(value):
                problems.extend((f"{name}[{i}].sources.{key}", message) for key, message in unknown_keys(item))
    return problems


def expand(entry: Sourced) -> dict[str, str]:
    """The source of every value of the entry: `field.lang` > `field` > `*.lang` > `source`."""
    out: dict[str, str] = {}
    for key, name, language in value_keys(entry):
        found = entry.sources.get(key) or entry.sources.get(name)
        if found is None and language is not None:
            found = entry.sources.get(f"*.{language}")
        out[key] = found or entry.source
    return out


def dump(entry: Sourced) -> dict[str, Any]:
    """An entry kept as JSON inside its programme's row, with its expanded `sources`."""
    return {**entry.model_dump(mode="json", exclude_none=True, exclude={"source", "sources"}), "sources": expand(entry)}
