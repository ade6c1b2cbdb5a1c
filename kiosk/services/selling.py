"""The rules of one cart change that sit above the pure Cart: what a scan means (a
unit item is added, a bulk product needs a quantity first), and the shop's
out-of-stock policy applied *before* a line changes (``[sales] out_of_stock``: "warn"
adds the goods and returns a warning to show, "refuse" raises OutOfStock and leaves
the cart as it was). The counter service (kiosk/services/counter.py) owns the carts
and applies every change through these rules; widgets hold no such rules."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.barcodes import BarcodeInfo
from kiosk.core.cart import Cart, CartLine, LineEntry, check_quantity
from kiosk.core.catalog import ProductRef
from kiosk.core.errors import OutOfStock, UnknownBarcode
from kiosk.core.pricing import quantity_for_amount
from kiosk.formatting import format_quantity
from kiosk.i18n import N_, translate
from kiosk.services.catalog import CatalogService


@dataclass(frozen=True)
class Outcome:
    """What a cart change did: the line touched (None when removed), a warning to show
    (stock going below zero under the "warn" policy), or, for a bulk product scanned
    or tapped without a quantity, the product whose calculator must open."""

    line: CartLine | None = None
    warning: str = ""
    measure: ProductRef | None = None


class SellingService:
    def __init__(self, catalog: CatalogService, out_of_stock: str = "warn"):
        self.catalog = catalog
        self.out_of_stock = out_of_stock

    # --- stock policy -----------------------------------------------------------------
    @staticmethod
    def in_cart(cart: Cart, product_id: int, except_line: int | None = None) -> int:
        return sum(ln.quantity for ln in cart.lines if ln.product.id == product_id and ln.id != except_line)

    def stock_warning(self, product: ProductRef, wanted: int) -> str:
        """Empty when ``wanted`` base units are in stock; else a warning ("warn") or
        OutOfStock ("refuse")."""
        if not product.tracks_stock or wanted <= product.stock:
            return ""
        available = format_quantity(max(product.stock, 0), product.uom)
        if self.out_of_stock == "refuse":
            raise OutOfStock(name=product.name, available=available)
        return translate(N_("Only {available} of {name} left in stock: check the shelf.")).format(
            available=available, name=product.name)

    # --- changes ------------------------------------------------------------------------
    def add(self, cart: Cart, product: ProductRef, quantity: int | None = None,
            entry: LineEntry | None = None, tare: int = 0) -> Outcome:
        """A tap on a product: unit items add one; bulk goods ask for a quantity.
        ``tare``: grams of container the scale subtracted (shown on the receipt)."""
        if quantity is None and product.bulk:
            return Outcome(measure=product)
        wanted = 1 if quantity is None else quantity
        check_quantity(product, wanted)
        warning = self.stock_warning(product, self.in_cart(cart, product.id) + wanted)
        return Outcome(cart.add(product, quantity, entry, tare=tare), warning)

    def add_amount(self, cart: Cart, product: ProductRef, amount: int) -> Outcome:
        quantity = quantity_for_amount(amount, product.price, product.uom, name=product.name)
        warning = self.stock_warning(product, self.in_cart(cart, product.id) + quantity)
        return Outcome(cart.add_amount(product, amount), warning)

    def scan(self, cart: Cart, code: str, info: BarcodeInfo | None = None) -> Outcome:
        """A scanned code (``info``: its check-digit verdict, when already judged).
        Raises UnknownBarcode (with the code read), InvalidBarcode, ProductInactive or
        OutOfStock; a plain bulk code asks for a quantity."""
        match = self.catalog.lookup_barcode(code, info)
        if match is None:
            raise UnknownBarcode(code=code.strip())
        product = match.product
        if match.amount is not None:
            quantity = quantity_for_amount(match.amount, product.price, product.uom, name=product.name)
        elif match.quantity is not None:
            quantity = match.quantity
        elif product.bulk:
            return Outcome(measure=product)
        else:
            quantity = 1
        check_quantity(product, quantity)
        warning = self.stock_warning(product, self.in_cart(cart, product.id) + quantity)
        return Outcome(cart.add_match(match), warning)

    def set_quantity(self, cart: Cart, line_id: int, quantity: int,
                     entry: LineEntry | None = None, tare: int | None = None) -> Outcome:
        line = cart.line(line_id)
        check_quantity(line.product, quantity)
        warning = self.stock_warning(line.product, self.in_cart(cart, line.product.id, line_id) + quantity)
        return Outcome(cart.set_quantity(line_id, quantity, entry, tare), warning)

    def set_amount(self, cart: Cart, line_id: int, amount: int) -> Outcome:
        line = cart.line(line_id)
        quantity = quantity_for_amount(amount, line.product.price, line.product.uom, name=line.product.name)
        warning = self.stock_warning(line.product, self.in_cart(cart, line.product.id, line_id) + quantity)
        return Outcome(cart.set_amount(line_id, amount), warning)

    def increment(self, cart: Cart, line_id: int, step: int) -> Outcome:
        line = cart.line(line_id)
        if line.quantity + step <= 0:
            cart.remove(line_id)
            return Outcome(None)
        return self.set_quantity(cart, line_id, line.quantity + step)
