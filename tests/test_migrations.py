"""Every service's migrations build exactly the schema its models describe, on SQLite and PostgreSQL.

A fresh database is migrated to head (`alembic upgrade head`, as `python -m services.<name> migrate`
does) and compared with `services.<name>.models.Base.metadata` by Alembic's autogenerate: any
difference (a missing or extra table, column, index, unique or foreign key, a nullable or a type that
differs) fails. Types are compared as the backend stores them: `shared.db.Fixed` is NUMERIC(p, s) on
PostgreSQL and BIGINT on SQLite, so on SQLite a money column is compared as the BIGINT its dialect
implementation is, not as a NUMERIC. CHECK constraints, which autogenerate does not compare, are
compared by name.

A few objects exist only in the migrations on purpose: the catalogue's full-text search (an FTS5 table
on SQLite, GIN expression indexes on PostgreSQL). They are listed here, left out of the comparison and
asserted to exist, so that they can neither hide a difference nor go missing.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Column, MetaData, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from shared.db import create_engine, upgrade
from tests.harness import fresh_database

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("catalogue", "applications", "eligibility", "budget")

_LANGUAGES = ("sv", "nb", "nn", "da", "en", "fi")
# (service, backend) -> {(object type, name)} that the migrations create outside the models, on purpose.
MIGRATION_ONLY: dict[tuple[str, str], set[tuple[str, str]]] = {
    ("catalogue", "sqlite"): {
        ("table", name)
        for name in ("search_fts", "search_fts_config", "search_fts_data", "search_fts_docsize", "search_fts_idx")
    },
    ("catalogue", "postgresql"): {("index", f"ix_search_documents_fts_{lang}") for lang in _LANGUAGES},
}


def compare_type(
    context: MigrationContext,
    inspected_column: Column[Any],
    metadata_column: Column[Any],
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    """A TypeDecorator (`shared.db.Fixed`) is compared as the type it stores on this backend (its
    `load_dialect_impl`: NUMERIC(p, s) on PostgreSQL, BIGINT on SQLite); every other type by Alembic's
    own comparison. True means 'different'."""
    if not isinstance(metadata_type, TypeDecorator):
        return None
    stored = metadata_type.load_dialect_impl(context.dialect)
    stand_in: Column[Any] = Column(metadata_column.name, stored, nullable=metadata_column.nullable)
    return bool(context.impl.compare_type(inspected_column, stand_in))


def schema_diff(url: str, md: MetaData, migration_only: set[tuple[str, str]]) -> tuple[list[Any], set[tuple[str, str]]]:
    """Autogenerate's differences between the database at `url` and `md`, plus the migration-only
    objects that were seen (and left out)."""
    seen: set[tuple[str, str]] = set()

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if reflected and compare_to is None and (type_, str(name)) in migration_only:
            seen.add((type_, str(name)))
            return False
        return True

    def check_constraint_diff(conn: Connection) -> list[Any]:
        inspector = inspect(conn)
        diffs: list[Any] = []
        for table in md.sorted_tables:
            expected = {str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)}
            actual = {str(c["name"]) for c in inspector.get_check_constraints(table.name)}
            if expected != actual:
                diffs.append(("check_constraints", table.name, sorted(expected - actual), sorted(actual - expected)))
        return diffs

    def run(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": compare_type, "include_object": include_object, "target_metadata": md},
        )
        return [*compare_metadata(context, md), *check_constraint_diff(conn)]

    async def main() -> list[Any]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(run)
        finally:
            await engine.dispose()

    return asyncio.run(main()), seen


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_models(backend: str, service: str, tmp_path: Path) -> None:
    """Named `test_migrations_match_models[<backend>-<service>]`: .ci/run counts the PostgreSQL ones."""
    md = importlib.import_module(f"services.{service}.models").Base.metadata
    migration_only = MIGRATION_ONLY.get((service, backend), set())
    with fresh_database(backend, f"migrations_{service}", tmp_path) as url:
        upgrade(ROOT / "services" / service / "alembic.ini", url)
        diffs, seen = schema_diff(url, md, migration_only)
    assert diffs == [], f"{service} migrations differ from services.{service}.models on {backend}: {diffs}"
    assert seen == migration_only, f"{service}: migration-only objects missing on {backend}: {migration_only - seen}"


def test_comparison_catches_real_differences(backend: str, tmp_path: Path) -> None:
    """The comparison above is not blind: a wrong scale, a missing column, index or check, a nullable
    and a length are all reported, while a Fixed column stored as its dialect type is not."""
    from sqlalchemy import Index, Integer, String, Table, text

    from shared.db import Fixed, metadata

    stored = "BIGINT" if backend == "sqlite" else "NUMERIC(18, 2)"
    wrong = "NUMERIC(18, 2)" if backend == "sqlite" else "NUMERIC(18, 6)"
    md = metadata()
    Table(
        "t",
        md,
        Column("id", Integer, primary_key=True),
        Column("amount", Fixed(), nullable=False),
        Column("rate", Fixed(), nullable=False),
        Column("code", String(20), nullable=False),
        Column("missing", Integer, nullable=True),
        CheckConstraint("id > 0", name="positive"),
        Index("ix_t_code", "code"),
    )

    async def create(url: str) -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        f"CREATE TABLE t (id INTEGER NOT NULL, amount {stored} NOT NULL, rate {wrong} NOT NULL, "
                        "code VARCHAR(10), CONSTRAINT pk_t PRIMARY KEY (id))"
                    )
                )
        finally:
            await engine.dispose()

    with fresh_database(backend, "migrations_probe", tmp_path) as url:
        asyncio.run(create(url))
        diffs, _ = schema_diff(url, md, set())

    def kinds(d: Any) -> Any:
        items = d if isinstance(d, list) else [d]
        return {(i[0], i[3]) if i[0].startswith("modify_") else (i[0],) for i in items}

    found = set().union(*(kinds(d) for d in diffs))
    assert found == {
        ("add_column",),
        ("add_index",),
        ("modify_type", "rate"),
        ("modify_type", "code"),
        ("modify_nullable", "code"),
        ("check_constraints",),
    }, diffs
