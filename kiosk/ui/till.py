"""*Caja*: the shop day on the touchscreen (kiosk/services/till_sessions.py does the
work and checks every act).

One screen with panels: the state of the till and its buttons; *Abrir caja* (the
float counted note by note and coin by coin, or the total typed); *Entrada / Salida de
efectivo* (amount and a reason from the list; a cash out larger than the drawer should
hold warns and needs a manager); *Cerrar caja* (parked carts and documents waiting for
DIAN first, then the BLIND count by denomination: the expected cash is shown only once
the count is confirmed, with the difference and, above ``[till] note_over``, a required
note; the Z is stored and printed); the X report (on screen and printed) and the list
of Z reports with their reprint.

``NoSessionPopup`` is what *Cobrar* shows when the till is closed and the shop refuses
to sell without a session (``[till] without_session = "refuse"``)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.core.cash_entry import AmountEntry
from kiosk.core.drawer_count import DrawerCount
from kiosk.core.errors import DomainError
from kiosk.core.permissions import Act
from kiosk.core.till_day import MOVEMENT_REASONS, MovementKind, difference
from kiosk.formatting import to_local
from kiosk.i18n import _, format_date, format_datetime, format_money, format_time
from kiosk.services.access import UserInfo
from kiosk.ui.base import KioskPopup
from kiosk.ui.shell import running_shell
from kiosk.ui.staff import StaffScreen

TYPED = 0  # the pseudo-denomination of the typed total (Abrir caja)


class CountRow(ButtonBehavior, BoxLayout):
    """One note or coin: its value, big - and +, how many (tap the row to type it)."""

    value = NumericProperty(0)
    value_text = StringProperty("")
    count = NumericProperty(0)
    subtotal_text = StringProperty("")
    selected = BooleanProperty(False)

    def on_release(self) -> None:
        running_shell().screen("till").select_value(self.value)

    def plus(self) -> None:
        running_shell().screen("till").step_value(self.value, +1)

    def minus(self) -> None:
        running_shell().screen("till").step_value(self.value, -1)


class ZRow(ButtonBehavior, BoxLayout):
    number = NumericProperty(0)
    title = StringProperty("")
    detail = StringProperty("")
    difference_text = StringProperty("")


class TillScreen(StaffScreen):
    """The Caja screen (see the module docstring)."""

    panel = StringProperty("home")
    is_open = BooleanProperty(False)
    status_text = StringProperty("")
    # the count (Abrir caja / Cerrar caja)
    count_mode = StringProperty("open")  # open | close
    counting = ObjectProperty(DrawerCount(()))
    typing_total = BooleanProperty(False)
    entry = ObjectProperty(AmountEntry(2))
    total_text = StringProperty("")
    # cash in / out
    cash_kind = StringProperty("out")
    cash_reason = StringProperty("")
    reasons = ListProperty([])
    # closing
    preclose_text = StringProperty("")
    counted = NumericProperty(0)
    expected_text = StringProperty("")
    counted_text = StringProperty("")
    difference_text = StringProperty("")
    difference_kind = StringProperty("exact")
    note = StringProperty("")
    note_required = BooleanProperty(False)
    closed_text = StringProperty("")  # after the Z: its number; empty while closing
    # reports
    report_title = StringProperty("")
    report_text = StringProperty("")

    back_to = "staff"

    # --- entering ----------------------------------------------------------------------
    @property
    def sessions(self):  # noqa: ANN201
        return self.services.sessions

    def entering(self) -> None:
        decimals = self.services.settings.currency.decimals
        self.entry = AmountEntry(decimals)
        self.reasons = [(key, _(label)) for key, label in MOVEMENT_REASONS.items()]
        self.home()

    def home(self) -> None:
        self.refresh()
        self.panel = "home"

    def back(self) -> None:
        if self.panel == "result" and not self.closed_text:
            self.home()  # closing left unfinished: nothing was stored
            return
        if self.panel not in ("home", "result"):
            self.home()
            return
        self.leave()

    def leave(self) -> None:
        if self.back_to == "sell":
            self.app.leave_staff()
        else:
            self.app.show(self.back_to)

    def on_panel(self, _instance, value: str) -> None:
        panels = self.ids.get("panels")
        if panels is not None:
            panels.current = value

    def refresh(self) -> None:
        info = self.sessions.current()
        self.is_open = info is not None
        if info is None:
            last = self.sessions.last_z_number()
            self.status_text = _("The till is closed.") + (
                "  " + _("Last Z: {number}.").format(number=last) if last else "") + "\n" + _(
                "Open it (Abrir caja) to sell.")
        else:
            opened = format_datetime(to_local(info.opened_at))
            self.status_text = _("The till is open since {when}, by {name}.").format(
                when=opened, name=info.opened_by or "kiosk-admin") + "\n" + _("Opening float: {amount}").format(
                amount=format_money(info.opening_float))

    # --- the count (open and close) ----------------------------------------------------
    def start_open(self) -> None:
        if self.sessions.current() is not None:
            self.refresh()
            self.message(_("The till is already open."), "warn")
            return
        self._start_count("open")

    def _start_count(self, mode: str) -> None:
        self.count_mode = mode
        self.counting = DrawerCount(tuple(self.sessions.denominations))
        self.typing_total = False
        self.entry = self.entry.cleared()
        self._show_rows()
        self.panel = "count"

    def _show_rows(self) -> None:
        c = self.counting
        self.ids.count_rows.data = [{
            "value": v, "value_text": format_money(v), "count": n,
            "subtotal_text": format_money(v * n) if n else "", "selected": c.selected == v and not self.typing_total,
        } for v, n in zip(c.values, c.counts)]
        self.total_text = format_money(self.count_total())

    def count_total(self) -> int:
        return self.entry.amount if self.typing_total else self.counting.total

    def select_value(self, value: int) -> None:
        self.typing_total = False
        self.counting = self.counting.select(value)
        self._show_rows()

    def step_value(self, value: int, step: int) -> None:
        self.typing_total = False
        c = self.counting.select(value)
        self.counting = c.plus(value) if step > 0 else c.minus(value)
        self._show_rows()

    def toggle_typed(self) -> None:
        """Abrir caja: type the float's total instead of counting it."""
        self.typing_total = not self.typing_total
        self._show_rows()

    def press(self, key: str) -> None:
        if self.panel == "cash" or self.typing_total:
            self.entry = self.entry.press(key)
            self.total_text = format_money(self.entry.amount)
            return
        if self.counting.selected is None:
            self.message(_("Tap a note or coin first, then type how many."), "warn", 4, beep=False)
            return
        self.counting = self.counting.press(key)
        self._show_rows()

    def confirm_count(self) -> None:
        if self.count_mode == "open":
            self._open()
        else:
            self._counted()

    def _open(self) -> None:
        typed = self.typing_total

        def run(by: UserInfo) -> None:
            try:
                if typed:
                    info = self.sessions.open(by, amount=self.entry.amount)
                else:
                    info = self.sessions.open(by, counts=self.counting.as_dict())
            except DomainError as exc:
                self.fail(exc)
                return
            text = _("Till open with a float of {amount}. You can sell.").format(
                amount=format_money(info.opening_float))
            self.home()
            if self.back_to == "sell":  # Cobrar found the till closed: back to the cart
                self.leave()
                self.app.notify(text, "ok", 6)
                return
            self.message(text, "ok", 6)

        self.act(Act.SELL, run)

    # --- cash in / out -----------------------------------------------------------------
    def start_cash(self, kind: str) -> None:
        if self.sessions.current() is None:
            self.refresh()
            self.message(_("The till is closed: open it first."), "error")
            return
        self.cash_kind = kind
        self.cash_reason = ""
        self.entry = self.entry.cleared()
        self.total_text = format_money(0)
        self.panel = "cash"

    def pick_reason(self, key: str) -> None:
        self.cash_reason = key

    def confirm_cash(self) -> None:
        kind, amount, reason = MovementKind(self.cash_kind), self.entry.amount, self.cash_reason
        if not reason:
            self.message(_("Pick the reason first."), "error")
            return

        def done(result) -> None:  # noqa: ANN001
            self.home()
            label = _("Cash in") if result.kind == "in" else _("Cash out")
            self.message(_("{what} of {amount} recorded; the slip is printing.").format(
                what=label, amount=format_money(result.amount)), "ok", 6)

        def run(by: UserInfo, force: bool = False) -> None:
            from kiosk.services.till_sessions import CashOutOverDrawer

            try:
                result = self.sessions.cash_movement(by, kind, amount, reason, force=force)
            except CashOutOverDrawer as exc:
                from kiosk.ui.sell import ConfirmPopup

                self.app.open_modal(ConfirmPopup(lambda: run(by, True), text=str(exc),
                                                 confirm_text=_("Take it out")))
                return
            except DomainError as exc:
                self.fail(exc)
                return
            done(result)

        self.act(Act.CASH_IN_OUT, run)

    # --- closing -----------------------------------------------------------------------
    def start_close(self) -> None:
        if self.sessions.current() is None:
            self.refresh()
            self.message(_("The till is already closed: there is nothing to close."), "warn")
            return
        warnings = self.sessions.preclose().warnings()
        if warnings:
            self.preclose_text = "\n".join(warnings) + "\n\n" + _(
                "You can close anyway: the parked carts stay parked and the documents keep waiting.")
            self.panel = "preclose"
            return
        self._start_count("close")

    def count_after_preclose(self) -> None:
        self._start_count("close")

    def _counted(self) -> None:
        """The blind count is confirmed: only now is the expected cash read and shown."""
        counted = self.counting.total
        expected = self.sessions.expected_cash()
        if expected is None:
            self.home()
            self.message(_("The till is already closed: there is nothing to close."), "warn")
            return
        self.counted = counted
        diff = difference(counted, expected, self.sessions.note_over)
        self.expected_text = format_money(expected)
        self.counted_text = format_money(counted)
        self.difference_kind = diff.kind
        amount = format_money(abs(diff.amount))
        self.difference_text = {"over": _("Over (sobrante): {amount}"), "short": _("Short (faltante): {amount}"),
                                "exact": _("Exact: no difference")}[diff.kind].format(amount=amount)
        self.note = ""
        self.note_required = diff.note_required
        self.closed_text = ""
        self.panel = "result"
        if not diff.note_required:
            self.close_till()

    def type_note(self, text: str) -> None:
        self.note = (self.note + text)[:200]

    def note_backspace(self) -> None:
        self.note = self.note[:-1]

    def close_till(self) -> None:
        if self.note_required and not self.note.strip():
            self.message(_("Write a note: the difference is above the allowed amount."), "error")
            return
        counts = self.counting.as_dict()
        note = self.note

        def run(by: UserInfo) -> None:
            try:
                z = self.sessions.close(by, counts=counts, note=note)
            except DomainError as exc:
                self.fail(exc)
                if self.sessions.current() is None:  # closed meanwhile (twice): nothing to do here
                    self.home()
                return
            self.note_required = False
            self.closed_text = _("Z report {number} stored and sent to the printer.").format(number=z.number)
            self.is_open = False
            self.message(self.closed_text, "ok", 8)

        self.act(Act.CLOSE_TILL, run)

    # --- reports -----------------------------------------------------------------------
    def show_x(self) -> None:
        if self.sessions.current() is None:
            self.refresh()
            self.message(_("The till is closed: the X report is for an open till (see the Z reports)."), "warn")
            return

        def run(_by: UserInfo) -> None:
            x = self.sessions.x_report()
            self.report_title = _("X report (nothing is reset)")
            self.report_text = "\n".join(x["lines"])
            self.report_kind = "x"
            self.panel = "report"

        self.act(Act.CLOSE_TILL, run)

    report_kind = StringProperty("x")
    report_number = NumericProperty(0)

    def print_report(self) -> None:
        def run(by: UserInfo) -> None:
            try:
                if self.report_kind == "x":
                    self.sessions.print_x(by)
                else:
                    self.sessions.reprint_z(self.report_number, by)
            except DomainError as exc:
                self.fail(exc)
                return
            self.message(_("Sent to the printer."), "ok", 4)

        self.act(Act.CLOSE_TILL if self.report_kind == "x" else Act.REPRINT, run)

    def show_z_list(self) -> None:
        rows = []
        for z in self.sessions.z_reports(200):
            diff = z.difference
            rows.append({"number": z.number, "title": _("Z {number}").format(number=z.number) + "  \u2022  "
                         + format_date(z.business_date),
                         "detail": _("Closed {when}").format(when=format_time(to_local(z.created_at))),
                         "difference_text": format_money(diff) if diff else _("exact")})
        self.ids.z_rows.data = rows
        self.panel = "zlist"
        if not rows:
            self.message(_("No Z report yet: the first one is made when the till is closed."), "info", 6)

    def open_z(self, number: int) -> None:
        z = self.sessions.z_report(number)
        self.report_title = _("Z report {number}").format(number=number)
        self.report_text = z.printed_text
        self.report_kind = "z"
        self.report_number = number
        self.panel = "report"

    def open_dashboard(self) -> None:
        self.app.screen("summary").back_to = "till"
        self.act(Act.CLOSE_TILL, lambda _by: self.app.show("summary"))


class NoSessionPopup(KioskPopup):
    """*Cobrar* with the till closed ([till] without_session = "refuse")."""

    def open_till(self) -> None:
        self.dismiss(animation=False)
        self.app.show_till(then="sell")
