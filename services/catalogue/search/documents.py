"""Full-text search over the catalogue: the documents, the stemming and the query language.

Every catalogue entry becomes one document per language it has text in (`search_documents`: programme,
kind, code, language, title, body). A document is matched in its own language's terms:

- PostgreSQL: `to_tsvector(<config>, …)` with the document language's configuration (sv -> swedish,
  nb/nn -> norwegian, da -> danish, en -> english), titles weighted A and bodies D, matched against
  `websearch_to_tsquery(<config>, q)`, ranked by `ts_rank`, snippets by `ts_headline`. A GIN expression
  index per language (partial, `WHERE language = …`) serves each configuration.
- SQLite: an FTS5 table over a stemmed copy of title and body (Snowball stemmers of the same
  languages, from `snowballstemmer`), the query stemmed the same way, ranked by `bm25` (titles weigh
  10 times the body); the snippet is cut from the original text at the tokens FTS5 `highlight()` marks.

Without `lang`, every language's documents are searched, each with the query stemmed in that language,
and the hits are merged by rank. With `lang`, only documents in that language are searched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import snowballstemmer

from services.catalogue import models

PG_CONFIGS: dict[str, str] = {
    "sv": "swedish",
    "nb": "norwegian",
    "nn": "norwegian",
    "da": "danish",
    "en": "english",
    "fi": "finnish",
}
"""Language of a document -> PostgreSQL text search configuration (and Snowball stemmer)."""

TITLE_WEIGHT = 10.0
BODY_WEIGHT = 1.0
_TOKEN = re.compile(r"[^\W_]+")
HL_START, HL_END = "\x02", "\x03"


@dataclass(frozen=True)
class Document:
    kind: str
    code: str
    language: str
    title: str
    body: str


@cache
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(PG_CONFIGS.get(language, "english"))


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def tokens(text: str) -> list[re.Match[str]]:
    """Words as FTS5's unicode61 tokenizer sees them (letters and digits)."""
    return list(_TOKEN.finditer(normalise(text)))


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    """The Snowball stem of one word (lower-cased) in `language`."""
    lower = word.lower()
    return str(_stemmer(language).stemWord(lower)) or lower


def stem_words(words: Iterable[str], language: str) -> list[str]:
    return [stem(w, language) for w in words]


def stemmed_copy(text: str, language: str) -> str:
    """One stem per word of `text`, space separated, in the same order (token i <-> word i)."""
    return " ".join(stem_words((m.group(0) for m in tokens(text)), language))


# --- documents -----------------------------------------------------------------------------------


def _langs(*texts: dict[str, Any] | None) -> list[str]:
    seen: list[str] = []
    for t in texts:
        for lang in t or {}:
            if lang not in seen:
                seen.append(lang)
    return seen


def _join(*parts: str | None) -> str:
    return " · ".join(p.strip() for p in parts if p and p.strip())


def _t(text: dict[str, Any] | None, lang: str) -> str | None:
    value = (text or {}).get(lang)
    if isinstance(value, list):
        return " · ".join(value)
    return value


def _docs(
    kind: str, code: str, title: list[dict[str, Any] | None], body: list[dict[str, Any] | None], extra_body: str = ""
) -> list[Document]:
    out = []
    for lang in _langs(*title, *body):
        title_text = _join(*(_t(t, lang) for t in title))
        body_text = _join(*(_t(b, lang) for b in body), extra_body)
        if title_text or body_text:
            out.append(Document(kind, code, lang, title_text or code, body_text))
    return out


def documents(
    programme: models.Programme,
    funds: list[models.Fund],
    priorities: list[models.Priority],
    objectives: list[models.SpecificObjective],
    sub_areas: list[models.SubArea],
    regions: list[models.Region],
    project_types: list[models.ProjectType],
    organisation_types: list[models.OrganisationType],
    example_projects: list[models.ExampleProject],
    calls: list[models.Call],
) -> list[Document]:
    """The search documents of one programme (every text the catalogue serves)."""
    docs: list[Document] = []
    area_names = [s.name for s in sub_areas]
    s3 = [s.get("name") for s in programme.smart_specialisation]
    docs += _docs(
        "programme",
        programme.code,
        [programme.name, programme.short_name],
        [
            programme.vision,
            programme.description,
            programme.cross_border_added_value,
            programme.partnership,
            *area_names,
            *s3,
        ],
    )
    for f in funds:
        docs += _docs("fund", f.code, [f.name], [f.description])
    for p in priorities:
        docs += _docs("priority", p.code, [p.name], [p.description])
    for o in objectives:
        docs += _docs(
            "specific_objective",
            o.code,
            [o.short_name, o.title],
            [o.description, o.target_groups, o.effects, o.examples],
        )
    for r in regions:
        docs += _docs("region", r.code, [r.name], [], extra_body=r.code)
    for t in project_types:
        docs += _docs("project_type", t.code, [t.name], [t.description])
    for ot in organisation_types:
        docs += _docs("organisation_type", ot.code, [ot.name], [ot.description])
    for e in example_projects:
        docs += _docs("example_project", e.code, [e.name], [e.description])
    for c in calls:
        docs += call_documents(c)
    return docs


def call_documents(call: models.Call) -> list[Document]:
    """A call is found by its name and number; its hit's `code` is the call id."""
    return _docs("call", str(call.id), [call.name], [], extra_body=call.number)


# --- query language (the websearch syntax PostgreSQL accepts, for SQLite's FTS5) ------------------


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    negated: bool = False


def parse_query(q: str) -> list[list[Term]]:
    """`q` as OR-groups of AND-ed terms: words, "quoted phrases", -excluded, `or` between groups."""
    groups: list[list[Term]] = [[]]
    for m in re.finditer(r'(-?)"([^"]*)"?|(\S+)', normalise(q)):
        if m.group(3) is not None:
            raw = m.group(3)
            if raw.lower() == "or":
                if groups[-1]:
                    groups.append([])
                continue
            negated = raw.startswith("-") and len(raw) > 1
            words = tuple(t.group(0) for t in tokens(raw[1:] if negated else raw))
        else:
            negated = m.group(1) == "-"
            words = tuple(t.group(0) for t in tokens(m.group(2)))
        if words:
            groups[-1].append(Term(words, negated))
    return [g for g in groups if any(not t.negated for t in g)]


def fts5_match(groups: list[list[Term]], language: str) -> str | None:
    """An FTS5 MATCH expression of the parsed query with every word stemmed in `language`."""

    def phrase(term: Term) -> str:
        return '"' + " ".join(stem_words(term.words, language)).replace('"', "") + '"'

    parts = []
    for group in groups:
        positive = " AND ".join(phrase(t) for t in group if not t.negated)
        negative = " OR ".join(phrase(t) for t in group if t.negated)
        parts.append(f"(({positive}) NOT ({negative}))" if negative else f"({positive})")
    return " OR ".join(parts) if parts else None


# --- snippets ---------------------------------------------------------------------------------------


def marked_snippet(original: str, highlighted_stems: str, window: int = 30) -> str | None:
    """Cut a snippet of `original` around the words FTS5 highlighted in its stemmed copy, marking
    them with [ ]. None when nothing in this text matched."""
    marked: list[bool] = []
    inside = in_token = current = False
    for ch in highlighted_stems:
        if ch == HL_START:
            inside = True
        elif ch == HL_END:
            inside = False
        elif ch.isspace():
            if in_token:
                marked.append(current)
                in_token = False
        elif not in_token:
            in_token, current = True, inside
        else:
            current = current or inside
    if in_token:
        marked.append(current)
    words = tokens(original)
    if not any(marked) or len(words) != len(marked):
        return None
    hits = [i for i, m in enumerate(marked) if m]
    # The window that holds the most marked words, starting a few words before one of them.
    best_start, best_count = 0, -1
    for h in hits:
        start = max(0, min(h - min(5, window // 4), len(words) - window))
        count = sum(1 for x in hits if start <= x < start + window)
        if count > best_count:
            best_start, best_count = start, count
    end = min(len(words), best_start + window)
    text = normalise(original)
    out = []
    cursor = words[best_start].start()
    for i in range(best_start, end):
        m = words[i]
        out.append(text[cursor : m.start()])
        out.append(f"[{m.group(0)}]" if marked[i] else m.group(0))
        cursor = m.end()
    if end == len(words):
        out.append(text[cursor:])
    snippet = "".join(out).strip()
    return ("… " if best_start > 0 else "") + snippet + (" …" if end < len(words) else "")
