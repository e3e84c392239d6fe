"""Tables of the eligibility service: rule sets, their immutable versions and the rules of each version.

A rule set (`rule_sets`) is the named, scoped thing ("the rules of Interreg Sverige–Norge", or of one
call); each change is a new row in `rule_set_versions` with its rules in `rule_set_rules`. Versions are
only ever inserted, never updated or deleted, so a report naming (id, version) can always be reproduced.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import Code, UTCDateTime, metadata
from shared.idempotency import idempotency_table

PROGRAMME_WIDE = "*"
"""`scope_key` of a rule set that applies to every call of its programme."""


class Base(DeclarativeBase):
    metadata = metadata()


class RuleSetRow(Base):
    """A rule set (regelverk): one per programme, optionally one per call that overrides it."""

    __tablename__ = "rule_sets"
    __table_args__ = (UniqueConstraint("programme", "scope_key", name="uq_rule_sets_programme_scope"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    programme: Mapped[str] = mapped_column(Code(), nullable=False, index=True)
    call_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    scope_key: Mapped[str] = mapped_column(String(36), nullable=False)
    """The call id, or `*` for the programme-wide set (NULLs are never equal in a unique index)."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class RuleSetVersionRow(Base):
    """One immutable version of a rule set."""

    __tablename__ = "rule_set_versions"

    rule_set_id: Mapped[str] = mapped_column(ForeignKey("rule_sets.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    description: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    """SHA-256 of the canonical JSON of the rules (so reloading an unchanged file adds nothing)."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict, server_default="{}")
    """Where the version's own texts come from (`name.en`, …)."""

    rules: Mapped[list[RuleRow]] = relationship(lazy="raise", order_by="RuleRow.position")


class RuleRow(Base):
    """One rule of a version: a check kind with its parameters and severity, at its position."""

    __tablename__ = "rule_set_rules"
    __table_args__ = (
        ForeignKeyConstraint(
            ["rule_set_id", "version"],
            ["rule_set_versions.rule_set_id", "rule_set_versions.version"],
            name="fk_rule_set_rules_version",
        ),
        UniqueConstraint("rule_set_id", "version", "code", name="uq_rule_set_rules_code"),
    )

    rule_set_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(Code(), nullable=False)
    kind: Mapped[str] = mapped_column(Code(), nullable=False)
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    source: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    """Where the rule comes from (seed and quote, derived, or outside the seeds)."""
    param_sources: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict, server_default="{}")


class RuleSetActivation(Base):
    """When a version goes live: an admin's activation with its effective instant (now or later). Only
    inserted, one per version: a check uses the version whose effective instant is the latest at or
    before the check's instant (`rule_sets/cache.py`). A version without one is a draft."""

    __tablename__ = "rule_set_activations"
    __table_args__ = (
        ForeignKeyConstraint(
            ["rule_set_id", "version"],
            ["rule_set_versions.rule_set_id", "rule_set_versions.version"],
            name="fk_rule_set_activations_version",
        ),
    )

    rule_set_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    activated_by: Mapped[str] = mapped_column(String(200), nullable=False)
    activated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class DataVersion(Base):
    """The rule sets' data version: one row that database triggers bump on every insert, update and delete
    of `rule_sets`, `rule_set_versions`, `rule_set_rules` and `rule_set_activations`, whoever writes (the API of any replica,
    `load-rules`). Replicas key what they keep of the rule sets by it (services/eligibility/rule_sets/cache.py)."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


idempotency_keys = idempotency_table(Base.metadata)
