"""Lock screen: the PIN identifies the cashier. The PIN is checked in a worker thread
(scrypt is slow on purpose; the keypad says it is checking). Wrong PINs shake the
dots and, after the configured number of free attempts, the keypad waits, the message
counting down in full (the service keeps the count in the database, so restarting
does not reset it)."""

from __future__ import annotations

from kivy.animation import Animation
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.core.errors import DomainError, PinThrottled
from kiosk.formatting import local_today
from kiosk.i18n import _, format_date
from kiosk.ui.base import KioskScreen
from kiosk.ui.pins import ThrottleWait, failure_text, shake
from kiosk.ui.widgets import PinEntry


class LockScreen(ThrottleWait, PinEntry, KioskScreen):
    pin = StringProperty("")
    error_text = StringProperty("")
    wait_s = NumericProperty(0)
    shake_x = NumericProperty(0)
    date_text = StringProperty("")
    checking = BooleanProperty(False)

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
        return bool(self.wait_s) or self.checking  # throttled, or a PIN is being checked

    def submit(self) -> None:
        if not self.pin or self.pin_blocked():
            return
        pin, self.pin = self.pin, ""
        users = self.services.users
        check = users.unlock if self.app.resuming else users.authenticate
        self.checking = True
        self.error_text = ""
        app = self.app

        def work():  # noqa: ANN202
            app.wait_recorded()  # a lock being recorded goes in the log before this sign-in
            return check(pin)

        app.devices.run_in_thread(work, self._accepted, self._refused)

    def _accepted(self, user) -> None:  # noqa: ANN001
        self.checking = False
        self.error_text = ""
        self.app.signed_in(user)

    def _refused(self, exc: Exception) -> None:
        """A wrong PIN, a wait, or (never closing the till) an error such as another
        task holding the database: the message says which."""
        self.checking = False
        self.error_text = failure_text(exc)
        self.app.beep()
        if isinstance(exc, DomainError):
            shake(self)
        if isinstance(exc, PinThrottled):
            self._start_countdown(int(exc.params.get("seconds", 0)))

    def on_scan(self, event) -> None:  # noqa: ANN001
        self.error_text = _("Unlock with your PIN before scanning.")
        self.app.beep()

    def teardown(self) -> None:
        if self._dated is not None:
            self._dated.funbind("clock_text", self._show_date)
        Animation.cancel_all(self)
        self._stop_countdown()
