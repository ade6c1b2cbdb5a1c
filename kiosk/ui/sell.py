"""Selling screen: catalog grid (recycled tiles, paged from the catalog service),
category chips, search as you type with an on-screen keyboard, the cart with line
editing, totals and the "Charge" button. Scans from any scanner land here."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.core.cart import CartLine, CartView, LineEntry, check_quantity
from kiosk.core.catalog import ProductRef
from kiosk.core.errors import DomainError
from kiosk.core.pricing import line_total
from kiosk.core.scanning import ScanEvent
from kiosk.core.units import SaleMode, Uom
from kiosk.formatting import format_quantity, format_unit_price
from kiosk.i18n import N_, _, format_money, ngettext
from kiosk.services.selling import Outcome
from kiosk.ui.base import KioskPopup, KioskScreen
from kiosk.ui.widgets import SearchInput
from kiosk.ui.shell import running_shell

PAGE = 120  # products fetched per page while scrolling the grid
CART_ROW = 44  # height of a cart line at 800x480: five lines show beside the catalog (and in portrait)
UNDO_SECONDS = 8  # how long *Deshacer* is offered after lines leave the cart
# Categories shown as chips; any more are one tap away under "More…" (a recycled list).
# Building a chip per category made signing in take 27 s with 10,000 categories.
MAX_CHIPS = 24
MORE = "more"

MODE_TAGS = {
    SaleMode.VOLUME: N_("LIQUID"),
    SaleMode.WEIGHT: N_("SOLID"),
    SaleMode.UNIT: N_("UNIT"),
    SaleMode.SERVICE: N_("SERVICE"),
}
MODE_COLORS = {
    SaleMode.VOLUME: (0.09, 0.46, 0.82, 1),
    SaleMode.WEIGHT: (0.55, 0.35, 0.16, 1),
    SaleMode.UNIT: (0.22, 0.50, 0.24, 1),
    SaleMode.SERVICE: (0.84, 0.27, 0.10, 1),
}


def tile_data(p: ProductRef, color: str) -> dict:
    return {
        "product_id": p.id,
        "name": p.name,
        "price_text": format_unit_price(p.price, p.uom),
        "tag": _(MODE_TAGS[p.sale_mode]),
        "tag_color": MODE_COLORS[p.sale_mode],
        "low": p.is_low,
        "tracks": p.tracks_stock,
        "image": p.image or "",
        "color": color,
    }


def update_by_difference(data: list, new: list) -> None:
    """Make the RecycleView's ``data`` equal ``new`` with the fewest changes it sees:
    nothing when equal, one slice assignment from the first tile that differs (the
    tiles before it keep their place), or a truncation when ``new`` is a prefix."""
    same = 0
    for old_item, new_item in zip(data, new):
        if old_item != new_item:
            break
        same += 1
    if same == len(data) == len(new):
        return
    if same == len(new):
        del data[same:]
    elif same == len(data):
        data.extend(new[same:])
    else:
        data[same:len(data)] = new[same:]  # (an open-ended slice trips Kivy's RecycleDataModel)


def quantity_detail(quantity: int, uom: Uom, unit_price: int, entry: LineEntry, total: int, tare: int = 0) -> str:
    """How a line's quantity came about, for the cart and the history detail:
    "500 ml × $3,20/L", "$5,00 buys …", a typed weight, a scale weight's tare."""
    qty = format_quantity(quantity, uom)
    price = format_unit_price(unit_price, uom)
    if entry is LineEntry.AMOUNT:
        return _("{quantity} for {amount}").format(quantity=qty, amount=format_money(total))
    if entry is LineEntry.MANUAL_WEIGHT:
        return _("{quantity} x {price} (typed weight)").format(quantity=qty, price=price)
    if entry is LineEntry.SCALE and tare:
        return _("{quantity} x {price}, tare {tare}").format(quantity=qty, price=price,
                                                             tare=format_quantity(tare, uom))
    return f"{qty} \u00d7 {price}"


def line_detail(line: CartLine) -> str:
    return quantity_detail(line.quantity, line.product.uom, line.price, line.entry, line.total, line.tare)


def discount_note(line: CartLine, priced) -> str:  # noqa: ANN001 - kiosk.core.discounts.PricedLine
    """What a line's price override and discounts add to its detail: "precio cambiado",
    "desc. −$0,50" (the line's own discount plus its share of the sale's)."""
    parts = []
    if line.override_price is not None:
        parts.append(_("price changed"))
    if priced.discount:
        parts.append(_("disc. \u2212{amount}").format(amount=format_money(priced.discount)))
    return ("  \u2022  " + ", ".join(parts)) if parts else ""


class CatalogItem(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    """A product in the catalog view; shown as a tile (picture first) or, while the
    on-screen keyboard takes half the screen, as a compact row (name and price first)."""

    product_id = NumericProperty(0)
    name = StringProperty("")
    price_text = StringProperty("")
    tag = StringProperty("")
    tag_color = ListProperty([0, 0, 0, 1])
    low = BooleanProperty(False)
    tracks = BooleanProperty(True)  # goods keep stock (the "+" restock button); services do not
    image = StringProperty("")
    color = StringProperty("#607D8B")
    texture = ObjectProperty(None, allownone=True)

    def refresh_view_attrs(self, rv, index, data):  # noqa: ANN001, ANN201
        result = super().refresh_view_attrs(rv, index, data)

        self.texture = running_shell().images.for_product(self.name, self.image or None, self.color)
        return result

    def on_release(self) -> None:

        running_shell().screen("sell").tap_product(self.product_id)


class ProductTile(CatalogItem):
    pass


class CatalogRow(CatalogItem):
    pass


class CartRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    line_id = NumericProperty(0)
    name = StringProperty("")
    detail = StringProperty("")
    total_text = StringProperty("")
    list_text = StringProperty("")  # the list total, struck through, when the line is discounted
    selected = BooleanProperty(False)

    def on_release(self) -> None:

        running_shell().screen("sell").select_line(self.line_id)


class DeviceBanner(BoxLayout):
    """The lasting device states (``App.set_banner``), drawn over the catalog's foot;
    it takes the touches on its area, so none reaches a tile underneath."""

    def on_touch_down(self, touch):  # noqa: ANN001, ANN201
        return bool(self.height and self.collide_point(*touch.pos)) or super().on_touch_down(touch)


class SellScreen(SearchInput, KioskScreen):
    query = StringProperty("")
    shown_query = StringProperty("")  # the query whose results the grid holds (benchmarks wait for it)
    category_id = NumericProperty(0)  # 0: every category
    keyboard_open = BooleanProperty(False)
    selected_line = NumericProperty(0)
    selected_bulk = BooleanProperty(False)
    selected_qty = StringProperty("")
    line_count = NumericProperty(0)
    subtotal_text = StringProperty("")
    tax_text = StringProperty("")
    total_text = StringProperty("")
    discount_text = StringProperty("")  # the cart's discounts (lines' and sale's), when any
    result_count_text = StringProperty("")
    stale = BooleanProperty(False)  # the catalog changed on a staff screen: reload on entering

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._offset = 0
        self._more = False
        self._colors: dict[int | None, str] = {}
        self._names: dict[int, str] = {}
        self._categories: list = []
        # -1: in the frame the query changed, so the frame that shows the typed text shows
        # its results too (0 waited for the next frame: one more frame drawn per key, a
        # whole frame's swap on a slow GPU, before the search even started).
        self._search_trigger = Clock.create_trigger(lambda dt: self.reload_catalog(), -1)
        self._chips_built = False
        self._undo: tuple = ()  # the lines the last removal took out, while Deshacer is offered

    # --- entering ------------------------------------------------------------------------------
    def on_pre_enter(self, *_args) -> None:
        if not self._chips_built or self.stale:
            self.stale = False
            self.build_chips()
            if self.category_id and self.category_id not in self._names:
                self.category_id = 0
            self._sync_chips()
            self.reload_catalog()
        self.refresh_cart()

    def on_leave(self, *_args) -> None:
        # Deshacer belongs to this cart as it was: not to the next sale, nor another cashier's.
        self._undo = ()
        self.ids.message.hide()

    def build_chips(self) -> None:
        """"All", "More…" when there are more than MAX_CHIPS categories, and the first
        MAX_CHIPS in menu order (however many there are, the bar holds MAX_CHIPS + 2)."""
        from kiosk.ui.widgets import KToggle

        box = self.ids.chips
        box.clear_widgets()
        cats = self.services.catalog.categories()
        self._categories = cats
        self._colors = {c.id: c.color for c in cats}
        self._names = {c.id: c.name for c in cats}
        group = f"chips-{id(self)}"
        every = KToggle(text=_("All"), value="0", group=group, off_role="plain", state="down",
                        size_hint_x=None)
        box.add_widget(every)
        if len(cats) > MAX_CHIPS:  # next to "All", so it is on screen without scrolling the bar
            box.add_widget(KToggle(text=self._more_text(), value=MORE, group=group, off_role="plain",
                                   size_hint_x=None))
        for c in cats[:MAX_CHIPS]:
            box.add_widget(KToggle(text=c.name, value=str(c.id), group=group, off_role="plain",
                                   size_hint_x=None))
        for chip in box.children:
            chip.bind(on_release=self._chip_pressed)
            self._size_chip(chip)
        self._chips_built = True

    def _more_text(self) -> str:
        shown = {c.id for c in self._categories[:MAX_CHIPS]}
        if self.category_id and self.category_id not in shown and self.category_id in self._names:
            return _("More: {name}").format(name=self._names[self.category_id])
        return _("More\u2026 ({count})").format(count=len(self._categories) - MAX_CHIPS)

    def _sync_chips(self) -> None:
        """The chip of the chosen category is down ("More…" for one beyond the bar)."""
        values = {chip.value for chip in self.ids.chips.children}
        chosen = str(self.category_id)
        if chosen not in values and MORE in values:
            chosen = MORE
        for chip in self.ids.chips.children:
            chip.state = "down" if chip.value == chosen else "normal"
            if chip.value == MORE:
                text = self._more_text()
                if chip.text != text:
                    chip.text = text
                    self._size_chip(chip)

    def _size_chip(self, chip) -> None:  # noqa: ANN001
        from kivy.core.text import Label as CoreLabel

        label = CoreLabel(text=chip.text, font_size=chip.font_size, bold=True)
        label.refresh()
        chip.width = max(label.texture.size[0] + 36 * self.app.k, 72 * self.app.k)

    def _chip_pressed(self, chip) -> None:  # noqa: ANN001
        if chip.value == MORE:
            self._sync_chips()  # stays as it was until a category is picked
            self.app.open_modal(CategoryFilterPopup(self._categories[MAX_CHIPS:], self.category_id,
                                                    on_pick=self.pick_category))
            return
        self.pick_category(int(chip.value))

    def pick_category(self, category_id: int) -> None:
        self.category_id = category_id
        self._sync_chips()
        self.reload_catalog()

    # --- catalog ---------------------------------------------------------------------------------
    def reload_catalog(self) -> None:
        """The first page for the query and category, put in the grid by difference
        (issue 18): tiles that stay where they were are left alone, and results equal
        to what is shown change nothing at all, so a keystroke costs the search and the
        tiles that really change, not a rebuilt grid."""
        self._offset = 0
        self._more = True
        rv = self.ids.catalog
        self._load_page(replace=True)
        rv.scroll_y = 1

    def _load_page(self, replace: bool = False) -> None:
        if not self._more:
            return
        products = self.services.catalog.search(self.query, limit=PAGE, offset=self._offset,
                                                category_id=self.category_id or None)
        self._offset += len(products)
        self._more = len(products) == PAGE
        page = [tile_data(p, self._colors.get(p.category_id, "#607D8B")) for p in products]
        data = self.ids.catalog.data
        if not replace:
            data.extend(page)
        else:
            update_by_difference(data, page)
        self.shown_query = self.query
        n = len(data)
        if self.query and not n:
            self.result_count_text = _("Nothing matches \u201c{query}\u201d").format(query=self.query)
        else:
            self.result_count_text = ""

    def on_catalog_scroll(self, rv) -> None:  # noqa: ANN001
        """Fetch the next page when the grid is scrolled near its end, keeping the
        rows on screen where they are."""
        if not self._more or rv.scroll_y > 0.15 or not rv.data:
            return
        content = rv.children[0] if rv.children else None
        if content is None:
            return
        from_top = (1 - rv.scroll_y) * max(1, content.height - rv.height)
        self._load_page()

        def keep_position(_dt: float) -> None:
            span = content.height - rv.height
            if span > 0:
                rv.scroll_y = max(0.0, min(1.0, 1 - from_top / span))

        Clock.schedule_once(keep_position, 0)

    def tap_product(self, product_id: int) -> None:
        product = self.services.catalog.product(product_id)
        if product is None:
            self.message(_("That product is no longer in the catalog."), "error")
            return
        self._apply(lambda counter, user_id: counter.add(user_id, product))

    def quick_restock(self, product_id: int) -> None:
        """The "+" on a tile (shown to roles holding adjust_stock; hidden for the others,
        who restock from Inventario with an authorising PIN)."""
        if not self.app.can_manage:
            return
        self.app.ensure_staff()
        from kiosk.ui.stock_popups import RestockPopup

        product = self.services.catalog.product(product_id)
        if product is None:
            self.message(_("That product is no longer in the catalog."), "error")
            return
        self.app.open_modal(RestockPopup(product=product, acting=self.app.user, on_done=self._restocked))

    def _restocked(self, change) -> None:  # noqa: ANN001
        self.refresh_product(change.product_id)
        self.app.refresh_low_count()
        self.message(change.message, "warn" if change.is_low else "ok", 5)

    def set_low_marks(self, low: dict[int, bool]) -> None:
        """The low-stock mark of the tiles of those products (id -> low now), from
        what a sale worked out: no database read, one redraw."""
        rv = self.ids.catalog
        changed = False
        for i, item in enumerate(rv.data):
            now = low.get(item["product_id"])
            if now is not None and now != item["low"]:
                rv.data[i] = {**item, "low": now}
                changed = True
        if changed:
            rv.refresh_from_data()
        if any(low.values()):
            self.app.pulse_low()  # one has just become low

    def refresh_product(self, product_id: int) -> None:
        """Redraw one tile (stock, low mark) without reloading the grid."""
        rv = self.ids.catalog
        product = self.services.catalog.product(product_id)
        for i, item in enumerate(rv.data):
            if item["product_id"] == product_id and product is not None:
                rv.data[i] = tile_data(product, self._colors.get(product.category_id, "#607D8B"))
                rv.refresh_from_data()
                if rv.data[i]["low"] and not item["low"]:
                    self.app.pulse_low()  # it has just become low
                return

    # --- search ----------------------------------------------------------------------------------
    def on_typed(self, text: str) -> None:  # a person typing on a physical keyboard
        if self.app.modal is None:
            self.type_text(text)

    def on_backspace_key(self) -> None:
        if self.app.modal is None:
            self.backspace()

    def on_untyped(self, text: str) -> None:
        self.untype(text)

    # --- scanning --------------------------------------------------------------------------------
    def on_scan(self, event: ScanEvent) -> None:
        modal = self.app.modal
        if modal is not None:
            modal.on_scan(event)
            return
        # A code the scanner side judged bad (wrong check digit) has had its two beeps.
        beeped = event.info is not None and event.info.check_ok is False
        self._apply(lambda counter, user_id: counter.scan(user_id, event), beep=not beeped)

    # --- cart ------------------------------------------------------------------------------------
    def _apply(self, change, *, beep: bool = True) -> Outcome | None:  # noqa: ANN001
        """Run a cart change through the counter service and show its outcome (the
        cart itself is redrawn by ``show_cart``, which the counter calls after every
        change)."""
        if self.app.user is None:
            return None
        try:
            outcome = change(self.services.counter, self.app.user.id)
        except DomainError as exc:
            self.message(str(exc), "error", beep=beep)
            return None
        if outcome.measure is not None:
            self.open_calculator(outcome.measure)
        else:
            self.show_outcome(outcome)
        return outcome

    def show_outcome(self, outcome: Outcome) -> None:
        """After a change (here or in the calculator): a stock warning or "Added"."""
        if outcome.warning:
            self.message(outcome.warning, "warn")
        elif outcome.line is not None:
            self.message(_("Added: {name}").format(name=outcome.line.product.name), "ok", 3)

    def show_cart(self, view: CartView) -> None:
        """The counter's "cart changed" (main thread): the lines, totals, the line the
        change was about selected, and what changed by itself (re-priced lines)."""
        if view.touched is not None:
            self.selected_line = view.touched
        self._draw(view)
        if view.notices:
            self.message("; ".join(view.notices), "warn", 12)

    def refresh_cart(self) -> None:
        if self.app.user is None:
            return
        self._draw(self.services.counter.view(self.app.user.id))

    def _draw(self, view: CartView) -> None:
        lines = view.lines
        if self.selected_line and not any(ln.id == self.selected_line for ln in lines):
            self.selected_line = lines[-1].id if lines else 0
        priced = view.priced.lines if view.priced is not None and len(view.priced.lines) == len(lines) else None
        self.ids.cart.data = [{
            "line_id": ln.id, "name": ln.product.name,
            "detail": line_detail(ln) + (discount_note(ln, priced[i]) if priced else ""),
            "total_text": format_money(priced[i].net if priced else ln.total),
            "list_text": format_money(ln.total) if priced and priced[i].discount else "",
            "selected": ln.id == self.selected_line,
        } for i, ln in enumerate(lines)]
        self.line_count = len(lines)
        self.subtotal_text = format_money(view.subtotal)
        self.tax_text = format_money(view.tax)
        self.total_text = format_money(view.total)
        self.discount_text = format_money(view.discount) if view.discount else ""
        selected = next((ln for ln in lines if ln.id == self.selected_line), None)
        self.selected_bulk = bool(selected and selected.product.bulk)
        self.selected_qty = format_quantity(selected.quantity, selected.product.uom) if selected else ""
        if selected is not None:
            index = [ln.id for ln in lines].index(selected.id)
            Clock.schedule_once(lambda dt: self._show_line(index), 0)
        elif not lines:
            # An emptied cart (a sale done) is at the top before its list shrinks: left
            # scrolled down, the empty list sprang back to the top for a second or two
            # after every sale, the whole window redrawn each frame for nothing to see
            # (issue 18: most of the selling screen's "idle" CPU).
            self.ids.cart.scroll_y = 1

    def _show_line(self, index: int) -> None:
        rv = self.ids.cart
        n = len(rv.data)
        if n and rv.children and rv.children[0].height > rv.height:
            rv.scroll_y = max(0.0, min(1.0, 1 - index / max(1, n - 1)))
        else:
            rv.scroll_y = 1  # every line fits: from the top, with no gap above them

    def keep_cart_in_view(self) -> None:
        """The cart changed size (the screen turned, the keyboard closed): the selected
        line stays in view, and a short cart starts at the top."""
        ids = [row["line_id"] for row in self.ids.cart.data]
        if self.selected_line in ids:
            Clock.schedule_once(lambda dt: self._show_line(ids.index(self.selected_line)), 0)
        else:
            self.ids.cart.scroll_y = 1

    def select_line(self, line_id: int) -> None:
        self.selected_line = line_id
        self.refresh_cart()

    def step_line(self, step: int) -> None:
        if not self.selected_line:
            return
        line_id = self.selected_line
        line = self.app.cart.line(line_id)
        if line.quantity + step <= 0:  # "−" at one takes the line out: offered back for a while
            self._take_out([line_id], _("Removed: {name}").format(name=line.product.name))
            return
        self._apply(lambda counter, user_id: counter.increment(user_id, line_id, step))

    def remove_line(self) -> None:
        if self.selected_line:
            name = self.app.cart.line(self.selected_line).product.name
            self._take_out([self.selected_line], _("Removed: {name}").format(name=name))

    def _take_out(self, line_ids: list[int], text: str) -> None:
        """Lines leave the cart (through the counter) with *Deshacer* offered on the
        message for UNDO_SECONDS."""
        if self.app.user is None or not line_ids:
            return
        try:
            taken = self.services.counter.take_out(self.app.user.id, line_ids)
        except DomainError as exc:
            self.message(str(exc), "error")
            return
        self._undo = taken
        self.selected_line = 0
        self.refresh_cart()
        self.message(text, "info", UNDO_SECONDS, action=(_("Undo"), self.undo))

    def undo(self) -> None:
        """*Deshacer*: the lines just removed come back where they were."""
        taken, self._undo = self._undo, ()
        if not taken or self.app.user is None:
            return
        try:
            restored = self.services.counter.put_back(self.app.user.id, taken)
        except DomainError as exc:
            self.message(str(exc), "error")
            return
        if restored:
            self.selected_line = restored[-1].id
        self.refresh_cart()
        self.message(ngettext("{count} line is back in the cart.", "{count} lines are back in the cart.",
                              len(restored)).format(count=len(restored)), "ok", 3)

    def edit_line(self) -> None:
        if not self.selected_line:
            return
        line = self.app.cart.line(self.selected_line)
        if line.product.bulk:
            self.open_calculator(line.product, line)
        else:
            self.app.open_modal(QuantityPopup(line=line))

    def ask_clear(self) -> None:
        if not self.app.cart.is_empty:
            self.app.open_modal(ConfirmPopup(text=_("Remove every line from the cart?"),
                                             confirm_text=_("Empty cart"), on_yes=self.clear_cart))

    def clear_cart(self) -> None:
        self._take_out([ln.id for ln in self.app.cart.lines], _("Cart emptied."))

    def open_cart_actions(self) -> None:
        """*Más*: discounts, a changed price, *Aparcar* and *Recuperar* (kiosk/ui/cart_actions.py)."""
        from kiosk.ui.cart_actions import CartActionsPopup

        if self.app.user is not None:
            self.app.open_modal(CartActionsPopup())

    def open_calculator(self, product: ProductRef, line: CartLine | None = None) -> None:
        from kiosk.ui.calculator import PriceCalculator

        self.app.open_modal(PriceCalculator(product=product, line=line))

    def teardown(self) -> None:
        self._search_trigger.cancel()


class QuantityPopup(KioskPopup):
    """Type the quantity of a unit line on a keypad. A quantity far above what the
    product usually sells in (kiosk/core/usual.py) asks to be confirmed first."""

    title = StringProperty("")
    entry = StringProperty("")
    error_text = StringProperty("")
    confirming = BooleanProperty(False)  # an unusual quantity waits for a second tap on Accept

    def __init__(self, line: CartLine, **kwargs):
        self.line = line
        super().__init__(**kwargs)
        self.title = line.product.name
        self.entry = str(line.quantity)
        self._fresh = True  # the first key replaces the current quantity

    def press(self, key: str) -> None:
        self.error_text = ""
        self.confirming = False
        if key.isdigit():
            self.entry = key if self._fresh else (self.entry + key)[:7]
        elif key == "back":
            self.entry = self.entry[:-1]
        elif key == "clear":
            self.entry = ""
        self._fresh = False

    def accept(self) -> None:
        sell = self.app.screen("sell")
        quantity = int(self.entry or "0")
        product = self.line.product
        try:
            check_quantity(product, quantity)  # zero or past the line's limit: said at once
        except DomainError as exc:
            self.show_error(str(exc))
            return
        if not self.confirming and self.services.sales.is_unusual(product, quantity):
            self.confirming = True
            self.error_text = _("{quantity} of {name} ({amount}) is far more than usual. Is it right? "
                                "Tap again to add it.").format(quantity=format_quantity(quantity, product.uom),
                                                               name=product.name,
                                                               amount=format_money(line_total(quantity, product.price, product.uom)))
            return
        try:
            outcome = sell.services.counter.set_quantity(self.app.user.id, self.line.id, quantity)
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(animation=False)
        if outcome.warning:
            sell.message(outcome.warning, "warn")


class CategoryRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    """A category in the "More…" list: colour, name, how many products."""

    key = NumericProperty(0)
    name = StringProperty("")
    count_text = StringProperty("")
    swatch = StringProperty("#607D8B")
    selected = BooleanProperty(False)

    def on_release(self) -> None:

        modal = running_shell().modal
        if isinstance(modal, CategoryFilterPopup):
            modal.pick(self.key)


class CategoryFilterPopup(KioskPopup):
    """Every category the chip bar has no room for, as a recycled list (only the
    rows on screen are widgets, so 10,000 categories open as fast as ten)."""

    def __init__(self, categories, current: int, on_pick, **kwargs):  # noqa: ANN001
        self._on_pick = on_pick
        super().__init__(**kwargs)
        self.ids.category_list.data = [
            {"key": c.id, "name": c.name, "count_text": str(c.product_count), "swatch": c.color or "#607D8B",
             "selected": c.id == current} for c in categories]

    def pick(self, category_id: int) -> None:
        self.dismiss(animation=False)
        self._on_pick(category_id)


class ConfirmPopup(KioskPopup):
    """A question with Cancel and a (red) confirm button; ``other_text`` and
    ``on_other`` add a third, safe answer between them."""

    text = StringProperty("")
    confirm_text = StringProperty("")
    error_text = StringProperty("")

    def __init__(self, on_yes, *, other_text: str = "", on_other=None, **kwargs):  # noqa: ANN001
        self._on_yes = on_yes
        super().__init__(**kwargs)
        if other_text:
            from kiosk.ui.widgets import KButton

            other = KButton(text=other_text, role="accent")
            other.bind(on_release=lambda _b: (self.dismiss(animation=False), on_other()))
            self.ids.confirm_other = other
            self.ids.buttons.add_widget(other, index=1)

    def yes(self) -> None:
        self.dismiss(animation=False)
        self._on_yes()
