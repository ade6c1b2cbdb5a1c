"""Stock screens (staff): a product's ledger, the low-stock list, receiving a
delivery of several products, and the stock count (scan and count, review the
differences, apply them in one step). The stock service keeps the sheets' rules
and writes the ledger; these screens only turn touches and scans into its calls."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.core.errors import DomainError
from kiosk.core.product_fields import amount_text, quantity_text, uom_label
from kiosk.formatting import format_quantity, to_local
from kiosk.i18n import _, decimal_mark, format_datetime, format_money, ngettext
from kiosk.services.inventory import problem_key
from kiosk.ui.forms import keypad_edit
from kiosk.ui.staff import StaffScreen

LEDGER_PAGE = 100


def typed_quantity(base: int, uom) -> str:  # noqa: ANN001
    """A base quantity as the keypad would type it in the product's unit ("2,5")."""
    return quantity_text(base, uom).replace(".", decimal_mark())


class LedgerRowView(RecycleDataViewBehavior, BoxLayout):
    time_text = StringProperty("")
    reason = StringProperty("")
    quantity_text = StringProperty("")
    balance_text = StringProperty("")
    user = StringProperty("")
    reference = StringProperty("")
    who = StringProperty("")  # user and reference on one line, for portrait
    positive = BooleanProperty(True)


# --- ledger ----------------------------------------------------------------------------------

class LedgerScreen(StaffScreen):
    """Every movement of one product, newest first, with the stock after each."""

    product_id = NumericProperty(0)
    title_text = StringProperty("")
    stock_text = StringProperty("")
    summary_text = StringProperty("")
    tracks = BooleanProperty(True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._offset = 0
        self._total = 0

    def open_product(self, product_id: int) -> None:
        current = self.app.sm.current
        if current != "ledger":
            self.back_to = current if current in ("products", "editor", "lowstock", "staff") else "products"
        self.product_id = product_id
        self.app.show("ledger")

    def entering(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._offset = 0
        self.ids.rows.data = []
        self._load_page()
        self.ids.rows.scroll_y = 1

    def _load_page(self) -> None:
        try:
            page = self.services.stock.ledger(self.product_id, limit=LEDGER_PAGE, offset=self._offset)
        except DomainError as exc:
            self.fail(exc)
            return
        p = page.product
        self.title_text = _("Stock: {name}").format(name=p.name)
        self.tracks = p.tracks_stock
        self.stock_text = _("In stock {stock}").format(stock=page.stock_text) if p.tracks_stock else _("Service")
        if p.low_stock:
            self.stock_text += "   " + _("(level {level})").format(level=format_quantity(p.low_stock, p.uom))
        self._total = page.total_rows
        self._offset += len(page.rows)
        self.ids.rows.data.extend({
            "time_text": format_datetime(r.time, "short"), "reason": r.reason_label,
            "quantity_text": r.quantity_text, "balance_text": r.balance_text, "user": r.user,
            "reference": r.reference, "who": "  \u2022  ".join(filter(None, (r.user, r.reference))),
            "positive": r.quantity > 0,
        } for r in page.rows)
        self.summary_text = _("Movements: {count}").format(count=page.total_rows) if page.total_rows \
            else _("No movements yet.")

    def on_rows_scroll(self, rv) -> None:  # noqa: ANN001
        if self._offset < self._total and rv.scroll_y <= 0.15 and rv.data:
            self._load_page()

    def _product(self):  # noqa: ANN202
        return self.services.catalog.product(self.product_id)

    def restock(self) -> None:
        from kiosk.ui.stock_popups import RestockPopup

        self.app.open_modal(RestockPopup(product=self._product(), acting=self.staff, on_done=self._changed))

    def adjust(self) -> None:
        from kiosk.ui.stock_popups import AdjustPopup

        self.app.open_modal(AdjustPopup(product=self._product(), acting=self.staff, on_done=self._changed))

    def edit(self) -> None:
        self.app.screen("editor").open_product(self.product_id)

    def _changed(self, change) -> None:  # noqa: ANN001
        self.reload()
        self.message(change.message, "warn" if change.is_low else "ok", 5)


# --- low stock -----------------------------------------------------------------------------------

class LowStockScreen(StaffScreen):
    """Products at or below their level, emptiest first, with the suggested order;
    "+" restocks with the suggestion filled in."""

    summary_text = StringProperty("")

    def entering(self) -> None:
        self.reload()

    def reload(self) -> None:
        items = self.services.stock.low_stock()
        self._items = {i.product.id: i for i in items}
        self.ids.rows.data = [{
            "key": i.product.id, "owner": "lowstock", "title": i.product.name,
            "detail": _("In stock {stock}  \u2022  level {level}  \u2022  sold {sold} in {days} days").format(
                stock=i.stock_text, level=i.level_text, sold=i.sold_text, days=i.days),
            "value_text": i.suggested_text, "tone": "danger" if i.product.stock <= 0 else "warn",
            "action_text": "+ " + i.suggested_text if i.suggested else "+",
            "detail_lines": 2 if self.app.portrait else 1,  # narrow: the sales figures wrap, not cut
        } for i in items]
        self.summary_text = _("Products to restock: {count}. The suggested order is on the right.").format(
            count=len(items)) if items else _("No product is low on stock.")
        self.app.low_count = len(items)

    def row_tapped(self, product_id: int) -> None:
        self.app.screen("ledger").open_product(product_id)

    def row_action(self, product_id: int) -> None:
        from kiosk.ui.stock_popups import RestockPopup

        item = self._items[product_id]
        self.app.open_modal(RestockPopup(product=item.product, acting=self.staff, on_done=self._restocked,
                                         quantity=typed_quantity(item.suggested, item.product.uom)
                                         if item.suggested else ""))

    def _restocked(self, change) -> None:  # noqa: ANN001
        self.reload()
        self.message(change.message, "ok", 5)


# --- sheets: delivery and count --------------------------------------------------------------------

class SheetScreen(StaffScreen):
    """A list of scanned products on the left (each with "Remove"), the selected
    one's numbers on a keypad on the right; every key press updates the sheet, so
    there is no extra button to press. Subclasses say what a scan and a change do."""

    selected = NumericProperty(0)
    unit_text = StringProperty("")
    focus = StringProperty("quantity")
    quantity = StringProperty("")
    error_text = StringProperty("")
    error_field = StringProperty("")
    lines_count = NumericProperty(0)
    applying = BooleanProperty(False)  # the sheet is being written to the stock, in a worker thread

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sheet = None
        self._fresh = False
        self._task = None

    def write_in_background(self, work, done) -> None:  # noqa: ANN001
        """Apply the sheet off the UI thread (a big count is written in many short
        transactions, see StockService); ``done(result)`` back on the main thread."""
        from kiosk.ui.progress import BackgroundTask

        if self.applying:
            return
        self.applying = True
        self._task = BackgroundTask(lambda _progress: work(), on_done=lambda result: self._written(done, result),
                                    on_error=self._write_failed, name="stock-sheet").start()

    def _written(self, done, result) -> None:  # noqa: ANN001
        self.applying = False
        done(result)

    def _write_failed(self, exc: Exception) -> None:
        self.applying = False
        if isinstance(exc, DomainError):
            self.fail(exc)
        else:
            self.message(_("The stock could not be written: {error}").format(error=exc), "error")

    def press(self, key: str) -> None:
        if not self.selected:
            return
        text = getattr(self, self.focus)
        if self._fresh and (key.isdigit() or key == "dec"):
            text = ""  # the first key replaces the number shown
        self._fresh = False
        setattr(self, self.focus, keypad_edit(text, key, decimal_mark()))
        self.error_text = self.error_field = ""
        if self.quantity:
            try:
                self.change_line()
            except DomainError as exc:
                self.error_field = "cost" if problem_key(exc) == "cost" else "quantity"
                self.error_text = str(exc)
                return
            self.refresh()

    def set_focus(self, field: str) -> None:
        self.focus = field
        self._fresh = True

    def row_tapped(self, product_id: int) -> None:
        self.select(product_id)

    def row_action(self, product_id: int) -> None:
        """ "Remove" on a row."""
        self.services.stock.remove_line(self.sheet, product_id)
        if self.selected == product_id:
            self.selected = 0
            self.quantity = ""
        self.refresh()

    def scanned(self, code: str) -> None:
        try:
            line = self.scan_line(code)
        except DomainError as exc:
            self.fail(exc)
            return
        self.select(line.product.id)
        self.message(self.scan_message(line), "ok", 3)

    def add_product(self) -> None:
        from kiosk.ui.product_list import ProductPickerPopup

        self.app.open_modal(ProductPickerPopup(on_pick=self.picked))

    def back(self) -> None:
        if self.sheet is not None and len(self.sheet):
            from kiosk.ui.sell import ConfirmPopup

            self.app.open_modal(ConfirmPopup(text=self.discard_question(), confirm_text=_("Discard"),
                                             other_text=_("Continue later"), on_other=self._leave,
                                             on_yes=self._discard))
            return
        super().back()

    def _leave(self) -> None:
        """The sheet is already stored line by line: coming back resumes it."""
        self.sheet = None
        self.app.show(self.back_to)

    def _discard(self) -> None:
        self.services.stock.discard(self.sheet)
        self.sheet = None
        self.app.show(self.back_to)

    def entering(self) -> None:
        if self.sheet is not None:
            return
        sheet = self.resume()
        if sheet is None:
            self.new_sheet()
            return
        self.show_sheet(sheet)
        started = format_datetime(to_local(sheet.started_at), "short")
        self.message(self.resumed_message(len(sheet)).format(count=len(sheet), time=started), "ok", 8)

    def show_sheet(self, sheet) -> None:  # noqa: ANN001
        self.sheet = sheet
        self.selected = 0
        self.quantity = ""
        self.refresh()


class DeliveryScreen(SheetScreen):
    """Receive a delivery: scan each product (again to add one more), correct
    quantity and unit cost on the keypad, then "Receive" stores it all at once."""

    reference = StringProperty("")
    reference_open = BooleanProperty(False)
    cost = StringProperty("")
    cost_hint = StringProperty("")
    total_text = StringProperty("")

    def resume(self):  # noqa: ANN201
        return self.services.stock.resume_delivery()

    def resumed_message(self, count: int) -> str:
        return ngettext("Delivery resumed where it was left: {count} product (started {time}).",
                        "Delivery resumed where it was left: {count} products (started {time}).", count)

    def new_sheet(self) -> None:
        self.show_sheet(self.services.stock.start_delivery())

    def show_sheet(self, sheet) -> None:  # noqa: ANN001
        self.reference = sheet.reference
        super().show_sheet(sheet)

    def scan_line(self, code: str):  # noqa: ANN201
        return self.services.stock.delivery_scan(self.sheet, code)

    def scan_message(self, line) -> str:  # noqa: ANN001
        return _("{name}: {quantity} received").format(name=line.product.name,
                                                        quantity=format_quantity(line.quantity, line.product.uom))

    def picked(self, product_id: int) -> None:
        try:
            product = self.services.catalog.product(product_id)
            line = self.services.stock.delivery_add(self.sheet, product_id, typed_quantity(
                _one(product.uom), product.uom))
        except DomainError as exc:
            self.fail(exc)
            return
        self.refresh()
        self.select(line.product.id)

    def refresh(self) -> None:
        lines = self.sheet.lines
        self.lines_count = len(lines)
        self.ids.rows.data = [{
            "key": ln.product.id, "owner": "delivery", "title": ln.product.name,
            "action_text": _("Remove"), "action_role": "plain",
            "detail": _("{quantity} at {cost}").format(
                quantity=format_quantity(ln.quantity, ln.product.uom),
                cost=format_money(ln.product.cost if ln.unit_cost is None else ln.unit_cost))
            + ("" if ln.unit_cost is not None else "  (" + _("current cost") + ")"),
            "value_text": format_money(ln.cost_total), "selected": ln.product.id == self.selected,
        } for ln in lines]
        self.total_text = _("Total cost {amount}").format(amount=format_money(self.sheet.cost_total))

    def select(self, product_id: int) -> None:
        line = next((ln for ln in self.sheet.lines if ln.product.id == product_id), None)
        if line is None:
            return
        self.selected = product_id
        p = line.product
        self.unit_text = uom_label(p.uom)
        self.quantity = typed_quantity(line.quantity, p.uom)
        decimals = self.services.settings.currency.decimals
        self.cost = "" if line.unit_cost is None else amount_text(line.unit_cost, decimals).replace(".", decimal_mark())
        self.cost_hint = format_money(p.cost)
        self.set_focus("quantity")
        self.error_text = self.error_field = ""
        self.refresh()

    def change_line(self) -> None:
        self.services.stock.delivery_set(self.sheet, self.selected, self.quantity, self.cost or None)

    def edit_reference(self) -> None:
        self.reference_open = True

    def type_reference(self, text: str) -> None:
        self.reference = (self.reference + text)[:64]

    def close_reference(self) -> None:
        self.reference_open = False
        try:
            self.services.stock.set_delivery_reference(self.sheet, self.reference)
        except DomainError as exc:
            self.fail(exc)

    def receive(self) -> None:
        try:
            self.services.stock.set_delivery_reference(self.sheet, self.reference)
        except DomainError as exc:
            self.fail(exc)
            return
        sheet, staff = self.sheet, self.staff
        self.write_in_background(lambda: self.services.stock.receive(sheet, staff), self._received)

    def _received(self, result) -> None:  # noqa: ANN001
        self.app.catalog_changed()
        self.new_sheet()
        self.message(_("Delivery received. Products: {count}, cost {amount}.").format(
            count=len(result.changes), amount=format_money(result.cost_total)), "ok", 6)

    def discard_question(self) -> str:
        return _("This delivery has not been received. Keep it to continue later, or discard it?")


def _one(uom) -> int:  # noqa: ANN001
    from kiosk.core.units import to_base

    return to_base(1, uom)


class CountScreen(SheetScreen):
    """Stock count: each scan counts one more (or type the count), "Review" lists
    the differences, "Apply" stores them all in one step."""

    reviewing = BooleanProperty(False)
    review_text = StringProperty("")
    changed = NumericProperty(0)

    def on_reviewing(self, _instance, value: bool) -> None:
        self.ids.panels.current = "review" if value else "count"

    def resume(self):  # noqa: ANN201
        return self.services.stock.resume_count()

    def resumed_message(self, count: int) -> str:
        return ngettext("Count resumed where it was left: {count} product (started {time}).",
                        "Count resumed where it was left: {count} products (started {time}).", count)

    def new_sheet(self) -> None:
        self.show_sheet(self.services.stock.start_count())

    def show_sheet(self, sheet) -> None:  # noqa: ANN001
        self.reviewing = False
        super().show_sheet(sheet)

    def scanned(self, code: str) -> None:
        if self.reviewing:
            self.reviewing = False
        super().scanned(code)

    def scan_line(self, code: str):  # noqa: ANN201
        return self.services.stock.count_scan(self.sheet, code)

    def scan_message(self, line) -> str:  # noqa: ANN001
        return _("{name}: {quantity} counted").format(name=line.product.name,
                                                      quantity=format_quantity(line.counted, line.product.uom))

    def picked(self, product_id: int) -> None:
        line = self.sheet.line(product_id)
        if line is None:
            try:
                line = self.services.stock.count_product(self.sheet, product_id, 0)
            except DomainError as exc:
                self.fail(exc)
                return
        self.refresh()
        self.select(product_id)

    def refresh(self) -> None:
        lines = self.sheet.lines
        self.lines_count = len(lines)
        self.ids.rows.data = [{
            "key": ln.product.id, "owner": "count", "title": ln.product.name, "detail": ln.product.sku,
            "action_text": _("Remove"), "action_role": "plain",
            "value_text": format_quantity(ln.counted, ln.product.uom), "selected": ln.product.id == self.selected,
        } for ln in lines]

    def select(self, product_id: int) -> None:
        line = self.sheet.line(product_id)
        if line is None:
            return
        self.selected = product_id
        self.unit_text = uom_label(line.product.uom)
        self.quantity = typed_quantity(line.counted, line.product.uom)
        self.error_text = self.error_field = ""
        self.set_focus("quantity")
        self.refresh()

    def change_line(self) -> None:
        self.services.stock.count_product(self.sheet, self.selected, self.quantity)

    def review(self) -> None:
        if not len(self.sheet):
            self.message(_("Nothing has been counted yet."), "warn")
            return
        review = self.services.stock.review_count(self.sheet)
        self.changed = review.changed
        self.review_text = _("With differences: {changed}. As expected: {unchanged}.").format(
            changed=review.changed, unchanged=review.unchanged)
        self.ids.review_rows.data = [{
            "key": ln.product.id, "owner": "count", "title": ln.product.name,
            "detail": _("expected {expected}  \u2022  counted {counted}").format(
                expected=ln.expected_text, counted=ln.counted_text),
            "value_text": ln.difference_text,
            "tone": "danger" if ln.difference < 0 else ("ok" if ln.difference > 0 else "muted"),
        } for ln in review.lines]
        self.reviewing = True

    def keep_counting(self) -> None:
        self.reviewing = False

    def ask_apply(self) -> None:
        from kiosk.ui.sell import ConfirmPopup

        if not self.changed:
            self.apply()
            return
        self.app.open_modal(ConfirmPopup(
            text=_("Apply the differences to the stock (products: {count})?").format(count=self.changed),
            confirm_text=_("Apply"), on_yes=self.apply))

    def apply(self) -> None:
        sheet, staff = self.sheet, self.staff
        self.write_in_background(lambda: self.services.stock.apply_count(sheet, staff), self._applied)

    def _applied(self, result) -> None:  # noqa: ANN001
        self.app.catalog_changed()
        self.new_sheet()
        self.message(_("Count {reference} applied. Corrected: {changed}, unchanged: {unchanged}.").format(
            reference=result.reference, changed=len(result.changes), unchanged=result.unchanged), "ok", 6)

    def row_tapped(self, product_id: int) -> None:
        if self.reviewing:
            self.reviewing = False
        self.select(product_id)

    def row_action(self, product_id: int) -> None:
        if not self.reviewing:
            super().row_action(product_id)

    def discard_question(self) -> str:
        return _("This count has not been applied. Keep it to continue later, or discard it?")
