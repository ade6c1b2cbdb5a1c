"""Margin of a product, shown live in the product editor.

Shelf prices include tax, costs do not (the tax the shop collects is not its money),
so the profit per unit of measure is ``price - tax part of price - cost``. The margin
percentage is that profit over the price without tax; the markup is over the cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kiosk.core.tax import tax_included


@dataclass(frozen=True)
class Margin:
    price: int  # minor units, tax included
    cost: int
    tax_rate_bp: int
    net_price: int  # price without its tax
    profit: int  # net_price - cost; negative when selling at a loss
    percent: Decimal | None  # profit / net_price * 100, one decimal; None when the price is 0
    markup: Decimal | None  # profit / cost * 100, one decimal; None when the cost is 0

    @property
    def below_cost(self) -> bool:
        return self.profit < 0


def _pct(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def margin(price: int, cost: int, tax_rate_bp: int = 0) -> Margin:
    net = price - tax_included(price, tax_rate_bp)
    profit = net - cost
    return Margin(price, cost, tax_rate_bp, net, profit, _pct(profit, net), _pct(profit, cost))
