"""When a quantity rung up is "far above the usual", so the cashier confirms it first.

A slip on the keypad (500 typed with litres selected instead of millilitres, an extra
zero) must not go through with only a stock warning, while a big but real sale must
stay a single extra tap. A line's quantity is **unusual** when it is above both

- ``USUAL_FACTOR`` (5) times the largest quantity of that product on one sale line in
  the last ``LOOKBACK_DAYS`` (90) days, and
- a floor per base unit, ``FLOOR`` (20 L, 20 kg, 50 pieces), so that a product with
  small habitual sales (or none yet) does not ask for an ordinary refill.

Nothing is refused: the calculator and the quantity keypad ask "is this right?" once,
and the same tap again adds it. (The hard limit of a line stays ``MAX_LINE_QUANTITY``.)
"""

from __future__ import annotations

from kiosk.core.units import BaseUnit

USUAL_FACTOR = 5
LOOKBACK_DAYS = 90
FLOOR: dict[BaseUnit, int] = {
    BaseUnit.ML: 20_000,  # 20 L
    BaseUnit.G: 20_000,  # 20 kg
    BaseUnit.COUNT: 50,  # pieces
}


def usual_limit(base: BaseUnit, largest_recent: int) -> int:
    """The largest quantity (base units) rung up without a question."""
    return max(FLOOR[base], USUAL_FACTOR * max(0, largest_recent))


def is_unusual(quantity: int, base: BaseUnit, largest_recent: int) -> bool:
    return quantity > usual_limit(base, largest_recent)
