"""Price calculator for bulk goods (sold by weight or volume).

Two ways to ring up a bulk product:
- by amount: the customer asks for "$5 of detergent"; the line charges exactly $5
  and the quantity shown is what $5 buys, rounded down (``Cart.add_amount``);
- by quantity: "500 ml" or "1.5 gal"; the price is the quantity times the unit
  price, half-up. Weight typed by hand (no scale) is a ``MANUAL_WEIGHT`` line.

Every conversion goes through kiosk.core.units / pricing; this module only turns
keypad presses into those calls.

SCALE PANEL: the scale engineer adds the live weight reading here. Set
``PriceCalculator.scale_panel_factory`` to a callable ``(calculator) -> Widget``;
the widget is placed in the ``scale_slot`` box of calculator.kv (empty and zero
height otherwise) when a weight product is opened. The panel calls
``calculator.use_weight(grams, tare=...)`` for "Usar peso", which rings the line up
as a ``LineEntry.SCALE`` line.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from kiosk.core.cart import CartLine, LineEntry
from kiosk.core.catalog import ProductRef
from kiosk.core.errors import DomainError, InvalidQuantity
from kiosk.core.money import to_minor
from kiosk.core.pricing import line_total, quantity_for_amount
from kiosk.core.units import SYMBOL, UOMS_FOR_MODE, SaleMode, Uom, from_base, to_base
from kiosk.formatting import display_uom, format_quantity, format_unit_price
from kiosk.i18n import _, format_decimal, format_money, parse_decimal
from kiosk.ui.base import KioskPopup

QUICK_QUANTITIES = {
    SaleMode.VOLUME: [("250", Uom.ML), ("500", Uom.ML), ("1", Uom.L), ("1", Uom.GAL)],
    SaleMode.WEIGHT: [("250", Uom.G), ("500", Uom.G), ("1", Uom.KG), ("1", Uom.LB)],
}
MAX_DIGITS = 9


class PriceCalculator(KioskPopup):
    scale_panel_factory: Callable | None = None  # see module docstring

    product = ObjectProperty(None)
    mode = StringProperty("amount")  # "amount" | "quantity"
    unit = StringProperty("")  # a Uom value, for quantity mode
    entry = StringProperty("")
    entry_text = StringProperty("")
    result_text = StringProperty("")
    error_text = StringProperty("")
    can_add = BooleanProperty(False)
    editing = BooleanProperty(False)
    header = StringProperty("")
    units = ListProperty([])
    quick = ListProperty([])

    def __init__(self, product: ProductRef, line: CartLine | None = None, **kwargs):
        self.line = line
        super().__init__(**kwargs)
        self.product = product
        self.editing = line is not None
        self.header = f"{product.name}  \u2014  {format_unit_price(product.price, product.uom)}"
        self.units = [u.value for u in UOMS_FOR_MODE[product.sale_mode]]
        self.unit = product.uom.value
        self._fresh = False
        decimals = self.app.settings.currency.decimals
        amounts = [100, 200, 500] if decimals else self.app.settings.currency.notes()[:3]
        self.quick = ([{"text": f"{q} {SYMBOL[u]}",
                        "mode": "quantity", "entry": q, "unit": u.value}
                       for q, u in QUICK_QUANTITIES[product.sale_mode]]
                      + [{"text": format_money(a), "mode": "amount",
                          "entry": format_decimal(Decimal(a).scaleb(-decimals), max_decimals=decimals),
                          "unit": ""} for a in amounts])
        self._build_buttons()
        if line is not None:
            self._load_line(line)
        self.bind(mode=self._update, unit=self._update, entry=self._update)
        self._update()
        if product.sale_mode is SaleMode.WEIGHT and PriceCalculator.scale_panel_factory is not None:
            self.ids.scale_slot.add_widget(PriceCalculator.scale_panel_factory(self))

    def _build_buttons(self) -> None:
        from kiosk.ui.widgets import KButton, KToggle

        group = f"units-{id(self)}"
        for unit in self.units:
            toggle = KToggle(text=SYMBOL[Uom(unit)], value=unit, group=group, off_role="plain",
                             state="down" if unit == self.unit else "normal")
            toggle.bind(on_release=lambda t: self.set_unit(t.value))
            self.ids.units_box.add_widget(toggle)
        for item in self.quick:
            btn = KButton(text=item["text"], role="plain")
            btn.bind(on_release=lambda b, it=item: self.quick_pick(it))
            self.ids.quick_box.add_widget(btn)

    def on_unit(self, _instance, unit: str) -> None:
        box = self.ids.get("units_box")
        for toggle in box.children if box is not None else ():
            toggle.state = "down" if toggle.value == unit and self.mode == "quantity" else "normal"

    def on_mode(self, _instance, mode: str) -> None:
        self.on_unit(self, self.unit)

    def _load_line(self, line: CartLine) -> None:
        decimals = self.app.settings.currency.decimals
        if line.entry is LineEntry.AMOUNT and line.fixed_total is not None:
            self.mode = "amount"
            self.entry = format_decimal(Decimal(line.fixed_total).scaleb(-decimals), max_decimals=decimals)
        else:
            self.mode = "quantity"
            shown = display_uom(line.quantity, line.product.uom)
            self.unit = shown.value
            self.entry = format_decimal(from_base(line.quantity, shown), max_decimals=3)
        self._fresh = True

    # --- keypad ------------------------------------------------------------------------------
    def press(self, key: str) -> None:
        self.error_text = ""
        if self._fresh and (key.isdigit() or key == "dec"):
            self.entry = ""
        self._fresh = False
        sep = self.decimal_sign
        if key.isdigit():
            if len(self.entry) < MAX_DIGITS:
                self.entry += key
        elif key == "dec":
            if sep not in self.entry:
                self.entry = (self.entry or "0") + sep
        elif key == "back":
            self.entry = self.entry[:-1]
        elif key == "clear":
            self.entry = ""

    @property
    def decimal_sign(self) -> str:
        from kiosk.ui.widgets import KEY_LABELS

        return KEY_LABELS["dec"]

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            self.entry = ""

    def set_unit(self, unit: str) -> None:
        self.mode = "quantity"
        self.unit = unit

    def quick_pick(self, item: dict) -> None:
        self.mode = item["mode"]
        if item["unit"]:
            self.unit = item["unit"]
        self.entry = item["entry"]
        self._fresh = True

    # --- what the entry means ---------------------------------------------------------------------
    def _value(self) -> Decimal | None:
        if not self.entry or self.entry.endswith(self.decimal_sign) and self.entry == self.decimal_sign:
            return None
        try:
            return parse_decimal(self.entry)
        except (ValueError, InvalidOperation):
            return None

    def _quantity(self) -> int:
        value = self._value()
        if value is None:
            raise InvalidQuantity(quantity=0)
        return to_base(value, Uom(self.unit))

    def _amount(self) -> int:
        value = self._value()
        if value is None:
            return 0
        return to_minor(value, self.app.settings.currency.decimals)

    def _update(self, *_args) -> None:
        p = self.product
        if self.mode == "amount":
            self.entry_text = f"{self.app.settings.currency.symbol} {self.entry or '0'}"
        else:
            self.entry_text = f"{self.entry or '0'} {SYMBOL[Uom(self.unit)]}"
        self.can_add = False
        self.result_text = ""
        if not self.entry:
            return
        try:
            if self.mode == "amount":
                amount = self._amount()
                quantity = quantity_for_amount(amount, p.price, p.uom, name=p.name)
                self.result_text = _("{amount} buys {quantity}").format(
                    amount=format_money(amount), quantity=format_quantity(quantity, p.uom))
            else:
                quantity = self._quantity()
                if quantity <= 0:
                    raise InvalidQuantity(quantity=quantity)
                self.result_text = _("{quantity} costs {amount}").format(
                    quantity=format_quantity(quantity, p.uom), amount=format_money(line_total(quantity, p.price, p.uom)))
            self.error_text = ""
            self.can_add = True
        except DomainError as exc:
            self.error_text = str(exc)

    # --- adding -------------------------------------------------------------------------------------
    def entry_kind(self) -> LineEntry:
        return LineEntry.MANUAL_WEIGHT if self.product.sale_mode is SaleMode.WEIGHT else LineEntry.QUANTITY

    def add(self) -> None:
        app = self.app
        selling, cart = app.selling, app.cart
        try:
            if self.mode == "amount":
                amount = self._amount()
                if self.line is None:
                    outcome = selling.add_amount(cart, self.product, amount)
                else:
                    outcome = selling.set_amount(cart, self.line.id, amount)
            else:
                quantity = self._quantity()
                if self.line is None:
                    outcome = selling.add(cart, self.product, quantity, self.entry_kind())
                else:
                    outcome = selling.set_quantity(cart, self.line.id, quantity, self.entry_kind())
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self._finish(outcome)

    def use_weight(self, grams: int, tare: int = 0) -> None:
        """For the scale panel: ring up a stable net weight from the scale."""
        app = self.app
        try:
            if self.line is None:
                outcome = app.selling.add(app.cart, self.product, grams, LineEntry.SCALE)
            else:
                outcome = app.selling.set_quantity(app.cart, self.line.id, grams, LineEntry.SCALE)
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self._finish(outcome)

    def _finish(self, outcome) -> None:  # noqa: ANN001
        sell = self.app.screen("sell")
        self.dismiss(animation=False)
        if outcome.line is not None:
            sell.selected_line = outcome.line.id
        sell.refresh_cart()
        if outcome.warning:
            sell.message(outcome.warning, "warn")
        elif outcome.line is not None:
            sell.message(_("Added: {name}").format(name=outcome.line.product.name), "ok", 3)
