"""Checkout: cash (keypad, exact-amount and note buttons, change shown as you type),
card, QR (a code with the amount and the sale reference) or a split across methods.
"Confirm" stays disabled until the payments cover the total (the core's settle()
decides), and a second tap can never store a second sale.

Confirm runs the till's ``complete_sale`` in a worker thread: the screen keeps
drawing while the sale is stored, the button says "Saving…", and a database held by
another writer is waited for (the strip says so). Whatever happens - the database
stays busy, a product was deactivated, an unexpected error - the cart stays as it
was, a message says the sale was not saved and the kiosk keeps running."""

from __future__ import annotations

import io
import logging
from decimal import InvalidOperation

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.core.errors import DomainError, InsufficientTender
from kiosk.core.money import from_minor, to_minor
from kiosk.core.payments import PaymentMethod, Tender, method_label, settle
from kiosk.core.permissions import Act
from kiosk.core.receipt import sale_reference
from kiosk.core.scanning import ScanEvent
from kiosk.services.counter import PricesChanged
from kiosk.i18n import _, decimal_mark, format_money, parse_decimal
from kiosk.services.access import UserInfo
from kiosk.ui.base import KioskScreen

MAX_DIGITS = 10
log = logging.getLogger(__name__)


def qr_payload(shop: str, reference: str, amount: str, currency: str) -> str:
    """What the on-screen QR code says: who is charging, for which sale, how much."""
    return f"PAY|{shop}|{reference}|{amount}|{currency}"


class CheckoutScreen(KioskScreen):
    method = StringProperty("cash")  # cash | card | qr | split
    entry = StringProperty("")  # typed amount (major units, as typed)
    total = NumericProperty(0)
    total_text = StringProperty("")
    tendered_text = StringProperty("")
    change_text = StringProperty("")
    due_text = StringProperty("")  # what is still missing
    hint_text = StringProperty("")
    can_confirm = BooleanProperty(False)
    busy = BooleanProperty(False)
    reference = StringProperty("")
    qr_texture = ObjectProperty(None, allownone=True)
    tenders = ListProperty([])  # split: [Tender, ...]
    split_text = StringProperty("")
    # fiscal profile: the buyer (0: consumidor final), the cashier's Factura, what the
    # sale will be ("Factura electrónica FE11") and whether that is possible now
    fiscal_on = BooleanProperty(False)
    customer_id = NumericProperty(0)
    customer_text = StringProperty("")
    invoice = BooleanProperty(False)
    document_text = StringProperty("")
    fiscal_ok = BooleanProperty(True)

    def on_method(self, _instance, method: str) -> None:
        panels = self.ids.get("panels")
        if panels is not None:
            panels.current = method

    def on_pre_enter(self, *_args) -> None:
        cart = self.app.cart
        self.busy = False
        self.total = cart.total
        self.total_text = format_money(self.total)
        self.reference = sale_reference(self.services.sales.last_number() + 1)
        self.tenders = []
        self.entry = ""
        self.method = "cash"
        self.qr_texture = None
        self._build_notes()
        self.fiscal_on = self.services.fiscal.on
        self.check_fiscal()
        self.update()

    # --- fiscal document (customer, Factura) --------------------------------------------------
    def check_fiscal(self) -> None:
        """Which document the sale will be; what stops it (an invoice without customer,
        numbering used up or expired) is said now, before any payment, and keeps
        Confirm off."""
        if not self.fiscal_on:
            self.fiscal_ok = True
            return
        from kiosk.services.fiscal_documents import FiscalRequest
        from kiosk.ui.customers import document_label

        if self.customer_id:
            try:
                self.customer_text = self.services.customers.get(self.customer_id).name
            except DomainError:
                self.customer_id = 0
        if not self.customer_id:
            self.customer_text = _("Final consumer")
        try:
            plan = self.services.till.fiscal_plan(self.total, FiscalRequest(self.customer_id or None, self.invoice))
        except DomainError as exc:
            self.fiscal_ok = False
            self.document_text = ""
            self.message(str(exc), "error", 30)
        else:
            self.fiscal_ok = True
            self.document_text = document_label(plan.kind, plan.expected_number)
            if plan.by_amount and not self.invoice:
                self.invoice = True
        self.update()

    def pick_customer(self) -> None:
        if self.busy:
            return
        from kiosk.ui.customers import CustomerPickerPopup

        self.app.ensure_staff()  # the forms' widgets
        self.app.open_modal(CustomerPickerPopup(on_pick=self.set_customer))

    def set_customer(self, customer) -> None:  # noqa: ANN001 - CustomerInfo | None
        self.customer_id = customer.id if customer is not None else 0
        if customer is None:
            self.invoice = False
        self.ids.message.hide()
        self.check_fiscal()

    def toggle_invoice(self) -> None:
        if self.busy:
            return
        self.invoice = not self.invoice
        self.ids.message.hide()
        if self.invoice and not self.customer_id:
            self.check_fiscal()
            self.pick_customer()  # an invoice needs the customer: choose or create one
            return
        self.check_fiscal()

    def forget_customer(self) -> None:
        """A new sale starts with the final consumer and no invoice."""
        self.customer_id = 0
        self.invoice = False

    @property
    def decimals(self) -> int:
        return self.services.settings.currency.decimals

    def _build_notes(self) -> None:
        from kiosk.ui.widgets import KButton

        box = self.ids.notes
        box.clear_widgets()
        exact = KButton(text=_("Exact"), role="accent")
        exact.bind(on_release=lambda b: self.set_amount(self.remaining()))
        box.add_widget(exact)
        for note in self.services.settings.currency.notes():
            btn = KButton(text=format_money(note), role="plain")
            btn.bind(on_release=lambda b, n=note: self.set_amount(n))
            box.add_widget(btn)

    # --- entry -------------------------------------------------------------------------------
    def press(self, key: str) -> None:
        if self.busy:  # the sale is being saved with the payment as it was
            return
        sep = decimal_mark()
        if key.isdigit():
            if len(self.entry) < MAX_DIGITS and not (sep in self.entry and len(self.entry.split(sep)[1]) >= self.decimals):
                self.entry += key
        elif key == "dec":
            if self.decimals and sep not in self.entry:
                self.entry = (self.entry or "0") + sep
        elif key == "back":
            self.entry = self.entry[:-1]
        elif key == "clear":
            self.entry = ""
        self.update()

    def set_amount(self, minor: int) -> None:
        if self.busy:  # the sale is being saved with the payment as it was
            return
        self.entry = self._plain(minor)
        self.update()

    def _plain(self, minor: int) -> str:
        value = from_minor(minor, self.decimals)
        return f"{value:f}".replace(".", decimal_mark())

    def typed_amount(self) -> int:
        if not self.entry:
            return 0
        try:
            return to_minor(parse_decimal(self.entry), self.decimals)
        except (ValueError, InvalidOperation):
            return 0

    def set_method(self, method: str) -> None:
        if self.busy:  # the sale is being saved with the payment as it was
            return
        self.method = method
        self.entry = ""
        if method == "qr":
            self._make_qr()
        self.update()

    def _make_qr(self) -> None:
        import qrcode

        from kiosk.ui.images import texture_from_png

        settings = self.services.settings
        amount = f"{from_minor(self.remaining(), self.decimals):f}"
        img = qrcode.make(qr_payload(settings.shop.name, self.reference, amount, settings.currency.code),
                          box_size=8, border=2)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        self.qr_texture = texture_from_png(buf.getvalue())
        self.qr_texture.mag_filter = "nearest"

    # --- split --------------------------------------------------------------------------------------
    def paid_by_others(self) -> int:
        return sum(t.amount for t in self.tenders if t.method is not PaymentMethod.CASH)

    def remaining(self) -> int:
        if self.method != "split":
            return self.total
        return max(0, self.total - sum(t.amount for t in self.tenders))

    def add_tender(self, method: str) -> None:
        if self.busy:  # the sale is being saved with the payment as it was
            return
        amount = self.typed_amount() or self.remaining()
        if amount <= 0:
            self.message(_("Nothing is left to pay."), "warn")
            return
        self.tenders = self.tenders + [Tender(PaymentMethod(method), amount)]
        self.entry = ""
        self.update()

    def remove_tender(self, index: int) -> None:
        if self.busy:  # the sale is being saved with the payment as it was
            return
        tenders = list(self.tenders)
        if 0 <= index < len(tenders):
            tenders.pop(index)
            self.tenders = tenders
            self.update()

    # --- rules (the core decides) -----------------------------------------------------------------------
    def current_tenders(self) -> list[Tender]:
        if self.method == "cash":
            return [Tender(PaymentMethod.CASH, self.typed_amount())]
        if self.method == "card":
            return [Tender(PaymentMethod.CARD, self.total)]
        if self.method == "qr":
            return [Tender(PaymentMethod.QR, self.total)]
        return list(self.tenders)

    def update(self) -> None:
        self.tendered_text = format_money(self.typed_amount())
        self.split_text = "\n".join(f"{method_label(t.method)}: {format_money(t.amount)}" for t in self.tenders)
        self._refresh_split_list()
        self.change_text = ""
        self.due_text = ""
        try:
            payments = settle(self.total, self.current_tenders())
        except InsufficientTender as exc:
            self.can_confirm = False
            missing = exc.params["due_minor"] - exc.params["tendered_minor"]
            self.due_text = _("Missing {amount}").format(amount=format_money(missing))
            self.hint_text = ""
            return
        except DomainError as exc:
            self.can_confirm = False
            self.hint_text = str(exc) if (self.method == "split" and self.tenders) or self.entry else ""
            if self.method == "split" and self.remaining():
                self.due_text = _("Missing {amount}").format(amount=format_money(self.remaining()))
            return
        self.hint_text = ""
        self.can_confirm = not self.busy and self.fiscal_ok
        change = sum(p.change for p in payments)
        if any(p.method is PaymentMethod.CASH for p in payments):
            self.change_text = format_money(change)
        else:
            self.hint_text = _("Ready to confirm.")

    def _refresh_split_list(self) -> None:
        from kiosk.ui.widgets import KButton

        box = self.ids.get("split_list")
        if box is None:
            return
        box.clear_widgets()
        for i, t in enumerate(self.tenders):
            btn = KButton(text=_("{method} {amount}  \u2715").format(method=method_label(t.method),
                                                                      amount=format_money(t.amount)),
                          role="plain", font_name="data/fonts/DejaVuSans.ttf")
            btn.bind(on_release=lambda b, n=i: self.remove_tender(n))
            box.add_widget(btn)

    # --- confirming --------------------------------------------------------------------------------------
    def confirm(self) -> None:
        """Confirmar: the ``sell`` act (a role without it is asked for an authorising
        PIN first; the worker carries that authorisation to the sale's transaction)."""
        if self.busy or not self.can_confirm:
            return
        self.app.with_act(Act.SELL, self._confirm)

    def _confirm(self, user: UserInfo) -> None:
        if self.busy or not self.can_confirm:  # changed while an authorising PIN was typed
            if user.grant is not None:
                user.grant.revoke()
            return
        self.busy = True
        self.can_confirm = False
        app = self.app
        tenders = self.current_tenders()
        sold = [ln.product.id for ln in app.cart.lines]
        counter = self.services.counter
        fiscal = None
        if self.fiscal_on:
            from kiosk.services.fiscal_documents import FiscalRequest

            fiscal = FiscalRequest(self.customer_id or None, self.invoice)

        def waiting(attempt: int) -> None:  # worker thread: the database is held by another writer
            Clock.schedule_once(lambda dt: self.message(
                _("Saving… the database is busy with another task; trying again."), "warn", 30, beep=False))

        app.devices.run_in_thread(lambda: counter.checkout(user, tenders, on_wait=waiting, fiscal=fiscal),
                                  lambda result: self._saved(result, sold), self._not_saved)

    def _saved(self, result, sold: list[int]) -> None:  # noqa: ANN001
        """Main thread: the sale and its receipt job are stored."""
        app = self.app
        self.busy = False
        self.forget_customer()
        try:
            app.screen("sell").selected_line = 0
            app.stock_moved(sold)
        except Exception:  # noqa: BLE001 - the sale is stored: show it as done whatever the tiles do
            log.exception("refreshing the selling screen after sale %s", result.reference)
        app.show_done(result)

    def _not_saved(self, exc: Exception) -> None:
        """Main thread: nothing was stored; the cart is as it was."""
        self.busy = False
        if isinstance(exc, PricesChanged):  # the cart was re-priced: charge the new total
            self.total = self.app.cart.total
            self.total_text = format_money(self.total)
            if self.method == "qr":
                self._make_qr()
            if self.fiscal_on:  # a new total may cross the invoice threshold
                self.check_fiscal()
        if isinstance(exc, DomainError):
            text = str(exc)
        else:
            text = _("The sale was NOT saved because of an unexpected error ({error}). The cart is kept: "
                     "try again; if it happens again, call the technician.").format(error=type(exc).__name__)
        self.message(text, "error", 30)
        self.update()

    def back(self) -> None:
        if not self.busy:
            self.app.show("sell")

    def on_typed(self, text: str) -> None:
        for ch in text:
            if ch.isdigit():
                self.press(ch)
            elif ch in ",.":
                self.press("dec")

    def on_backspace_key(self) -> None:
        self.press("back")

    def on_untyped(self, text: str) -> None:
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits and self.entry.endswith(digits) and not self.busy:
            self.entry = self.entry[:-len(digits)]
            self.update()

    def on_enter_key(self) -> None:
        self.confirm()

    def on_scan(self, event: ScanEvent) -> None:
        if self.app.modal is not None:  # the customer picker takes the scanned id
            self.app.modal.on_scan(event)
            return
        self.message(_("Code {code} not added: finish or cancel the payment first.").format(code=event.code),
                     "error", 8)
