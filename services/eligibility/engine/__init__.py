"""The rule engine: pure, synchronous code that evaluates a rule set against an application and the
catalogue's reference data, with no I/O. `rules` holds the registry of check kinds, the rules of a version,
`evaluate` and the report; `params` the parameters of each check kind (pydantic models); `context` what a
check reads and returns, with the helpers the checks share; `figures` the typed figures a message carries
until `services.eligibility.messages.render` renders them in a language."""
