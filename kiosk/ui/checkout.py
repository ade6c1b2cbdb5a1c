"""Checkout: cash (keypad, exact-amount and note buttons that add up, change shown as
you type), card and QR (each with an optional reference typed on the keypad; the QR
code says what the shop's ``[payments.qr] template`` makes of the amount and the
sale), or a split across methods, every tender listed with its own *Quitar*.
"Confirm" stays disabled until the payments cover the total (the core's settle()
decides), and a second tap can never store a second sale.

What the keypad means is kiosk/core/cash_entry.py: notes add up, typing after a note
starts a new amount, ⌫ takes back the last note, *C* clears.

Confirm runs the till's ``complete_sale`` in a worker thread: the screen keeps
drawing while the sale is stored, the button says "Saving…", and a database held by
another writer is waited for (the strip says so). Whatever happens - the database
stays busy, a product was deactivated, an unexpected error - the cart stays as it
was, a message says the sale was not saved and the kiosk keeps running."""

from __future__ import annotations

import logging
from dataclasses import replace

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.core.cash_entry import AmountEntry, drop_typed, press_reference
from kiosk.core.errors import DomainError, InsufficientTender
from kiosk.core.payment_qr import render_qr
from kiosk.core.payments import PaymentMethod, Tender, method_label, settle
from kiosk.core.permissions import Act
from kiosk.core.receipt import sale_reference
from kiosk.core.scanning import ScanEvent
from kiosk.i18n import _, decimal_mark, format_money
from kiosk.services.counter import PricesChanged
from kiosk.services.access import UserInfo
from kiosk.ui.base import KioskPopup, KioskScreen

log = logging.getLogger(__name__)
SAVING_SHOWN_AFTER_S = 0.15  # a sale stored sooner goes straight to the done screen


def tender_text(t: Tender) -> str:
    """"Tarjeta $1,00 · ref. 123456" for the split list and the confirmation."""
    text = f"{method_label(t.method)} {format_money(t.amount)}"
    if t.reference:
        text += "  \u2022  " + _("ref. {reference}").format(reference=t.reference)
    return text


class CheckoutScreen(KioskScreen):
    method = StringProperty("cash")  # cash | card | qr | split
    entry = ObjectProperty(AmountEntry(2))  # what is typed or handed over (cash, split); immutable
    entry_text = StringProperty("")  # the keypad's display
    entry_hint = StringProperty("")  # what the display asks for while it is empty
    payment_ref = StringProperty("")  # card voucher / transfer number (card, QR)
    total = NumericProperty(0)
    total_text = StringProperty("")
    tendered_text = StringProperty("")
    change_text = StringProperty("")
    due_text = StringProperty("")  # what is still missing
    hint_text = StringProperty("")
    can_confirm = BooleanProperty(False)
    busy = BooleanProperty(False)  # Confirmar's sale is being stored: nothing on the screen changes it
    # "Guardando…" and the controls greyed out: shown only when storing takes longer than
    # SAVING_SHOWN_AFTER_S (a usual sale is stored sooner, and drawing that state first
    # delayed the done screen by a whole frame; issue 18)
    saving = BooleanProperty(False)
    _saving_shown = None  # the pending "Guardando…" (Clock event)
    sale_number = NumericProperty(0)
    reference = StringProperty("")  # the sale's reference, V000042
    qr_texture = ObjectProperty(None, allownone=True)
    qr_text = StringProperty("")  # what the QR code says ("" without a template)
    tenders = ListProperty([])  # split: [Tender, ...]
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
        self._stop_busy()
        self.total = cart.total
        self.total_text = format_money(self.total)
        self.sale_number = self.services.sales.last_number() + 1
        self.reference = sale_reference(self.sale_number)
        self.tenders = []
        self.entry = AmountEntry(self.decimals)
        self.payment_ref = ""
        self.method = "cash"
        self.qr_texture = None
        self.qr_text = ""
        self._build_notes()
        self.fiscal_on = self.services.fiscal.on
        self.check_fiscal()
        self.update()
        self.app.devices.customer_paying(self.method, self.total)

    def on_leave(self, *_args) -> None:
        """Back to the cart (or locked) without a sale: the customer's screen shows the
        cart again (after a sale the feed holds the change: kiosk.core.customer_screen)."""
        self.app.devices.customer_payment_left()

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
        exact.bind(on_release=lambda b: self.set_exact())
        box.add_widget(exact)
        for note in self.services.settings.currency.notes():
            btn = KButton(text=format_money(note), role="plain")
            btn.bind(on_release=lambda b, n=note: self.add_note(n))
            box.add_widget(btn)

    # --- entry -------------------------------------------------------------------------------
    def press(self, key: str) -> None:
        """A keypad key: the amount (cash, split) or the reference (card, QR)."""
        if self.busy:  # the sale is being saved with the payment as it was
            return
        if self.method in ("card", "qr"):
            self.payment_ref = press_reference(self.payment_ref, key)
        else:
            self.entry = self.entry.press(key)
        self.update()

    def clear_entry(self) -> None:
        """The *C* key."""
        self.press("clear")

    def add_note(self, minor: int) -> None:
        if self.busy:
            return
        self.entry = self.entry.add_note(minor)
        self.update()

    def set_exact(self) -> None:
        if self.busy:
            return
        self.entry = self.entry.exact(self.remaining())
        self.update()

    def typed_amount(self) -> int:
        return self.entry.amount if self.entry is not None else 0

    def set_method(self, method: str) -> None:
        if self.busy:  # the sale is being saved with the payment as it was
            return
        if method != self.method:
            self.entry = self.entry.cleared()
            self.payment_ref = ""
        self.method = method
        if method == "qr":
            self._make_qr()
        else:
            self.app.devices.customer_paying(method, self.total)
        self.update()

    def _make_qr(self) -> None:
        """The code for the total, from ``[payments.qr] template``; without a template
        none is made (the shop's printed sticker is used)."""
        self.qr_text, self.qr_texture = self._qr_code(self.total)
        self.app.devices.customer_paying("qr", self.total, self.qr_text)  # the code on the customer's screen too

    def _qr_code(self, amount: int) -> tuple[str, object]:
        """(text, texture) of the QR code asking for ``amount``; ("", None) without a template."""
        template = self.services.settings.payments.qr.template
        if not template:
            return "", None
        from kiosk.ui.images import qr_texture

        text = render_qr(template, amount=amount, decimals=self.decimals,
                         currency=self.services.settings.currency.code, sale_number=self.sale_number)
        return text, qr_texture(text)

    # --- split --------------------------------------------------------------------------------------
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
        self.entry = self.entry.cleared()
        self.update()
        if method == "qr" and self.services.settings.payments.qr.template:
            self.ask_reference(len(self.tenders) - 1)  # the code for this part, then its transfer number

    def remove_tender(self, index: int) -> None:
        """*Quitar* on one tender of the list: the only way a tender goes."""
        if self.busy:  # the sale is being saved with the payment as it was
            return
        tenders = list(self.tenders)
        if 0 <= index < len(tenders):
            gone = tenders.pop(index)
            self.tenders = tenders
            self.update()
            self.message(_("Removed: {tender}").format(tender=tender_text(gone)), "info", 4)

    def ask_reference(self, index: int) -> None:
        """*Ref.* on a card or QR tender of the list: its voucher or transfer number."""
        if self.busy or not 0 <= index < len(self.tenders):
            return
        tender = self.tenders[index]
        qr_text, qr_texture = self._qr_code(tender.amount) if tender.method is PaymentMethod.QR else ("", None)
        self.app.open_modal(ReferencePopup(title=tender_text(replace(tender, reference="")),
                                           reference=tender.reference, qr_text=qr_text, qr_texture=qr_texture,
                                           on_done=lambda ref: self._set_reference(index, ref)))

    def _set_reference(self, index: int, reference: str) -> None:
        if 0 <= index < len(self.tenders):
            tenders = list(self.tenders)
            tenders[index] = replace(tenders[index], reference=reference)
            self.tenders = tenders
            self.update()

    # --- rules (the core decides) -----------------------------------------------------------------------
    def current_tenders(self) -> list[Tender]:
        if self.method == "cash":
            return [Tender(PaymentMethod.CASH, self.typed_amount())]
        if self.method == "card":
            return [Tender(PaymentMethod.CARD, self.total, self.payment_ref)]
        if self.method == "qr":
            return [Tender(PaymentMethod.QR, self.total, self.payment_ref)]
        return list(self.tenders)

    def update(self) -> None:
        self._show_entry()
        self.tendered_text = format_money(self.typed_amount())
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
            self.hint_text = str(exc) if (self.method == "split" and self.tenders) or not self.entry.is_empty else ""
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

    def _show_entry(self) -> None:
        """The keypad's display: the reference (card, QR), the notes handed over as a
        sum ("$10,00 + $5,00"), or the amount as typed."""
        if self.method in ("card", "qr"):
            self.entry_text = _("Ref. {reference}").format(reference=self.payment_ref) if self.payment_ref else ""
            self.entry_hint = _("Reference (optional)")
        elif self.entry.notes:
            self.entry_text = " + ".join(format_money(n) for n in self.entry.notes)
        else:
            self.entry_text = self.entry.typed_text(decimal_mark())
        if self.method == "cash":
            self.entry_hint = _("Amount received")
        elif self.method == "split":
            self.entry_hint = _("Amount (none: the rest)")

    def _refresh_split_list(self) -> None:
        box = self.ids.get("split_list")
        if box is None:
            return
        box.clear_widgets()
        for i, t in enumerate(self.tenders):
            box.add_widget(TenderRow(index=i, text=tender_text(t), can_reference=t.method is not PaymentMethod.CASH))

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
        self.busy = True  # guards every control at once; it shows only if the sale takes a while
        self._saving_shown = Clock.schedule_once(self._show_saving, SAVING_SHOWN_AFTER_S)
        app = self.app
        tenders = self.current_tenders()
        counter = self.services.counter
        fiscal = None
        if self.fiscal_on:
            from kiosk.services.fiscal_documents import FiscalRequest

            fiscal = FiscalRequest(self.customer_id or None, self.invoice)

        def waiting(attempt: int) -> None:  # worker thread: the database is held by another writer
            Clock.schedule_once(lambda dt: self.message(
                _("Saving… the database is busy with another task; trying again."), "warn", 30, beep=False))

        app.devices.run_in_thread(lambda: counter.checkout(user, tenders, on_wait=waiting, fiscal=fiscal),
                                  self._saved, self._not_saved)

    def _show_saving(self, _dt: float) -> None:
        if self.busy:
            self.saving = True
            self.can_confirm = False

    def _stop_busy(self) -> None:
        if self._saving_shown is not None:
            self._saving_shown.cancel()
            self._saving_shown = None
        self.busy = False
        self.saving = False

    def _saved(self, result) -> None:  # noqa: ANN001
        """Main thread: the sale and its receipt job are stored."""
        app = self.app
        self._stop_busy()
        self.can_confirm = False
        self.forget_customer()
        try:
            app.screen("sell").selected_line = 0
            app.stock_moved(result.low_changes)
        except Exception:  # noqa: BLE001 - the sale is stored: show it as done whatever the tiles do
            log.exception("refreshing the selling screen after sale %s", result.reference)
        app.show_done(result)

    def _not_saved(self, exc: Exception) -> None:
        """Main thread: nothing was stored; the cart is as it was."""
        self._stop_busy()
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
        """A scanner's code typed into the keypad a moment ago: taken back."""
        digits = "".join(ch for ch in text if ch.isdigit())
        if not digits or self.busy:
            return
        if self.method in ("card", "qr"):
            self.payment_ref = drop_typed(self.payment_ref, digits)
        else:
            self.entry = self.entry.untype(digits)
        self.update()

    def on_enter_key(self) -> None:
        self.confirm()

    def on_scan(self, event: ScanEvent) -> None:
        if self.app.modal is not None:  # the customer picker takes the scanned id
            self.app.modal.on_scan(event)
            return
        self.message(_("Code {code} not added: finish or cancel the payment first.").format(code=event.code),
                     "error", 8)


class TenderRow(BoxLayout):
    """One tender of a split payment: what it is, *Ref.* (card, QR) and *Quitar*."""

    index = NumericProperty(0)
    text = StringProperty("")
    can_reference = BooleanProperty(False)


class ReferencePopup(KioskPopup):
    """The voucher or transfer number of one card or QR tender, typed on a keypad; for
    a QR part of a split payment with a template, the code asking for that part too."""

    title = StringProperty("")
    reference = StringProperty("")
    error_text = StringProperty("")
    qr_text = StringProperty("")
    qr_texture = ObjectProperty(None, allownone=True)

    def __init__(self, on_done, **kwargs):  # noqa: ANN001
        self._on_done = on_done
        super().__init__(**kwargs)

    def press(self, key: str) -> None:
        self.reference = press_reference(self.reference, key)

    def accept(self) -> None:
        self.dismiss(animation=False)
        self._on_done(self.reference)
