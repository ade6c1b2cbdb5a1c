"""The shop day's arithmetic: counting cash by denomination, the cash a drawer should
hold, the difference at closing, and the figures of an X or Z report worked out
from plain rows. Pure: no database, no Kivy; kiosk/services/till_sessions.py reads
the rows and stores what this module works out.

Expected cash in the drawer (one formula, here and nowhere else)::

    float + cash received for sales - change given - cash refunds + cash in - cash out

"Cash received" is what customers handed over (a payment's ``tendered``), so the
change given back is subtracted explicitly, as a cashier reckons it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from kiosk.core.errors import DomainError
from kiosk.i18n import N_, format_money, translate

# Coins counted at closing besides the notes of ``[currency] cash_notes`` (major units).
DEFAULT_COINS = {
    "COP": [50, 100, 200, 500, 1000],
}
DEFAULT_COINS_MINOR = [1, 5, 10, 25, 50, 100]  # cents of a two-decimal currency


class NegativeCount(DomainError):
    code = "negative_count"
    template = N_("The count of {denomination} cannot be negative.")


class UnknownDenomination(DomainError):
    code = "unknown_denomination"
    template = N_("{denomination} is not a note or coin of this till.")


class NegativeAmount(DomainError):
    code = "negative_amount"
    template = N_("The amount cannot be negative.")


class NoteRequired(DomainError):
    code = "note_required"
    template = N_("The count differs from the expected cash by {difference}: write a note saying why.")


class MovementKind(StrEnum):
    CASH_IN = "in"
    CASH_OUT = "out"


# Reasons offered for a cash movement (any other text is allowed too).
MOVEMENT_REASONS = {
    "change": N_("Change top-up"),
    "supplier": N_("Paid out to a supplier"),
    "safe_drop": N_("Safe drop"),
}


def reason_text(reason: str, language: str | None = None) -> str:
    label = MOVEMENT_REASONS.get(reason)
    return translate(label, language) if label else reason


def denominations(notes_minor: Iterable[int], coins_minor: Iterable[int]) -> list[int]:
    """Every note and coin value a count asks for, largest first, without repeats."""
    return sorted(set(notes_minor) | set(coins_minor), reverse=True)


def count_total(counts: Mapping[int, int], allowed: Iterable[int] | None = None) -> int:
    """The cash a count by denomination adds up to (minor units). ``counts`` maps a
    note or coin value (minor units) to how many of it. Raises NegativeCount for a
    negative count and UnknownDenomination for a value not in ``allowed``."""
    known = set(allowed) if allowed is not None else None
    total = 0
    for value, n in counts.items():
        if known is not None and value not in known:
            raise UnknownDenomination(denomination=format_money(value))
        if n < 0:
            raise NegativeCount(denomination=format_money(value))
        total += value * n
    return total


@dataclass(frozen=True)
class CashFigures:
    """What moved through one session's drawer (minor units, all >= 0)."""

    opening_float: int = 0
    cash_received: int = 0  # tendered in cash for sales
    change_given: int = 0
    cash_refunds: int = 0  # cash handed back for returns and voids
    cash_in: int = 0
    cash_out: int = 0

    @property
    def cash_sales(self) -> int:
        """Cash that stayed in the drawer for sales (received - change)."""
        return self.cash_received - self.change_given

    @property
    def expected(self) -> int:
        return (self.opening_float + self.cash_received - self.change_given - self.cash_refunds
                + self.cash_in - self.cash_out)


def expected_cash(figures: CashFigures) -> int:
    return figures.expected


@dataclass(frozen=True)
class Difference:
    counted: int
    expected: int
    threshold: int

    @property
    def amount(self) -> int:
        """counted - expected: > 0 sobrante (over), < 0 faltante (short)."""
        return self.counted - self.expected

    @property
    def kind(self) -> str:
        return "over" if self.amount > 0 else "short" if self.amount < 0 else "exact"

    @property
    def note_required(self) -> bool:
        return abs(self.amount) > self.threshold


def difference(counted: int, expected: int, threshold: int = 0) -> Difference:
    if counted < 0:
        raise NegativeAmount()
    return Difference(counted, expected, threshold)


def check_note(diff: Difference, note: str) -> str:
    note = (note or "").strip()
    if diff.note_required and not note:
        raise NoteRequired(difference_minor=diff.amount)
    return note


# --- report figures --------------------------------------------------------------------

@dataclass(frozen=True)
class SaleRow:
    number: int
    kind: str  # completed | voided
    user: str
    total: int
    tax_total: int


@dataclass(frozen=True)
class LineRow:
    sale_kind: str  # completed | voided
    category: str
    rate_bp: int
    line_total: int
    tax: int


@dataclass(frozen=True)
class PaymentRow:
    sale_kind: str
    method: str
    amount: int
    tendered: int
    change: int


@dataclass(frozen=True)
class RefundRow:
    """Money given back (a return or a void): by method; ``amount`` > 0."""

    kind: str  # return | void
    method: str
    amount: int
    number: int = 0


@dataclass(frozen=True)
class MovementRow:
    kind: str  # in | out
    amount: int
    reason: str


@dataclass
class ReportFigures:
    """An X or Z report's figures (minor units), JSON-ready with ``as_dict``."""

    sales_count: int = 0
    first_number: int | None = None
    last_number: int | None = None
    voids_count: int = 0
    voids_total: int = 0
    returns_count: int = 0
    gross: int = 0
    discounts: int = 0
    returns: int = 0
    net: int = 0
    tax_total: int = 0
    by_rate: list[dict] = field(default_factory=list)  # rate_bp, base, tax, gross
    by_category: list[dict] = field(default_factory=list)  # category, total
    by_cashier: list[dict] = field(default_factory=list)  # cashier, count, total
    payments: list[dict] = field(default_factory=list)  # method, amount, refunds, net
    cash: dict = field(default_factory=dict)
    documents: list[dict] = field(default_factory=list)  # fiscal: kind, prefix, first, last, count

    def as_dict(self) -> dict:
        return asdict(self)


def report_figures(sales: Iterable[SaleRow], lines: Iterable[LineRow], payments: Iterable[PaymentRow],
                   refunds: Iterable[RefundRow], movements: Iterable[MovementRow], opening_float: int,
                   counted: int | None = None) -> ReportFigures:
    """The figures of a session from its rows. Voided sales appear in the voids
    count, not in gross; a void's or return's money given back is in ``refunds``."""
    f = ReportFigures()
    numbers: list[int] = []
    cashiers: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in sales:
        numbers.append(s.number)
        if s.kind == "completed":
            f.sales_count += 1
            f.gross += s.total
            f.tax_total += s.tax_total
            cashiers[s.user][0] += 1
            cashiers[s.user][1] += s.total
        else:
            f.voids_count += 1
            f.voids_total += s.total
    if numbers:
        f.first_number, f.last_number = min(numbers), max(numbers)
    rates: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    categories: dict[str, int] = defaultdict(int)
    for ln in lines:
        if ln.sale_kind != "completed":
            continue
        rates[ln.rate_bp][0] += ln.line_total
        rates[ln.rate_bp][1] += ln.tax
        categories[ln.category] += ln.line_total
    f.by_rate = [{"rate_bp": r, "gross": g, "base": g - t, "tax": t} for r, (g, t) in sorted(rates.items())]
    f.by_category = [{"category": c, "total": t}
                     for c, t in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))]
    f.by_cashier = [{"cashier": u, "count": n, "total": t} for u, (n, t) in sorted(cashiers.items())]
    methods: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    received = change = 0
    for p in payments:
        if p.sale_kind != "completed":
            continue
        methods[p.method][0] += p.amount
        if p.method == "cash":
            received += p.tendered
            change += p.change
    cash_refunds = 0
    for r in refunds:
        methods[r.method][1] += r.amount
        if r.kind == "return":
            f.returns_count += 1
            f.returns += r.amount
        if r.method == "cash":
            cash_refunds += r.amount
    f.payments = [{"method": m, "amount": a, "refunds": rf, "net": a - rf} for m, (a, rf) in sorted(methods.items())]
    f.net = f.gross - f.returns
    cash_in = sum(m.amount for m in movements if m.kind == MovementKind.CASH_IN)
    cash_out = sum(m.amount for m in movements if m.kind == MovementKind.CASH_OUT)
    figures = CashFigures(opening_float, received, change, cash_refunds, cash_in, cash_out)
    f.cash = {"float": opening_float, "cash_received": received, "change_given": change,
              "cash_sales": figures.cash_sales, "cash_refunds": cash_refunds, "cash_in": cash_in,
              "cash_out": cash_out, "expected": figures.expected}
    if counted is not None:
        f.cash["counted"] = counted
        f.cash["difference"] = counted - figures.expected
    return f
