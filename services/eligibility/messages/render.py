"""Messages rendered in Swedish, Norwegian Bokmål or English: a template of `templates` filled in with the
language-aware formatting of its figures (amounts, shares, countries, names).

A check returns `Msg(key, args)` (`engine.figures`); `render(msgs, language)` turns them into one sentence or more. The
figures stay typed until then, so each language gets its own number format (sv/nb: `396 000,00 EUR`,
`66,00 %`; en: `396,000.00 EUR`, `66.00%`).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from services.eligibility.engine.figures import Amount, ConstMsg, Country, Msg, Percent, Shown, Text, const_msg, shown
from services.eligibility.messages.templates import COUNTRIES, MESSAGES
from shared.i18n import MESSAGE_LANGUAGES, pick
from shared.money import minor_units, quantum

__all__ = [
    "COUNTRIES",
    "MESSAGES",
    "Amount",
    "ConstMsg",
    "Country",
    "Msg",
    "Percent",
    "Shown",
    "Text",
    "const_msg",
    "message_language",
    "placeholders",
    "render",
    "render_in",
    "shown",
]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _group(value: Decimal, places: int, language: str) -> str:
    text = format(value, f",.{places}f")
    if language == "en":
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


@lru_cache(maxsize=64)
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


_TEMPLATES: dict[str, dict[str, str]] = {
    lang: {key: texts[lang] for key, texts in MESSAGES.items() if lang in texts} for lang in MESSAGE_LANGUAGES
}
"""The templates of each message language, by key (one lookup per message instead of two)."""

_COUNTRY_NAMES: dict[str, dict[str, str]] = {
    lang: {code: pick(names, lang) or code for code, names in COUNTRIES.items()} for lang in MESSAGE_LANGUAGES
}
"""Each country's name in each message language (`pick`'s fallbacks applied once)."""

_CURRENCY_FORMATS: dict[str, tuple[Decimal, str]] = {}
"""Per currency: its minor unit and the format spec of its amounts (made on first use)."""


def _currency_format(currency: str) -> tuple[Decimal, str]:
    found = _CURRENCY_FORMATS.get(currency)
    if found is None:
        found = _CURRENCY_FORMATS[currency] = (quantum(currency), f",.{minor_units(currency)}f")
    return found


def _format_msg(value: Msg, language: str) -> str:
    templates = _TEMPLATES.get(language)
    if templates is None:
        return render_one(value, language)
    return render_in(value, language, templates)


def _format_amount(value: Amount, language: str) -> str:
    currency = value.currency
    unit, spec = _currency_format(currency)
    # `round_minor` (half up to the minor unit), then grouped in the language's style.
    text = format(value.value.quantize(unit, rounding=ROUND_HALF_UP), spec)
    if language != "en":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return f"{text} {currency}"


_HUNDRED = Decimal(100)
_PERCENT_PLACES: dict[tuple[Decimal, str], str] = {}
"""`Percent(share, None)` texts by (share, language): only rule parameters (a limit, a floor) are shown with
as many decimals as they have, so this holds a few entries per rule-set version."""


_TWO_PLACES = Decimal("0.01")


def _format_percent(value: Percent, language: str) -> str:
    if value.places == 2:  # a share found in the application: `_percent_text(share, 2, language)`, inline
        text = format((value.share * _HUNDRED).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP), ",.2f")
        if language == "en":
            return f"{text}%"
        return text.replace(",", "\u00a0").replace(".", ",") + "\u00a0%"
    if value.places is None:
        key = (value.share, language)
        found = _PERCENT_PLACES.get(key)
        if found is None:
            if len(_PERCENT_PLACES) >= 1024:
                _PERCENT_PLACES.clear()
            found = _PERCENT_PLACES[key] = _percent_text(value.share, None, language)
        return found
    return _percent_text(value.share, value.places, language)


def _percent_text(share: Decimal, places: int | None, language: str) -> str:
    pct = share * _HUNDRED
    if places is None:
        exponent = pct.normalize().as_tuple().exponent
        places = max(0, -exponent) if isinstance(exponent, int) else 0
    number = _group(pct.quantize(_quantum(places), rounding=ROUND_HALF_UP), places, language)
    return f"{number}%" if language == "en" else f"{number}\u00a0%"


def _format_country(value: Country, language: str) -> str:
    names = _COUNTRY_NAMES.get(language)
    if names is not None:
        return names.get(value.code, value.code)
    return pick(COUNTRIES.get(value.code), language) or value.code


def _format_text(value: Text, language: str) -> str:
    found = value.picked.get(language)
    if found is None:
        found = value.picked[language] = pick(dict(value.text), language)
    return found


def _format_shown(value: Shown, language: str) -> str:
    found = value.texts.get(language)
    if found is None:
        found = value.texts[language] = format_value(value.figure, language)
    return found


def _format_tuple(value: tuple[Any, ...], language: str) -> str:
    if len(value) == 2:
        first, second = value
        if type(first) is not str:
            first = format_value(first, language)
        kind = type(second)
        if kind is not str:
            found = _EXACT.get(kind)
            second = found(second, language) if found is not None else format_value(second, language)
        return f"{first}: {second}"
    return str(value)


def _format_list(value: list[Any], language: str) -> str:
    exact = _EXACT
    parts = []
    for v in value:
        kind = type(v)
        if kind is str:
            parts.append(v)
        else:
            found = exact.get(kind)
            parts.append(found(v, language) if found is not None else format_value(v, language))
    return ", ".join(parts) or "–"


def _format_decimal(value: Decimal, language: str) -> str:
    exponent = value.as_tuple().exponent
    return _group(value, max(0, -exponent) if isinstance(exponent, int) else 0, language)


def _format_str(value: Any, language: str) -> str:
    return str(value)


_FORMATS: dict[type, Callable[[Any, str], str]] = {
    Msg: _format_msg,
    ConstMsg: _format_msg,
    Shown: _format_shown,
    Amount: _format_amount,
    Percent: _format_percent,
    Country: _format_country,
    Text: _format_text,
    tuple: _format_tuple,
    list: _format_list,
    Decimal: _format_decimal,
}
"""The formatting of each kind of figure, by exact type (a lookup instead of a chain of isinstance)."""

_EXACT: dict[type, Callable[[Any, str], str]] = {
    **_FORMATS,
    int: _format_str,
    bool: _format_str,
    type(None): _format_str,
}
"""`_FORMATS` and the plain figures (counts, flags, nothing) that show as their str(), by exact type."""


def format_value(value: Any, language: str) -> str:
    """One figure in `language`."""
    kind = type(value)
    if kind is str:
        return value
    found = _EXACT.get(kind)
    if found is not None:
        return found(value, language)
    # A subclass of one of the kinds above formats as that kind; anything else as its str().
    for base, format_as in _FORMATS.items():
        if isinstance(value, base):
            return format_as(value, language)
    return str(value)


@lru_cache(maxsize=512)
def _fixed(key: str, language: str) -> str:
    """A message without arguments (the same text every time)."""
    return _TEMPLATES[language][key].format()


def render_in(msg: Msg, lang: str, templates: dict[str, str]) -> str:
    """`msg` in the message language `lang`, whose templates are `templates`."""
    if type(msg) is ConstMsg:
        texts = msg.texts
        found_text: str | None = texts.get(lang)
        if found_text is None:
            found_text = texts[lang] = _render_args(msg, lang, templates)
        return found_text
    return _render_args(msg, lang, templates)


def _render_args(msg: Msg, lang: str, templates: dict[str, str]) -> str:
    args = msg.args
    if not args:
        return _fixed(msg.key, lang)
    exact = _EXACT
    values = {}
    for name, v in args.items():
        kind = type(v)
        if kind is str:
            values[name] = v
        else:
            found = exact.get(kind)  # `format_value`, without its call for the usual kinds
            values[name] = found(v, lang) if found is not None else format_value(v, lang)
    return templates[msg.key].format_map(values)


def message_language(language: str) -> tuple[str, dict[str, str]]:
    """The message language `language` is shown in (en when there are no messages in it) and its templates."""
    lang = language if language in MESSAGE_LANGUAGES else "en"
    return lang, _TEMPLATES[lang]


def render_one(msg: Msg, language: str) -> str:
    lang = language if language in MESSAGE_LANGUAGES else "en"
    return render_in(msg, lang, _TEMPLATES[lang])


def render(msgs: list[Msg], language: str) -> str:
    """The messages of one rule outcome as one text."""
    lang = language if language in MESSAGE_LANGUAGES else "en"
    templates = _TEMPLATES[lang]
    if len(msgs) == 1:
        return render_in(msgs[0], lang, templates)
    return " ".join([render_in(m, lang, templates) for m in msgs])
