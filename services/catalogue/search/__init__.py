"""Full-text search over the catalogue: the text side (`documents`: documents per entry and language,
stemming, the query language, snippets) and answering a search (`answers`: each language asked on the
database's engine, merged by rank, paged). The SQL of both back ends is in `repository.py`."""
