"""Sales history: one day at a time (today first, earlier days with the arrows),
each sale with number, time, cashier, methods and total; tapping one shows every
line, the payments (with their references) and the change, with "Reprint".

*Buscar* finds a sale by its number, or a day typed on the keypad in the locale's
order (kiosk/core/history_search.py); scanning a receipt's barcode here opens that
sale. "Today" is the shop's day (``[locale] timezone``), as everywhere."""

from __future__ import annotations

from datetime import date, timedelta

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.core.errors import DomainError
from kiosk.core.payments import method_label
from kiosk.core.history_search import MAX_DATE_DIGITS, MAX_NUMBER_DIGITS, date_text, parse_sale_number, parse_typed_date
from kiosk.formatting import date_order, format_rate, local_today
from kiosk.i18n import _, format_date, format_datetime, format_money, format_time, ngettext
from kiosk.ui.base import KioskPopup, KioskScreen
from kiosk.ui.sell import quantity_detail
from kiosk.ui.shell import running_shell


class SaleRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    sale_id = NumericProperty(0)
    number_text = StringProperty("")
    time_text = StringProperty("")
    cashier = StringProperty("")
    methods = StringProperty("")
    total_text = StringProperty("")
    voided = BooleanProperty(False)
    status_text = StringProperty("")  # "anulada", "devuelta parcial", or a return's "devolución"
    is_return = BooleanProperty(False)  # a return, listed under its sale
    sale_number = NumericProperty(0)

    def on_release(self) -> None:

        history = running_shell().screen("history")
        if self.sale_id:
            history.open_sale(self.sale_id)
        elif self.sale_number:
            history.open_number(self.sale_number)


class DetailRow(RecycleDataViewBehavior, BoxLayout):
    name = StringProperty("")
    detail = StringProperty("")
    total_text = StringProperty("")


class HistoryScreen(KioskScreen):
    day = ObjectProperty(None)
    day_text = StringProperty("")
    summary_text = StringProperty("")
    is_today = BooleanProperty(True)
    detail_open = BooleanProperty(False)
    sale_id = NumericProperty(0)
    detail_title = StringProperty("")
    detail_totals = StringProperty("")
    detail_payments = StringProperty("")
    detail_status = StringProperty("")  # anulada / devuelta (parcial) and the sale's returns
    sale_number = NumericProperty(0)
    can_return = BooleanProperty(False)
    can_void = BooleanProperty(False)

    def on_detail_open(self, _instance, value: bool) -> None:
        self.ids.panels.current = "detail" if value else "list"

    def on_pre_enter(self, *_args) -> None:
        self.detail_open = False
        self._sale_total = 0
        self.show_day(local_today())

    def show_day(self, day: date) -> None:
        today = local_today()
        self.day = min(day, today)
        self.is_today = self.day == today
        label = format_date(self.day, "full")
        self.day_text = (_("Today") + " \u2014 " + label) if self.is_today else label
        sales = self.services.sales.day(self.day)
        returns = self.services.returns.returns(self.day) if self.services.returns is not None else []
        by_sale: dict[int | None, list] = {}
        for r in sorted(returns, key=lambda r: r.number):
            by_sale.setdefault(r.sale_number, []).append(r)
        rows = []
        for s in sales:
            mine = by_sale.pop(s.number, [])
            rows.append({
                "sale_id": s.id, "sale_number": s.number, "number_text": f"#{s.number}",
                "time_text": format_time(s.created_at), "cashier": s.cashier,
                "methods": ", ".join(method_label(m) for m in s.methods),
                "total_text": format_money(s.total), "voided": s.status != "completed",
                "status_text": _("voided") if s.status == "voided" else (_("returned in part") if mine else ""),
                "is_return": False})
            rows.extend(self._return_row(r) for r in mine)
        for rest in by_sale.values():  # returns of sales from other days, and without a receipt
            rows.extend(self._return_row(r) for r in rest)
        self.ids.sales.data = rows
        total = sum(s.total for s in sales if s.status == "completed")
        self.summary_text = ngettext("{count} sale, {total}", "{count} sales, {total}", len(sales)).format(
            count=len(sales), total=format_money(total)) if sales else _("No sales on this day.")

    @staticmethod
    def _return_row(r) -> dict:  # noqa: ANN001 - kiosk.services.returns.ReturnSummary
        return {"sale_id": 0, "sale_number": r.sale_number or 0, "number_text": r.reference,
                "time_text": format_time(r.created_at), "cashier": r.cashier,
                "methods": ", ".join(method_label(m) for m in r.methods),
                "total_text": "\u2212" + format_money(r.total), "voided": False,
                "status_text": _("return") if r.sale_number else _("return without receipt"), "is_return": True}

    def previous_day(self) -> None:
        self.show_day(self.day - timedelta(days=1))

    def next_day(self) -> None:
        self.show_day(self.day + timedelta(days=1))

    def today(self) -> None:
        self.show_day(local_today())

    def open_sale(self, sale_id: int) -> None:
        try:
            detail = self.services.sales.detail(sale_id=sale_id)
        except DomainError as exc:
            self.message(str(exc), "error")
            return
        s = detail.summary
        self.sale_id = sale_id
        self.detail_title = _("Sale #{number}").format(number=s.number) + "  \u2022  " + \
            format_datetime(s.created_at, "short") + "  \u2022  " + s.cashier
        self.ids.lines.data = [{
            "name": ln.name,
            "detail": quantity_detail(ln.quantity, ln.uom, ln.unit_price, ln.entry, ln.total, ln.tare),
            "total_text": format_money(ln.total),
        } for ln in detail.lines]
        taxes = "   ".join(_("Tax {rate}: {amount}").format(rate=format_rate(t.rate_bp), amount=format_money(t.tax))
                           for t in detail.taxes if t.tax)
        self.detail_totals = "   ".join([
            _("Subtotal {amount}").format(amount=format_money(detail.subtotal)),
            taxes or _("Tax {amount}").format(amount=format_money(detail.tax_total)),
            _("Total {amount}").format(amount=format_money(detail.total))])
        parts = []
        for p in detail.payments:
            text = f"{method_label(p.method)} {format_money(p.amount)}"
            if p.reference:
                text += " " + _("(ref. {reference})").format(reference=p.reference)
            if p.change:
                text += "  " + _("(received {tendered}, change {change})").format(
                    tendered=format_money(p.tendered), change=format_money(p.change))
            parts.append(text)
        self.detail_payments = "   ".join(parts)
        self.sale_number = s.number
        self._show_status(s.number)
        self.detail_open = True

    def _show_status(self, number: int) -> None:
        """The sale's returns and status under its totals; what *Devolver* and *Anular* allow."""
        self.detail_status = ""
        self.can_return = self.can_void = False
        returns = self.services.returns
        if returns is None:
            return
        try:
            sale = returns.sale(number)
        except DomainError:
            return
        parts = []
        if sale.voided:
            parts.append(_("VOIDED: {reason}").format(reason=sale.void_reason))
        elif sale.returns:
            parts.append(_("Returned") if sale.fully_returned else _("Returned in part"))
        for r in sale.returns:
            parts.append(_("{reference} {time}: \u2212{amount}").format(
                reference=r.reference, time=format_datetime(r.created_at, "short"), amount=format_money(r.total)))
        self.detail_status = "   ".join(parts)
        self.can_return = not sale.voided and not sale.fully_returned
        self.can_void = not sale.voided and not sale.returns
        self._sale_total = sale.total

    def open_number(self, number: int) -> None:
        try:
            self.find_number(number)
        except DomainError as exc:
            self.message(str(exc), "error")

    # --- returns and voids (kiosk/ui/returns_ui.py) -------------------------------------------
    def ask_return(self) -> None:
        from kiosk.ui.returns_ui import ReturnPopup

        try:
            popup = ReturnPopup(self.sale_number)
        except DomainError as exc:
            self.message(str(exc), "error")
            return
        self.app.open_modal(popup)

    def ask_void(self) -> None:
        from kiosk.ui.returns_ui import VoidPopup

        self.app.open_modal(VoidPopup(self.sale_number, self._sale_total))

    def returned(self, number: int, result) -> None:  # noqa: ANN001 - ReturnResult
        """A return was written: the sale shown again with it, and what happened said."""
        self.find_number(number)
        methods = ", ".join(f"{method_label(m)} {format_money(a)}" for m, a in result.payments)
        text = _("Return {reference} done: refund {methods}.").format(reference=result.reference,
                                                                      methods=methods or format_money(0))
        if result.credit_note:
            text += " " + _("Credit note {number}.").format(number=result.credit_note)
        self.message(text, "ok", 10)

    def ask_no_receipt(self) -> None:
        from kiosk.ui.returns_ui import NoReceiptReturnPopup

        self.app.open_modal(NoReceiptReturnPopup())

    def returned_without_receipt(self, result) -> None:  # noqa: ANN001 - ReturnResult
        self.close_sale()
        self.show_day(local_today())
        methods = ", ".join(f"{method_label(m)} {format_money(a)}" for m, a in result.payments)
        self.message(_("Return {reference} done: refund {methods}.").format(
            reference=result.reference, methods=methods or format_money(0)), "ok", 10)

    def voided(self, result) -> None:  # noqa: ANN001 - VoidResult
        self.find_number(result.number)
        self.message(_("Sale #{number} voided; the stock is back.").format(number=result.number), "ok", 10)

    # --- finding a sale -------------------------------------------------------------------
    def ask_search(self) -> None:
        self.app.open_modal(HistorySearchPopup())

    def find_number(self, number: int) -> None:
        """Open sale ``number``, its day's list behind it. Raises SaleNotFound."""
        detail = self.services.sales.detail(number=number)
        self.show_day(detail.summary.created_at.date())
        self.open_sale(detail.summary.id)

    def on_scan(self, event) -> None:  # noqa: ANN001
        """A receipt's barcode (V000042) opens that sale."""
        number = parse_sale_number(event.code)
        if number is None:
            self.message(_("Code {code} read; scanning works on the selling screen.").format(code=event.code), "warn")
            return
        self.app.close_modal()
        try:
            self.find_number(number)
        except DomainError as exc:
            self.message(str(exc), "error")

    def close_sale(self) -> None:
        self.detail_open = False

    def reprint(self) -> None:
        self.reprint_sale(self.sale_id)

    def back(self) -> None:
        if self.detail_open:
            self.close_sale()
        else:
            self.app.show("sell")


class HistorySearchPopup(KioskPopup):
    """*Buscar* in the history: a sale number, or a day typed as digits in the
    locale's order (shown with separators as it is typed)."""

    kind = StringProperty("number")  # "number" | "date"
    digits = StringProperty("")
    shown_text = StringProperty("")
    hint_text = StringProperty("")
    error_text = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._order = date_order()
        self.bind(kind=self._refresh, digits=self._refresh)
        self._refresh()

    def _refresh(self, *_args) -> None:
        if self.kind == "number":
            self.shown_text = f"#{self.digits}" if self.digits else ""
            self.hint_text = _("Sale number")
        else:
            self.shown_text = date_text(self.digits, self._order)
            example = {"dmy": "01122025", "mdy": "12012025"}.get(self._order, "20251201")
            self.hint_text = _("Date, e.g. {example}").format(example=date_text(example, self._order))

    def set_kind(self, kind: str) -> None:
        if kind != self.kind:
            self.kind = kind
            self.digits = ""
            self.error_text = ""

    def press(self, key: str) -> None:
        self.error_text = ""
        limit = MAX_NUMBER_DIGITS if self.kind == "number" else MAX_DATE_DIGITS
        if key.isdigit():
            self.digits = (self.digits + key)[:limit]
        elif key == "back":
            self.digits = self.digits[:-1]
        elif key == "clear":
            self.digits = ""

    def search(self) -> None:
        history = self.app.screen("history")
        if self.kind == "number":
            number = parse_sale_number(self.digits)
            if number is None:
                self.show_error(_("Type the sale's number."))
                return
            try:
                history.find_number(number)
            except DomainError as exc:  # no such sale: said here, the number can be corrected
                self.show_error(str(exc))
                return
            self.dismiss(animation=False)
            return
        try:
            day = parse_typed_date(self.digits, self._order, local_today())
        except DomainError as exc:
            self.show_error(str(exc))
            return
        self.dismiss(animation=False)
        history.close_sale()
        history.show_day(day)
