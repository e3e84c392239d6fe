"""The project stage, after the committee's decision: contracting, partner reports, first-level control,
project reports, payment claims, changes and closure. Empty until that stage lands (issue "After the
decision"); its modules follow the same file set as the other stages: domain modules here, SQL in the
service's `repository.py`, routes in `routes/<tag>.py`."""
