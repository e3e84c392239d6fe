"""Commitments of approved applications: making one, all lines or none (`creation`, the budget's hot
path) with the SQL that writes it (`repository`), what it checks of its programme, kept per data
version (`references`), reading them (`reads`), and the releases and payments against one (`releases`)."""
