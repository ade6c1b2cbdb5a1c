"""Line prices for unit and bulk goods.

A line's price is ``quantity (base units) x price per unit of measure / base units
per unit of measure``, rounded half-up to the minor unit. Selling *by amount*
("$5 of detergent") gives the largest quantity, in whole base units, whose price
does not exceed the amount; the line then charges exactly the amount asked.
"""

from __future__ import annotations

from decimal import Decimal

from kiosk.core.errors import AmountTooSmall, InvalidAmount, InvalidQuantity
from kiosk.core.money import floor_int, round_half_up
from kiosk.core.units import FACTOR, Uom

MAX_LINE_AMOUNT = 10**11  # minor units; far above any till sale, catches typing slips


def line_total(quantity_base: int, price_per_uom: int, uom: Uom) -> int:
    """Price of ``quantity_base`` base units at ``price_per_uom`` minor units per ``uom``."""
    if quantity_base <= 0:
        raise InvalidQuantity(quantity=quantity_base)
    return round_half_up(Decimal(quantity_base) * price_per_uom / FACTOR[uom])


def quantity_for_amount(amount: int, price_per_uom: int, uom: Uom, *, name: str = "",
                        resolution: int = 1) -> int:
    """Base units that ``amount`` buys, rounded down to ``resolution`` base units.

    Raises AmountTooSmall when the amount does not buy even one step of resolution.
    """
    if amount <= 0:
        raise InvalidAmount(amount=amount)
    if price_per_uom <= 0:
        raise InvalidAmount(amount=amount)
    steps = floor_int(Decimal(amount) * FACTOR[uom] / (Decimal(price_per_uom) * resolution))
    quantity = steps * resolution
    if quantity <= 0:
        minimum = max(1, round_half_up(Decimal(resolution) * price_per_uom / FACTOR[uom]))
        raise AmountTooSmall(amount_minor=amount, minimum_minor=minimum, name=name)
    return quantity
