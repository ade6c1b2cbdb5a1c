"""Discounts and price overrides, and the one rounding rule that turns them into
line amounts (pure).

Prices are tax-inclusive. For each line:

1. ``list_total`` is the line at its (possibly overridden) unit price;
2. a line discount (percent or amount) is taken from it: a percentage is rounded
   half-up to the minor unit on the line's list total;
3. a sale discount is worked out on the sum of the lines after their own discounts
   (a percentage rounded half-up once, on that sum) and shared among the lines in
   proportion to what they still cost, by largest remainder, so the shares add up to
   the sale discount exactly;
4. the line's ``net`` is what is left; the tax is computed on the nets, per rate over
   the sum of that rate's lines (as the tax breakdown does), then shared among those
   lines (kiosk.core.tax.line_taxes).

So the lines always add up to the sale's total, the tax bases add up to the total,
and the line taxes add up to the breakdown's tax. A discount must leave something to
pay: 100 % (or an amount equal to the price) is refused — a line given away is
removed, not discounted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from kiosk.core import tax as taxes
from kiosk.core.money import allocate, round_half_up
from kiosk.core.returns_errors import DiscountInvalid, DiscountTooLarge, PriceOverrideInvalid

PERCENT_SCALE = 100  # percent values are hundredths of a percent: 1050 = 10.5 %


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True)
class Discount:
    """``value``: hundredths of a percent (PERCENT) or minor units (AMOUNT)."""

    kind: DiscountKind
    value: int
    reason: str = ""

    @classmethod
    def percent(cls, percent: int | Decimal | str, reason: str = "") -> Discount:
        return cls(DiscountKind.PERCENT, round_half_up(Decimal(str(percent)) * PERCENT_SCALE), reason)

    @classmethod
    def amount(cls, minor: int, reason: str = "") -> Discount:
        return cls(DiscountKind.AMOUNT, int(minor), reason)

    def text(self) -> str:
        """"10 %" or the amount in minor units as a plain number (callers format money)."""
        if self.kind is DiscountKind.PERCENT:
            return f"{format(Decimal(self.value) / PERCENT_SCALE, 'f').rstrip('0').rstrip('.')} %"
        return str(self.value)


def discount_amount(gross: int, discount: Discount | None) -> int:
    """The minor units ``discount`` takes off ``gross``. Raises DiscountInvalid (zero or
    negative) or DiscountTooLarge (it would leave nothing to pay)."""
    if discount is None:
        return 0
    if discount.value <= 0:
        raise DiscountInvalid()
    if discount.kind is DiscountKind.PERCENT:
        if discount.value >= 100 * PERCENT_SCALE:
            raise DiscountTooLarge(discount=discount.text(), amount=gross)
        amount = round_half_up(Decimal(gross) * discount.value / (100 * PERCENT_SCALE))
    else:
        amount = discount.value
    if amount >= gross:
        raise DiscountTooLarge(discount=discount.text(), amount=gross)
    return amount


def percent_of(amount: int, gross: int) -> Decimal:
    """``amount`` as a percentage of ``gross`` (what a role's limit is compared with)."""
    if gross <= 0:
        return Decimal(0)
    return Decimal(amount) * 100 / gross


def check_override(price: int) -> int:
    if price < 0:
        raise PriceOverrideInvalid(price=price)
    return price


@dataclass(frozen=True)
class LineIn:
    list_total: int
    tax_rate_bp: int
    discount: Discount | None = None


@dataclass(frozen=True)
class PricedLine:
    list_total: int
    line_discount: int
    sale_discount: int  # this line's share of the sale discount
    net: int  # what the customer pays for the line
    tax: int

    @property
    def discount(self) -> int:
        return self.line_discount + self.sale_discount


@dataclass(frozen=True)
class Priced:
    lines: tuple[PricedLine, ...]
    sale_discount: int
    taxes: tuple[taxes.TaxLine, ...]

    @property
    def list_total(self) -> int:
        return sum(ln.list_total for ln in self.lines)

    @property
    def discount(self) -> int:
        return sum(ln.discount for ln in self.lines)

    @property
    def total(self) -> int:
        return sum(ln.net for ln in self.lines)

    @property
    def tax(self) -> int:
        return sum(t.tax for t in self.taxes)


def price(lines: Sequence[LineIn], sale_discount: Discount | None = None) -> Priced:
    """Apply line and sale discounts by the rule above."""
    after_line = []
    line_discounts = []
    for ln in lines:
        d = discount_amount(ln.list_total, ln.discount) if ln.list_total > 0 else 0
        line_discounts.append(d)
        after_line.append(ln.list_total - d)
    subtotal = sum(after_line)
    whole = discount_amount(subtotal, sale_discount) if sale_discount is not None and subtotal > 0 else 0
    shares = allocate(whole, after_line)
    nets = [a - s for a, s in zip(after_line, shares)]
    rated = [(ln.tax_rate_bp, n) for ln, n in zip(lines, nets)]
    line_tax = taxes.line_taxes(rated)
    priced = tuple(PricedLine(ln.list_total, d, s, n, t)
                   for ln, d, s, n, t in zip(lines, line_discounts, shares, nets, line_tax))
    return Priced(priced, whole, tuple(taxes.breakdown(rated)))
