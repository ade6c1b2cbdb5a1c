"""Catalog and stock changes: categories, products, restocks and adjustments.

Every stock change is a row in the stock ledger (``stock_movements``); a database
trigger adds it to the product's stock in the same statement, so stock always equals
the sum of the ledger. Products and categories that history refers to are
deactivated, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from db.engine import Database
from db.models import Barcode, Category, Product, StockMovement
from kiosk.core.barcodes import classify, normalize
from kiosk.core.errors import (
    DuplicateBarcode,
    DuplicateSku,
    InvalidBarcode,
    InvalidProduct,
    InvalidQuantity,
    NotFound,
    ServiceHasNoStock,
)
from kiosk.core.units import SaleMode, Uom, check_mode_uom, tracks_stock
from kiosk.i18n import N_, translate

ADJUSTMENT_REASONS = {
    "breakage": N_("Breakage"),
    "expired": N_("Expired"),
    "internal_use": N_("Internal use"),
    "theft": N_("Theft"),
    "count_correction": N_("Count correction"),
}


@dataclass
class ProductDraft:
    """What staff type in the product editor (or a CSV row), before it is stored."""

    sku: str
    name: str
    sale_mode: SaleMode
    uom: Uom
    price: int
    cost: int = 0
    tax_rate_bp: int = 0
    brand: str = ""
    category_id: int | None = None
    low_stock: int = 0
    barcodes: list[str] = field(default_factory=list)
    image_path: str | None = None
    active: bool = True


def _invalid(field_name: str, reason: str) -> InvalidProduct:
    return InvalidProduct(field=translate(field_name), reason=translate(reason))


def validate_draft(d: ProductDraft) -> None:
    if not d.sku.strip():
        raise _invalid(N_("SKU"), N_("is required"))
    if len(d.sku.strip()) > 32:
        raise _invalid(N_("SKU"), N_("at most 32 characters"))
    if not d.name.strip():
        raise _invalid(N_("Name"), N_("is required"))
    try:
        check_mode_uom(SaleMode(d.sale_mode), Uom(d.uom))
    except ValueError:
        raise _invalid(N_("Unit"), N_("does not fit the sale mode")) from None
    if d.price < 0:
        raise _invalid(N_("Price"), N_("cannot be negative"))
    if d.cost < 0:
        raise _invalid(N_("Cost"), N_("cannot be negative"))
    if not 0 <= d.tax_rate_bp <= 10_000:
        raise _invalid(N_("Tax rate"), N_("must be between 0 and 100 %"))
    if d.low_stock < 0:
        raise _invalid(N_("Low-stock level"), N_("cannot be negative"))
    for code in d.barcodes:
        if classify(code).check_ok is False:
            raise InvalidBarcode(code=code, reason=translate(N_("wrong check digit")))


class InventoryService:
    def __init__(self, db: Database):
        self.db = db

    # --- categories ---------------------------------------------------------------
    def create_category(self, name: str, kind: str = "goods", color: str = "#607D8B",
                        position: int = 0) -> int:
        with self.db.write() as s:
            cat = Category(name=name.strip(), kind=kind, color=color, position=position)
            s.add(cat)
            s.flush()
            return cat.id

    def category_id(self, name: str) -> int | None:
        with self.db.read() as s:
            return s.scalar(select(Category.id).where(Category.name == name))

    # --- products -----------------------------------------------------------------
    def _check_unique(self, s, d: ProductDraft, product_id: int | None) -> list[str]:  # noqa: ANN001
        other = s.execute(select(Product.id, Product.name).where(Product.sku == d.sku.strip())).first()
        if other and other.id != product_id:
            raise DuplicateSku(sku=d.sku, name=other.name)
        keys = []
        for code in d.barcodes:
            key = normalize(code)
            if key in keys:
                continue
            owner = s.execute(select(Product.id, Product.name).join(Barcode, Barcode.product_id == Product.id)
                              .where(Barcode.code == key)).first()
            if owner and owner.id != product_id:
                raise DuplicateBarcode(code=code, name=owner.name)
            keys.append(key)
        return keys

    def create_product(self, d: ProductDraft, *, initial_stock: int = 0, user_id: int | None = None) -> int:
        validate_draft(d)
        if initial_stock and not tracks_stock(SaleMode(d.sale_mode)):
            raise ServiceHasNoStock(name=d.name)
        with self.db.write() as s:
            keys = self._check_unique(s, d, None)
            product = Product(sku=d.sku.strip(), name=d.name.strip(), brand=d.brand.strip(),
                              category_id=d.category_id, sale_mode=SaleMode(d.sale_mode).value,
                              uom=Uom(d.uom).value, price=d.price, cost=d.cost, tax_rate_bp=d.tax_rate_bp,
                              low_stock=d.low_stock, image_path=d.image_path, active=d.active, stock=0)
            s.add(product)
            s.flush()
            for key in keys:
                s.add(Barcode(product_id=product.id, code=key))
            if initial_stock:
                s.add(StockMovement(product_id=product.id, quantity=initial_stock, reason="restock",
                                    detail="initial", user_id=user_id, unit_cost=d.cost))
            return product.id

    def set_active(self, product_id: int, active: bool) -> None:
        with self.db.write() as s:
            product = s.get(Product, product_id)
            if product is None:
                raise NotFound(what=f"product {product_id}")
            product.active = active

    # --- stock --------------------------------------------------------------------
    def _movement(self, product_id: int, quantity: int, reason: str, *, detail: str = "",
                  reference: str = "", unit_cost: int | None = None, user_id: int | None = None) -> int:
        if quantity == 0:
            raise InvalidQuantity(quantity=quantity)
        with self.db.write() as s:
            product = s.get(Product, product_id)
            if product is None:
                raise NotFound(what=f"product {product_id}")
            if not tracks_stock(SaleMode(product.sale_mode)):
                raise ServiceHasNoStock(name=product.name)
            s.add(StockMovement(product_id=product_id, quantity=quantity, reason=reason, detail=detail,
                                reference=reference, unit_cost=unit_cost, user_id=user_id))
            if unit_cost is not None and reason == "restock":
                product.cost = unit_cost
            s.flush()
            s.refresh(product)
            return product.stock

    def restock(self, product_id: int, quantity: int, *, unit_cost: int | None = None,
                reference: str = "", user_id: int | None = None) -> int:
        """Goods received; returns the new stock."""
        if quantity <= 0:
            raise InvalidQuantity(quantity=quantity)
        return self._movement(product_id, quantity, "restock", reference=reference, unit_cost=unit_cost,
                              user_id=user_id)

    def adjust(self, product_id: int, delta: int, reason: str, *, user_id: int | None = None,
               reference: str = "") -> int:
        """Stock lost or found, with one of ADJUSTMENT_REASONS; returns the new stock."""
        if reason not in ADJUSTMENT_REASONS:
            raise InvalidProduct(field=translate(N_("Reason")), reason=reason)
        return self._movement(product_id, delta, "adjustment", detail=reason, reference=reference,
                              user_id=user_id)
