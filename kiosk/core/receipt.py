"""The receipt as structured data, independent of any printer: the ESC/POS renderer,
the on-screen preview and the history detail all start from this."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.core.cart import LineEntry
from kiosk.core.fiscal import FiscalPrintBlock
from kiosk.core.payments import Payment
from kiosk.core.tax import TaxLine
from kiosk.core.units import Uom


@dataclass(frozen=True)
class ShopInfo:
    name: str
    address: str = ""
    tax_id: str = ""
    phone: str = ""
    footer: str = ""


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    sku: str
    quantity: int  # base sub-units
    uom: Uom  # unit of measure the price is per
    unit_price: int  # minor units per uom
    total: int
    tax_rate_bp: int
    entry: LineEntry = LineEntry.COUNT
    tare: int = 0  # grams of container the scale subtracted (scale lines)
    category: str = ""  # printed on fiscal documents
    discount: int = 0  # taken off this line (its own discount and its share of the sale's)

    @property
    def list_total(self) -> int:
        return self.total + self.discount


@dataclass(frozen=True)
class Receipt:
    shop: ShopInfo
    number: int
    issued_at: datetime  # local time
    cashier: str
    lines: tuple[ReceiptLine, ...]
    taxes: tuple[TaxLine, ...]
    total: int
    payments: tuple[Payment, ...] = ()
    copy: bool = False
    status: str = "completed"
    extra: dict[str, str] = field(default_factory=dict)
    fiscal: FiscalPrintBlock | None = None  # DIAN's lines, CUDE/CUFE and QR of an electronic document
    # Fiscal documents name each rate's tax: {1900: "IVA 19 %", 800: "INC 8 %", 0: "Excluido"}.
    tax_names: dict[int, str] = field(default_factory=dict)
    # A document other than a sale (issue 14): its title ("DEVOLUCIÓN", "ANULACIÓN"),
    # and the code printed at the bottom ("" none; None: the sale's reference).
    title: str = ""
    code: str | None = None

    @property
    def tax_total(self) -> int:
        return sum(t.tax for t in self.taxes)

    @property
    def discount(self) -> int:
        return sum(ln.discount for ln in self.lines)

    @property
    def subtotal(self) -> int:
        return self.total - self.tax_total

    @property
    def change(self) -> int:
        return sum(p.change for p in self.payments)

    @property
    def reference(self) -> str:
        return sale_reference(self.number)


def sale_reference(number: int) -> str:
    """Printed (and encoded in the receipt barcode) to find the sale again: V000042."""
    return f"V{number:06d}"


def return_reference(number: int) -> str:
    """A return's printed number: D000007."""
    return f"D{number:06d}"


def parse_sale_reference(text: str) -> int | None:
    t = text.strip().upper()
    if t.startswith("V") and t[1:].isdigit():
        return int(t[1:])
    return None
