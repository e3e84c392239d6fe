"""Message templates of every rule outcome in Swedish, Norwegian Bokmål and English, and the
language-aware formatting of the figures in them (amounts, shares, countries, names).

A check returns `Msg(key, args)`; `render(msgs, language)` turns them into one sentence or more. The
figures stay typed until then, so each language gets its own number format (sv/nb: `396 000,00 EUR`,
`66,00 %`; en: `396,000.00 EUR`, `66.00%`).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.eligibility.templates import COUNTRIES, MESSAGES
from shared.i18n import MESSAGE_LANGUAGES, pick
from shared.money import minor_units, round_minor

__all__ = ["COUNTRIES", "MESSAGES", "Amount", "Country", "Msg", "Percent", "Text", "placeholders", "render"]


@dataclass(frozen=True)
class Msg:
    """A message to be rendered: a template key and its arguments (figures may be typed values)."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Amount:
    """A money figure, rendered with the currency's minor units and the language's separators."""

    value: Decimal
    currency: str


@dataclass(frozen=True)
class Percent:
    """A share (0.65) rendered as a percentage; `places=None` shows as many decimals as it has."""

    share: Decimal
    places: int | None = 2


@dataclass(frozen=True)
class Country:
    code: str


@dataclass(frozen=True)
class Text:
    """A multilingual name (e.g. an organisation type's name from the catalogue)."""

    text: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, text: Mapping[Any, str] | None, fallback: str) -> Text | str:
        return cls(tuple(sorted((str(k), v) for k, v in text.items()))) if text else fallback


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _group(value: Decimal, places: int, language: str) -> str:
    text = format(value, f",.{places}f")
    if language == "en":
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


def format_value(value: Any, language: str) -> str:
    """One figure in `language`."""
    if isinstance(value, Msg):
        return render_one(value, language)
    if isinstance(value, Amount):
        minor = minor_units(value.currency)
        return f"{_group(round_minor(value.value, value.currency), minor, language)} {value.currency}"
    if isinstance(value, Percent):
        pct = value.share * 100
        if value.places is not None:
            places = value.places
        else:
            exponent = pct.normalize().as_tuple().exponent
            places = max(0, -exponent) if isinstance(exponent, int) else 0
        number = _group(pct.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), places, language)
        return f"{number}%" if language == "en" else f"{number}\u00a0%"
    if isinstance(value, Country):
        return pick(COUNTRIES.get(value.code), language) or value.code
    if isinstance(value, Text):
        return pick(dict(value.text), language)
    if isinstance(value, tuple) and len(value) == 2:
        return f"{format_value(value[0], language)}: {format_value(value[1], language)}"
    if isinstance(value, list):
        return ", ".join(format_value(v, language) for v in value) or "–"
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return _group(value, max(0, -exponent) if isinstance(exponent, int) else 0, language)
    return str(value)


def render_one(msg: Msg, language: str) -> str:
    lang = language if language in MESSAGE_LANGUAGES else "en"
    template = MESSAGES[msg.key][lang]
    return template.format(**{k: format_value(v, lang) for k, v in msg.args.items()})


def render(msgs: list[Msg], language: str) -> str:
    """The messages of one rule outcome as one text."""
    return " ".join(render_one(m, language) for m in msgs)
