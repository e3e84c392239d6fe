"""Multilingual text and language negotiation.

A text is an object keyed by language (`{"sv": "…", "nb": "…", "en": "…"}`). Messages and
explanations are chosen by `Accept-Language`; Norwegian (`no`, `nn`) reads Bokmål (`nb`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

Language = Literal["sv", "nb", "nn", "da", "fi", "en"]
MESSAGE_LANGUAGES: tuple[str, ...] = ("sv", "nb", "en")
"""The languages every message and explanation of the API is written in."""

LocalizedText = Annotated[
    dict[Language, str],
    Field(
        description="Text keyed by language (sv, nb, nn, da, fi, en)",
        examples=[{"sv": "Grön industriväxt", "nb": "Grønn industrivekst", "en": "Green industrial growth"}],
    ),
]
LocalizedList = Annotated[
    dict[Language, list[str]],
    Field(description="A list of texts per language", examples=[{"sv": ["…"], "nb": ["…"]}]),
]

_ALIASES = {"no": "nb", "nn": "nb", "nob": "nb", "swe": "sv", "se": "sv", "dk": "da", "dan": "da", "eng": "en"}


def negotiate(header: str | None, supported: tuple[str, ...] = MESSAGE_LANGUAGES, default: str = "en") -> str:
    """Pick the best supported language from an `Accept-Language` header (RFC 9110 quality values)."""
    if not header:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        if not tag:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((quality, position, tag))
    for quality, _, tag in sorted(ranked, key=lambda r: (-r[0], r[1])):
        if quality <= 0:
            continue
        if tag == "*":
            return default
        primary = tag.split("-")[0]
        for candidate in (tag, primary, _ALIASES.get(primary, primary)):
            if candidate in supported:
                return candidate
    return default


def pick(text: dict[str, str] | None, language: str, fallbacks: tuple[str, ...] = ("en", "sv", "nb", "da")) -> str:
    """The text in `language`, else the first fallback present, else any; empty when there is none."""
    if not text:
        return ""
    for lang in (language, *fallbacks):
        if text.get(lang):
            return text[lang]
    return next(iter(text.values()))
