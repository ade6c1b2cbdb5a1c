"""Sale modes, units of measure and the exact conversions between them.

Stock and sale quantities are integers in a product's *base sub-unit*: millilitres
for volume, grams for weight, plain counts for unit items and services. Prices are
per *unit of measure* (per litre, per gallon, per kilo, ...). This module is the one
place that knows how many base units a unit of measure holds.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from kiosk.core.money import round_half_up
from kiosk.core.text import fold


class SaleMode(StrEnum):
    UNIT = "unit"
    WEIGHT = "weight"
    VOLUME = "volume"
    SERVICE = "service"


class Uom(StrEnum):
    UNIT = "unit"
    ML = "ml"
    L = "l"
    GAL = "gal"
    G = "g"
    KG = "kg"
    LB = "lb"


class BaseUnit(StrEnum):
    COUNT = "unit"
    ML = "ml"
    G = "g"


# Base sub-units in one unit of measure. US liquid gallon and avoirdupois pound are
# exact by definition (3.785411784 L, 0.45359237 kg).
FACTOR: dict[Uom, Decimal] = {
    Uom.UNIT: Decimal(1),
    Uom.ML: Decimal(1),
    Uom.L: Decimal(1000),
    Uom.GAL: Decimal("3785.411784"),
    Uom.G: Decimal(1),
    Uom.KG: Decimal(1000),
    Uom.LB: Decimal("453.59237"),
}

BASE_OF: dict[Uom, BaseUnit] = {
    Uom.UNIT: BaseUnit.COUNT,
    Uom.ML: BaseUnit.ML,
    Uom.L: BaseUnit.ML,
    Uom.GAL: BaseUnit.ML,
    Uom.G: BaseUnit.G,
    Uom.KG: BaseUnit.G,
    Uom.LB: BaseUnit.G,
}

UOMS_FOR_MODE: dict[SaleMode, tuple[Uom, ...]] = {
    SaleMode.UNIT: (Uom.UNIT,),
    SaleMode.SERVICE: (Uom.UNIT,),
    SaleMode.VOLUME: (Uom.L, Uom.ML, Uom.GAL),
    SaleMode.WEIGHT: (Uom.KG, Uom.G, Uom.LB),
}

SYMBOL: dict[Uom, str] = {
    Uom.UNIT: "u",
    Uom.ML: "ml",
    Uom.L: "L",
    Uom.GAL: "gal",
    Uom.G: "g",
    Uom.KG: "kg",
    Uom.LB: "lb",
}

# Largest quantity accepted on one sale line, per base unit: anything above is a
# typing slip (an extra zero), not a sale.
MAX_LINE_QUANTITY: dict[BaseUnit, int] = {
    BaseUnit.COUNT: 9_999,
    BaseUnit.ML: 1_000_000,  # 1,000 L
    BaseUnit.G: 1_000_000,  # 1,000 kg
}

_NAMES: dict[str, Uom] = {}
for _uom, _names in {
    Uom.UNIT: ("unit", "units", "u", "un", "und", "unidad", "unidades", "ud", "uds", "pza", "pieza"),
    Uom.ML: ("ml", "mililitro", "mililitros", "millilitre", "milliliter", "cc"),
    Uom.L: ("l", "lt", "lts", "litro", "litros", "litre", "liter", "liters", "litres"),
    Uom.GAL: ("gal", "galon", "galones", "gallon", "gallons"),
    Uom.G: ("g", "gr", "grs", "gramo", "gramos", "gram", "grams", "gramme"),
    Uom.KG: ("kg", "kgs", "kilo", "kilos", "kilogramo", "kilogramos", "kilogram", "kilograms"),
    Uom.LB: ("lb", "lbs", "libra", "libras", "pound", "pounds"),
}.items():
    for _name in _names:
        _NAMES[_name] = _uom


def parse_uom(text: str) -> Uom:
    """Accept codes and English/Spanish names ("litro", "Galón", "kilos"). Raises ValueError."""
    key = fold(text).rstrip(".")
    try:
        return _NAMES[key]
    except KeyError:
        raise ValueError(f"unknown unit of measure: {text!r}") from None


def mode_for_uom(uom: Uom) -> SaleMode:
    base = BASE_OF[uom]
    return {BaseUnit.ML: SaleMode.VOLUME, BaseUnit.G: SaleMode.WEIGHT}.get(base, SaleMode.UNIT)


def check_mode_uom(mode: SaleMode, uom: Uom) -> None:
    if uom not in UOMS_FOR_MODE[mode]:
        allowed = ", ".join(u.value for u in UOMS_FOR_MODE[mode])
        raise ValueError(f"unit {uom.value!r} does not fit sale mode {mode.value!r} (use {allowed})")


def to_base(quantity: Decimal | int | str, uom: Uom) -> int:
    """A quantity in ``uom`` -> integer base sub-units, half-up (1.5 gal -> 5678 ml)."""
    return round_half_up(Decimal(quantity) * FACTOR[uom])


def from_base(base_quantity: int, uom: Uom) -> Decimal:
    """Integer base sub-units -> exact Decimal quantity in ``uom``."""
    return Decimal(base_quantity) / FACTOR[uom]


def convert(quantity: Decimal | int, src: Uom, dst: Uom) -> Decimal:
    if BASE_OF[src] != BASE_OF[dst]:
        raise ValueError(f"cannot convert {src.value} to {dst.value}")
    return Decimal(quantity) * FACTOR[src] / FACTOR[dst]


# The smaller metric unit of a product priced per litre or per kilo: what a person types
# ("500 ml", "250 g") and how a quantity under one litre or kilo is shown.
SUB_UNIT: dict[Uom, Uom] = {Uom.L: Uom.ML, Uom.KG: Uom.G}


def typing_unit(uom: Uom) -> Uom:
    """The unit a person types a quantity of this product in: millilitres for a liquid
    sold by the litre, grams for a powder sold by the kilo; gallons and pounds as they
    are (a customer asks for "half a gallon", "2 lb")."""
    return SUB_UNIT.get(uom, uom)


def convert_typed(value: Decimal | int | str, src: Uom, dst: Uom, places: int = 3) -> Decimal:
    """A quantity typed in ``src`` written in ``dst`` (the calculator's unit buttons):
    through whole base units as the line will store it, then half-up to ``places``
    decimals as the keypad shows it (1,5 L -> 1500 ml; 1 gal -> 3785 ml; 1 L -> 0,264 gal)."""
    exact = from_base(to_base(value, src), dst)
    step = Decimal(1).scaleb(-places)
    rounded = exact.quantize(step, rounding=ROUND_HALF_UP)
    return rounded.normalize() if rounded != rounded.to_integral_value() else rounded.to_integral_value()


def is_bulk(mode: SaleMode) -> bool:
    return mode in (SaleMode.WEIGHT, SaleMode.VOLUME)


def tracks_stock(mode: SaleMode) -> bool:
    """Services never track stock."""
    return mode is not SaleMode.SERVICE
