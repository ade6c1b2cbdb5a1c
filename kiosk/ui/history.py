"""Sales history: one day at a time (today first, earlier days with the arrows),
each sale with number, time, cashier, methods and total; tapping one shows every
line, the payments and the change, with "Reprint"."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from kiosk.core.errors import DomainError
from kiosk.core.payments import method_label
from kiosk.formatting import format_rate, local_zone
from kiosk.i18n import _, format_date, format_datetime, format_money, format_time
from kiosk.ui.base import KioskScreen
from kiosk.ui.sell import quantity_detail


def local_today() -> date:
    return datetime.now(local_zone()).date()


class SaleRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    sale_id = NumericProperty(0)
    number_text = StringProperty("")
    time_text = StringProperty("")
    cashier = StringProperty("")
    methods = StringProperty("")
    total_text = StringProperty("")
    voided = BooleanProperty(False)

    def on_release(self) -> None:
        from kivy.app import App

        App.get_running_app().screen("history").open_sale(self.sale_id)


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

    def on_detail_open(self, _instance, value: bool) -> None:
        self.ids.panels.current = "detail" if value else "list"

    def on_pre_enter(self, *_args) -> None:
        self.detail_open = False
        self.show_day(local_today())

    def show_day(self, day: date) -> None:
        today = local_today()
        self.day = min(day, today)
        self.is_today = self.day == today
        label = format_date(self.day, "full")
        self.day_text = (_("Today") + " \u2014 " + label) if self.is_today else label
        sales = self.services.sales.day(self.day)
        self.ids.sales.data = [{
            "sale_id": s.id, "number_text": f"#{s.number}", "time_text": format_time(s.created_at),
            "cashier": s.cashier, "methods": ", ".join(method_label(m) for m in s.methods),
            "total_text": format_money(s.total), "voided": s.status != "completed",
        } for s in sales]
        total = sum(s.total for s in sales if s.status == "completed")
        self.summary_text = _("{count} sales, {total}").format(count=len(sales), total=format_money(total)) \
            if sales else _("No sales on this day.")

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
            if p.change:
                text += "  " + _("(received {tendered}, change {change})").format(
                    tendered=format_money(p.tendered), change=format_money(p.change))
            parts.append(text)
        self.detail_payments = "   ".join(parts)
        self.detail_open = True

    def close_sale(self) -> None:
        self.detail_open = False

    def reprint(self) -> None:
        self.reprint_sale(self.sale_id)

    def back(self) -> None:
        if self.detail_open:
            self.close_sale()
        else:
            self.app.show("sell")
