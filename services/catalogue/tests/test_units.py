"""Unit tests: call status, stemming, the query language and snippets (no database)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from services.catalogue.search import documents
from shared.schemas.catalogue import call_status

T0 = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_call_status() -> None:
    assert call_status(T0, T0 + DAY, T0 - DAY) == "planned"
    assert call_status(T0, T0 + DAY, T0) == "open"
    assert call_status(T0, T0 + DAY, T0 + DAY) == "open"
    assert call_status(T0, T0 + DAY, T0 + 2 * DAY) == "closed"
    # a rolling call stays open
    assert call_status(T0, None, T0 + 1000 * DAY) == "open"
    assert call_status(T0, None, T0 - DAY) == "planned"


ORDER = {"planned": 0, "open": 1, "closed": 2}
TICK = dt.timedelta(microseconds=1)


@given(st.integers(-1000, 1000), st.integers(0, 1000), st.integers(1, 1000), st.booleans())
def test_call_status_only_moves_forward(at: int, later: int, length: int, rolling: bool) -> None:
    """Over time a call goes planned -> open -> closed and never back; a rolling call never closes."""
    closes = None if rolling else T0 + dt.timedelta(hours=length)
    first = call_status(T0, closes, T0 + dt.timedelta(hours=at))
    second = call_status(T0, closes, T0 + dt.timedelta(hours=at + later))
    assert ORDER[first] <= ORDER[second]
    if rolling:
        assert second != "closed"


@given(st.integers(1, 10**6), st.booleans())
def test_call_status_at_the_edges(length: int, rolling: bool) -> None:
    """Open from its opening instant through its closing instant, both included."""
    closes = None if rolling else T0 + dt.timedelta(seconds=length)
    assert call_status(T0, closes, T0 - TICK) == "planned"
    assert call_status(T0, closes, T0) == "open"
    if closes is not None:
        assert call_status(T0, closes, closes) == "open"
        assert call_status(T0, closes, closes + TICK) == "closed"


def test_stemming_per_language() -> None:
    assert documents.stem("arbetsmarknaden", "sv") == documents.stem("arbetsmarknadens", "sv")
    assert documents.stem("cirkulära", "sv") == documents.stem("cirkulär", "sv")
    assert documents.stem("sirkulære", "nb") == documents.stem("sirkulær", "nb")
    assert documents.stem("bæredygtige", "da") == documents.stem("bæredygtig", "da")
    assert documents.stemmed_copy("Främja den sociala ekonomin.", "sv").split() == [
        documents.stem(w, "sv") for w in ("Främja", "den", "sociala", "ekonomin")
    ]


def test_parse_query() -> None:
    groups = documents.parse_query('cirkulär "grön omställning" -plast or klimat')
    assert groups == [
        [
            documents.Term(("cirkulär",)),
            documents.Term(("grön", "omställning")),
            documents.Term(("plast",), negated=True),
        ],
        [documents.Term(("klimat",))],
    ]
    assert documents.parse_query("!!! ---") == []
    assert documents.parse_query("-only") == []
    match = documents.fts5_match(documents.parse_query('cirkulära "gröna omställningen" -plast'), "sv")
    assert match == '(("cirkulär" AND "grön omställning") NOT ("plast"))'


def test_marked_snippet() -> None:
    original = "Projekt som främjar en mer jämställd och jämlik arbetsmarknad."
    stems = documents.stemmed_copy(original, "sv").split()
    stems[-1] = documents.HL_START + stems[-1] + documents.HL_END
    assert documents.marked_snippet(original, " ".join(stems)) == (
        "Projekt som främjar en mer jämställd och jämlik [arbetsmarknad]."
    )
    assert documents.marked_snippet(original, " ".join(stems), window=4) == "… jämställd och jämlik [arbetsmarknad]."
    assert documents.marked_snippet(original, documents.stemmed_copy(original, "sv")) is None
    short = "Cirkulär ekonomi"
    hl = f"{documents.HL_START}{documents.stem('Cirkulär', 'sv')}{documents.HL_END} {documents.stem('ekonomi', 'sv')}"
    assert documents.marked_snippet(short, hl) == "[Cirkulär] ekonomi"
