"""Retail barcodes: GTIN check digits, UPC-E expansion, normalisation for look-up,
and GS1 variable-measure (weight/price) EAN-13 codes printed by shop scales.

Look-up key: every EAN/UPC code is stored and searched as its GTIN-13 form when it
has one (UPC-A ``036000291452`` and EAN-13 ``0036000291452`` are the same product;
UPC-E expands to UPC-A first). EAN-8 stays 8 digits. Codes that are not retail
GTINs (Code 128 shelf labels, in-house SKUs) are kept as typed, upper-cased.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class Symbology(StrEnum):
    EAN13 = "EAN-13"
    EAN8 = "EAN-8"
    UPCA = "UPC-A"
    UPCE = "UPC-E"
    GTIN14 = "GTIN-14"
    OTHER = "other"


def is_digits(text: str) -> bool:
    """ASCII digits only: "²" or "٣" pass str.isdigit() but are not in any barcode."""
    return text.isascii() and text.isdigit()


def gtin_check_digit(body: str) -> int:
    """Mod-10 check digit for a GTIN body (weights 3,1,3,... from the right)."""
    if not is_digits(body):
        raise ValueError(f"not digits: {body!r}")
    backwards = body[::-1]
    total = 3 * sum(map(int, backwards[0::2])) + sum(map(int, backwards[1::2]))
    return (10 - total % 10) % 10


def gtin_valid(code: str) -> bool:
    return is_digits(code) and len(code) in (8, 12, 13, 14) and gtin_check_digit(code[:-1]) == int(code[-1])


def upce_to_upca(code: str) -> str:
    """Expand an 8-digit UPC-E (number system 0 or 1, check digit included) to UPC-A."""
    if len(code) != 8 or not is_digits(code) or code[0] not in "01":
        raise ValueError(f"not a UPC-E code: {code!r}")
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return ns + body + check


@dataclass(frozen=True)
class BarcodeInfo:
    raw: str
    symbology: Symbology
    check_ok: bool | None  # None: the symbology has no check digit we verify
    key: str  # normalised look-up key
    expanded: str | None = None  # UPC-A form of a UPC-E code

    @property
    def is_gtin(self) -> bool:
        return self.symbology not in (Symbology.OTHER,)


@lru_cache(maxsize=4096)  # a product's codes are classified by its validator and again for their keys
def classify(raw: str, hint: Symbology | None = None) -> BarcodeInfo:
    """Identify a scanned code's symbology and check digit.

    An 8-digit code is EAN-8 unless ``hint`` says UPC-E (scanners that report the
    symbology, e.g. Magellan ``S08E``) or it is not a valid EAN-8 but is a valid UPC-E.
    """
    code = raw.strip()
    if not is_digits(code):
        return BarcodeInfo(raw, Symbology.OTHER, None, code.upper())
    n = len(code)
    if n == 13:
        return BarcodeInfo(raw, Symbology.EAN13, gtin_valid(code), code)
    if n == 12:
        return BarcodeInfo(raw, Symbology.UPCA, gtin_valid(code), "0" + code)
    if n == 14:
        ok = gtin_valid(code)
        key = code[1:] if code[0] == "0" else code
        return BarcodeInfo(raw, Symbology.GTIN14, ok, key)
    if n == 8:
        upce_ok = None
        expanded = None
        if code[0] in "01":
            expanded = upce_to_upca(code)
            upce_ok = gtin_valid(expanded)
        if hint is Symbology.UPCE or (not gtin_valid(code) and upce_ok):
            if expanded is None:
                return BarcodeInfo(raw, Symbology.UPCE, False, code)
            return BarcodeInfo(raw, Symbology.UPCE, bool(upce_ok), "0" + expanded, expanded)
        return BarcodeInfo(raw, Symbology.EAN8, gtin_valid(code), code)
    return BarcodeInfo(raw, Symbology.OTHER, None, code)


def normalize(raw: str) -> str:
    """The look-up key a product barcode is stored and searched under."""
    return classify(raw).key


def lookup_keys(raw: str, info: BarcodeInfo | None = None) -> list[str]:
    """Keys to try for a scanned code, best first (an 8-digit code may be EAN-8 or UPC-E).
    ``info``: the code's classification when the caller has it already."""
    info = info if info is not None else classify(raw)
    keys = [info.key]
    code = raw.strip()
    if len(code) == 8 and is_digits(code) and code[0] in "01":
        alt = "0" + upce_to_upca(code)
        if alt not in keys:
            keys.append(alt)
        if code not in keys:
            keys.append(code)
    return keys


# --- GS1 variable-measure codes (prefixes 20-29) -----------------------------------

class MeasureKind(StrEnum):
    WEIGHT = "weight"  # grams
    PRICE = "price"  # minor currency units


@dataclass(frozen=True)
class VariableLayout:
    """Layout of an in-store EAN-13: ``PP IIIII VVVVV C`` by default.

    ``prefixes``: two-digit prefixes this layout applies to; ``item_digits``: length
    of the item code after the prefix; ``price_check``: one extra digit before the
    value (the GS1 price check digit) that is skipped; the value fills the rest.
    """

    prefixes: tuple[str, ...]
    kind: MeasureKind
    item_digits: int = 5
    price_check: bool = False

    @property
    def value_digits(self) -> int:
        return 13 - 2 - self.item_digits - (1 if self.price_check else 0) - 1


@dataclass(frozen=True)
class VariableMeasure:
    prefix: str
    item_code: str
    kind: MeasureKind
    value: int  # grams or minor units
    price_check_ok: bool | None

    @property
    def item_key(self) -> str:
        """Key under which the product's PLU is stored: ``prefix + item code``."""
        return self.prefix + self.item_code


DEFAULT_LAYOUTS: tuple[VariableLayout, ...] = (
    VariableLayout(prefixes=("20", "21", "22"), kind=MeasureKind.WEIGHT),
    VariableLayout(prefixes=("23", "24", "25", "26", "27", "28", "29"), kind=MeasureKind.PRICE),
)

def price_check_digit(value: str) -> int:
    """GS1 check digit over a 4- or 5-digit price field (weights 2-,3,5+,5- / 5+,2-,5-,5+,2-)."""
    two_minus = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7]
    three = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7]
    five_plus = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]
    five_minus = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1]
    digits = [int(c) for c in value]
    if len(digits) == 4:
        total = two_minus[digits[0]] + two_minus[digits[1]] + three[digits[2]] + five_minus[digits[3]]
        return (total * 3) % 10
    if len(digits) == 5:
        tables = (five_plus, two_minus, five_minus, five_plus, two_minus)
        total = sum(t[d] for t, d in zip(tables, digits))
        return five_minus.index((10 - total % 10) % 10)
    raise ValueError("price check digit needs 4 or 5 digits")


def parse_variable_measure(code: str, layouts: tuple[VariableLayout, ...] = DEFAULT_LAYOUTS
                           ) -> VariableMeasure | None:
    """Decode an in-store EAN-13 (check digit already verified by the caller)."""
    if len(code) != 13 or not is_digits(code):
        return None
    prefix = code[:2]
    for layout in layouts:
        if prefix not in layout.prefixes:
            continue
        pos = 2
        item = code[pos:pos + layout.item_digits]
        pos += layout.item_digits
        check_ok: bool | None = None
        value_str = code[pos + (1 if layout.price_check else 0):12]
        if layout.price_check:
            if len(value_str) in (4, 5):
                check_ok = price_check_digit(value_str) == int(code[pos])
            else:
                check_ok = None
        return VariableMeasure(prefix, item, layout.kind, int(value_str), check_ok)
    return None
