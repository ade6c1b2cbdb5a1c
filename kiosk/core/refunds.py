"""What a return gives back (pure).

A returned quantity is refunded at what the customer paid for it: the share of the
sold line's net amount (after the line's and the sale's discounts, tax included)
in proportion to the quantity, rounded half-up — and when the return takes the
whole rest of the line, exactly what is left of it. So returning every unit of a
sale, in any number of returns, gives back its total to the cent, and no sequence
of returns gives back more than was paid. The tax part is shared the same way.
(This is the same rule the fiscal credit note uses for its lines.)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kiosk.core.money import round_half_up


@dataclass(frozen=True)
class SoldLine:
    quantity: int  # base units sold
    net: int  # what was paid for the line (minor units, tax included)
    tax: int
    returned_quantity: int = 0
    returned_net: int = 0
    returned_tax: int = 0

    @property
    def left(self) -> int:
        return self.quantity - self.returned_quantity


@dataclass(frozen=True)
class Refund:
    quantity: int
    amount: int
    tax: int


def refund(line: SoldLine, quantity: int) -> Refund:
    """The refund for ``quantity`` more base units of ``line`` (0 < quantity <= left;
    the caller checks and says so in words)."""
    if quantity <= 0 or quantity > line.left:
        raise ValueError(f"quantity {quantity} outside 1..{line.left}")
    net_left = line.net - line.returned_net
    tax_left = line.tax - line.returned_tax
    if quantity == line.left:
        return Refund(quantity, net_left, tax_left)
    share = Decimal(quantity) / line.quantity
    amount = min(round_half_up(line.net * share), net_left)
    tax = min(round_half_up(line.tax * share), tax_left, amount)
    return Refund(quantity, amount, tax)


def split_refund(total: int, paid: dict[str, int], refunded: dict[str, int]) -> dict[str, int]:
    """Share a refund of ``total`` among the methods the sale was paid with (what each
    paid less what earlier refunds gave back by it), cash last: the default refund
    goes back the way the money came."""
    out: dict[str, int] = {}
    left = total
    for method in sorted(paid, key=lambda m: (m == "cash", m)):
        room = max(paid[method] - refunded.get(method, 0), 0)
        take = min(room, left)
        if take:
            out[method] = take
            left -= take
    if left:
        first = next(iter(sorted(paid, key=lambda m: (m != "cash", m))), "cash")
        out[first] = out.get(first, 0) + left
    return out


# Why something comes back -> whether it goes back on the shelf (False: to waste).
RETURN_REASONS: dict[str, bool] = {"damaged": False, "expired": False, "wrong_product": True, "changed_mind": True}
