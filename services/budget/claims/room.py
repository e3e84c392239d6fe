"""What remains to claim on a commitment's line, and what unpaid claims hold of it.

A fund's claims are in the commitment line's original currency (ERDF lines in EUR, NO-STATE lines in
NOK): what the project's side reported in. A line keeps its amount in that currency and, converted at
commitment, in the programme's (`amount_programme`); releases and payments are kept in the programme's.
What remains to claim, in the line's currency, is

    amount − paid by claims − held by unpaid claims − (released + paid otherwise, back in the line's currency)

where "back in the line's currency" is at the line's own proportion `amount / amount_programme` (exact
when all of it is released), rounded once (`round_minor`); nothing remains once the line's programme
remainder (`amount_programme − released − paid`) is zero. Unpaid claims (submitted or authorised) hold
their amount less the corrections set off against them (what they will pay): a release leaves it on the commitment (converted at the same proportion), so a claim that
was authorised before a project closed can still be paid after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.budget import models as m
from shared.money import round_minor

UNPAID = ("submitted", "authorised")


@dataclass(frozen=True)
class Room:
    """The lines of one fund in one currency on a commitment, and what claims do with them."""

    fund: str
    currency: str
    programme_currency: str
    lines: list[m.CommitmentLine]
    paid_by_claims: Decimal
    """In the line's currency."""
    paid_by_claims_programme: Decimal
    held: Decimal
    """By unpaid claims, in the line's currency."""

    @property
    def amount(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal(0))

    @property
    def amount_programme(self) -> Decimal:
        return sum((ln.amount_programme for ln in self.lines), Decimal(0))

    @property
    def remaining_programme(self) -> Decimal:
        return sum((ln.remaining for ln in self.lines), Decimal(0))

    def to_line_currency(self, programme_amount: Decimal) -> Decimal:
        if self.currency == self.programme_currency or self.amount_programme == 0:
            return programme_amount
        return round_minor(programme_amount * self.amount / self.amount_programme, self.currency)

    def to_programme_share(self, line_amount: Decimal) -> Decimal:
        """A line-currency amount at the line's own proportion, in the programme's currency."""
        if self.currency == self.programme_currency or self.amount == 0:
            return line_amount
        return round_minor(line_amount * self.amount_programme / self.amount, self.programme_currency)

    @property
    def free(self) -> Decimal:
        """What a new claim may take, in the line's currency (never negative)."""
        if self.remaining_programme <= 0:
            return Decimal(0)
        moved = sum((ln.released + ln.paid for ln in self.lines), Decimal(0)) - self.paid_by_claims_programme
        left = self.amount - self.paid_by_claims - self.held - self.to_line_currency(moved)
        return max(left, Decimal(0))

    @property
    def held_programme(self) -> Decimal:
        """What unpaid claims hold, in the programme's currency, never more than the lines' remainder."""
        return min(self.to_programme_share(self.held), self.remaining_programme)


def room(
    fund: str,
    currency: str,
    programme_currency: str,
    lines: Sequence[m.CommitmentLine],
    claims: Iterable[m.PaymentClaim],
    *,
    leaving_out: m.PaymentClaim | None = None,
) -> Room:
    """The room of `fund` in `currency` on a commitment's `lines`, given its `claims` (`leaving_out` one of
    them, as if it held nothing: the claim being confirmed)."""
    mine = [ln for ln in lines if ln.fund == fund and ln.currency == currency]
    paid, paid_programme, held = Decimal(0), Decimal(0), Decimal(0)
    for c in claims:
        if c.fund != fund or c.currency != currency or c is leaving_out:
            continue
        if c.status == "paid":
            paid += c.amount
            paid_programme += c.paid_programme or Decimal(0)
        elif c.status in UNPAID:
            held += c.amount - c.deducted  # what it will pay: its set-offs give their room back as it does
    return Room(fund, currency, programme_currency, mine, paid, paid_programme, held)


def held_per_line(
    lines: Sequence[m.CommitmentLine], claims: Sequence[m.PaymentClaim], programme_currency: str
) -> dict[int, Decimal]:
    """What unpaid claims hold of each line (by `line_no`), in the programme's currency: each fund and
    currency's hold spread over its lines in line order, each up to what remains on it."""
    out: dict[int, Decimal] = {}
    groups = {(c.fund, c.currency) for c in claims if c.status in UNPAID}
    for fund, currency in sorted(groups):
        r = room(fund, currency, programme_currency, lines, claims)
        left = r.held_programme
        for ln in r.lines:
            part = min(ln.remaining, left)
            if part > 0:
                out[ln.line_no] = part
                left -= part
    return out
