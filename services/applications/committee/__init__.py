"""The steering committee: the ranked list of a call against the budget's live figures (`ranking`), the
all-or-none session with its decisions, reserve list, conditions and reverts (`sessions`)."""
