"""The eligibility service. Its rule engine's modules may run compiled (`shared.compiled`): an extension
older than its source is refused here, before any of them is imported."""

from shared.compiled import check_fresh

check_fresh()
