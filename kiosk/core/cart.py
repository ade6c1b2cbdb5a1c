"""The cart being rung up: lines, quantities and totals. Pure, in memory; the counter
service (kiosk/services/counter.py) stores it line by line and announces every change
with a ``CartView``; the sale service turns it into a sale in one transaction."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from kiosk.core import discounts
from kiosk.core import tax as taxes
from kiosk.core.catalog import ProductRef, ScanMatch
from kiosk.core.errors import (
    AmountTooLarge,
    EmptyCart,
    InvalidQuantity,
    LineNotFound,
    ProductInactive,
    QuantityRequired,
    QuantityTooLarge,
    QuantityTooSmall,
    UnknownBarcode,
)
from kiosk.core.pricing import MAX_LINE_AMOUNT, line_total, quantity_for_amount
from kiosk.core.units import MAX_LINE_QUANTITY
from kiosk.core.quantities import format_quantity


class LineEntry(StrEnum):
    """How a line's quantity was obtained (shown on screen and on the receipt)."""

    COUNT = "count"  # unit items: tapped, scanned or typed
    QUANTITY = "quantity"  # bulk, by quantity ("500 ml")
    AMOUNT = "amount"  # bulk, by amount ("$5 of ...")
    SCALE = "scale"  # stable net weight from the scale
    MANUAL_WEIGHT = "manual"  # weight typed by hand (no scale)
    LABEL = "label"  # weight/price barcode printed by a scale


@dataclass(frozen=True)
class CartLine:
    id: int
    product: ProductRef
    quantity: int  # base sub-units
    entry: LineEntry = LineEntry.COUNT
    fixed_total: int | None = None  # by-amount and price-label lines charge exactly this
    tare: int = 0  # grams of container subtracted (scale lines, informative)
    discount: discounts.Discount | None = None  # the line's own discount (kiosk/core/discounts.py)
    override_price: int | None = None  # a price typed instead of the catalog's (per uom)
    override_reason: str = ""

    @property
    def price(self) -> int:
        """The unit price the line charges: the override, else the catalog's."""
        return self.product.price if self.override_price is None else self.override_price

    @property
    def total(self) -> int:
        """The line at its price, before discounts (its list total)."""
        if self.fixed_total is not None:
            return self.fixed_total
        if self.price == 0:
            return 0
        return line_total(self.quantity, self.price, self.product.uom)

    @property
    def manual(self) -> bool:
        return self.entry is LineEntry.MANUAL_WEIGHT


def check_quantity(product: ProductRef, quantity: int) -> None:
    if quantity <= 0:
        raise InvalidQuantity(quantity=quantity)
    maximum = MAX_LINE_QUANTITY[product.base_unit]
    if quantity > maximum:
        raise QuantityTooLarge(quantity=format_quantity(quantity, product.uom), name=product.name,
                               maximum=format_quantity(maximum, product.uom))
    # A bulk quantity so small that its price rounds to nothing is a slip (1 ml typed
    # for 1 L), and would give goods away: refuse it and say the least that can be sold.
    if product.bulk and product.price > 0 and line_total(quantity, product.price, product.uom) == 0:
        least = quantity
        while line_total(least, product.price, product.uom) == 0:
            least *= 2
        raise QuantityTooSmall(quantity=format_quantity(quantity, product.uom), name=product.name,
                               minimum=format_quantity(least, product.uom))


@dataclass(frozen=True)
class Repriced:
    """A line whose product's price or tax changed in the catalog while it sat in the
    cart (the line now charges the new price)."""

    line_id: int
    name: str
    old_price: int
    new_price: int
    old_tax_bp: int
    new_tax_bp: int
    uom: str


@dataclass(frozen=True)
class CartView:
    """The whole cart as whoever shows it needs it (the selling screen, a customer
    display): a plain value, safe to hand to another thread. ``touched`` is the line
    the change was about; ``notices`` say what changed by itself (a price changed by
    a manager, a product taken off sale)."""

    user_id: int
    cart_uuid: str
    lines: tuple[CartLine, ...]
    total: int  # to pay: after every discount
    tax: int
    touched: int | None = None
    notices: tuple[str, ...] = ()
    repriced: tuple[Repriced, ...] = ()
    priced: discounts.Priced | None = None  # list price, discount and net of each line
    sale_discount: discounts.Discount | None = None

    @property
    def discount(self) -> int:
        return self.priced.discount if self.priced is not None else 0

    @property
    def list_total(self) -> int:
        return self.total + self.discount

    @property
    def subtotal(self) -> int:
        return self.total - self.tax

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines


class Cart:
    def __init__(self, uuid: str | None = None, lines: Iterable[CartLine] = (),
                 sale_discount: discounts.Discount | None = None) -> None:
        """A new, empty cart; or (``uuid`` and ``lines``) one restored from storage."""
        self.uuid = uuid or str(uuidlib.uuid4())
        self.sale_discount = sale_discount
        self._lines: list[CartLine] = list(lines)
        self._next_id = max((ln.id for ln in self._lines), default=0) + 1

    # --- reading -------------------------------------------------------------------
    @property
    def lines(self) -> tuple[CartLine, ...]:
        return tuple(self._lines)

    def __len__(self) -> int:
        return len(self._lines)

    @property
    def is_empty(self) -> bool:
        return not self._lines

    def line(self, line_id: int) -> CartLine:
        for line in self._lines:
            if line.id == line_id:
                return line
        raise LineNotFound(line_id=line_id)

    def priced(self) -> discounts.Priced:
        """Each line's list total, discounts, net and tax by the one rounding rule."""
        return discounts.price([discounts.LineIn(ln.total, ln.product.tax_rate_bp, ln.discount)
                                for ln in self._lines], self.sale_discount)

    @property
    def total(self) -> int:
        """What the customer pays: after the lines' and the sale's discounts."""
        if self.sale_discount is None and all(ln.discount is None for ln in self._lines):
            return sum(line.total for line in self._lines)
        return self.priced().total

    def tax_breakdown(self) -> list[taxes.TaxLine]:
        return list(self.priced().taxes)

    @property
    def tax(self) -> int:
        return sum(t.tax for t in self.tax_breakdown())

    # --- discounts and price overrides (checked by the counter service) ---------------
    def set_line_discount(self, line_id: int, discount: discounts.Discount | None) -> CartLine:
        line = self.line(line_id)
        if discount is not None:
            discounts.discount_amount(line.total, discount)  # raises for 0, 100 % or more than the line
        new = self._replace(line_id, discount=discount)
        self._check_sale_discount()
        return new

    def set_sale_discount(self, discount: discounts.Discount | None) -> None:
        old = self.sale_discount
        self.sale_discount = discount
        try:
            self._check_sale_discount()
        except Exception:
            self.sale_discount = old
            raise

    def _check_sale_discount(self) -> None:
        if self.sale_discount is not None and self._lines:
            self.priced()  # raises when the sale discount would leave nothing to pay

    def override_price(self, line_id: int, price: int | None, reason: str = "") -> CartLine:
        """A typed unit price (None: back to the catalog's). A by-amount line becomes a
        by-quantity line at the new price."""
        line = self.line(line_id)
        if price is not None:
            discounts.check_override(price)
        fixed = None if price is not None else line.fixed_total
        if line.entry in (LineEntry.AMOUNT, LineEntry.LABEL) and price is not None:
            entry = LineEntry.QUANTITY
        else:
            entry = line.entry
        return self._replace(line_id, override_price=price, override_reason=reason if price is not None else "",
                             fixed_total=fixed, entry=entry,
                             discount=None if price is not None and price == 0 else line.discount)

    @property
    def subtotal(self) -> int:
        """Total before tax (prices are tax-inclusive)."""
        return self.total - self.tax

    def require_items(self) -> None:
        if self.is_empty:
            raise EmptyCart()

    # --- changing ------------------------------------------------------------------
    def _new_line(self, **fields) -> CartLine:
        line = CartLine(id=self._next_id, **fields)
        if line.total > MAX_LINE_AMOUNT:
            raise AmountTooLarge(amount_minor=line.total)
        self._next_id += 1
        self._lines.append(line)
        return line

    def _replace(self, line_id: int, **changes) -> CartLine:
        for i, line in enumerate(self._lines):
            if line.id == line_id:
                new = replace(line, **changes)
                if new.total > MAX_LINE_AMOUNT:
                    raise AmountTooLarge(amount_minor=new.total)
                if new.discount is not None and new.total > 0:
                    discounts.discount_amount(new.total, new.discount)  # still fits the changed line
                self._lines[i] = new
                try:
                    self._check_sale_discount()
                except Exception:
                    self._lines[i] = line
                    raise
                return new
        raise LineNotFound(line_id=line_id)

    def add(self, product: ProductRef, quantity: int | None = None,
            entry: LineEntry | None = None, fixed_total: int | None = None,
            tare: int = 0) -> CartLine:
        """Add a product. Unit items and services default to one and merge into the
        product's existing line; bulk goods need a quantity and always get their own
        line (two bottles filled separately are two lines)."""
        if not product.active:
            raise ProductInactive(name=product.name)
        if quantity is None:
            if product.bulk:
                raise QuantityRequired(name=product.name)
            quantity = 1
        entry = entry or (LineEntry.QUANTITY if product.bulk else LineEntry.COUNT)
        check_quantity(product, quantity)
        if entry is LineEntry.COUNT and not product.bulk:
            for line in self._lines:
                if line.product.id == product.id and line.entry is LineEntry.COUNT:
                    new_quantity = line.quantity + quantity
                    check_quantity(product, new_quantity)
                    return self._replace(line.id, quantity=new_quantity, product=product)
        return self._new_line(product=product, quantity=quantity, entry=entry,
                              fixed_total=fixed_total, tare=tare)

    def add_amount(self, product: ProductRef, amount: int, *, resolution: int = 1) -> CartLine:
        """Sell a bulk product by amount: the line charges exactly ``amount``."""
        quantity = quantity_for_amount(amount, product.price, product.uom,
                                       name=product.name, resolution=resolution)
        return self.add(product, quantity, LineEntry.AMOUNT, fixed_total=amount)

    def add_match(self, match: ScanMatch) -> CartLine:
        if match.amount is not None:
            quantity = quantity_for_amount(match.amount, match.product.price, match.product.uom,
                                           name=match.product.name)
            return self.add(match.product, quantity, LineEntry.LABEL, fixed_total=match.amount)
        if match.quantity is not None:
            entry = LineEntry.LABEL if match.product.bulk else LineEntry.COUNT
            return self.add(match.product, match.quantity, entry)
        return self.add(match.product)

    def add_barcode(self, code: str, lookup: Callable[[str], ScanMatch | None]) -> CartLine:
        match = lookup(code)
        if match is None:
            raise UnknownBarcode(code=code)
        return self.add_match(match)

    def set_quantity(self, line_id: int, quantity: int, entry: LineEntry | None = None,
                     tare: int | None = None) -> CartLine:
        """Change a line's quantity; a by-amount line becomes a by-quantity line. The
        tare stays only on a line that is still weighed on the scale."""
        line = self.line(line_id)
        check_quantity(line.product, quantity)
        if entry is None:
            entry = line.entry if line.fixed_total is None else LineEntry.QUANTITY
        if tare is None:
            tare = line.tare if entry is LineEntry.SCALE else 0
        return self._replace(line_id, quantity=quantity, entry=entry, tare=tare,
                             fixed_total=None if entry is not LineEntry.AMOUNT else line.fixed_total)

    def set_amount(self, line_id: int, amount: int, *, resolution: int = 1) -> CartLine:
        line = self.line(line_id)
        quantity = quantity_for_amount(amount, line.product.price, line.product.uom,
                                       name=line.product.name, resolution=resolution)
        check_quantity(line.product, quantity)
        return self._replace(line_id, quantity=quantity, entry=LineEntry.AMOUNT, fixed_total=amount, tare=0)

    def increment(self, line_id: int, step: int = 1) -> CartLine | None:
        """+/- buttons. Going to zero removes the line (returns None)."""
        line = self.line(line_id)
        new_quantity = line.quantity + step
        if new_quantity <= 0:
            self.remove(line_id)
            return None
        return self.set_quantity(line_id, new_quantity)

    def remove(self, line_id: int) -> None:
        self.line(line_id)
        self._lines = [line for line in self._lines if line.id != line_id]
        self._drop_sale_discount_if_too_large()

    def _drop_sale_discount_if_too_large(self) -> None:
        """Lines taken out: a sale discount (an amount) that no longer fits what is
        left is dropped (the cashier sees the total go back up and may ask again)."""
        if not self._lines:
            self.sale_discount = None
            return
        try:
            self._check_sale_discount()
        except discounts.DiscountTooLarge:
            self.sale_discount = None

    def clear(self) -> None:
        self._lines.clear()
        self.sale_discount = None

    def take_out(self, line_ids: Sequence[int]) -> tuple[tuple[int, CartLine], ...]:
        """Remove these lines and return them with their places, for ``put_back``
        (the selling screen's *Deshacer*)."""
        wanted = set(line_ids)
        for line_id in wanted:
            self.line(line_id)
        taken = tuple((i, line) for i, line in enumerate(self._lines) if line.id in wanted)
        self._lines = [line for line in self._lines if line.id not in wanted]
        self._drop_sale_discount_if_too_large()
        return taken

    def put_back(self, taken: Sequence[tuple[int, CartLine]]) -> list[CartLine]:
        """Undo ``take_out``: each line back where it was (or at the end, if the cart
        is shorter now) with its id, quantity, price and how it was entered (a stored
        cart keeps the order after a restart). A unit item
        whose product got a new line meanwhile is merged into that line."""
        restored: list[CartLine] = []
        for index, line in sorted(taken, key=lambda pair: pair[0]):
            merged = next((ln for ln in self._lines if ln.product.id == line.product.id
                           and ln.entry is LineEntry.COUNT and line.entry is LineEntry.COUNT), None)
            if merged is not None:
                restored.append(self.set_quantity(merged.id, merged.quantity + line.quantity))
                continue
            back = line
            if any(ln.id == line.id for ln in self._lines):  # ids only grow: a safeguard
                back = replace(line, id=self._next_id)
                self._next_id += 1
            self._lines.insert(min(index, len(self._lines)), back)
            restored.append(back)
        return restored

    def view(self, user_id: int, touched: int | None = None, notices: tuple[str, ...] = (),
             repriced: tuple[Repriced, ...] = ()) -> CartView:
        priced = self.priced()
        return CartView(user_id, self.uuid, self.lines, priced.total, priced.tax, touched, notices, repriced,
                        priced, self.sale_discount)

    def refresh_products(self, fresh: Callable[[int], ProductRef | None]) -> tuple[list[str], list[Repriced]]:
        """Replace product snapshots with current catalog data. Lines whose product
        is gone or inactive are removed (their names are returned); lines whose price
        or tax changed are re-priced (a line sold by amount keeps its amount and gets
        the quantity it now buys) and returned as ``Repriced``."""
        removed: list[str] = []
        repriced: list[Repriced] = []
        kept: list[CartLine] = []
        for line in self._lines:
            product = fresh(line.product.id)
            if product is None or not product.active:
                removed.append(line.product.name)
                continue
            old = line.product
            new = replace(line, product=product)
            if (old.price, old.tax_rate_bp) != (product.price, product.tax_rate_bp):
                if line.fixed_total is not None and product.price > 0:
                    quantity = quantity_for_amount(line.fixed_total, product.price, product.uom, name=product.name)
                    new = replace(new, quantity=max(1, quantity))
                repriced.append(Repriced(line.id, product.name, old.price, product.price, old.tax_rate_bp,
                                         product.tax_rate_bp, product.uom.value))
            kept.append(new)
        self._lines = kept
        return removed, repriced
