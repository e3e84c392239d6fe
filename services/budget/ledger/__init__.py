"""The append-only ledger and the balances kept beside it: the one factory of ledger entries (`entries`),
the running sums per programme × fund × priority and the 409 when one lacks room (`balances`), and the
proof that the balances still agree with the ledger (`reconciliation`)."""
