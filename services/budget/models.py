"""The budget's tables.

- `budget_programmes`, `budget_priorities`, `budget_specific_objectives`, `budget_funds`: what the
  catalogue defines, copied by `sync` (reference data used to validate requests).
- `ledger_entries`: the append-only ledger. Every movement of money is a row, never updated or deleted:
  `allocation` (sync), `reallocation` (admin; a pair of rows, minus on the source, plus on the target),
  `commitment`, `release`, `payment`, and the corrections' `correction` (set off on a later claim's
  payment) and `recovery` (money that came back), both negative on `paid`. `amount` is in the programme's currency; the original amount,
  currency and rate are kept beside it.
- `budget_balances`: one row per programme × fund × priority, kept in the same transaction as the
  ledger rows that move it. Columns are running sums of the ledger: `allocated` (allocation +
  reallocation), `committed` (gross commitments), `released`, `paid` (net of corrections), and the
  corrections of paid claims `corrected` (set off) and `recovered`. The report's "committed" is net:
  `committed - released`; `available = allocated - (committed - released)`. CHECK constraints make a
  negative or over-committed balance impossible to store, whatever the code above does.
- `commitments` and `commitment_lines`: the commitment documents (one line per fund and currency).
- `exchange_rates` (monthly, units per EUR) and `programme_fixed_rates` (a programme's fixed rate).
- `payment_claims`: a project report's claim on one fund of a project's commitment (submitted,
  authorised, paid); its payment is the one `payment` ledger entry naming it (`ledger_entries.claim_id`,
  unique: a claim is paid once, whatever retries or races).
- `claim_corrections`: corrections of paid claims, set off against the next claim or recovered; each
  settled by the one `correction` or `recovery` ledger entry naming it (`ledger_entries.correction_id`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    and_,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared import db
from shared.idempotency import idempotency_table
from shared.webhooks.tables import webhook_tables

UNALLOCATED = "unallocated"
"""The reserve priority of a fund whose programme gives no shares: not committable until reallocated."""

RATE_SCALE = 6
RATE_LIMIT = Decimal(10) ** (18 - RATE_SCALE)
"""Every rate is below this: the column holds 18 digits, `RATE_SCALE` of them decimals."""
"""Decimal places of a stored exchange rate (units per EUR); InforEuro publishes at most four."""

LEDGER_KINDS = ("allocation", "reallocation", "commitment", "release", "payment", "correction", "recovery")


class Base(DeclarativeBase):
    metadata = db.metadata()


class BudgetProgramme(Base):
    __tablename__ = "budget_programmes"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    synced_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())


class BudgetPriority(Base):
    __tablename__ = "budget_priorities"

    programme: Mapped[str] = mapped_column(ForeignKey("budget_programmes.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    share: Mapped[Decimal | None] = mapped_column(db.Fixed(scale=6), nullable=True)


class BudgetSpecificObjective(Base):
    __tablename__ = "budget_specific_objectives"

    programme: Mapped[str] = mapped_column(ForeignKey("budget_programmes.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    priority: Mapped[str] = mapped_column(String(64))


class BudgetFund(Base):
    __tablename__ = "budget_funds"

    programme: Mapped[str] = mapped_column(ForeignKey("budget_programmes.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(db.Amount())
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))
    """How sync allocated it: `explicit` (the programme's allocations), `shares`, or `reserve`."""


class BudgetBalance(Base):
    __tablename__ = "budget_balances"
    __table_args__ = (
        CheckConstraint("allocated >= 0", name="allocated_not_negative"),
        CheckConstraint("committed >= 0 AND released >= 0 AND paid >= 0", name="sums_not_negative"),
        CheckConstraint("released + paid <= committed", name="not_over_released_or_paid"),
        CheckConstraint("committed - released <= allocated", name="not_over_committed"),
        CheckConstraint("corrected >= 0 AND recovered >= 0", name="corrections_not_negative"),
    )

    programme: Mapped[str] = mapped_column(ForeignKey("budget_programmes.code"), primary_key=True)
    fund: Mapped[str] = mapped_column(String(64), primary_key=True)
    priority: Mapped[str] = mapped_column(String(64), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    allocated: Mapped[Decimal] = mapped_column(db.Amount())
    committed: Mapped[Decimal] = mapped_column(db.Amount())
    released: Mapped[Decimal] = mapped_column(db.Amount())
    paid: Mapped[Decimal] = mapped_column(db.Amount())
    """Net: payments less the corrections set off and the recoveries (`corrected`, `recovered`)."""
    corrected: Mapped[Decimal] = mapped_column(db.Amount(), default=Decimal(0))
    """Corrections of paid claims set off against later claims (the ledger's `correction` entries, positive)."""
    recovered: Mapped[Decimal] = mapped_column(db.Amount(), default=Decimal(0))
    """Corrections of paid claims whose money came back (the ledger's `recovery` entries, positive)."""

    @property
    def committed_net(self) -> Decimal:
        return self.committed - self.released

    @property
    def available(self) -> Decimal:
        return self.allocated - self.committed_net


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('allocation', 'reallocation', 'commitment', 'release', 'payment', 'correction', 'recovery')",
            name="kind_known",
        ),
        Index("ix_ledger_entries_programme_fund_priority", "programme", "fund", "priority"),
        Index("ix_ledger_entries_commitment_id", "commitment_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    programme: Mapped[str] = mapped_column(String(100))
    fund: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(db.Amount())
    """Signed, in the programme's currency (a reallocation's source row is negative)."""
    currency: Mapped[str] = mapped_column(String(3))
    original_amount: Mapped[Decimal] = mapped_column(db.Amount())
    original_currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal | None] = mapped_column(db.Fixed(scale=10, precision=28), nullable=True)
    rate_source: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))
    """yyyy-mm (Europe/Brussels) of the posting: the month whose rate applied."""
    commitment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    specific_objective: Mapped[str | None] = mapped_column(String(64), nullable=True)
    call_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())
    claim_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    """The payment claim a `payment` entry pays (unique: one payment per claim); null for every other entry."""
    correction_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    """The correction a `correction` or `recovery` entry settles (unique: settled once); null otherwise."""


Index("uq_ledger_entries_claim_id", LedgerEntry.claim_id, unique=True)
"""A claim is paid by one ledger entry at most, whoever confirms it how often (NULLs are distinct)."""
Index("uq_ledger_entries_correction_id", LedgerEntry.correction_id, unique=True)
"""A correction is settled by one ledger entry at most (set off on a claim's payment, or recovered)."""


class Commitment(Base):
    __tablename__ = "commitments"
    __table_args__ = (Index("ix_commitments_programme_application", "programme", "application_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    programme: Mapped[str] = mapped_column(ForeignKey("budget_programmes.code"))
    application_id: Mapped[str] = mapped_column(String(100))
    application_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The approved version of a project's application (null for the secretariat's own commitments on a
    priority without specific objectives, e.g. technical assistance)."""
    priority: Mapped[str] = mapped_column(String(64))
    specific_objective: Mapped[str | None] = mapped_column(String(64), nullable=True)
    call_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())


_ACTIVE_PROJECT = and_(Commitment.status != "released", Commitment.application_version.is_not(None))
Index(
    "uq_commitments_active_application_version",
    Commitment.programme,
    Commitment.application_id,
    Commitment.application_version,
    unique=True,
    postgresql_where=_ACTIVE_PROJECT,
    sqlite_where=_ACTIVE_PROJECT,
)
"""One active commitment per (programme, application, version), whoever asks: the business key."""


class CommitmentLine(Base):
    __tablename__ = "commitment_lines"
    __table_args__ = (
        CheckConstraint("released >= 0 AND paid >= 0", name="sums_not_negative"),
        CheckConstraint("released + paid <= amount_programme", name="not_over_released_or_paid"),
    )

    commitment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("commitments.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    fund: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(db.Amount())
    currency: Mapped[str] = mapped_column(String(3))
    amount_programme: Mapped[Decimal] = mapped_column(db.Amount())
    rate: Mapped[Decimal | None] = mapped_column(db.Fixed(scale=10, precision=28), nullable=True)
    rate_source: Mapped[str] = mapped_column(String(20))
    released: Mapped[Decimal] = mapped_column(db.Amount())
    paid: Mapped[Decimal] = mapped_column(db.Amount())

    @property
    def remaining(self) -> Decimal:
        return self.amount_programme - self.released - self.paid


class CommitmentMove(Base):
    """A keyed release applied to a commitment: the same key again changes nothing, whoever asks."""

    __tablename__ = "commitment_moves"

    commitment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("commitments.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())


class PaymentClaim(Base):
    """A claim on one fund of a project's commitment, in the fund's claim currency (the commitment line's
    original currency): `asked` as the verified project report asked, `amount` capped by what remained.
    `submitted` → `authorised` (one finance officer) → `paid` (another one; the ledger's `payment`
    naming it). Who did each step and when is kept on the row (each step happens once)."""

    __tablename__ = "payment_claims"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'authorised', 'paid')", name="status_known"),
        CheckConstraint("amount > 0 AND amount <= asked", name="amount_capped"),
        CheckConstraint("deducted >= 0 AND deducted < amount", name="deduction_below_amount"),
        Index("ix_payment_claims_commitment_id", "commitment_id"),
        Index("ix_payment_claims_programme_created", "programme", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    programme: Mapped[str] = mapped_column(String(100))
    commitment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("commitments.id"))
    application_id: Mapped[str] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(64))
    fund: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    asked: Mapped[Decimal] = mapped_column(db.Amount())
    amount: Mapped[Decimal] = mapped_column(db.Amount())
    certified: Mapped[Decimal] = mapped_column(db.Amount())
    certified_currency: Mapped[str] = mapped_column(String(3))
    co_financing_rate: Mapped[Decimal] = mapped_column(db.Fixed(scale=10, precision=28))
    project_report_id: Mapped[str] = mapped_column(String(100))
    period: Mapped[int] = mapped_column(Integer)
    final: Mapped[bool] = mapped_column(Boolean)
    application_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())
    authorised_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    authorised_at: Mapped[dt.datetime | None] = mapped_column(db.UTCDateTime(), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(db.UTCDateTime(), nullable=True)
    paid_programme: Mapped[Decimal | None] = mapped_column(db.Amount(), nullable=True)
    """The payment posted on the ledger, in the programme's currency (before the corrections set off)."""
    deducted: Mapped[Decimal] = mapped_column(db.Amount(), default=Decimal(0))
    """Corrections of earlier paid claims set off against this one, in its currency: it pays `amount − deducted`."""


class Correction(Base):
    """A financial correction of a paid claim (`claims/corrections.py`): an amount of it found ineligible,
    in the claim's currency (and at the claim's own proportion in the programme's), with its typology,
    origin and flags, and its effect: `next-claim` (set off against the next claim on the same commitment
    and fund: `open` → `set-off` when that claim is made → `settled` when it is paid) or `recovery` (a
    recovery order with a due date: `open` → `settled` when the money comes back, by a second person).
    Its settlement is the one `correction` or `recovery` ledger entry naming it."""

    __tablename__ = "claim_corrections"
    __table_args__ = (
        CheckConstraint("amount > 0 AND amount_programme > 0", name="amount_positive"),
        CheckConstraint("origin IN ('control', 'audit', 'commission')", name="origin_known"),
        CheckConstraint("effect IN ('next-claim', 'recovery')", name="effect_known"),
        CheckConstraint("status IN ('open', 'set-off', 'settled')", name="status_known"),
        Index("ix_claim_corrections_commitment_id", "commitment_id"),
        Index("ix_claim_corrections_claim_id", "claim_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    programme: Mapped[str] = mapped_column(String(100))
    commitment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("commitments.id"))
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_claims.id"))
    application_id: Mapped[str] = mapped_column(String(100))
    fund: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(db.Amount())
    amount_programme: Mapped[Decimal] = mapped_column(db.Amount())
    typology: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(16))
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    effect: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    set_off_claim_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    """The claim it is set off against (effect `next-claim`)."""
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())
    settled_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    settled_at: Mapped[dt.datetime | None] = mapped_column(db.UTCDateTime(), nullable=True)
    received_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ExchangeRate(Base):
    """A monthly accounting rate: units of `currency` per 1 EUR (InforEuro convention)."""

    __tablename__ = "exchange_rates"
    __table_args__ = (CheckConstraint("units_per_eur > 0", name="positive"),)

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    units_per_eur: Mapped[Decimal] = mapped_column(db.Fixed(scale=RATE_SCALE))
    source: Mapped[str] = mapped_column(String(20))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())


class ProgrammeFixedRate(Base):
    """A programme's fixed rate for a currency; wins over the monthly rate."""

    __tablename__ = "programme_fixed_rates"
    __table_args__ = (CheckConstraint("units_per_eur > 0", name="positive"),)

    programme: Mapped[str] = mapped_column(ForeignKey("budget_programmes.code"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    units_per_eur: Mapped[Decimal] = mapped_column(db.Fixed(scale=RATE_SCALE))
    source: Mapped[str] = mapped_column(String(20))
    """`catalogue` (set by sync) or `admin` (set by PUT; sync never overwrites it)."""
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(db.UTCDateTime())


class DataVersion(Base):
    """The reference data's version: one row that database triggers bump on every insert, update and
    delete of `budget_programmes`, `budget_priorities`, `budget_specific_objectives` and `budget_funds`,
    whoever writes (`POST /v1/sync` of any replica, `budget sync`). Replicas key what they keep of the
    reference data by it (services/budget/commitments/references.py)."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


idempotency_keys = idempotency_table(Base.metadata)
webhooks = webhook_tables(Base.metadata)
"""Webhook subscriptions, the deliveries of the budget's events and their log (`shared.webhooks`)."""
