"""The product editor's fields as text: labels, and parsers from what a person types
(or a CSV cell holds) to domain values. The editor and the CSV import use the same
parsers, so "2,5", "2.5", "litro" or "Galón" mean the same everywhere.

Every parser raises ``InvalidProduct`` carrying ``key`` (the field / CSV column
name), so a screen can mark the field and an import report can name the column.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from pathlib import PurePosixPath

from kiosk.core.errors import InvalidProduct
from kiosk.core.money import plain_amount as amount_text  # noqa: F401 - the CSV/editor form of an amount
from kiosk.core.money import round_half_up
from kiosk.core.tax import format_rate as rate_text  # noqa: F401 - "19", "12.5": the CSV/editor form of a rate
from kiosk.core.text import fold
from kiosk.core.units import BASE_OF, FACTOR, BaseUnit, SaleMode, Uom, parse_uom, to_base
from kiosk.i18n import N_, parse_decimal, translate

# CSV columns, in the export's order; also the keys of the editor's fields.
COLUMNS = ("sku", "barcode", "name", "brand", "category", "sale_mode", "unit", "price", "cost",
           "tax_rate", "stock", "low_stock", "image")

FIELD_LABELS = {
    "sku": N_("SKU"),
    "barcode": N_("Barcodes"),
    "name": N_("Name"),
    "brand": N_("Brand"),
    "category": N_("Category"),
    "sale_mode": N_("Sale mode"),
    "unit": N_("Unit"),
    "price": N_("Price"),
    "cost": N_("Cost"),
    "tax_rate": N_("Tax rate"),
    "stock": N_("Stock"),
    "low_stock": N_("Low-stock level"),
    "image": N_("Image"),
    "active": N_("Active"),
}

SALE_MODE_LABELS = {
    SaleMode.UNIT: N_("By unit"),
    SaleMode.WEIGHT: N_("By weight"),
    SaleMode.VOLUME: N_("By volume"),
    SaleMode.SERVICE: N_("Service"),
}

UOM_LABELS = {
    Uom.UNIT: N_("unit"),
    Uom.L: N_("litre"),
    Uom.ML: N_("millilitre"),
    Uom.GAL: N_("gallon"),
    Uom.KG: N_("kilo"),
    Uom.G: N_("gram"),
    Uom.LB: N_("pound"),
}

_MODE_NAMES: dict[str, SaleMode] = {}
for _mode, _names in {
    SaleMode.UNIT: ("unit", "units", "unidad", "unidades", "por unidad", "u", "und"),
    SaleMode.WEIGHT: ("weight", "peso", "por peso", "granel peso"),
    SaleMode.VOLUME: ("volume", "volumen", "por volumen", "granel volumen"),
    SaleMode.SERVICE: ("service", "services", "servicio", "servicios"),
}.items():
    for _name in _names:
        _MODE_NAMES[_name] = _mode

# Beyond these a number is a typing slip, not a price or a quantity (and would
# overflow nothing, but would make nonsense totals).
MAX_AMOUNT_MINOR = 10**12
MAX_QUANTITY_BASE = 10**9
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def field_error(key: str, reason: str, **params: object) -> InvalidProduct:
    """An InvalidProduct for field ``key``; ``reason`` is an N_() message."""
    return InvalidProduct(field=translate(FIELD_LABELS.get(key, key)),
                          reason=translate(reason).format(**params), key=key)


def mode_label(mode: SaleMode | str) -> str:
    return translate(SALE_MODE_LABELS[SaleMode(mode)])


def uom_label(uom: Uom | str) -> str:
    return translate(UOM_LABELS[Uom(uom)])


def parse_sale_mode(text: str, key: str = "sale_mode") -> SaleMode:
    """"unit", "peso", "Volumen", "servicio" ... -> SaleMode."""
    mode = _MODE_NAMES.get(fold(text))
    if mode is None:
        raise field_error(key, N_('unknown sale mode "{value}" (use unidad, peso, volumen or servicio)'),
                          value=text.strip())
    return mode


def parse_unit(text: str, key: str = "unit") -> Uom:
    """Codes and English/Spanish names: "l", "litro", "Galón", "kilos", "unidad"."""
    try:
        return parse_uom(text)
    except ValueError:
        raise field_error(key, N_('unknown unit "{value}" (use unidad, litro, mililitro, galón, kilo, '
                                  'gramo or libra)'), value=text.strip()) from None


def _number(text: str, key: str) -> Decimal:
    try:
        value = parse_decimal(text)
    except (ValueError, InvalidOperation):
        raise field_error(key, N_('"{value}" is not a number'), value=text.strip()) from None
    if not value.is_finite():
        raise field_error(key, N_('"{value}" is not a number'), value=text.strip())
    return value


# Plain unsigned numbers ("7", "4,50", "12.5") are by far the most common in a CSV
# file: they are parsed with integer arithmetic (exact, and several times faster than
# Decimal, which a 100,000-row import feels). Anything else takes the Decimal path.
# Both give the same results and the same errors (a test compares them).
_PLAIN = re.compile(r"^(\d{1,12})(?:[.,](\d{1,9}))?$")
_INT_FACTOR = {uom: int(f) for uom, f in FACTOR.items() if f == f.to_integral_value()}


def _plain(text: str) -> tuple[int, str] | None:
    m = _PLAIN.match(text)
    return (int(m.group(1)), (m.group(2) or "").rstrip("0")) if m else None


def parse_amount(text: str, decimals: int, key: str = "price") -> int:
    """A price or cost in major units ("3,20", "3.20", "$ 1.234,50") -> minor units.

    More decimals than the currency has is an error, not a silent rounding. With a
    currency without decimals (COP) "12.500" means twelve thousand five hundred."""
    cleaned = text.strip().lstrip("$").strip()
    if decimals == 0 and _GROUPED.match(cleaned):
        cleaned = cleaned.replace(".", "").replace(",", "")
    plain = _plain(cleaned)
    if plain is None:
        return _decimal_amount(cleaned, decimals, key)
    whole, frac = plain
    limit = MAX_AMOUNT_MINOR // 10**decimals
    if whole > limit or (whole == limit and frac):
        raise field_error(key, N_("is too large"))
    if len(frac) > decimals:
        raise field_error(key, N_("at most {decimals} decimals"), decimals=decimals)
    return whole * 10**decimals + (int(frac.ljust(decimals, "0")) if frac else 0)


def _decimal_amount(cleaned: str, decimals: int, key: str) -> int:
    value = _number(cleaned, key)
    if value < 0:
        raise field_error(key, N_("cannot be negative"))
    if value > Decimal(MAX_AMOUNT_MINOR).scaleb(-decimals):  # before quantize, which 27 digits overflow
        raise field_error(key, N_("is too large"))
    if value != value.quantize(Decimal(1).scaleb(-decimals)):
        raise field_error(key, N_("at most {decimals} decimals"), decimals=decimals)
    minor = int(value.scaleb(decimals))
    if minor > MAX_AMOUNT_MINOR:
        raise field_error(key, N_("is too large"))
    return minor


def parse_quantity(text: str, uom: Uom, key: str = "stock", *, allow_negative: bool = False) -> int:
    """A quantity in the product's unit of measure ("2,5" litres) -> base sub-units
    (2500 ml), half-up. Unit items take whole numbers only."""
    plain = _plain(text) if uom in _INT_FACTOR else None
    if plain is None:
        return _decimal_quantity(text, uom, key, allow_negative)
    whole, frac = plain
    if whole > MAX_QUANTITY_BASE or (whole == MAX_QUANTITY_BASE and frac):
        raise field_error(key, N_("is too large"))
    if BASE_OF[uom] is BaseUnit.COUNT and frac:
        raise field_error(key, N_("must be a whole number"))
    factor, scale = _INT_FACTOR[uom], 10 ** len(frac)
    numerator = (whole * scale + (int(frac) if frac else 0)) * factor
    base = (2 * numerator + scale) // (2 * scale)  # half-up (never negative here)
    if base > MAX_QUANTITY_BASE:
        raise field_error(key, N_("is too large"))
    return base


def _decimal_quantity(text: str, uom: Uom, key: str, allow_negative: bool) -> int:
    value = _number(text, key)
    if value < 0 and not allow_negative:
        raise field_error(key, N_("cannot be negative"))
    if abs(value) > MAX_QUANTITY_BASE:  # every unit holds at least one base unit; 27 digits overflow rounding
        raise field_error(key, N_("is too large"))
    if BASE_OF[uom] is BaseUnit.COUNT and value != value.to_integral_value():
        raise field_error(key, N_("must be a whole number"))
    base = to_base(value, uom)
    if abs(base) > MAX_QUANTITY_BASE:
        raise field_error(key, N_("is too large"))
    return base


def parse_tax_rate(text: str, key: str = "tax_rate") -> int:
    """"19", "19 %", "12,5" (percent) -> basis points."""
    cleaned = text.strip().rstrip("%").strip()
    plain = _plain(cleaned)
    if plain is None:
        return _decimal_tax_rate(cleaned, key)
    whole, frac = plain
    if whole > 100 or (whole == 100 and frac):
        raise field_error(key, N_("must be between 0 and 100 %"))
    if len(frac) > 2:
        raise field_error(key, N_("at most {decimals} decimals"), decimals=2)
    return whole * 100 + (int(frac.ljust(2, "0")) if frac else 0)


def _decimal_tax_rate(cleaned: str, key: str) -> int:
    value = _number(cleaned, key)
    if not 0 <= value <= 100:
        raise field_error(key, N_("must be between 0 and 100 %"))
    bp = value * 100
    if bp != bp.to_integral_value():
        raise field_error(key, N_("at most {decimals} decimals"), decimals=2)
    return int(bp)


def parse_barcodes(text: str) -> list[str]:
    """One cell or field with several codes, separated by "|" or spaces."""
    return [c for c in re.split(r"[|\s]+", text.strip()) if c]


# --- writing values back as text (CSV export, editor fields) -----------------------

def quantity_text(base: int, uom: Uom) -> str:
    """Base sub-units -> the shortest decimal in ``uom`` that reads back to exactly
    the same base quantity (113562 ml of a per-gallon product -> "30")."""
    exact = Decimal(base) / FACTOR[uom]
    for places in range(0, 10):
        candidate = round(exact, places)
        if to_base(candidate, uom) == base:
            return format(candidate.normalize(), "f")
    return format(exact.normalize(), "f")


def whole_uom_ceiling(base: int, uom: Uom) -> int:
    """Round a base quantity up to whole units of measure (for reorder suggestions):
    2300 ml of a per-litre product -> 3000 ml."""
    if base <= 0:
        return 0
    units = (Decimal(base) / FACTOR[uom]).to_integral_value(rounding=ROUND_CEILING)
    return round_half_up(units * FACTOR[uom])


def is_safe_relative_path(text: str) -> bool:
    """A stored image path must stay inside the state directory: relative, with no
    ".." and no drive or backslash tricks ("images/abc.png")."""
    if not text or text.endswith("/") or "\\" in text or ":" in text or "\x00" in text:
        return False
    path = PurePosixPath(text)
    return not path.is_absolute() and ".." not in path.parts and path.name not in ("", ".")
