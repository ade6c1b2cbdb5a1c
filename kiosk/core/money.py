"""Money is an ``int`` of minor currency units (cents for USD, pesos for COP with 0
decimals). Division goes through ``Decimal`` and comes back with one rounding rule:
half-up to the minor unit."""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

Number = int | Decimal | Fraction


def round_half_up(value: Number) -> int:
    """Round to the nearest integer, halves away from zero (the shop's rule)."""
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def floor_int(value: Number) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return value.numerator // value.denominator
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def to_minor(value: Decimal | int | str, decimals: int) -> int:
    """Major units (e.g. Decimal("5.25") dollars) -> minor units, half-up."""
    return round_half_up(Decimal(value).scaleb(decimals))


def from_minor(amount: int, decimals: int) -> Decimal:
    """Minor units -> the exact amount in major units (320, 2 -> Decimal("3.20"))."""
    return Decimal(amount).scaleb(-decimals)


def plain_amount(amount: int, decimals: int) -> str:
    """Minor units -> "3.20": a point, all the currency's decimals, no grouping, no
    symbol (CSV cells, editor fields, payment QR payloads). What a person reads on
    screen or on a receipt is ``kiosk.i18n.format_money``."""
    return f"{from_minor(amount, decimals):.{decimals}f}"


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` so the parts add up exactly
    (largest-remainder method)."""
    if not weights:
        return []
    wsum = sum(weights)
    if wsum == 0 or total == 0:
        return [0] * len(weights)
    # Integer arithmetic (every sale prices its lines with this): part i is the floor of
    # total*w/wsum and its fraction is rem/wsum, which orders like rem (like -rem when
    # wsum is negative); ties keep the weights' order.
    parts, rems = zip(*(divmod(total * w, wsum) for w in weights))
    parts = list(parts)
    sign = 1 if wsum > 0 else -1
    remainder = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: sign * rems[i], reverse=True)
    for i in order[:remainder]:
        parts[i] += 1
    return parts
