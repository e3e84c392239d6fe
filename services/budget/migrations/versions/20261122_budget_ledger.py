"""Budget: reference copy of the programmes, the ledger, balances, commitments and exchange rates.

Hand-checked: exact decimals are shared.db.Fixed (NUMERIC on PostgreSQL, integer minor units on
SQLite) with the scale of the model; CHECK constraints are plain SQL valid on both backends.

Revision ID: 20261122_budget_ledger
Revises:
Create Date: 2026-11-22 18:04:33.480826
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db
from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "20261122_budget_ledger"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('budget_programmes',
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_budget_programmes'))
    )
    op.create_table('exchange_rates',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('units_per_eur', shared.db.Fixed(scale=6), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('units_per_eur > 0', name=op.f('ck_exchange_rates_positive')),
    sa.PrimaryKeyConstraint('currency', 'month', name=op.f('pk_exchange_rates'))
    )
    create_idempotency_table(op)
    op.create_table('ledger_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('fund', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', shared.db.Fixed(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('original_amount', shared.db.Fixed(), nullable=False),
    sa.Column('original_currency', sa.String(length=3), nullable=False),
    sa.Column('rate', shared.db.Fixed(scale=10, precision=28), nullable=True),
    sa.Column('rate_source', sa.String(length=20), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('commitment_id', sa.Uuid(), nullable=True),
    sa.Column('specific_objective', sa.String(length=64), nullable=True),
    sa.Column('call_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('allocation', 'reallocation', 'commitment', 'release', 'payment')", name=op.f('ck_ledger_entries_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    op.create_index('ix_ledger_entries_commitment_id', 'ledger_entries', ['commitment_id'], unique=False)
    op.create_index('ix_ledger_entries_programme_fund_priority', 'ledger_entries', ['programme', 'fund', 'priority'], unique=False)
    op.create_table('budget_balances',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('fund', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('allocated', shared.db.Fixed(), nullable=False),
    sa.Column('committed', shared.db.Fixed(), nullable=False),
    sa.Column('released', shared.db.Fixed(), nullable=False),
    sa.Column('paid', shared.db.Fixed(), nullable=False),
    sa.CheckConstraint('allocated >= 0', name=op.f('ck_budget_balances_allocated_not_negative')),
    sa.CheckConstraint('committed - released <= allocated', name=op.f('ck_budget_balances_not_over_committed')),
    sa.CheckConstraint('committed >= 0 AND released >= 0 AND paid >= 0', name=op.f('ck_budget_balances_sums_not_negative')),
    sa.CheckConstraint('released + paid <= committed', name=op.f('ck_budget_balances_not_over_released_or_paid')),
    sa.ForeignKeyConstraint(['programme'], ['budget_programmes.code'], name=op.f('fk_budget_balances_programme_budget_programmes')),
    sa.PrimaryKeyConstraint('programme', 'fund', 'priority', name=op.f('pk_budget_balances'))
    )
    op.create_table('budget_funds',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('amount', shared.db.Fixed(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['programme'], ['budget_programmes.code'], name=op.f('fk_budget_funds_programme_budget_programmes')),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_budget_funds'))
    )
    op.create_table('budget_priorities',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('share', shared.db.Fixed(scale=6), nullable=True),
    sa.ForeignKeyConstraint(['programme'], ['budget_programmes.code'], name=op.f('fk_budget_priorities_programme_budget_programmes')),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_budget_priorities'))
    )
    op.create_table('budget_specific_objectives',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['programme'], ['budget_programmes.code'], name=op.f('fk_budget_specific_objectives_programme_budget_programmes')),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_budget_specific_objectives'))
    )
    op.create_table('commitments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('application_id', sa.String(length=100), nullable=False),
    sa.Column('priority', sa.String(length=64), nullable=False),
    sa.Column('specific_objective', sa.String(length=64), nullable=True),
    sa.Column('call_id', sa.Uuid(), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme'], ['budget_programmes.code'], name=op.f('fk_commitments_programme_budget_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments'))
    )
    op.create_index('ix_commitments_programme_application', 'commitments', ['programme', 'application_id'], unique=False)
    op.create_table('programme_fixed_rates',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('units_per_eur', shared.db.Fixed(scale=6), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('units_per_eur > 0', name=op.f('ck_programme_fixed_rates_positive')),
    sa.ForeignKeyConstraint(['programme'], ['budget_programmes.code'], name=op.f('fk_programme_fixed_rates_programme_budget_programmes')),
    sa.PrimaryKeyConstraint('programme', 'currency', name=op.f('pk_programme_fixed_rates'))
    )
    op.create_table('commitment_lines',
    sa.Column('commitment_id', sa.Uuid(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('fund', sa.String(length=64), nullable=False),
    sa.Column('amount', shared.db.Fixed(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_programme', shared.db.Fixed(), nullable=False),
    sa.Column('rate', shared.db.Fixed(scale=10, precision=28), nullable=True),
    sa.Column('rate_source', sa.String(length=20), nullable=False),
    sa.Column('released', shared.db.Fixed(), nullable=False),
    sa.Column('paid', shared.db.Fixed(), nullable=False),
    sa.CheckConstraint('released + paid <= amount_programme', name=op.f('ck_commitment_lines_not_over_released_or_paid')),
    sa.CheckConstraint('released >= 0 AND paid >= 0', name=op.f('ck_commitment_lines_sums_not_negative')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_lines_commitment_id_commitments')),
    sa.PrimaryKeyConstraint('commitment_id', 'line_no', name=op.f('pk_commitment_lines'))
    )


def downgrade() -> None:
    op.drop_table('commitment_lines')
    op.drop_table('programme_fixed_rates')
    op.drop_index('ix_commitments_programme_application', table_name='commitments')
    op.drop_table('commitments')
    op.drop_table('budget_specific_objectives')
    op.drop_table('budget_priorities')
    op.drop_table('budget_funds')
    op.drop_table('budget_balances')
    op.drop_index('ix_ledger_entries_programme_fund_priority', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_commitment_id', table_name='ledger_entries')
    op.drop_table('ledger_entries')
    drop_idempotency_table(op)
    op.drop_table('exchange_rates')
    op.drop_table('budget_programmes')
