"""What the core knows about a product: an immutable snapshot taken from the catalog."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.units import BASE_OF, BaseUnit, SaleMode, Uom, is_bulk, tracks_stock


@dataclass(frozen=True)
class ProductRef:
    id: int
    sku: str
    name: str
    sale_mode: SaleMode
    uom: Uom
    price: int  # minor units per unit of measure, tax included
    tax_rate_bp: int = 0
    stock: int = 0  # base sub-units
    low_stock: int = 0  # base sub-units
    active: bool = True
    brand: str = ""
    category: str = ""
    category_id: int | None = None
    image: str | None = None
    cost: int = 0

    @property
    def base_unit(self) -> BaseUnit:
        return BASE_OF[self.uom]

    @property
    def bulk(self) -> bool:
        return is_bulk(self.sale_mode)

    @property
    def tracks_stock(self) -> bool:
        return tracks_stock(self.sale_mode)

    @property
    def is_low(self) -> bool:
        return self.tracks_stock and self.low_stock > 0 and self.stock <= self.low_stock


@dataclass(frozen=True)
class ScanMatch:
    """A scanned code resolved to a product; a weight/price label also carries its
    quantity (base units) or its price (minor units)."""

    product: ProductRef
    quantity: int | None = None
    amount: int | None = None
