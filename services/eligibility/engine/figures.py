"""What a message carries: its key and typed figures (amounts, shares, countries, multilingual names), kept
typed until `messages` renders them in a language; and the messages and figures made once from a rule's
parameters (`const_msg`, `shown`), which are rendered once per language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["Amount", "ConstMsg", "Country", "Msg", "Percent", "Shown", "Text", "const_msg", "shown"]


class _Figure:
    """A typed figure of a message: plain slots (it is made many times per check), compared by value."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Figure) and type(other) is type(self) and self._values() == other._values()

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self._values()!r}"

    def __hash__(self) -> int:
        return hash(self._values())


class Msg(_Figure):
    """A message to be rendered: a template key and its arguments (figures may be typed values)."""

    __slots__ = ("args", "key")

    def __init__(self, key: str, args: dict[str, Any] | None = None) -> None:
        self.key = key
        self.args: dict[str, Any] = {} if args is None else args


class ConstMsg(Msg):
    """A message whose figures depend only on a rule's parameters (or on reference data parsed once per
    catalogue answer): made once for them (`const_msg`) and rendered once per language (`texts`)."""

    __slots__ = ("texts",)

    def __init__(self, key: str, args: dict[str, Any] | None = None) -> None:
        super().__init__(key, args)
        self.texts: dict[str, str] = {}

    def _values(self) -> tuple[Any, ...]:
        return (self.key, self.args)


class Shown(_Figure):
    """A figure of a rule's parameters (a limit, a cap): made once for them (`shown`) and formatted once per
    language (`texts`)."""

    __slots__ = ("figure", "texts")

    def __init__(self, figure: Any) -> None:
        self.figure = figure
        self.texts: dict[str, str] = {}

    def _values(self) -> tuple[Any, ...]:
        return (self.figure,)


_CONST: dict[tuple[int, str, type], tuple[object, Any]] = {}
_CONST_KEPT = 4096


def _once(owner: object, tag: str, make: Callable[[], Any], kind: type[ConstMsg] | type[Shown]) -> Any:
    """`kind` of what `make()` builds from `owner` (a rule's frozen parameters, a parsed catalogue answer)
    alone, made once per (`owner`, `tag`, `kind`): the entry keeps `owner` itself, so its id is never another's."""
    key = (id(owner), tag, kind)
    kept = _CONST.get(key)
    if kept is not None and kept[0] is owner:
        return kept[1]
    made = make()
    found = ConstMsg(made.key, made.args) if kind is ConstMsg else Shown(made)
    if len(_CONST) >= _CONST_KEPT:
        _CONST.clear()
    _CONST[key] = (owner, found)
    return found


def const_msg(owner: object, tag: str, make: Callable[[], Msg]) -> ConstMsg:
    """The message `make()` builds from `owner` alone (`_once`), rendered once per language."""
    found: ConstMsg = _once(owner, tag, make, ConstMsg)
    return found


def shown(owner: object, tag: str, make: Callable[[], Any]) -> Shown:
    """The figure `make()` builds from `owner` alone (`_once`), formatted once per language."""
    found: Shown = _once(owner, tag, make, Shown)
    return found


class Amount(_Figure):
    """A money figure, rendered with the currency's minor units and the language's separators."""

    __slots__ = ("currency", "value")

    def __init__(self, value: Decimal, currency: str) -> None:
        self.value = value
        self.currency = currency


class Percent(_Figure):
    """A share (0.65) rendered as a percentage; `places=None` shows as many decimals as it has."""

    __slots__ = ("places", "share")

    def __init__(self, share: Decimal, places: int | None = 2) -> None:
        self.share = share
        self.places = places


class Country(_Figure):
    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code


@dataclass(frozen=True)
class Text:
    """A multilingual name (e.g. an organisation type's name from the catalogue)."""

    text: tuple[tuple[str, str], ...]
    picked: dict[str, str] = field(default_factory=dict, compare=False, repr=False, hash=False)
    """Its text in each language asked for so far (`_format_text`)."""

    @classmethod
    def of(cls, text: Mapping[Any, str] | None, fallback: str) -> Text | str:
        if not text:
            return fallback
        # The catalogue's names are parsed once per answer (the same dict on every check): each is made a
        # Text once, kept with the dict itself so that its id is never another's.
        kept = _TEXTS.get(id(text))
        if kept is not None and kept[0] is text:
            return kept[1]
        made = cls(tuple(sorted((str(k), v) for k, v in text.items())))
        if len(_TEXTS) >= _TEXTS_KEPT:
            _TEXTS.clear()
        _TEXTS[id(text)] = (text, made)
        return made


_TEXTS: dict[int, tuple[Mapping[Any, str], Text]] = {}
_TEXTS_KEPT = 2048
