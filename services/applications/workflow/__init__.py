"""The workflow: the transition tables (`transitions` for the application's status, `commitment` for the
budget side of a decision), who may act (`access`), how a move is read, planned and applied (`moves`),
and the moves with effects elsewhere: submission (owing the eligibility check) and the decisions (owing a
commitment or a release)."""
