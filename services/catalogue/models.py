"""The catalogue's tables: one row per programme entry, multilingual texts as JSON, exact money.

Entries are keyed by (programme, code) because the same code (a NUTS region, `ERDF`, a priority `1`)
appears in several programmes. `position` keeps the order of the data file.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared import db
from shared.idempotency import idempotency_table


class Base(DeclarativeBase):
    metadata = db.metadata()


def _programme_fk() -> Any:
    return ForeignKey("programmes.code", ondelete="CASCADE")


class Programme(Base):
    __tablename__ = "programmes"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    cci: Mapped[str | None] = mapped_column(String(50))
    reference_prefix: Mapped[str | None] = mapped_column(String(30))
    decisions: Mapped[str] = mapped_column(String(20), default="direct", server_default="direct")
    """`committee-only` (approvals only through a committee session) or `direct` (datafiles/format.py)."""
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    short_name: Mapped[dict[str, str] | None] = mapped_column(JSON)
    vision: Mapped[dict[str, str] | None] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    languages: Mapped[list[str]] = mapped_column(JSON)
    source_seeds: Mapped[list[str]] = mapped_column(JSON)
    fixed_exchange_rates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    allocations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    smart_specialisation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    cross_border_added_value: Mapped[dict[str, str] | None] = mapped_column(JSON)
    partnership: Mapped[dict[str, str] | None] = mapped_column(JSON)
    cost_options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    """The simplified cost options, each with its expanded `sources` (services/catalogue/datafiles/cost_options.py)."""
    assessment_criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    """The criteria sets assessors score against, the first the default (services/catalogue/datafiles/assessment_criteria.py)."""
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Where each value came from (`name.sv` -> "seed 000_…: «…»"); see services/catalogue/datafiles/sources.py."""
    position: Mapped[int] = mapped_column(Integer, default=0)


class Fund(Base):
    """A budget holder: an EU fund (ERDF), national money (NO-STATE) or an actor of an action plan."""

    __tablename__ = "funds"

    programme: Mapped[str] = mapped_column(String(100), _programme_fk(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    amount: Mapped[Decimal] = mapped_column(db.Amount())
    currency: Mapped[str] = mapped_column(String(3))
    country: Mapped[str | None] = mapped_column(String(2))
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Where each value came from (`name.sv` -> "seed 000_…: «…»"); see services/catalogue/datafiles/sources.py."""
    position: Mapped[int] = mapped_column(Integer)


class Priority(Base):
    """A priority (prioriteringsområde / hovedmål)."""

    __tablename__ = "priorities"

    programme: Mapped[str] = mapped_column(String(100), _programme_fk(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    share: Mapped[Decimal | None] = mapped_column(db.Fixed(scale=4))
    total_financing: Mapped[Decimal | None] = mapped_column(db.Amount())
    total_financing_currency: Mapped[str | None] = mapped_column(String(3))
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Where each value came from (`name.sv` -> "seed 000_…: «…»"); see services/catalogue/datafiles/sources.py."""
    position: Mapped[int] = mapped_column(Integer)


class SpecificObjective(Base):
    """A specific objective (specifikt mål / innsatsområde), or an action of an action plan."""

    __tablename__ = "specific_objectives"
    __table_args__ = (
        ForeignKeyConstraint(
            ["programme", "priority"],
            ["priorities.programme", "priorities.code"],
            name="fk_specific_objectives_priority_priorities",
        ),
    )

    programme: Mapped[str] = mapped_column(String(100), _programme_fk(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    priority: Mapped[str] = mapped_column(String(64))
    eu_code: Mapped[str | None] = mapped_column(String(30))
    short_name: Mapped[dict[str, str] | None] = mapped_column(JSON)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    target_groups: Mapped[dict[str, str] | None] = mapped_column(JSON)
    effects: Mapped[dict[str, str] | None] = mapped_column(JSON)
    examples: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    partners: Mapped[list[str]] = mapped_column(JSON)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Where each value came from (`name.sv` -> "seed 000_…: «…»"); see services/catalogue/datafiles/sources.py."""
    position: Mapped[int] = mapped_column(Integer)


class SubArea(Base):
    """A sub-area of the programme area (delområde), e.g. Nordens Gröna Bälte."""

    __tablename__ = "sub_areas"

    programme: Mapped[str] = mapped_column(String(100), _programme_fk(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Where each value came from (`name.sv` -> "seed 000_…: «…»"); see services/catalogue/datafiles/sources.py."""
    position: Mapped[int] = mapped_column(Integer)


class Region(Base):
    """A NUTS region of the programme area, with its validity (Viken ended 2023-12-31)."""

    __tablename__ = "regions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["programme", "sub_area"], ["sub_areas.programme", "sub_areas.code"], name="fk_regions_sub_area_sub_areas"
        ),
    )

    programme: Mapped[str] = mapped_column(String(100), _programme_fk(), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    country: Mapped[str] = mapped_column(String(2))
    nuts_level: Mapped[int | None] = mapped_column(Integer)
    sub_area: Mapped[str | None] = mapped_column(String(64))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    successors: Mapped[list[str]] = mapped_column(JSON)
    predecessors: Mapped[list[str]] = mapped_column(JSON)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Where each value came from (`name.sv` -> "seed 000_…: «…»"); see services/catalogue/datafiles/sources.py."""
    position: Mapped[int] = mapped_column(Integer)


class ProjectType(Base):
    __tablename__ = "project_types"

    programme: Mapped[str] = mapped_column(String(100), _programme_fk(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    max_duration_months: Mapped[int | None] = mapped_column(Integer)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Where each value came from (`name.sv` -> "seed 000_…: «…»"); see services/catalogue/datafiles/sources.py."""
    position: Mapped[int] = mapped_column(Integer)


class OrganisationType(Base):
    __tablename__ = "organisation_types"

    programme: Mapped[str] = mapped_column(String(100), _programme_fk(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    may_apply: Mapped[bool] = mapped_column(Boolean)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Where each value came from (`name.sv` -> "seed 000_…: «…»"); see services/catalogue/datafiles/sources.py."""
    position: Mapped[int] = mapped_column(Integer)


class ExampleProject(Base):
    """A real project the programme has funded (an illustration for applicants)."""

    __tablename__ = "example_projects"
    __table_args__ = (
        ForeignKeyConstraint(
            ["programme", "specific_objective"],
            ["specific_objectives.programme", "specific_objectives.code"],
            name="fk_example_projects_specific_objective_specific_objectives",
        ),
    )

    programme: Mapped[str] = mapped_column(String(100), _programme_fk(), primary_key=True)
    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    specific_objective: Mapped[str] = mapped_column(String(64))
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Where each value came from (`name.sv` -> "seed 000_…: «…»"); see services/catalogue/datafiles/sources.py."""
    position: Mapped[int] = mapped_column(Integer)


class Call(Base):
    """A call for applications (utlysning / utlysning). Times are stored in UTC together with the
    offset they were given in, so that a call opening at midnight Swedish time reads as it was set."""

    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("programme", "number", name="uq_calls_programme_number"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    programme: Mapped[str] = mapped_column(String(100), _programme_fk(), index=True)
    number: Mapped[str] = mapped_column(String(64))
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    opens_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())
    opens_at_offset: Mapped[int] = mapped_column(Integer, default=0)
    closes_at: Mapped[dt.datetime | None] = mapped_column(db.UTCDateTime())
    closes_at_offset: Mapped[int | None] = mapped_column(Integer)
    decision_expected: Mapped[str | None] = mapped_column(String(10))
    specific_objectives: Mapped[list[str]] = mapped_column(JSON)
    project_types: Mapped[list[str]] = mapped_column(JSON)
    assessment_criteria: Mapped[str | None] = mapped_column(String(64))
    """Code of the programme's criteria set the call is assessed against (null: the programme's first)."""
    concept_note: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    """Step 1 of a two-step call: its applications are concept notes."""
    concept_note_call_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """Step 2 of a two-step call: the step-1 call whose invited concept notes it takes."""
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    """Where each value came from (`name.sv` -> "seed 000_…: «…»"); see services/catalogue/datafiles/sources.py."""
    source: Mapped[str] = mapped_column(String(10))
    """`data` while the data file owns the call; `api` once an admin created or changed it."""
    created_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(200))


class SearchDocument(Base):
    """One searchable text: an entry of the catalogue in one language (title weighs more than body).

    PostgreSQL searches it through GIN expression indexes, one per language's text search
    configuration; SQLite through the FTS5 table `search_fts` that holds a stemmed copy."""

    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("programme", "kind", "code", "language", name="uq_search_documents_key"),
        Index("ix_search_documents_programme_language", "programme", "language"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    title_stem: Mapped[str] = mapped_column(Text)
    """Title with every word replaced by its Snowball stem (what SQLite's FTS5 indexes)."""
    body_stem: Mapped[str] = mapped_column(Text)


class PartnerEntry(Base):
    """A partner-search entry an organisation published: a profile or a project idea. Not reference data:
    its writes do not bump the data version, and no kept answer holds it (services/catalogue/partners/)."""

    __tablename__ = "partner_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """The order of publication (lists page by it, newest first)."""
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    author_sub: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    programme: Mapped[str] = mapped_column(String(100), _programme_fk(), index=True)
    organisation_name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2), index=True)
    organisation_type: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(16))
    specific_objectives: Mapped[list[str]] = mapped_column(JSON)
    objectives_key: Mapped[str] = mapped_column(String(400))
    """The codes as `,1A,2B,` (delimited on both sides) for the objective filter."""
    seeks: Mapped[dict[str, str]] = mapped_column(JSON)
    terms: Mapped[str] = mapped_column(Text)
    """Every word's Snowball stem (each text in its language, the name in each), ` a b c ` for the search."""
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_consented_at: Mapped[dt.datetime | None] = mapped_column(db.UTCDateTime())
    """When the author consented to show the contact; without consent no contact is stored."""
    published_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(db.UTCDateTime(), index=True)


class DataVersion(Base):
    """The catalogue's data version: one row that database triggers bump on every insert, update and
    delete of every other catalogue table (idempotency keys and partner-search entries aside), whoever writes. Replicas key their
    in-memory answers by it (services/catalogue/response_cache.py). A new table needs the triggers too
    (its migration calls `shared.data_version.create_version_triggers`; tests/test_response_cache.py checks)."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


idempotency_keys = idempotency_table(Base.metadata)

UNVERSIONED_TABLES = ("idempotency_keys", "data_version", "partner_entries")
"""Tables whose writes change no reference data: no data-version triggers (the answers kept per data
version never read them)."""

ENTRY_MODELS: tuple[type[Base], ...] = (
    ExampleProject,
    SpecificObjective,
    Region,
    SubArea,
    Priority,
    Fund,
    ProjectType,
    OrganisationType,
)
"""Entry tables in an order safe for deleting (children before parents)."""
