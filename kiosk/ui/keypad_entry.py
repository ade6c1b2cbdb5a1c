"""What the popups' keypads type, and what it means: digits and one decimal mark
(``KeypadEntry``), read as a number (``typed_value``) or as a quantity in the unit a
person types it in, converted to the stored base units (``typed_quantity``) and back
(``quantity_entry``). The price calculator, *Más* (discount, price) and the returns
popups share it; the conversions themselves are kiosk.core.units'."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kiosk.core.units import SYMBOL, Uom, from_base, to_base, typing_unit
from kiosk.formatting import keypad_text
from kiosk.i18n import decimal_mark, parse_decimal

MAX_DIGITS = 9


def typed_value(entry: str) -> Decimal | None:
    """What a keypad entry ("12,5") means, or None when it means nothing yet."""
    if not entry or entry == decimal_mark():
        return None
    try:
        return parse_decimal(entry)
    except (ValueError, InvalidOperation):
        return None


def typed_quantity(entry: str, unit: Uom) -> int | None:
    """A keypad entry typed in ``unit`` ("500" ml) as the stored quantity (base
    sub-units, half-up), or None when it means nothing yet."""
    value = typed_value(entry)
    return to_base(value, unit) if value is not None else None


def quantity_entry(quantity: int, unit: Uom) -> str:
    """A stored quantity as the keypad shows it typed in ``unit`` (1500 -> "1500" ml)."""
    return keypad_text(from_base(quantity, unit))


class KeypadEntry:
    """Digits and one decimal mark typed on a ``Keypad`` (``entry``); a key clears
    the popup's error."""

    def press(self, key: str) -> None:
        self.error_text = ""
        sep = decimal_mark()
        if key.isdigit():
            if len(self.entry) < MAX_DIGITS:
                self.entry += key
        elif key == "dec":
            if sep not in self.entry:
                self.entry = (self.entry or "0") + sep
        elif key == "back":
            self.entry = self.entry[:-1]
        elif key == "clear":
            self.entry = ""

    def show_quantity(self, quantity: int, uom: Uom) -> None:
        """A stored quantity of a product sold in ``uom`` on the keypad, in the unit a
        person types it in (``unit_text``: ml for a product sold by the litre); 0: empty."""
        unit = typing_unit(uom)
        self.unit_text = SYMBOL[unit]
        self.entry = quantity_entry(quantity, unit) if quantity else ""

    def entry_quantity(self, uom: Uom) -> int:
        """What is typed, for a product sold in ``uom``, as the stored quantity (0:
        nothing yet)."""
        return typed_quantity(self.entry, typing_unit(uom)) or 0
