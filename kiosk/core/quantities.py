"""How quantities and unit prices read (on screen, on receipts, in error messages),
in the configured locale: "500 ml", "1,5 L", "$4,00/L". Pure: the locale's numbers
come from kiosk.i18n, which loads Babel only when something is formatted."""

from __future__ import annotations

from kiosk.core.units import BASE_OF, SUB_UNIT, SYMBOL, BaseUnit, Uom, from_base
from kiosk.i18n import format_decimal, format_money


def display_uom(quantity_base: int, uom: Uom) -> Uom:
    """A bulk quantity below one litre/kilo of a metric product is shown in ml/g."""
    smaller = SUB_UNIT.get(uom)
    if smaller is not None and quantity_base < 1000:
        return smaller
    return uom


def format_quantity(quantity_base: int, uom: Uom | str, *, with_unit: bool = True) -> str:
    """2 -> "2", 500 ml of a per-litre product -> "500 ml", 1500 -> "1,5 L",
    5678 ml of a per-gallon product -> "1,5 gal"."""
    uom = Uom(uom)
    if BASE_OF[uom] is BaseUnit.COUNT:
        return format_decimal(quantity_base, max_decimals=0)
    shown = display_uom(quantity_base, uom)
    value = from_base(quantity_base, shown)
    text = format_decimal(value, max_decimals=3)
    return f"{text} {SYMBOL[shown]}" if with_unit else text


def format_unit_price(price: int, uom: Uom | str) -> str:
    """"$4,00/L", "$1,50" for unit items."""
    uom = Uom(uom)
    money = format_money(price)
    if uom is Uom.UNIT:
        return money
    return f"{money}/{SYMBOL[uom]}"
