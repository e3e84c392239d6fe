"""Intake: what an applicant writes before submitting — the application content (validation, totals, the
lines a commitment will hold), the cost options computed from it (flat rates, lump sums, unit costs),
drafts (create, edit), and two-step calls (a concept note invited to its full application)."""
