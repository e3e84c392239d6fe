"""The rule engine: pure, synchronous code that evaluates a rule set against an application and the
catalogue's reference data, with no I/O. `rules` holds the registry of check kinds, the rules of a version,
`evaluate` and the report; `params` the parameters of each check kind (pydantic models); `context` what a
check reads and returns, with the helpers the checks share; `figures` the typed figures a message carries
until `services.eligibility.messages.render` renders them in a language."""

COMPILED = (
    "services.eligibility.engine.figures",
    "services.eligibility.messages.render",
    "services.eligibility.engine.context",
    "services.eligibility.engine.checks.project",
    "services.eligibility.engine.checks.call",
    "services.eligibility.engine.checks.money",
    "services.eligibility.engine.checks.state_aid",
)
"""The modules built as C extensions with mypyc (`shared.compiled`): pure, synchronous code only, what runs per
check and reads nothing but its arguments; with them the rendering of messages, which every report runs. In
dependency order, each after the compiled modules it imports. A literal tuple of names: `shared.compiled` reads
it from this file without importing anything of the service, whose `__init__` refuses stale extensions (the
very ones a build replaces). `rules` and `params` are not compiled (registry and pydantic models)."""
