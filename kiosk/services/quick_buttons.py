"""The price calculator's quick buttons ("500 ml", "1 kg", "$5" ...) and the
``[calculator]`` section that chooses them per sale mode, per category and per
product:

    [calculator]
    volume = ["250 ml", "500 ml", "1 L", "1 gal", "$1", "$2", "$5"]
    weight = ["250 g", "500 g", "1 kg", "1 lb", "$1", "$2", "$5"]
    categories = { "Detergentes" = ["1 L", "2 L", "500 g", "1 kg", "$5", "$10"] }
    products = { "POL-DET" = ["1 kg", "2 kg", "5 kg", "$10"] }

The most specific list wins: the product's SKU, then its category's name, then its
sale mode's list. A category or product list may mix volume and weight entries: each
product shows the ones in its own dimension. Amounts start with a currency sign and
are in major units ("$5", "$0.50"). Without ``volume``/``weight`` the built-in lists
are used (four quantities and three small amounts in the shop's currency).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field, field_validator

from kiosk.config_base import Section
from kiosk.core.money import from_minor, to_minor
from kiosk.core.units import UOMS_FOR_MODE, SaleMode, Uom

MAX_BUTTONS = 8  # two rows of four
FORM = ('a quantity such as "500 ml", "1.5 L", "1 gal", "250 g", "1 kg", "1 lb" '
        'or an amount such as "$5" or "$0.50"')
_UNITS = {"ml": Uom.ML, "l": Uom.L, "gal": Uom.GAL, "g": Uom.G, "kg": Uom.KG, "lb": Uom.LB}
_QUANTITY = re.compile(r"^\s*(\d+(?:[.,]\d{1,3})?)\s*([a-zA-Z]+)\s*$")
_AMOUNT = re.compile(r"^\s*([^\d\s.,]{1,4})\s*(\d+(?:[.,]\d{1,2})?)\s*$")
BUILT_IN = {
    SaleMode.VOLUME: ["250 ml", "500 ml", "1 L", "1 gal"],
    SaleMode.WEIGHT: ["250 g", "500 g", "1 kg", "1 lb"],
}


@dataclass(frozen=True)
class QuickButton:
    """One button: a quantity (``unit`` set) or an amount in major units (``unit`` None)."""

    value: Decimal
    unit: Uom | None = None

    @property
    def is_amount(self) -> bool:
        return self.unit is None

    def minor(self, decimals: int) -> int:
        return to_minor(self.value, decimals)


def parse_button(text: str) -> QuickButton:
    """ "500 ml" -> 500 ml; "$5" -> an amount of 5. Raises ValueError naming the form."""
    m = _QUANTITY.match(text)
    if m and m.group(2).lower() in _UNITS:
        value = Decimal(m.group(1).replace(",", "."))
        if value > 0:
            return QuickButton(value, _UNITS[m.group(2).lower()])
    m = _AMOUNT.match(text)
    if m:
        value = Decimal(m.group(2).replace(",", "."))
        if value > 0:
            return QuickButton(value)
    raise ValueError(f"{text!r} is not a quick button: expected {FORM}")


def _check_list(entries: list[str], mode: SaleMode | None = None) -> list[str]:
    if len(entries) > MAX_BUTTONS:
        raise ValueError(f"at most {MAX_BUTTONS} buttons (got {len(entries)})")
    for text in entries:
        button = parse_button(text)
        if mode is not None and button.unit is not None and button.unit not in UOMS_FOR_MODE[mode]:
            units = ", ".join(u.value for u in UOMS_FOR_MODE[mode])
            raise ValueError(f"{text!r}: a {mode.value} list takes {units} or an amount")
    return entries


class CalculatorSettings(Section):
    volume: list[str] | None = None  # None: the built-in list
    weight: list[str] | None = None
    categories: dict[str, list[str]] = Field(default_factory=dict)  # category name -> buttons
    products: dict[str, list[str]] = Field(default_factory=dict)  # SKU -> buttons

    @field_validator("volume")
    @classmethod
    def _volume(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _check_list(v, SaleMode.VOLUME)

    @field_validator("weight")
    @classmethod
    def _weight(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _check_list(v, SaleMode.WEIGHT)

    @field_validator("categories", "products")
    @classmethod
    def _lists(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, entries in v.items():
            try:
                _check_list(entries)
            except ValueError as exc:
                raise ValueError(f"{key!r}: {exc}") from None
        return v

    def buttons_for(self, mode: SaleMode, sku: str = "", category: str = "") -> list[QuickButton] | None:
        """The buttons for a product, or None for the built-in list."""
        entries = self.products.get(sku)
        if entries is None:
            entries = self.categories.get(category)
        if entries is None:
            entries = self.volume if mode is SaleMode.VOLUME else self.weight if mode is SaleMode.WEIGHT else None
        if entries is None:
            return None
        buttons = [parse_button(t) for t in entries]
        return [b for b in buttons if b.unit is None or b.unit in UOMS_FOR_MODE[mode]]


def quick_buttons(settings: CalculatorSettings, mode: SaleMode, *, sku: str = "", category: str = "",
                  default_amounts: list[int], decimals: int) -> list[QuickButton]:
    """The calculator's buttons for a product: the configured ones, or the built-in
    quantities followed by ``default_amounts`` (minor units)."""
    chosen = settings.buttons_for(mode, sku, category)
    if chosen is not None:
        return chosen
    return ([parse_button(t) for t in BUILT_IN.get(mode, [])]
            + [QuickButton(from_minor(a, decimals)) for a in default_amounts])
