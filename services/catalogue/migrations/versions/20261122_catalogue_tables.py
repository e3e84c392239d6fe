"""Catalogue tables, and the full-text search of each backend.

Revision ID: 20261122_catalogue_tables
Revises:
Create Date: 2026-11-22

Exact decimals (shared.db.Fixed) are NUMERIC on PostgreSQL and integer counts of the smallest unit on
SQLite. Search: on PostgreSQL a GIN expression index per language's text search configuration (partial,
on that language's documents); on SQLite an FTS5 table over the stemmed copies, kept in step with
`search_documents` by triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "20261122_catalogue_tables"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")
FIXED4 = sa.Numeric(18, 4).with_variant(sa.BigInteger(), "sqlite")

# Document language -> PostgreSQL text search configuration (as services/catalogue/search/documents.py).
PG_CONFIGS = {"sv": "swedish", "nb": "norwegian", "nn": "norwegian", "da": "danish", "en": "english", "fi": "finnish"}


def _pg_vector(config: str) -> str:
    # Must be the very expression the search query uses, so that the planner picks the index.
    return (f"(setweight(to_tsvector('{config}'::regconfig, title), 'A') || "
            f"setweight(to_tsvector('{config}'::regconfig, body), 'D'))")


def _create_search_index() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for language, config in PG_CONFIGS.items():
            op.execute(f"CREATE INDEX ix_search_documents_fts_{language} ON search_documents "
                       f"USING gin ({_pg_vector(config)}) WHERE language = '{language}'")
    elif bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title_stem, body_stem, content='search_documents', "
                   "content_rowid='id', tokenize='unicode61 remove_diacritics 0')")
        op.execute("CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
                   "INSERT INTO search_fts(rowid, title_stem, body_stem) VALUES (new.id, new.title_stem, new.body_stem); END")
        op.execute("CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
                   "INSERT INTO search_fts(search_fts, rowid, title_stem, body_stem) "
                   "VALUES ('delete', old.id, old.title_stem, old.body_stem); END")
        op.execute("CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
                   "INSERT INTO search_fts(search_fts, rowid, title_stem, body_stem) "
                   "VALUES ('delete', old.id, old.title_stem, old.body_stem); "
                   "INSERT INTO search_fts(rowid, title_stem, body_stem) VALUES (new.id, new.title_stem, new.body_stem); END")


def _drop_search_index() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for language in PG_CONFIGS:
            op.execute(f"DROP INDEX IF EXISTS ix_search_documents_fts_{language}")
    elif bind.dialect.name == "sqlite":
        for trigger in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")


def upgrade() -> None:
    create_idempotency_table(op)
    op.create_table('programmes',
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('cci', sa.String(length=50), nullable=True),
    sa.Column('reference_prefix', sa.String(length=30), nullable=True),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('short_name', sa.JSON(), nullable=True),
    sa.Column('vision', sa.JSON(), nullable=True),
    sa.Column('description', sa.JSON(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('source_seeds', sa.JSON(), nullable=False),
    sa.Column('fixed_exchange_rates', sa.JSON(), nullable=False),
    sa.Column('allocations', sa.JSON(), nullable=False),
    sa.Column('smart_specialisation', sa.JSON(), nullable=False),
    sa.Column('cross_border_added_value', sa.JSON(), nullable=True),
    sa.Column('partnership', sa.JSON(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_programmes'))
    )
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('title_stem', sa.Text(), nullable=False),
    sa.Column('body_stem', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('programme', 'kind', 'code', 'language', name='uq_search_documents_key')
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_programme_language', ['programme', 'language'], unique=False)
    _create_search_index()

    op.create_table('calls',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opens_at_offset', sa.Integer(), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at_offset', sa.Integer(), nullable=True),
    sa.Column('decision_expected', sa.String(length=10), nullable=True),
    sa.Column('specific_objectives', sa.JSON(), nullable=False),
    sa.Column('project_types', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], name=op.f('fk_calls_programme_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    sa.UniqueConstraint('programme', 'number', name='uq_calls_programme_number')
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_programme'), ['programme'], unique=False)

    op.create_table('funds',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=True),
    sa.Column('amount', AMOUNT, nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], name=op.f('fk_funds_programme_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_funds'))
    )
    op.create_table('organisation_types',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=True),
    sa.Column('may_apply', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], name=op.f('fk_organisation_types_programme_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_organisation_types'))
    )
    op.create_table('priorities',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=True),
    sa.Column('share', FIXED4, nullable=True),
    sa.Column('total_financing', AMOUNT, nullable=True),
    sa.Column('total_financing_currency', sa.String(length=3), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], name=op.f('fk_priorities_programme_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_priorities'))
    )
    op.create_table('project_types',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=True),
    sa.Column('max_duration_months', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], name=op.f('fk_project_types_programme_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_project_types'))
    )
    op.create_table('sub_areas',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], name=op.f('fk_sub_areas_programme_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_sub_areas'))
    )
    op.create_table('regions',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('nuts_level', sa.Integer(), nullable=True),
    sa.Column('sub_area', sa.String(length=64), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('successors', sa.JSON(), nullable=False),
    sa.Column('predecessors', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme', 'sub_area'], ['sub_areas.programme', 'sub_areas.code'], name='fk_regions_sub_area_sub_areas'),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], name=op.f('fk_regions_programme_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_regions'))
    )
    op.create_table('specific_objectives',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.String(length=64), nullable=False),
    sa.Column('eu_code', sa.String(length=30), nullable=True),
    sa.Column('short_name', sa.JSON(), nullable=True),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=True),
    sa.Column('target_groups', sa.JSON(), nullable=True),
    sa.Column('effects', sa.JSON(), nullable=True),
    sa.Column('examples', sa.JSON(), nullable=False),
    sa.Column('partners', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme', 'priority'], ['priorities.programme', 'priorities.code'], name='fk_specific_objectives_priority_priorities'),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], name=op.f('fk_specific_objectives_programme_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_specific_objectives'))
    )
    op.create_table('example_projects',
    sa.Column('programme', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=True),
    sa.Column('specific_objective', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme', 'specific_objective'], ['specific_objectives.programme', 'specific_objectives.code'], name='fk_example_projects_specific_objective_specific_objectives'),
    sa.ForeignKeyConstraint(['programme'], ['programmes.code'], name=op.f('fk_example_projects_programme_programmes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme', 'code', name=op.f('pk_example_projects'))
    )


def downgrade() -> None:
    _drop_search_index()
    op.drop_table('example_projects')
    op.drop_table('specific_objectives')
    op.drop_table('regions')
    op.drop_table('sub_areas')
    op.drop_table('project_types')
    op.drop_table('priorities')
    op.drop_table('organisation_types')
    op.drop_table('funds')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_programme'))

    op.drop_table('calls')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_programme_language')

    op.drop_table('search_documents')
    op.drop_table('programmes')
    drop_idempotency_table(op)
