"""budget_refuse(reason): what a commitment's one statement calls to undo itself as a whole

Revision ID: 20261204_commitment_refusal
Revises: 20261201_reference_version
Create Date: 2026-12-04

On PostgreSQL a new commitment of one fund is written by one statement run outside a transaction
(services/budget/commitments/repository.py): it claims the request's Idempotency-Key, takes the room from the
balance and inserts the commitment, its line and its ledger entry, and PostgreSQL commits it when it ends.
When the priority lacks the room, the claim (made first, before the balance row is locked) must not stay:
the statement then calls budget_refuse(), which raises, and PostgreSQL undoes all of it. SQLite has no
such path (its commitments are plain transactions), so nothing is made there.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "20261204_commitment_refusal"
down_revision: str | None = "20261201_reference_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION budget_refuse(reason text) RETURNS integer LANGUAGE plpgsql VOLATILE AS $$\n"
        "BEGIN\n"
        "  RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = reason;\n"
        "END\n"
        "$$"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION budget_refuse(text)")
