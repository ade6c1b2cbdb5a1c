"""The PIN windows besides the lock screen:

- ``AuthorisePopup``: the signed-in user lacks an act (open the drawer, edit the
  catalog ...); someone who holds it types their PIN, and that authorises this act
  once (``UserService.authorize`` returns a Grant the service call spends).
- ``NewPinScreen``: a user whose PIN must be replaced (the first start's default
  admin PIN) chooses a new one, typed twice, before anything else.
- ``PinTwicePopup``: a new PIN for someone else (Usuarios: add a user, reset a PIN),
  typed twice on the keypad and never shown.

PINs are checked with scrypt (slow on purpose): the check runs in a worker thread and
the keypad waits, saying so, until the answer comes back through the Clock.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.core.errors import DomainError, PinThrottled
from kiosk.core.permissions import Act, act_label
from kiosk.core.staff_errors import PinMismatch
from kiosk.i18n import _
from kiosk.services.access import UserInfo
from kiosk.ui.base import KioskPopup, KioskScreen
from kiosk.ui.widgets import PinEntry
from kiosk.ui.shell import ui_context


def failure_text(exc: Exception) -> str:
    """What a PIN prompt says when the check did not let the PIN through: the domain's
    message, or for anything else (another task held the database ...) to try again."""
    if isinstance(exc, DomainError):
        return str(exc)
    return _("The PIN could not be checked just now (the database may be busy with another "
             "task). Type it again in a moment.")


def shake(widget) -> None:  # noqa: ANN001
    Animation.cancel_all(widget, "shake_x")
    anim = Animation(shake_x=16, duration=0.05)
    for x in (-12, 8, -4, 0):
        anim += Animation(shake_x=x, duration=0.05)
    anim.start(widget)


class ThrottleWait:
    """The wait after too many wrong PINs (kept per till by the user service): the
    keypad is off and the message counts down, in full ("... 4 min 05 s")."""

    def _start_countdown(self, seconds: int) -> None:
        self.wait_s = max(0, int(seconds))
        if getattr(self, "_countdown", None) is not None:
            self._countdown.cancel()
            self._countdown = None
        if self.wait_s:
            self.error_text = str(PinThrottled(seconds=self.wait_s))
            self._countdown = Clock.schedule_interval(self._count_down, 1)

    def _count_down(self, _dt: float) -> None:

        self.wait_s = ui_context().users.wait_seconds()
        if self.wait_s:
            self.error_text = str(PinThrottled(seconds=self.wait_s))
        else:
            self.error_text = ""
            self._countdown.cancel()
            self._countdown = None

    def _stop_countdown(self) -> None:
        if getattr(self, "_countdown", None) is not None:
            self._countdown.cancel()
            self._countdown = None


class AuthorisePopup(ThrottleWait, PinEntry, KioskPopup):
    """"{act} needs a manager's authorisation": the PIN typed here is good for this
    act, once. ``on_ok(actor)`` gets the signed-in user carrying the Grant."""

    act = StringProperty("")
    act_text = StringProperty("")
    roles_text = StringProperty("")
    pin = StringProperty("")
    error_text = StringProperty("")
    shake_x = NumericProperty(0)
    checking = BooleanProperty(False)
    wait_s = NumericProperty(0)

    def __init__(self, act: Act, on_ok: Callable[[UserInfo], None], **kwargs):
        self._on_ok = on_ok
        self._countdown = None
        self._closed = False
        super().__init__(**kwargs)
        services = self.services
        self.act = Act(act).value
        self.act_text = act_label(act)
        self.roles_text = services.access.roles_text(Act(act))
        self._start_countdown(services.users.wait_seconds())

    def pin_blocked(self) -> bool:
        return self.checking or bool(self.wait_s)

    def submit(self) -> None:
        if not self.pin or self.pin_blocked():
            return
        pin, self.pin = self.pin, ""
        app = self.app
        user = app.user
        self.checking = True
        app.devices.run_in_thread(lambda: app.context.users.authorize(pin, Act(self.act), user),
                                  lambda grant: self._granted(user, grant), self._refused)

    def _granted(self, user: UserInfo, grant) -> None:  # noqa: ANN001
        self.checking = False
        self._stop_countdown()
        if self._closed or self.app.user is not user:  # cancelled or locked meanwhile: not wanted
            grant.revoke()
            return
        self.dismiss(animation=False)
        self._on_ok(user.with_grant(grant))

    def _refused(self, exc: Exception) -> None:
        self.checking = False
        if isinstance(exc, PinThrottled):
            self._start_countdown(int(exc.params.get("seconds", 0)))
            self.app.beep()
        else:
            self.show_error(failure_text(exc))
        shake(self)

    def on_dismiss(self) -> None:
        self._closed = True
        self._stop_countdown()

    def on_scan(self, event) -> None:  # noqa: ANN001
        self.show_error(_("Type the PIN first, then scan."))


class PinTwice:
    """Type a new PIN, then the same again; the class provides ``pin_done(pin)``."""

    pin = StringProperty("")
    first = StringProperty("")  # the first typing, kept until the second
    step = StringProperty("first")  # "first" / "again"
    error_text = StringProperty("")
    checking = BooleanProperty(False)
    shake_x = NumericProperty(0)

    def pin_blocked(self) -> bool:
        return self.checking

    def submit(self) -> None:
        if not self.pin or self.checking:
            return
        pin, self.pin = self.pin, ""
        if self.step == "first":
            try:
                self.services.users.policy.check(pin)  # pure and instant: say it before the second typing
            except DomainError as exc:
                self._wrong(str(exc))
                return
            self.first, self.step, self.error_text = pin, "again", ""
            return
        first, self.first, self.step = self.first, "", "first"
        if pin != first:
            self._wrong(str(PinMismatch()))
            return
        self.checking = True
        self.pin_done(pin)

    def restart(self, message: str = "") -> None:
        self.pin = self.first = ""
        self.step = "first"
        self.checking = False
        self.error_text = message

    def _wrong(self, message: str) -> None:
        self.error_text = message
        self.app.beep()
        shake(self)


class NewPinScreen(ThrottleWait, PinTwice, PinEntry, KioskScreen):
    """The forced change: shown after a sign-in with a PIN that must be replaced (the
    default admin PIN), before any other screen."""

    wait_s = NumericProperty(0)
    user_name = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        user = self.app.user
        if user is None:
            self.app.later(lambda: self.app.show("lock"))
            return
        self.user_name = user.name
        self.restart()

    def pin_blocked(self) -> bool:
        return self.checking or bool(self.wait_s)

    def pin_done(self, pin: str) -> None:
        app = self.app
        user = app.user
        app.devices.run_in_thread(lambda: app.context.users.change_own_pin(user, pin), self._changed,
                                  self._failed)

    def _changed(self, user: UserInfo) -> None:
        self.checking = False
        self.app.pin_changed(user)

    def _failed(self, exc: Exception) -> None:
        self.restart()
        if isinstance(exc, PinThrottled):
            self._start_countdown(int(exc.params.get("seconds", 0)))
        else:
            self.error_text = failure_text(exc)
        self.app.beep()
        shake(self)

    def cancel(self) -> None:
        """Back to the lock screen: nothing else opens until the PIN is replaced."""
        self.app.lock()

    def on_scan(self, event) -> None:  # noqa: ANN001
        self.error_text = _("Choose your new PIN first.")
        self.app.beep()

    def teardown(self) -> None:
        self._stop_countdown()
        Animation.cancel_all(self)


class PinTwicePopup(PinTwice, PinEntry, KioskPopup):
    """A new PIN for ``name`` (typed twice, never shown); ``save(pin)`` runs in a
    worker thread (hashing is slow) and returns the message to show; its DomainError
    (PIN in use, too easy) is shown here and the typing starts over."""

    title_text = StringProperty("")
    name = StringProperty("")
    on_saved = ObjectProperty(None, allownone=True)

    def __init__(self, save: Callable[[str], str], **kwargs):
        self._save = save
        super().__init__(**kwargs)

    def pin_done(self, pin: str) -> None:
        self.app.devices.run_in_thread(lambda: self._save(pin), self._saved, self._failed)

    def _saved(self, message: str) -> None:
        self.checking = False
        self.dismiss(animation=False)
        if self.on_saved is not None:
            self.on_saved(message)

    def _failed(self, exc: Exception) -> None:
        self.restart(failure_text(exc))
        self.app.beep()
        shake(self)
