"""The rule sets as the service keeps them: `versions` stores the next version of a set (immutable, numbered
1, 2, …) and reads and lists sets and versions; `cache` keeps what a check needs of them in process (the
rules of each version, and the index of sets per data version); `files` reads the rule-set files of `data/`
and loads a folder of them (`load-rules`, and the first start)."""
