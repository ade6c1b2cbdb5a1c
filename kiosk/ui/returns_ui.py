"""Returns and voids on screen (issue 14), opened from *Historial*'s sale detail.

- ``ReturnPopup``: the sale's lines with what is left to return; tap a line, type the
  quantity on the keypad in the unit a person says it in (millilitres or grams for a
  bulk line sold by the litre or the kilo, as the price calculator does), or *Todo*;
  pick the reason (it decides stock back or waste) and the refund method (the sale's
  own by default; another one is the ``refund_other_method`` act); *Devolver* writes
  the return through ``ReturnsService.make_return`` (its DEVOLUCIÓN ticket goes to the
  print queue; a cash refund opens the drawer: the service decides).
- ``VoidPopup``: the reason typed on the on-screen keyboard; *Anular* voids the whole
  sale (``ReturnsService.void``; refused, saying why, outside ``void_window_open``).

The acts (``return``, ``void``) a cashier lacks are authorised once by a manager's
PIN (``app.with_act`` and the one ``AuthorisePopup``).
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, DictProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.core.errors import DomainError
from kiosk.core.payments import method_label
from kiosk.core.permissions import Act
from kiosk.core.refunds import RETURN_REASONS, refund
from kiosk.core.units import typing_unit
from kiosk.formatting import format_quantity, format_unit_price
from kiosk.i18n import _, format_money
from kiosk.services.returns import reason_label
from kiosk.ui.base import KioskPopup
from kiosk.ui.keypad_entry import KeypadEntry, quantity_entry
from kiosk.ui.shell import running_shell

REFUND_METHODS = ("cash", "card", "qr")


class ReturnLineRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    position = NumericProperty(0)
    name = StringProperty("")
    detail = StringProperty("")
    chosen_text = StringProperty("")
    selected = BooleanProperty(False)
    done = BooleanProperty(False)  # nothing left to return

    def on_release(self) -> None:
        modal = running_shell().modal
        if isinstance(modal, (ReturnPopup, NoReceiptReturnPopup)) and not self.done:
            modal.select(self.position)


class ReturnPopup(KeypadEntry, KioskPopup):
    title = StringProperty("")
    entry = StringProperty("")
    unit_text = StringProperty("")
    selected = NumericProperty(0)
    chosen = DictProperty({})  # position -> base units to return
    reason = StringProperty("")
    method = StringProperty("")  # "" until the refund method is known
    original = ListProperty([])  # the methods the sale was paid with
    total_text = StringProperty("")
    error_text = StringProperty("")

    def __init__(self, sale_number: int, **kwargs):
        super().__init__(**kwargs)
        self.sale = self.services.returns.sale(sale_number)
        self.title = _("Return from sale #{number}").format(number=self.sale.number)
        self.original = [m for m, amount in self.sale.paid.items() if amount > 0]
        self.method = self.original[0] if self.original else "cash"
        self._build_choices()
        first = next((ln for ln in self.sale.lines if ln.left > 0), None)
        if first is not None:
            self.select(first.position)
        self._draw()

    def _build_choices(self) -> None:
        from kiosk.ui.widgets import KButton

        k = self.app.k
        box = self.ids.reasons
        box.clear_widgets()
        for reason in RETURN_REASONS:
            b = KButton(text=reason_label(reason), role="plain", size_hint_y=None, height=k * 48)
            b.value = reason
            b.bind(on_release=lambda btn: self.pick_reason(btn.value))
            box.add_widget(b)
        box = self.ids.methods
        box.clear_widgets()
        for method in REFUND_METHODS:
            b = KButton(text=method_label(method), role="plain")
            b.value = method
            b.bind(on_release=lambda btn: self.pick_method(btn.value))
            box.add_widget(b)
        self._mark()

    def _mark(self) -> None:
        for b in self.ids.reasons.children:
            b.role = "accent" if b.value == self.reason else "plain"
        for b in self.ids.methods.children:
            b.role = "accent" if b.value == self.method else "plain"

    def pick_reason(self, reason: str) -> None:
        self.reason = reason
        self.error_text = ""
        self._mark()

    def pick_method(self, method: str) -> None:
        self.method = method
        self.error_text = ""
        self._mark()

    # --- lines and quantities -------------------------------------------------------------------
    def select(self, position: int) -> None:
        self.selected = position
        self.show_quantity(self.chosen.get(position, 0), self.sale.line(position).uom)
        self._draw()

    def press(self, key: str) -> None:
        super().press(key)
        self._take_entry()

    def _take_entry(self) -> None:
        if not self.selected:
            return
        line = self.sale.line(self.selected)
        quantity = self.entry_quantity(line.uom)
        chosen = dict(self.chosen)
        if quantity > 0:
            chosen[self.selected] = quantity
        else:
            chosen.pop(self.selected, None)
        self.chosen = chosen
        if quantity > line.left:
            self.error_text = _("Only {left} of {name} can come back (sold {sold}).").format(
                left=format_quantity(line.left, line.uom), name=line.name, sold=format_quantity(line.sold, line.uom))
        self._draw()

    def all_of_line(self) -> None:
        """*Todo*: everything left of the selected line."""
        if not self.selected:
            return
        line = self.sale.line(self.selected)
        self.entry = quantity_entry(line.left, typing_unit(line.uom))
        self._take_entry()

    def _draw(self) -> None:
        rows = []
        total = 0
        for ln in self.sale.lines:
            q = self.chosen.get(ln.position, 0)
            if 0 < q <= ln.left:
                total += refund(ln.sold_line(), q).amount
            rows.append({
                "position": ln.position, "name": f"{ln.position}. {ln.name}",
                "detail": _("sold {sold}, left {left}").format(sold=format_quantity(ln.sold, ln.uom),
                                                             left=format_quantity(ln.left, ln.uom)),
                "chosen_text": format_quantity(q, ln.uom) if q else "",
                "selected": ln.position == self.selected, "done": ln.left == 0})
        self.ids.lines.data = rows
        self.total_text = format_money(total)

    # --- confirming -------------------------------------------------------------------------------
    def confirm(self) -> None:
        wanted = [(pos, q) for pos, q in sorted(self.chosen.items()) if q > 0]
        if not wanted:
            self.show_error(_("Tap a line and type how much comes back."))
            return
        if not self.reason:
            self.show_error(_("Pick the reason of the return."))
            return
        try:
            self.services.returns.plan(self.sale, wanted)  # too much: said here, nothing written
        except DomainError as exc:
            self.show_error(str(exc))
            return
        app = self.app
        access = self.services.access
        other = self.method not in self.original
        user = app.user
        if not access.allows(user, Act.RETURN):
            act = Act.RETURN  # the manager who authorises may also refund by another method
        elif other and not access.allows(user, Act.REFUND_OTHER_METHOD):
            act = Act.REFUND_OTHER_METHOD
        else:
            act = None
        number, reason, method = self.sale.number, self.reason, (self.method if other else None)
        history = app.screen("history")
        run = self.act_runner(
            lambda actor: self.services.returns.make_return(actor, number, wanted, reason, refund_method=method),
            lambda result: history.returned(number, result), history, 10)

        if act is None:
            run(user)
        else:
            from kiosk.ui.pins import AuthorisePopup

            app.open_modal(AuthorisePopup(act, run))


class VoidPopup(KioskPopup):
    """*Anular*: the reason (required), typed on the on-screen keyboard."""

    title = StringProperty("")
    reason = StringProperty("")
    error_text = StringProperty("")

    def __init__(self, sale_number: int, total: int, **kwargs):
        self.sale_number = sale_number
        super().__init__(**kwargs)
        self.title = _("Void sale #{number} ({total})").format(number=sale_number, total=format_money(total))

    def type_text(self, text: str) -> None:
        self.error_text = ""
        self.reason = (self.reason + text)[:120]

    def backspace(self) -> None:
        self.reason = self.reason[:-1]

    def clear(self) -> None:
        self.reason = ""

    def confirm(self) -> None:
        reason = self.reason.strip()
        if not reason:
            self.show_error(_("Write why the sale is voided."))
            return
        history = self.app.screen("history")
        number = self.sale_number
        run = self.act_runner(lambda actor: self.services.returns.void(actor, number, reason), history.voided,
                              history, 10)
        self.app.with_act(Act.VOID, run)


class ProductPickRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    product_id = NumericProperty(0)
    name = StringProperty("")
    detail = StringProperty("")

    def on_release(self) -> None:
        modal = running_shell().modal
        if isinstance(modal, NoReceiptReturnPopup):
            modal.add_product(self.product_id)


class NoReceiptReturnPopup(KeypadEntry, KioskPopup):
    """A return **without a receipt** (the ``return_no_receipt`` act): the goods are
    scanned or found by name (*Buscar producto*, on the on-screen keyboard), their
    quantities typed as in a return, refunded at the current price (cash by default);
    the document says it had no receipt."""

    entry = StringProperty("")
    unit_text = StringProperty("")
    selected = NumericProperty(0)  # product id
    reason = StringProperty("")
    method = StringProperty("cash")
    original = ListProperty([])  # none: any method is this act's
    query = StringProperty("")
    searching = BooleanProperty(False)
    has_items = BooleanProperty(False)
    total_text = StringProperty("")
    error_text = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.items: dict[int, int] = {}  # product id -> base units, in the order added
        self.products: dict = {}
        ReturnPopup._build_choices(self)
        self._draw()

    pick_reason = ReturnPopup.pick_reason
    pick_method = ReturnPopup.pick_method
    _mark = ReturnPopup._mark

    def on_searching(self, _instance, value: bool) -> None:
        self.error_text = ""
        self.ids.panels.current = "search" if value else "lines"
        if value:
            self._search()

    # --- finding goods ----------------------------------------------------------------------------
    def type_text(self, text: str) -> None:
        self.query += text
        self._search()

    def backspace(self) -> None:
        self.query = self.query[:-1]
        self._search()

    def clear_query(self) -> None:
        self.query = ""
        self._search()

    def _search(self) -> None:
        found = self.services.catalog.search(self.query, limit=30) if self.query.strip() else []
        self.ids.found.data = [{"product_id": p.id, "name": p.name,
                                "detail": format_unit_price(p.price, p.uom)} for p in found]

    def on_scan(self, event) -> None:  # noqa: ANN001
        try:
            match = self.services.catalog.lookup_barcode(event.code)
        except DomainError as exc:
            self.show_error(str(exc))
            return
        if match is None:
            self.show_error(_("No product has the code {code}.").format(code=event.code))
            return
        self.add_product(match.product.id)

    def add_product(self, product_id: int) -> None:
        product = self.services.catalog.product(product_id)
        if product is None:
            self.show_error(_("That product is no longer in the catalog."))
            return
        self.products[product.id] = product
        self.items.setdefault(product.id, 0 if product.bulk else 1)
        self.searching = False
        self.select(product.id)

    # --- quantities ---------------------------------------------------------------------------------
    def select(self, product_id: int) -> None:
        self.selected = product_id
        self.show_quantity(self.items.get(product_id, 0), self.products[product_id].uom)
        self._draw()

    def press(self, key: str) -> None:
        KeypadEntry.press(self, key)
        if not self.selected:
            return
        self.items[self.selected] = self.entry_quantity(self.products[self.selected].uom)
        self._draw()

    def _draw(self) -> None:
        from kiosk.core.pricing import line_total

        total = 0
        rows = []
        for pid, q in self.items.items():
            p = self.products[pid]
            total += line_total(q, p.price, p.uom) if q > 0 else 0
            rows.append({"position": pid, "name": p.name, "detail": format_unit_price(p.price, p.uom),
                         "chosen_text": format_quantity(q, p.uom) if q else "", "selected": pid == self.selected,
                         "done": False})
        self.ids.lines.data = rows
        self.has_items = bool(rows)
        self.total_text = format_money(total)

    def confirm(self) -> None:
        items = [(pid, q) for pid, q in self.items.items() if q > 0]
        if not items:
            self.show_error(_("Scan or find the goods and type how much comes back."))
            return
        if not self.reason:
            self.show_error(_("Pick the reason of the return."))
            return
        history = self.app.screen("history")
        reason, method = self.reason, self.method
        run = self.act_runner(
            lambda actor: self.services.returns.return_without_receipt(actor, items, reason, refund_method=method),
            history.returned_without_receipt, history, 10)
        self.app.with_act(Act.RETURN_NO_RECEIPT, run)
