"""What this service asks of and owes other services: the typed upstream clients (`upstreams`), the one
registry of outbox message kinds with what each sends and what its answer changes (`deliveries`), and the
comparison of approved applications with the budget's commitments, with its repair (`reconciliation`)."""
