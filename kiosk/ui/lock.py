"""Lock screen: the PIN identifies the cashier. Wrong PINs shake the dots and, after
the configured number of free attempts, the keypad waits (the service keeps the
count in the database, so restarting does not reset it)."""

from __future__ import annotations

import logging

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty

from kiosk.core.errors import DomainError, PinThrottled
from kiosk.formatting import local_today
from kiosk.i18n import _, format_date
from kiosk.ui.base import KioskScreen
from kiosk.ui.widgets import PinEntry

log = logging.getLogger(__name__)


class LockScreen(PinEntry, KioskScreen):
    pin = StringProperty("")
    error_text = StringProperty("")
    wait_s = NumericProperty(0)
    shake_x = NumericProperty(0)
    date_text = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._countdown = None
        self._dated = None  # the app whose clock the date follows

    def on_pre_enter(self, *_args) -> None:
        self.pin = ""
        self.error_text = ""
        self._show_date()
        if self._dated is None:  # the clock ticks every second: the date follows past midnight
            self._dated = self.app
            self._dated.fbind("clock_text", self._show_date)
        self._start_countdown(self.services.users.wait_seconds())

    def _show_date(self, *_args) -> None:
        self.date_text = format_date(local_today(), "full")  # the shop's day ([locale] timezone)

    def pin_blocked(self) -> bool:
        return bool(self.wait_s)  # throttled: the keypad waits

    def submit(self) -> None:
        if not self.pin or self.wait_s:
            return
        pin, self.pin = self.pin, ""
        users = self.services.users
        try:
            user = users.unlock(pin) if self.app._resume else users.authenticate(pin)
        except PinThrottled as exc:
            self.error_text = str(exc)
            self._fail()
            self._start_countdown(int(exc.params.get("seconds", 0)))
            return
        except DomainError as exc:
            self.error_text = str(exc)
            self._fail()
            return
        except Exception:  # noqa: BLE001 - e.g. another task held the database: never close the till
            log.exception("PIN check failed")
            self.error_text = _("The PIN could not be checked just now (the database may be busy with another "
                                "task). Type it again in a moment.")
            self.app.beep()
            return
        self.error_text = ""
        self.app.signed_in(user)

    def _fail(self) -> None:
        self.app.beep()
        Animation.cancel_all(self, "shake_x")
        anim = Animation(shake_x=18, duration=0.05)
        for x in (-16, 12, -8, 4, 0):
            anim += Animation(shake_x=x, duration=0.05)
        anim.start(self)

    def _start_countdown(self, seconds: int) -> None:
        self.wait_s = max(0, seconds)
        if self._countdown is not None:
            self._countdown.cancel()
            self._countdown = None
        if self.wait_s:
            self._countdown = Clock.schedule_interval(self._tick, 1)

    def _tick(self, _dt: float) -> None:
        self.wait_s = self.services.users.wait_seconds()
        if self.wait_s:
            self.error_text = _("Too many wrong PINs. Try again in {seconds} s.").format(seconds=self.wait_s)
        else:
            self.error_text = ""
            self._countdown.cancel()
            self._countdown = None

    # physical keyboard (optional): digits, Enter and Backspace work too
    def on_typed(self, text: str) -> None:
        for ch in text:
            if ch.isdigit():
                self.press(ch)

    def on_enter_key(self) -> None:
        self.press("ok")

    def on_backspace_key(self) -> None:
        self.press("back")

    def on_scan(self, event) -> None:  # noqa: ANN001
        self.error_text = _("Unlock with your PIN before scanning.")
        self.app.beep()

    def teardown(self) -> None:
        if self._dated is not None:
            self._dated.funbind("clock_text", self._show_date)
        Animation.cancel_all(self)
        if self._countdown is not None:
            self._countdown.cancel()
