"""Tax-inclusive prices: shelf prices already contain the tax. The tax part of a
gross amount at rate r is gross * r / (1 + r), computed per rate over the sum of the
lines that carry it (as an invoice's tax breakdown does) and rounded half-up.

Rates are integer basis points: 1900 = 19 %, 0 = exempt."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kiosk.core.money import allocate, round_half_up

MAX_RATE_BP = 10_000


@dataclass(frozen=True)
class TaxLine:
    rate_bp: int
    gross: int
    tax: int

    @property
    def net(self) -> int:
        return self.gross - self.tax


def tax_included(gross: int, rate_bp: int) -> int:
    if rate_bp == 0 or gross == 0:
        return 0
    return round_half_up(Decimal(gross) * rate_bp / (10_000 + rate_bp))


def breakdown(items: Iterable[tuple[int, int]]) -> list[TaxLine]:
    """``(rate_bp, gross)`` pairs -> one TaxLine per rate, ordered by rate."""
    totals: dict[int, int] = defaultdict(int)
    for rate_bp, gross in items:
        totals[rate_bp] += gross
    return [TaxLine(rate, gross, tax_included(gross, rate)) for rate, gross in sorted(totals.items())]


def line_taxes(items: list[tuple[int, int]]) -> list[int]:
    """Tax of each ``(rate_bp, gross)`` line, so that per rate the lines add up exactly
    to that rate's breakdown tax (the group's tax is shared in proportion to gross)."""
    result = [0] * len(items)
    by_rate: dict[int, list[int]] = defaultdict(list)
    for i, (rate_bp, _) in enumerate(items):
        by_rate[rate_bp].append(i)
    for rate_bp, indexes in by_rate.items():
        grosses = [items[i][1] for i in indexes]
        group_tax = tax_included(sum(grosses), rate_bp)
        for i, part in zip(indexes, allocate(group_tax, grosses)):
            result[i] = part
    return result


def format_rate(rate_bp: int) -> str:
    """1900 -> "19", 1250 -> "12.5" (locale-free, for receipts and CSV)."""
    value = Decimal(rate_bp) / 100
    return format(value.normalize(), "f")
