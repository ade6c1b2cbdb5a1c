"""*Resumen*: the manager's dashboard (kiosk/services/dashboard.py reads the figures).

Today so far against the same weekday last week (up to the same time), sales by hour
as bars drawn with Kivy's own graphics (redrawn only when the figures or the size
change: nothing animates, cheap on a Pi), the top products, the payment mix, low stock,
and the open till session with the cash its drawer should hold. The figures are read
when the screen opens and on *Actualizar*; the screen never polls."""

from __future__ import annotations

from kivy.graphics import Color, Line, Rectangle
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.core.dashboard import busy_hours, change_percent
from kiosk.core.payments import method_label
from kiosk.formatting import to_local
from kiosk.i18n import _, format_date, format_money, format_time, ngettext
from kiosk.ui.shell import running_shell
from kiosk.ui.staff import StaffScreen


class HourBars(Widget):
    """Today's sales by hour (solid bars) with last week's same day (thin outline)."""

    today = ListProperty([])
    before = ListProperty([])
    hours = ObjectProperty(range(8, 21))
    bar_rgba = ListProperty([0.2, 0.5, 0.9, 1])
    before_rgba = ListProperty([0.5, 0.5, 0.5, 1])
    line_rgba = ListProperty([0.5, 0.5, 0.5, 1])

    def on_kv_post(self, base_widget) -> None:  # noqa: ANN001
        self.bind(pos=self.redraw, size=self.redraw, today=self.redraw, before=self.redraw,
                  bar_rgba=self.redraw, before_rgba=self.redraw)

    def redraw(self, *_args) -> None:
        self.canvas.clear()
        hours = list(self.hours)
        if not hours or self.width < 10 or self.height < 10:
            return
        k = running_shell().k
        today = list(self.today) or [0] * 24
        before = list(self.before) or [0] * 24
        top = max([1, *(today[h] for h in hours), *(before[h] for h in hours)])
        slot = self.width / len(hours)
        label_h = 18 * k
        chart_h = self.height - label_h
        from kivy.core.text import Label as CoreLabel

        with self.canvas:
            Color(*self.line_rgba)
            Line(points=[self.x, self.y + label_h, self.right, self.y + label_h], width=1)
            for i, h in enumerate(hours):
                x = self.x + i * slot
                w = max(2.0, slot * 0.38)  # last week's outline on the left, today's bar on the right
                if before[h]:
                    Color(*self.before_rgba)
                    Line(rectangle=(x + slot * 0.1, self.y + label_h, w, chart_h * before[h] / top), width=1.2)
                if today[h]:
                    Color(*self.bar_rgba)
                    Rectangle(pos=(x + slot * 0.5, self.y + label_h), size=(w, chart_h * today[h] / top))
                if h % 2 == 0 or slot > 30 * k:
                    label = CoreLabel(text=str(h), font_size=12 * k)
                    label.refresh()
                    tex = label.texture
                    Color(*self.line_rgba)
                    Rectangle(texture=tex, size=tex.size, pos=(x + (slot - tex.width) / 2, self.y))


class SummaryScreen(StaffScreen):
    back_to = "staff"
    title_text = StringProperty("")
    today_text = StringProperty("")
    compare_text = StringProperty("")
    till_text = StringProperty("")
    top_text = StringProperty("")
    payments_text = StringProperty("")
    low_text = StringProperty("")
    low_any = BooleanProperty(False)
    shop_text = StringProperty("")  # the shop's total and each till's ("" on a till without a server)
    shop_offline = BooleanProperty(False)

    def entering(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._read_shop()
        v = self.services.dashboard.view()
        self.title_text = _("Summary") + "  \u2022  " + format_date(v.day) + "  " + format_time(v.now)
        self.today_text = ngettext("Today: {total}  ({count} sale, average {average})",
                                   "Today: {total}  ({count} sales, average {average})", v.today.count).format(
            total=format_money(v.today.total), count=v.today.count, average=format_money(v.today.average))
        pct = change_percent(v.today.total, v.last_week_so_far.total)
        change = (_("{pct:+d} %").format(pct=pct)) if pct is not None else _("no sales to compare")
        self.compare_text = _("Same day last week by this time: {so_far} ({change}); whole day {whole}").format(
            so_far=format_money(v.last_week_so_far.total), change=change, whole=format_money(v.last_week_whole.total))
        sessions = self.services.sessions
        info = sessions.current() if sessions is not None else None
        if info is None:
            self.till_text = _("Till closed.")
        else:
            self.till_text = _("Till open since {when} by {name}; the drawer should hold {amount}.").format(
                when=format_time(to_local(info.opened_at)), name=info.opened_by or "kiosk-admin",
                amount=format_money(sessions.expected_cash() or 0))
        self.top_text = "\n".join(f"{i}. {name}  \u2014  {format_money(total)}"
                                  for i, (name, _qty, total) in enumerate(v.top_products, 1)) or _("No sales yet today.")
        paid = sum(a for _m, a in v.payments)
        self.payments_text = "\n".join(
            f"{method_label(m)}: {format_money(a)} ({(a * 100 + paid // 2) // paid if paid else 0} %)"
            for m, a in v.payments) or "-"
        self.low_text = (_("{count} product(s) low").format(count=v.low_count) + ": "
                         + ", ".join(name for name, _s, _l in v.low_stock)) if v.low_count else _("No product is low.")
        self.low_any = bool(v.low_count)
        chart = self.ids.chart
        chart.hours = busy_hours(v.hours_today, v.hours_last_week)
        chart.before = v.hours_last_week
        chart.today = v.hours_today

    def _read_shop(self) -> None:
        """The shop's line from the shop server, read in a worker thread (the network may
        be slow or away): "Tienda: $120,00 (5 ventas) — Caja 1: $80,00 · Caja 2: $40,00",
        or "sin conexión: solo esta caja". The last line stays until the new one comes."""
        read = self.services.shop_today
        if read is None:
            return
        from kiosk.services.shop_report import NoReportAccess
        from kiosk.ui.progress import BackgroundTask

        def work(_progress):  # noqa: ANN001, ANN202
            try:
                return read(), None
            except NoReportAccess as exc:  # expected (offline, no reader's login): no traceback in the log
                return None, exc

        def done(result) -> None:  # noqa: ANN001 - (ShopToday or None, NoReportAccess or None)
            today, exc = result
            if exc is not None:
                failed(exc)
                return
            self.shop_offline = False
            if today is None:
                self.shop_text = ""
                return
            tills = "  \u00b7  ".join(f"{name}: {format_money(t.figures['gross'])}" for name, t in today.tills.items())
            self.shop_text = ngettext("Shop: {total} ({count} sale)", "Shop: {total} ({count} sales)",
                                      today.count).format(total=format_money(today.total), count=today.count) + (
                "  \u2014  " + tills if tills else "")

        def failed(exc: Exception) -> None:
            self.shop_offline = True
            if isinstance(exc, NoReportAccess) and not exc.offline:
                self.shop_text = _("Shop figures not available (no reader's login): this till only")
            else:
                self.shop_text = _("No connection: this till only")

        self._shop_task = BackgroundTask(work, on_done=done, on_error=failed, name="shop-today").start()
