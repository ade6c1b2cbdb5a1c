"""Sheets staff fill in before stock changes: a stock count and a delivery. Both are
plain objects here; the stock service keeps a draft copy of each line in the
database as it changes (so a restart resumes the sheet) and applies the whole sheet
in one transaction.

A count compares what is on the shelf with the stock *at the moment each product was
first counted*: the difference is what gets applied, so sales rung up while the count
goes on are not undone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from kiosk.core.catalog import ProductRef
from kiosk.core.errors import InvalidQuantity, ServiceHasNoStock
from kiosk.core.inventory_errors import QuantityOutOfRange
from kiosk.core.money import round_half_up
from kiosk.core.product_fields import MAX_QUANTITY_BASE, field_error
from kiosk.core.units import from_base
from kiosk.i18n import N_


def check_quantity(quantity: int, *, allow_zero: bool = False) -> None:
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise InvalidQuantity(quantity=quantity)
    if quantity > MAX_QUANTITY_BASE:
        raise QuantityOutOfRange(quantity=quantity)


def _tracked(product: ProductRef) -> None:
    if not product.tracks_stock:
        raise ServiceHasNoStock(name=product.name)


@dataclass(frozen=True)
class CountLine:
    product: ProductRef  # as it was when first counted: product.stock is the expected stock
    counted: int  # base sub-units

    @property
    def expected(self) -> int:
        return self.product.stock

    @property
    def difference(self) -> int:
        return self.counted - self.expected


class CountSheet:
    def __init__(self, started_at: datetime | None = None, lines: Iterable[CountLine] = ()):
        self.started_at = started_at
        self._lines: dict[int, CountLine] = {ln.product.id: ln for ln in lines}

    def record(self, product: ProductRef, quantity: int, *, add: bool = False) -> CountLine:
        """Set (or with ``add``, add to) the counted quantity of a product."""
        _tracked(product)
        check_quantity(quantity, allow_zero=not add)
        old = self._lines.get(product.id)
        if old is None:
            line = CountLine(product, quantity)
        else:
            counted = old.counted + quantity if add else quantity
            check_quantity(counted, allow_zero=True)
            line = replace(old, counted=counted)
        self._lines[product.id] = line
        return line

    def remove(self, product_id: int) -> None:
        self._lines.pop(product_id, None)

    def line(self, product_id: int) -> CountLine | None:
        return self._lines.get(product_id)

    @property
    def lines(self) -> list[CountLine]:
        """In the order products were first counted."""
        return list(self._lines.values())

    def differences(self) -> list[CountLine]:
        return [ln for ln in self._lines.values() if ln.difference != 0]

    def __len__(self) -> int:
        return len(self._lines)


@dataclass(frozen=True)
class DeliveryLine:
    product: ProductRef
    quantity: int  # base sub-units received
    unit_cost: int | None = None  # minor units per unit of measure; None keeps the product's cost

    @property
    def cost_total(self) -> int:
        """What this line cost: quantity x unit cost (the product's cost when none was given)."""
        cost = self.product.cost if self.unit_cost is None else self.unit_cost
        return round_half_up(from_base(self.quantity, self.product.uom) * cost)


class DeliverySheet:
    def __init__(self, reference: str = "", lines: Iterable[DeliveryLine] = (), *,
                 started_at: datetime | None = None):
        self.reference = reference
        self.started_at = started_at
        self._lines: dict[int, DeliveryLine] = {ln.product.id: ln for ln in lines}

    def add(self, product: ProductRef, quantity: int, unit_cost: int | None = None) -> DeliveryLine:
        """Scanning a product again adds to its line; a cost given replaces the line's cost."""
        _tracked(product)
        check_quantity(quantity)
        if unit_cost is not None and unit_cost < 0:
            raise field_error("cost", N_("cannot be negative"))
        old = self._lines.get(product.id)
        if old is not None:
            quantity += old.quantity
            check_quantity(quantity)
            if unit_cost is None:
                unit_cost = old.unit_cost
        line = DeliveryLine(product, quantity, unit_cost)
        self._lines[product.id] = line
        return line

    def set(self, product_id: int, quantity: int, unit_cost: int | None = None) -> DeliveryLine:
        """Correct a line (the quantity replaces the one scanned)."""
        old = self._lines[product_id]
        check_quantity(quantity)
        if unit_cost is not None and unit_cost < 0:
            raise field_error("cost", N_("cannot be negative"))
        line = DeliveryLine(old.product, quantity, unit_cost)
        self._lines[product_id] = line
        return line

    def remove(self, product_id: int) -> None:
        self._lines.pop(product_id, None)

    def line(self, product_id: int) -> DeliveryLine | None:
        return self._lines.get(product_id)

    @property
    def lines(self) -> list[DeliveryLine]:
        return list(self._lines.values())

    @property
    def cost_total(self) -> int:
        return sum(ln.cost_total for ln in self._lines.values())

    def __len__(self) -> int:
        return len(self._lines)
