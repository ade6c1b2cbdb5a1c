"""Small stock dialogs opened from several screens: quick restock (the "+" on a
catalog tile, the low-stock list, the ledger) and an adjustment with a reason.
Quantities are typed in the product's unit of measure; the stock service parses
them and writes the ledger row."""

from __future__ import annotations

from collections.abc import Callable

from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from kiosk.core.catalog import ProductRef
from kiosk.core.errors import DomainError
from kiosk.core.product_fields import uom_label
from kiosk.formatting import format_quantity
from kiosk.i18n import _, decimal_mark, format_money
from kiosk.services.inventory import problem_key
from kiosk.services.users import UserInfo
from kiosk.ui.base import KioskPopup
from kiosk.ui.forms import keypad_edit


class StockPopup(KioskPopup):
    product = ObjectProperty(None)
    focus = StringProperty("quantity")
    quantity = StringProperty("")
    error_text = StringProperty("")
    error_field = StringProperty("")
    info_text = StringProperty("")
    unit_text = StringProperty("")
    preview_text = StringProperty("")

    def __init__(self, product: ProductRef, acting: UserInfo, on_done: Callable | None = None, **kwargs):
        self.acting = acting
        self._on_done = on_done
        super().__init__(product=product, **kwargs)
        self.unit_text = uom_label(product.uom)
        self.info_text = _("In stock: {stock}").format(stock=format_quantity(product.stock, product.uom))
        self.bind(quantity=self._preview)

    def delta(self) -> str:
        return self.quantity or "0"

    def _preview(self, *_args) -> None:
        """What the stock will be, as typed (the service checks it for real on accept)."""
        self.preview_text = ""
        if not self.quantity:
            return
        from kiosk.core.product_fields import parse_quantity

        try:
            base = parse_quantity(self.delta(), self.product.uom, "stock", allow_negative=True)
        except DomainError as exc:
            self.error_text = str(exc)
            self.error_field = "stock"
            return
        uom = self.product.uom
        self.preview_text = _("Stock {old} \u2192 {new}").format(
            old=format_quantity(self.product.stock, uom), new=format_quantity(self.product.stock + base, uom))

    def press(self, key: str) -> None:
        self.error_text = ""
        self.error_field = ""
        setattr(self, self.focus, keypad_edit(getattr(self, self.focus), key, decimal_mark()))

    def failed(self, exc: DomainError) -> None:
        self.error_field = problem_key(exc)
        self.show_error(str(exc))

    def finished(self, change) -> None:  # noqa: ANN001
        self.dismiss(animation=False)
        self.app.catalog_changed()
        if self._on_done is not None:
            self._on_done(change)


class RestockPopup(StockPopup):
    """Goods received for one product: quantity and, optionally, the unit cost
    (which becomes the product's cost)."""

    cost = StringProperty("")
    cost_hint = StringProperty("")

    def __init__(self, product: ProductRef, acting: UserInfo, on_done: Callable | None = None,
                 quantity: str = "", **kwargs):
        super().__init__(product, acting, on_done, **kwargs)
        self.quantity = quantity
        self.cost_hint = _("now {cost}").format(cost=format_money(product.cost))

    def accept(self) -> None:
        try:
            change = self.services.stock.restock(self.product.id, self.quantity or "0", self.acting,
                                                     unit_cost=self.cost or None)
        except DomainError as exc:
            self.failed(exc)
            return
        self.finished(change)


class AdjustPopup(StockPopup):
    """Stock lost or found, with one of the service's reasons."""

    reasons = ListProperty([])  # [(code, label)]
    reason = StringProperty("")
    adding = BooleanProperty(False)  # most adjustments remove stock

    def __init__(self, product: ProductRef, acting: UserInfo, on_done: Callable | None = None, **kwargs):
        super().__init__(product, acting, on_done, **kwargs)
        self.reasons = self.services.stock.adjustment_reasons()
        self._build_reasons()
        self.bind(adding=self._preview)

    def _build_reasons(self) -> None:
        from kiosk.ui.widgets import KToggle

        box = self.ids.reasons
        group = f"reasons-{id(self)}"
        for code, label in self.reasons:
            toggle = KToggle(text=label, value=code, group=group, off_role="plain", font_size=self.app.k * 15)
            toggle.allow_no_selection = True
            toggle.bind(on_release=lambda t: self.set_reason(t.value if t.state == "down" else ""))
            box.add_widget(toggle)

    def set_reason(self, code: str) -> None:
        self.reason = code
        self.error_text = ""

    def delta(self) -> str:
        return ("" if self.adding else "-") + (self.quantity or "0")

    def accept(self) -> None:
        if not self.reason:
            self.show_error(_("Choose a reason."))
            return
        try:
            change = self.services.stock.adjust(self.product.id, self.delta(), self.reason, self.acting)
        except DomainError as exc:
            self.failed(exc)
            return
        self.finished(change)
