"""The budget's reference data version: one row bumped by triggers on every write of programmes,
priorities, specific objectives and funds

Revision ID: 20261201_reference_version
Revises: 20261130_business_keys
Create Date: 2026-12-01

Replicas keep what a commitment checks of a programme (its currency, priorities, specific objectives and
funds) in process, keyed by this version, and re-read it at most every `BUDGET_DATA_VERSION_CHECK_MS`;
see services/budget/commitments/references.py. The triggers are on the four reference tables only (not balances,
ledger, commitments or idempotency keys), whoever writes: `POST /v1/sync` of any replica or `budget sync`.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from shared.data_version import create_data_version, drop_data_version

revision: str = "20261201_reference_version"
down_revision: str | None = "20261130_business_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ["budget_programmes", "budget_priorities", "budget_specific_objectives", "budget_funds"]


def upgrade() -> None:
    create_data_version(op, TABLES)


def downgrade() -> None:
    drop_data_version(op, TABLES)
