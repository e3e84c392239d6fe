"""Search with language-aware stemming, on SQLite (FTS5 + Snowball) and PostgreSQL (text search)."""

from __future__ import annotations

from typing import Any

import httpx

PROGRAMME = "interreg-se-no-2021-2027"
NORDIC = "nordic-regional-action-plan-2021-2024"


async def _search(client: httpx.AsyncClient, q: str, **params: Any) -> list[dict[str, Any]]:
    r = await client.get("/v1/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_cirkular_ranks_2b_first(catalogue_client: httpx.AsyncClient) -> None:
    hits = await _search(catalogue_client, "cirkulär", programme=PROGRAMME)
    assert hits[0]["kind"] == "specific_objective" and hits[0]["code"] == "2B"
    assert hits[0]["language"] == "sv" and hits[0]["programme"] == PROGRAMME
    assert "[" in hits[0]["snippet"] and "]" in hits[0]["snippet"]
    assert [h["rank"] for h in hits] == sorted((h["rank"] for h in hits), reverse=True)
    assert all(h["programme"] == PROGRAMME for h in hits)


async def test_sirkulaer_finds_2b_in_norwegian(catalogue_client: httpx.AsyncClient) -> None:
    hits = await _search(catalogue_client, "sirkulær", programme=PROGRAMME)
    assert ("specific_objective", "2B", "nb") in {(h["kind"], h["code"], h["language"]) for h in hits}


async def test_arbetsmarknaden_finds_3a_by_stemming(catalogue_client: httpx.AsyncClient) -> None:
    hits = await _search(catalogue_client, "arbetsmarknaden", programme=PROGRAMME)
    assert ("specific_objective", "3A") in {(h["kind"], h["code"]) for h in hits}
    # The stem also finds the genitive "arbetsmarknadens" (3A's title; example project ExpandE).
    expande = next(h for h in hits if h["code"] == "expande")
    assert "[arbetsmarknadens]" in expande["snippet"]


async def test_danish_words_find_the_nordic_plan(catalogue_client: httpx.AsyncClient) -> None:
    for word in ("klimatilpasning", "bæredygtig"):
        hits = await _search(catalogue_client, word)
        assert hits, word
        assert hits[0]["programme"] == NORDIC and hits[0]["language"] == "da"
    # bæredygtig finds bæredygtigt / bæredygtige (stemmed)
    snippets = " ".join(h["snippet"] for h in await _search(catalogue_client, "bæredygtig", limit=50))
    assert "[bæredygtigt]" in snippets or "[bæredygtige]" in snippets


async def test_lang_restricts_the_documents(catalogue_client: httpx.AsyncClient) -> None:
    nb = await _search(catalogue_client, "sirkulær", programme=PROGRAMME, lang="nb")
    assert nb and all(h["language"] == "nb" for h in nb)
    assert await _search(catalogue_client, "cirkulär", programme=PROGRAMME, lang="da") == []
    en = await _search(catalogue_client, "circular economy", lang="en", programme=PROGRAMME)
    assert en[0]["code"] == "2B"


async def test_every_kind_is_searchable(catalogue_client: httpx.AsyncClient) -> None:
    kinds = {
        ("region", "NO082"): "Viken",
        ("fund", "NO-STATE"): "statlige",
        ("project_type", "pre-project"): "Förprojekt",
        ("organisation_type", "foundation"): "Stiftelse",
        ("example_project", "gron-industrivaxt"): "industriväxt",
        ("programme", PROGRAMME): "grensehinder",
        ("priority", "4"): "samarbetskapacitet",
        ("call", None): "utlysningen",
    }
    for (kind, code), word in kinds.items():
        hits = await _search(catalogue_client, word, programme=PROGRAMME)
        found = {(h["kind"], h["code"]) for h in hits}
        assert any(k == kind and (code is None or c == code) for k, c in found), (word, found)


async def test_query_syntax(catalogue_client: httpx.AsyncClient) -> None:
    phrase = await _search(catalogue_client, '"cirkulär ekonomi"', programme=PROGRAMME)
    assert phrase[0]["code"] in ("2B", "2")
    excluded = await _search(catalogue_client, "cirkulär -ekonomi", programme=PROGRAMME)
    assert "2B" not in {h["code"] for h in excluded}
    either = await _search(catalogue_client, "arbetsmarknad or klimatanpassning", programme=PROGRAMME, lang="sv")
    assert {"3A", "2A"} <= {h["code"] for h in either}
    assert await _search(catalogue_client, "zyxwvutsqp", programme=PROGRAMME) == []
    assert len(await _search(catalogue_client, "projekt", limit=3)) == 3


async def test_bad_queries(catalogue_client: httpx.AsyncClient) -> None:
    for params in ({"q": ""}, {"q": "   "}, {"q": "x" * 201}, {}, {"q": "a", "limit": 0}, {"q": "a", "lang": "xx"}):
        r = await catalogue_client.get("/v1/search", params=params)
        assert r.status_code == 422, params
        assert r.headers["content-type"].startswith("application/problem+json")


async def test_search_is_cached(catalogue_client: httpx.AsyncClient) -> None:
    r = await catalogue_client.get("/v1/search", params={"q": "cirkulär"})
    again = await catalogue_client.get(
        "/v1/search", params={"q": "cirkulär"}, headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304


async def _pages(client: httpx.AsyncClient, params: dict[str, Any], limit: int, most: int) -> list[dict[str, Any]]:
    """Hits read page by page (`limit` a page) until the last page or `most` hits."""
    hits: list[dict[str, Any]] = []
    cursor = None
    while len(hits) < most:
        body = (
            await client.get("/v1/search", params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        ).json()
        hits += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    return hits


async def test_search_pages(catalogue_client: httpx.AsyncClient) -> None:
    for params in ({"q": "projekt"}, {"q": "cirkulär", "programme": PROGRAMME}):
        whole = (await catalogue_client.get("/v1/search", params={**params, "limit": 100})).json()
        assert len(whole["items"]) > 3 and whole["next_cursor"] is None, params
        first = (await catalogue_client.get("/v1/search", params={**params, "limit": 3})).json()
        assert first["items"] == whole["items"][:3] and first["next_cursor"] is not None
        assert await _pages(catalogue_client, params, 2, 100) == whole["items"], params
