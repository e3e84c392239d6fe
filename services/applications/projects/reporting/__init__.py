"""Reporting after contracting: partner reports and their expenditure lines (`partner_reports.py`,
`lines.py`), their figures computed from the lines (`totals.py`), first-level control (`control.py`) and
project reports with the claims they owe (`project_reports.py`); their wire models in `schemas.py`."""
