"""Price calculator for bulk goods (sold by weight or volume).

Three ways to ring up a bulk product:
- by amount: the customer asks for "$5 of detergent"; the line charges exactly $5
  and the quantity shown is what $5 buys, rounded down (``Cart.add_amount``);
- by quantity: "500 ml" or "1.5 gal"; the price is the quantity times the unit
  price, half-up. Weight typed by hand is a ``MANUAL_WEIGHT`` line;
- on the scale (weight products, when a scale is configured): the live reading
  (kiosk/ui/scale_panel.py) and "Usar peso" ring up the stable net weight as a
  ``SCALE`` line with its tare. While the scale is unplugged or failing the
  calculator opens on "by quantity": the weight is typed and marked as such.

The quick buttons ("500 ml", "$5" ...) come from ``[calculator]``
(kiosk/services/quick_buttons.py): per product, per category, per sale mode.

*Por cantidad* starts in the unit a person types for the product (millilitres for a
liquid sold by the litre, grams for a powder by the kilo: ``typing_unit``). Tapping
another unit converts what is typed (1,5 L -> 1500 ml); after an amount ("$5") it
clears it, since an amount is not a quantity. A quantity far above what the product
usually sells in (kiosk/core/usual.py) is not added at the first tap: the button
asks to confirm it, and a second tap adds it.

Every conversion goes through kiosk.core.units / pricing; this module only turns
keypad presses into those calls.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from kiosk.core.cart import CartLine, LineEntry, check_quantity
from kiosk.core.catalog import ProductRef
from kiosk.core.errors import DomainError, InvalidQuantity
from kiosk.core.money import from_minor, to_minor
from kiosk.core.pricing import line_total, quantity_for_amount
from kiosk.core.scale import ScaleState
from kiosk.core.units import SYMBOL, UOMS_FOR_MODE, SaleMode, Uom, convert_typed, typing_unit
from kiosk.formatting import display_uom, format_quantity, format_unit_price, keypad_text
from kiosk.i18n import _, format_decimal, format_money
from kiosk.services.quick_buttons import QuickButton, quick_buttons
from kiosk.ui.base import KioskPopup
from kiosk.ui.keypad_entry import KeypadEntry, quantity_entry, typed_quantity, typed_value

MANUAL_STATES = (ScaleState.DISCONNECTED, ScaleState.ERROR)


class PriceCalculator(KeypadEntry, KioskPopup):
    product = ObjectProperty(None)
    mode = StringProperty("amount")  # "scale" | "amount" | "quantity"
    unit = StringProperty("")  # a Uom value, for quantity mode
    entry = StringProperty("")
    entry_text = StringProperty("")
    result_text = StringProperty("")
    error_text = StringProperty("")
    can_add = BooleanProperty(False)
    confirming = BooleanProperty(False)  # an unusual quantity waits for a second tap on Add
    editing = BooleanProperty(False)
    has_scale = BooleanProperty(False)  # a weight product and a scale: the "Balanza" mode exists
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
        self.unit = typing_unit(product.uom).value
        self._fresh = False
        self.quick = [self._quick_item(b) for b in self._quick_buttons()]
        self._build_buttons()
        desk = self.services.scale
        if product.sale_mode is not SaleMode.WEIGHT or desk is None or not desk.available:
            desk = None
        self.scale_panel = None
        if desk is not None:
            from kiosk.ui.scale_panel import ScalePanel

            self.has_scale = True
            self.scale_panel = ScalePanel(calc=self, desk=desk)
            self.ids.scale_slot.add_widget(self.scale_panel)
        if line is not None:
            self._load_line(line)
        elif self.has_scale:
            # A product already on the scale is read at once; unplugged: type the weight.
            self.mode = "quantity" if desk.latest().state in MANUAL_STATES else "scale"
        self.bind(mode=self._update, unit=self._update, entry=self._update)
        self.on_mode(self, self.mode)
        self._update()

    # --- quick buttons ---------------------------------------------------------------------------
    def _quick_buttons(self) -> list[QuickButton]:
        settings = self.app.settings
        p = self.product
        decimals = settings.currency.decimals
        category = ""
        if p.category_id is not None:
            category = next((c.name for c in self.services.catalog.categories() if c.id == p.category_id), "")
        return quick_buttons(settings.calculator, p.sale_mode, sku=p.sku, category=category, decimals=decimals,
                             default_amounts=[100, 200, 500] if decimals else settings.currency.notes()[:3])

    def _quick_item(self, b: QuickButton) -> dict:
        decimals = self.app.settings.currency.decimals
        if b.is_amount:
            amount = b.minor(decimals)
            return {"text": format_money(amount), "mode": "amount", "unit": "",
                    "entry": keypad_text(from_minor(amount, decimals), max_decimals=decimals)}
        return {"text": f"{format_decimal(b.value, max_decimals=3)} {SYMBOL[b.unit]}", "mode": "quantity",
                "entry": keypad_text(b.value), "unit": b.unit.value}

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
        body = self.ids.get("body")
        if body is not None:
            body.current = "scale" if mode == "scale" else "typed"

    def _load_line(self, line: CartLine) -> None:
        decimals = self.app.settings.currency.decimals
        if line.entry is LineEntry.AMOUNT and line.fixed_total is not None:
            self.mode = "amount"
            self.entry = keypad_text(from_minor(line.fixed_total, decimals), max_decimals=decimals)
        else:
            self.mode = "quantity"
            shown = display_uom(line.quantity, line.product.uom)
            self.unit = shown.value
            self.entry = quantity_entry(line.quantity, shown)
            if line.entry is LineEntry.SCALE and self.has_scale:
                self.mode = "scale"  # weigh it again
        self._fresh = True

    # --- keypad ------------------------------------------------------------------------------
    def press(self, key: str) -> None:
        """The first digit after a line or a quick button was loaded replaces it."""
        if self._fresh and (key.isdigit() or key == "dec"):
            self.entry = ""
        self._fresh = False
        super().press(key)

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            self.entry = ""
            self.error_text = ""

    def set_unit(self, unit: str) -> None:
        """A unit button: what is typed is converted to it (1,5 L -> 1500 ml); an
        amount typed before is cleared, for it is not a quantity."""
        value = typed_value(self.entry) if self.mode == "quantity" else None
        if self.mode != "quantity":
            self.entry = ""
        self.mode = "quantity"
        if value is not None and unit != self.unit:
            self.entry = keypad_text(convert_typed(value, Uom(self.unit), Uom(unit)))
            self._fresh = True
        self.unit = unit

    def quick_pick(self, item: dict) -> None:
        self.mode = item["mode"]
        if item["unit"]:
            self.unit = item["unit"]
        self.entry = item["entry"]
        self._fresh = True

    # --- what the entry means ---------------------------------------------------------------------
    def _quantity(self) -> int:
        quantity = typed_quantity(self.entry, Uom(self.unit))
        if quantity is None:
            raise InvalidQuantity(quantity=0)
        return quantity

    def _amount(self) -> int:
        value = typed_value(self.entry)
        if value is None:
            return 0
        return to_minor(value, self.app.settings.currency.decimals)

    def _update(self, *_args) -> None:
        p = self.product
        self.confirming = False  # whatever changed, a pending "is this right?" no longer applies
        if self.mode == "amount":
            self.entry_text = f"{self.app.settings.currency.symbol} {self.entry or '0'}"
        else:
            self.entry_text = f"{self.entry or '0'} {SYMBOL[Uom(self.unit)]}"
        self.can_add = False
        self.result_text = ""
        if not self.entry or self.mode == "scale":
            return
        try:
            if self.mode == "amount":
                amount = self._amount()
                quantity = quantity_for_amount(amount, p.price, p.uom, name=p.name)
                check_quantity(p, quantity)  # an absurd amount is refused here, not at "Add"
                self.result_text = _("{amount} buys {quantity}").format(
                    amount=format_money(amount), quantity=format_quantity(quantity, p.uom))
            else:
                quantity = self._quantity()
                check_quantity(p, quantity)
                self.result_text = _("{quantity} costs {amount}").format(
                    quantity=format_quantity(quantity, p.uom), amount=format_money(line_total(quantity, p.price, p.uom)))
            self.error_text = ""
            self.can_add = True
        except DomainError as exc:
            self.error_text = str(exc)

    # --- adding -------------------------------------------------------------------------------------
    def entry_kind(self) -> LineEntry:
        """A typed weight is always marked as typed by hand, scale or not."""
        return LineEntry.MANUAL_WEIGHT if self.product.sale_mode is SaleMode.WEIGHT else LineEntry.QUANTITY

    def _asks_to_confirm(self) -> bool:
        """True (and the question shown) for a quantity far above the usual, the
        first time Add is tapped for it."""
        if self.confirming:
            return False
        p = self.product
        try:
            quantity = (quantity_for_amount(self._amount(), p.price, p.uom, name=p.name) if self.mode == "amount"
                        else self._quantity())
        except DomainError:
            return False  # add() says what is wrong
        if not self.services.sales.is_unusual(p, quantity):
            return False
        self.confirming = True
        amount = self._amount() if self.mode == "amount" else line_total(quantity, p.price, p.uom)
        self.error_text = _("{quantity} of {name} ({amount}) is far more than usual. Is it right? "
                            "Tap again to add it.").format(quantity=format_quantity(quantity, p.uom), name=p.name,
                                                           amount=format_money(amount))
        return True

    def add(self) -> None:
        if self._asks_to_confirm():
            return
        counter, user_id = self.services.counter, self.app.user.id
        try:
            if self.mode == "amount":
                amount = self._amount()
                if self.line is None:
                    outcome = counter.add_amount(user_id, self.product, amount)
                else:
                    outcome = counter.set_amount(user_id, self.line.id, amount)
            else:
                quantity = self._quantity()
                if self.line is None:
                    outcome = counter.add(user_id, self.product, quantity, self.entry_kind())
                else:
                    outcome = counter.set_quantity(user_id, self.line.id, quantity, self.entry_kind())
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self._finish(outcome)

    def use_scale(self) -> bool:
        """For the scale panel ("Usar peso"): the counter rings up the scale's stable net
        weight with its tare (through the scale desk service). False (the error shown)
        when the line cannot be added."""
        desk, user_id = self.services.scale, self.app.user.id
        line_id = self.line.id if self.line is not None else None
        try:
            outcome = desk.weigh(user_id, self.product, line_id)
        except DomainError as exc:
            self.show_error(str(exc))
            return False
        self._finish(outcome)
        return True

    def _finish(self, outcome) -> None:  # noqa: ANN001
        self.dismiss(animation=False)
        self.app.screen("sell").show_outcome(outcome)

    def on_dismiss(self) -> None:
        if self.scale_panel is not None:
            self.scale_panel.detach()
