"""The kiosk's Kivy application: screens, theme, lock/unlock, idle auto-lock,
scanner routing, status banners and the hardware (through ``HardwareLink``: the
devices' threads, the print worker, the scale feed, beeps). Business rules stay in
the services; the screens (one module each) turn touches into service calls."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kivy.animation import Animation
from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk import sdnotify
from kiosk.app_factory import Services
from kiosk.core.cart import Cart, CartView
from kiosk.core.scanning import ScanEvent
from kiosk.formatting import local_now
from kiosk.memory import freeze_startup_objects, release_free_memory
from kiosk.i18n import _, format_time
from kiosk.core.permissions import Act
from kiosk.services.access import UserInfo
from kiosk.ui.frame_pace import FramePace
from kiosk.ui.hardware_link import HardwareLink
from kiosk.ui import label_pixels
from kiosk.ui.images import TextureCache
from kiosk.ui.scan_input import KeyboardWedge, ScanDispatcher
from kiosk.ui.theme import Theme

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
KV_FILES = ("widgets.kv", "pins.kv", "lock.kv", "sell.kv", "scale_panel.kv", "calculator.kv", "checkout.kv", "done.kv",
            "cart_actions.kv")
# Screens off the selling path, built (with their kv rules) the first time they are
# shown, as the staff screens are: name -> (module, class, kv files). Built at start-up
# they held ~7 MB for as long as the kiosk ran (issue 18, kiosk_rss_mb).
LATER_SCREENS = {
    "history": ("kiosk.ui.history", "HistoryScreen", ("history.kv", "returns_ui.kv")),
    "hardware": ("kiosk.ui.hardware", "HardwareScreen", ("hardware.kv", "devices.kv")),
    "newpin": ("kiosk.ui.pins", "NewPinScreen", ()),
}
LEVELS = ("info", "ok", "warn", "error")
UNSENT_CHECK_S = 30.0  # how often the selling screen's "3 ventas sin enviar desde 10:42" is read
TRIM_AFTER_SALE_S = 0.3
PULSE_BLINKS = 3  # times the low-stock marks blink when a product becomes low (then they rest, lit)


def load_kv(name: str) -> None:
    """Load a kv file next to this module once per process (rules must not be
    registered twice when tests build several apps)."""
    path = str(HERE / name)
    if path not in Builder.files:
        Builder.load_file(path)


def layout_scale(width: int, height: int) -> float:
    """1.0 at 800x480; grows with the short side up to 1.5 (1920x1080)."""
    return max(1.0, min(1.5, min(width, height) / 480))


class LastLine(ExceptionHandler):
    """Kivy's last line of defence: an exception that reached the main loop (a bug, a
    database error on the main thread) is logged and shown, and the till keeps
    running with the cart as it was, instead of closing in front of the cashier."""

    def __init__(self, app: KioskApp):
        super().__init__()
        self.app = app
        self.count = 0

    def handle_exception(self, exception: BaseException) -> int:
        if isinstance(exception, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        self.count += 1
        log.error("unexpected error on the main thread; the kiosk keeps running",
                  exc_info=(type(exception), exception, exception.__traceback__))
        try:
            self.app.notify(_("Something went wrong ({error}); nothing was lost and the kiosk keeps running. "
                              "If it happens again, call the technician.").format(error=type(exception).__name__),
                            "error", 12)
        except Exception:  # noqa: BLE001 - showing it must not fail in turn
            log.exception("could not show the error")
        return ExceptionManager.PASS


class KioskApp(App):
    theme = ObjectProperty(None)
    k = NumericProperty(1.0)  # layout scale, see layout_scale()
    portrait = BooleanProperty(False)
    user_name = StringProperty("")
    clock_text = StringProperty("")
    pulse = NumericProperty(1.0)  # low-stock badges blink with this (pulse_low), then rest at 1
    banner_text = StringProperty("")
    banner_level = StringProperty("info")
    modal = ObjectProperty(None, allownone=True)  # the popup in front, if any
    staff = ObjectProperty(None, allownone=True)  # the signed-in user while on the staff screens
    can_manage = BooleanProperty(False)  # the signed-in user may restock from the catalog (adjust_stock)
    low_count = NumericProperty(0)  # products at or below their level (staff menu badge)
    scale_reading = ObjectProperty(None, allownone=True)  # newest ScaleReading (None: no scale)

    def __init__(self, services: Services, *, ready_file: Path | None = None, own_process: bool = False,
                 **kwargs):
        self.services = services  # the whole application: the shell's own (and the tests') handle
        self.context = services.ui_context()  # what the screens use (kiosk.ui.shell.Shell.context)
        self.settings = services.settings
        self.images = TextureCache(services.state_dir)
        self.user: UserInfo | None = None
        self.ready_file = ready_file
        self.ready_at: float | None = None
        # the kiosk's process (not a test's): its start-up objects are frozen, and its
        # main loop slows down while the screen is at rest (kiosk.ui.frame_pace)
        self.own_process = own_process
        self.pace: FramePace | None = None
        self._banners: dict[str, tuple[str, str]] = {}
        self._events: list = []
        self._resume: tuple[int, str] | None = None
        self._recording: threading.Thread | None = None  # the last lock being written to the audit log
        self._last_activity = time.monotonic()
        self._low_seen = 0  # the low-stock count last shown (a rise makes the marks blink)
        self.scans: ScanDispatcher | None = None
        self.wedge: KeyboardWedge | None = None
        self.devices = HardwareLink(self)
        super().__init__(**kwargs)
        self.theme = Theme(services.preferences.theme(services.settings.ui.theme))
        self.title = services.settings.shop.name

    # --- building ---------------------------------------------------------------------
    def build(self):  # noqa: ANN201
        from kiosk.ui.checkout import CheckoutScreen
        from kiosk.ui.done import DoneScreen
        from kiosk.ui.lock import LockScreen
        from kiosk.ui.sell import SellScreen

        label_pixels.install()
        for name in KV_FILES:
            load_kv(name)
        self.sm = ScreenManager(transition=NoTransition())
        for screen in (LockScreen(name="lock"), SellScreen(name="sell"), CheckoutScreen(name="checkout"),
                       DoneScreen(name="done")):
            self.sm.add_widget(screen)
        self.sm.current = "lock"
        self.last_line = LastLine(self)
        ExceptionManager.add_handler(self.last_line)
        self.scans = ScanDispatcher(self.route_scan)
        wedge = next((d for d in self.settings.scanner.devices if d.kind == "wedge"), None)
        self.wedge = KeyboardWedge(Window, self.scans, on_typed=self._typed, on_enter=self._enter,
                                   on_backspace=self._backspace, on_retract=self._retract,
                                   recognizes=self._recognizes, could_be_code=self._could_be_code,
                                   prefix=wedge.prefix if wedge else "",
                                   suffix=wedge.suffix_text if wedge else "")
        self.devices.start()
        self.services.start_dian_sender()
        self.services.start_sync_worker()
        self._every(UNSENT_CHECK_S, lambda dt: self.check_unsent())
        self.check_unsent()
        self._undo_cart = self.services.counter.subscribe(self._cart_changed)
        Window.bind(size=self._on_size, on_touch_down=self._touched, on_key_down=self._key_activity,
                    on_flip=self._flipped)
        self._on_size(Window, Window.size)
        self._every(1.0, self._tick)
        self._tick(0)
        interval = sdnotify.watchdog_interval_s()
        if interval:
            self._every(interval, lambda dt: sdnotify.watchdog())
        self._watch_touch()
        self._pulse: Animation | None = None
        self.bind(low_count=self._low_count_changed)
        self.later(self._finish_interrupted_work, 1.0)
        if self.own_process:
            self.pace = FramePace(Clock, Window).start()
        return self.sm

    def _watch_touch(self) -> None:
        """A touchscreen that appears late or is replugged is read again (touch_watch)."""
        from kivy.base import EventLoop

        from kiosk.ui.touch_watch import CHECK_S, TouchWatch

        registry = self.services.hardware.registry

        def report(state) -> None:  # noqa: ANN001
            registry.update("touchscreen", kind="touchscreen", connected=state.ok,
                            last_error="" if state.ok else
                            {"missing": "touchscreen not found: {device}",
                             "unreadable": "touchscreen cannot be read: {device}"}[state.problem].format(
                                device=state.device),
                            last_event=_("reading touches") if state.ok else _("waiting for the touchscreen"),
                            info={"device": state.device, "reopened": state.reopened})
            sdnotify.status(_("Touchscreen ready") if state.ok else _("Touchscreen not found: waiting for it"))

        self.touch_watch = TouchWatch(lambda: EventLoop.input_providers, report)
        self._every(CHECK_S, lambda dt: self.touch_watch.check())

    def _finish_interrupted_work(self) -> None:
        """A CSV import, a count or a delivery cut short by a crash or a power cut is
        finished in a worker thread (kiosk.services.product_csv, stock); staff see a
        message when an import is done."""
        from kiosk.ui.progress import BackgroundTask

        def finished(result) -> None:  # noqa: ANN001
            reports, sheets = result
            if reports or sheets:
                self.catalog_changed()
            if reports:
                self.notify(" ".join(r.summary() for r in reports), "ok", 10)

        csv, stock = self.services.product_csv, self.services.stock

        def work(progress):  # noqa: ANN001, ANN202
            sheets = stock.finish_interrupted() if stock.drafts.applying() else []
            return (csv.resume(progress) if csv.unfinished() else []), sheets

        self._import_task = BackgroundTask(work, on_done=finished,
                                           on_error=lambda exc: self.notify(str(exc), "error", 10),
                                           name="finish-interrupted").start()

    def _every(self, seconds: float, fn) -> None:  # noqa: ANN001
        self._events.append(Clock.schedule_interval(fn, seconds))

    def later(self, fn, seconds: float = 0):  # noqa: ANN001, ANN201
        event = Clock.schedule_once(lambda dt: fn(), seconds)
        self._events.append(event)
        return event

    def _on_size(self, _window, size) -> None:  # noqa: ANN001
        width, height = size
        self.k = layout_scale(width, height)
        self.portrait = height > width

    def _flipped(self, *_args) -> None:
        if self.ready_at is None and self.sm.current == "lock":
            self.ready_at = time.monotonic()
            sdnotify.ready(_("Lock screen shown"))
            if self.ready_file is not None:
                Path(self.ready_file).write_text(f"{time.time():.6f}\n")
            log.info("lock screen drawn; kiosk ready")
            if self.own_process:  # after the ready file: the lock screen is up and counted already
                log.info("start-up objects set aside from garbage collection: %d", freeze_startup_objects())

    # --- activity, clock, idle lock --------------------------------------------------------
    def note_activity(self) -> None:
        self._last_activity = time.monotonic()

    def _touched(self, *_args) -> bool:
        self.note_activity()
        return False

    def _key_activity(self, *_args) -> bool:
        self.note_activity()
        return False

    def _tick(self, _dt: float) -> None:
        self.clock_text = format_time(local_now())  # the shop's zone ([locale] timezone), like every date shown
        idle = self.settings.security.idle_lock_s
        if self.user is not None and idle and time.monotonic() - self._last_activity >= idle and not self.saving:
            self.lock(event="auto_lock")

    @property
    def saving(self) -> bool:
        """A sale is being stored (Confirmar's worker): no idle lock meanwhile."""
        return self.sm.current == "checkout" and self.sm.current_screen.busy

    # --- screens ---------------------------------------------------------------------------
    def screen(self, name: str):  # noqa: ANN201
        if not self.sm.has_screen(name):
            if name in LATER_SCREENS:
                self._build_later_screen(name)
            else:
                self.ensure_staff()
        return self.sm.get_screen(name)

    def _build_later_screen(self, name: str) -> None:
        module, cls, kv_files = LATER_SCREENS[name]
        for kv in kv_files:
            load_kv(kv)
        self.sm.add_widget(getattr(importlib.import_module(module), cls)(name=name))

    def ensure_staff(self) -> None:
        """The staff screens and dialogs are built the first time they are needed,
        so they add nothing to start-up (the lock screen shows sooner)."""
        if self.sm.has_screen("staff"):
            return
        from kiosk.ui.staff_screens import STAFF_KV, staff_screens

        for name in STAFF_KV:
            load_kv(name)
        for screen in staff_screens():
            self.sm.add_widget(screen)

    def show(self, name: str) -> None:
        self.close_modal()
        self.screen(name)
        self.sm.current = name

    def show_history(self) -> None:
        self.show("history")

    def show_hardware(self) -> None:
        """The Hardware screen, an entry of the staff menu: anyone signed in sees the
        devices; its tests (ticket, drawer) and print-job decisions are acts."""
        if self.staff is not None:
            self.show("hardware")

    def notify(self, text: str, level: str = "info", seconds: float = 6) -> None:
        """A message on the current screen's strip (or the popup in front)."""
        self.sm.current_screen.message(text, level, seconds)

    def with_act(self, act: Act, run: Callable[[UserInfo], None]) -> None:
        """Do ``act`` as the signed-in user: ``run(actor)`` at once when their role
        holds it, else after someone who holds it types their PIN (that PIN is good
        for this act once: ``actor`` carries the authorisation to the service call,
        which checks and spends it)."""
        user = self.user
        if user is None:
            return
        if self.services.access.allows(user, act):
            run(user)
            return
        from kiosk.ui.pins import AuthorisePopup

        self.open_modal(AuthorisePopup(act, run))

    def ask_drawer(self) -> None:
        """"Abrir cajón" by hand: the open_drawer act (a cashier needs a manager's PIN;
        recorded either way)."""
        def opened(who) -> None:  # noqa: ANN001
            by = who.authorised_by or who.user
            self.notify(_("Cash drawer opened (authorised by {name}).").format(name=by.name), "ok", 5)

        def failed(exc: Exception) -> None:
            self.notify(str(exc), "error", 8)

        self.with_act(Act.OPEN_DRAWER, lambda actor: self.devices.run_in_thread(
            lambda: self.services.hardware.open_drawer(actor), opened, failed))

    def show_receipt(self, *, sale_id: int | None = None, job_id: int | None = None) -> None:
        """The receipt preview, drawn from the bytes the printer got (or will get)."""
        from kiosk.ui.devices import ReceiptPreviewPopup

        load_kv("devices.kv")
        ReceiptPreviewPopup.open_for(self, sale_id=sale_id, job_id=job_id)

    @property
    def resuming(self) -> bool:
        """The lock screen is up over a signed-in session (unlocking returns to it)."""
        return self._resume is not None

    @property
    def scale(self):  # noqa: ANN201
        """The scale rig when a scale is configured and the hardware runs, else None."""
        return self.devices.scale

    def show_checkout(self) -> None:
        if self.cart.is_empty:
            return
        if self.till_refuses():
            self.ensure_staff()
            from kiosk.ui.till import NoSessionPopup

            self.open_modal(NoSessionPopup())
            return
        self.show("checkout")

    def till_refuses(self) -> bool:
        """Selling needs an open till session and none is open ([till] without_session
        = "refuse"): Cobrar offers Abrir caja instead of the payment screen."""
        sessions = self.context.sessions
        return (sessions is not None and self.settings.till.without_session == "refuse"
                and sessions.current() is None)

    def show_till(self, then: str = "staff") -> None:
        """Caja (the till's day: open, cash in/out, close, X/Z, Resumen) as the
        signed-in user; its Back goes to ``then`` (the staff menu, or the selling
        screen when Cobrar found the till closed)."""
        if self.user is None:
            return
        self.ensure_staff()
        self.staff = self.user
        self.note_activity()
        self.screen("till").back_to = then
        self.show("till")

    def show_done(self, result) -> None:  # noqa: ANN001
        self.screen("done").set_result(result)
        self.show("done")
        # While the cashier reads the change: the sale's freed memory back to the system
        # (kiosk/memory.py), after the done screen is drawn.
        Clock.schedule_once(lambda dt: release_free_memory(), TRIM_AFTER_SALE_S)

    def open_modal(self, view) -> None:  # noqa: ANN001
        self.close_modal()
        self.modal = view
        view.bind(on_dismiss=self._modal_closed)
        view.open(animation=False)

    def _modal_closed(self, view) -> None:  # noqa: ANN001
        if self.modal is view:
            self.modal = None

    def close_modal(self) -> None:
        if self.modal is not None:
            self.modal.dismiss(animation=False)
            self.modal = None

    # --- users ---------------------------------------------------------------------------------
    @property
    def cart(self) -> Cart:
        """The signed-in cashier's cart (read it; the counter service changes it)."""
        if self.user is None:
            raise RuntimeError("no user is signed in")
        return self.services.counter.cart(self.user.id)

    def _cart_changed(self, view: CartView) -> None:
        """The counter's "cart changed", from whichever thread made the change."""
        if threading.current_thread() is not threading.main_thread():
            Clock.schedule_once(lambda dt: self._cart_changed(view))
            return
        if self.user is not None and view.user_id == self.user.id and self.sm.has_screen("sell"):
            self.sm.get_screen("sell").show_cart(view)

    def signed_in(self, user: UserInfo) -> None:
        """After a right PIN: the same cashier goes back where they were, with their
        cart; another cashier starts on the selling screen with their own cart. A user
        whose PIN must be replaced (the first start's default PIN) chooses a new one
        first."""
        self.user = user
        self.user_name = user.name
        self.note_activity()
        if user.must_change_pin:
            self.can_manage = False
            self.show("newpin")
            return
        self.can_manage = self.services.access.allows(user, Act.ADJUST_STOCK)
        self.refresh_low_count()
        self.services.counter.open(user.id)  # kept across a lock, or restored after a restart
        target = "sell"
        if self._resume is not None and self._resume[0] == user.id:
            target = self._resume[1]
        self._resume = None
        self.show(target)

    def wait_recorded(self, timeout: float = 30.0) -> None:
        """Worker threads only: wait until the last lock or sign-out is in the audit
        log (a database held by another writer delays it, up to its busy timeout)."""
        thread = self._recording
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def pin_changed(self, user: UserInfo) -> None:
        """The forced PIN change is done: on to where the sign-in was going."""
        self.signed_in(user)

    def lock(self, event: str = "lock") -> None:
        if self.user is None or self.saving:  # a sale being saved finishes first (it takes moments)
            return
        current = self.sm.current
        self._resume = (self.user.id, current if current in ("sell", "checkout", "history", "hardware") else "sell")
        user = self.user
        # Recorded off the main thread: a busy database must not keep the till unlocked.
        # The next sign-in (also checked in a worker) waits for this row, so the audit
        # log keeps lock before unlock.
        self._recording = self.devices.run_in_thread(
            lambda: self.services.users.record(user, event), lambda _result: None,
            lambda exc: log.warning("%s of %s not recorded: %s", event, user.name, exc))
        self.user = None
        self.user_name = ""
        self.staff = None
        self.can_manage = False
        self.show("lock")

    # --- staff screens (catalog and stock) ------------------------------------------------------
    def open_staff(self) -> None:
        """The staff menu entry. Anyone signed in may look; each change is an act of
        its own (edit the catalog, adjust stock, import ...): a user whose role lacks
        it is asked for the PIN of someone who holds it, for that one change."""
        self.ensure_staff()
        if self.user is not None:
            self.enter_staff(self.user)

    def enter_staff(self, user: UserInfo) -> None:
        self.staff = user
        self.note_activity()
        self.show("staff")

    def leave_staff(self) -> None:
        self.staff = None
        self.show("sell")

    def pulse_low(self) -> None:
        """The low-stock marks blink a few times, then stay lit: they draw the eye when
        a product becomes low, and cost no CPU the rest of the day (a mark blinking
        forever kept a fifth of a Pi core busy redrawing the screen)."""
        if self._pulse is not None:
            return  # already blinking
        step = Animation(pulse=0.35, duration=0.6, t="in_out_sine") + Animation(pulse=1.0, duration=0.6,
                                                                                 t="in_out_sine")
        anim = step
        for _blink in range(PULSE_BLINKS - 1):
            anim = anim + step
        anim.bind(on_complete=self._pulse_done)
        self._pulse = anim
        anim.start(self)

    def _pulse_done(self, _anim, _widget) -> None:  # noqa: ANN001
        self._pulse = None
        self.pulse = 1.0

    def _low_count_changed(self, _app, count: int) -> None:  # noqa: ANN001
        if count > self._low_seen:
            self.pulse_low()  # one more product (at least) just became low
        self._low_seen = count

    def refresh_low_count(self) -> None:
        self.low_count = self.services.stock.low_stock_count()

    def stock_moved(self, low_changes) -> None:  # noqa: ANN001
        """After a sale: the products whose low-stock mark it changed ((id, low now)
        pairs, SaleResult.low_changes, worked out in the sale's transaction) show it
        on their tiles, and the badge counts them; nothing is read back from the
        database (issue 18: that re-reading was part of every Confirmar's wait)."""
        if not low_changes:
            return
        self.screen("sell").set_low_marks(dict(low_changes))
        self.low_count = max(0, self.low_count + sum(1 if low else -1 for _pid, low in low_changes))

    def catalog_changed(self) -> None:
        """Products, stock or categories changed: the selling screen reloads its grid
        and chips next time it is shown; the badge is recounted now."""
        self.screen("sell").stale = True
        self.refresh_low_count()

    # --- theme ------------------------------------------------------------------------------------
    def toggle_theme(self) -> None:
        """Day/night: shown at once, remembered in the background (a database held by
        another writer must neither freeze nor stop the till)."""
        name = "day" if self.theme.name == "night" else "night"
        self.theme.apply(name)
        self.devices.customer_theme(name)
        self.devices.run_in_thread(lambda: self.services.preferences.set_theme(name), lambda _result: None,
                                   lambda exc: self.notify(_("The day/night choice could not be saved; it "
                                                             "applies until the kiosk restarts."), "warn"))

    # --- banners (for other parts of the kiosk: printer, scale, ...) ------------------------------
    def set_banner(self, key: str, text: str, level: str = "warn") -> None:
        """Show a lasting status line on the selling screen (main thread)."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}")
        self._banners[key] = (text, level)
        self._refresh_banner()

    def clear_banner(self, key: str) -> None:
        if self._banners.pop(key, None) is not None:
            self._refresh_banner()

    def check_unsent(self) -> None:
        """Documents waiting to go up to the shop server longer than [till]
        unsent_after_min: a line on the selling screen, gone once they are sent. Read
        in a worker thread (one query on the outbox's index of waiting rows)."""
        from kiosk.services.sync_status import unsent_line

        after_s = self.settings.till.unsent_after_min * 60

        def shown(text: str) -> None:
            if text:
                self.set_banner("sync", text, "info")
            else:
                self.clear_banner("sync")

        self.devices.run_in_thread(lambda: unsent_line(self.services.db, after_s), shown,
                                   lambda exc: log.warning("unsent documents not read: %s", exc))

    def _refresh_banner(self) -> None:
        items = list(self._banners.values())
        self.banner_text = "  \u2022  ".join(text for text, _level in items)
        self.banner_level = max((level for _t, level in items), key=LEVELS.index, default="info")

    # --- scanner and keyboard ---------------------------------------------------------------------
    def route_scan(self, event: ScanEvent) -> None:
        """Every scanner's event, on the main thread. Wedge scans were read by the UI
        itself: the hardware layer hears of them here (registry, beeps)."""
        self.note_activity()
        if event.source == "wedge":
            event = self.devices.note_wedge_scan(event)
        self.sm.current_screen.on_scan(event)

    def _typed(self, text: str) -> None:
        self.note_activity()
        self._typed_into = self.sm.current_screen
        self._typed_into.on_typed(text)

    def _retract(self, text: str) -> None:
        """Typing that turned out to be a slow scan: taken back from where it went."""
        screen = getattr(self, "_typed_into", None) or self.sm.current_screen
        screen.on_untyped(text)

    def _recognizes(self, text: str) -> bool:
        """Typed input ended by Enter that is a code the shop knows, or a valid retail
        code, is a scan wherever it was typed (not on the PIN screen: PINs are digits)."""
        if self.sm.current == "lock":
            return False
        from kiosk.core.scanning import read_code

        wedge = self.wedge
        code = read_code(text, prefix=wedge.prefix, suffix=wedge.suffix).code if wedge else text
        try:
            return self.services.catalog.is_code(code)
        except Exception:  # noqa: BLE001 - cannot tell: treat it as typing
            log.exception("checking whether %r is a code", text)
            return False

    def _could_be_code(self, text: str) -> bool:
        """Whether a scan could begin with ``text``: the wedge shows typing that cannot
        be one at once instead of holding each letter back for the scanner's gap."""
        try:
            return self.services.catalog.could_start_code(text)
        except Exception:  # noqa: BLE001 - cannot tell: hold it back, as for any scan
            log.exception("checking whether a code starts with %r", text)
            return True

    def _enter(self) -> None:
        self.sm.current_screen.on_enter_key()

    def _backspace(self) -> None:
        self.sm.current_screen.on_backspace_key()

    # --- feedback ---------------------------------------------------------------------------------
    def beep(self) -> None:
        """Audible error cue: two beeps on the buzzer (when there is one)."""
        log.debug("beep")
        self.devices.beep_error()

    # --- printing ---------------------------------------------------------------------------------
    def wait_printing(self, timeout: float = 10) -> bool:
        """Tests: wait until the print thread has sent every queued job. Printing itself
        needs no call: the hardware's print worker sends each job as it is stored."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            counts = self.services.printing.counts()
            if not counts.get("pending") and not counts.get("sending"):
                return True
            time.sleep(0.02)
        return False

    # --- stopping ---------------------------------------------------------------------------------
    def on_stop(self) -> None:
        self.teardown()

    def teardown(self) -> None:
        """Undo everything this app hooked into Kivy's globals (tests build many apps
        in one process; a real stop ends the process anyway)."""
        if getattr(self, "_torn_down", False):
            return
        self._torn_down = True
        if getattr(self, "_import_task", None) is not None:
            self._import_task.abandon()
            self._import_task.join(10)
        self.close_modal()
        for event in self._events:
            event.cancel()
        self._events.clear()
        if self.pace is not None:
            self.pace.stop()
            self.pace = None
        if getattr(self, "_pulse", None) is not None:
            self._pulse.cancel(self)
            self._pulse = None
        if self.wedge is not None:
            self.wedge.uninstall()
        if self.scans is not None:
            self.scans.cancel()
        self.devices.stop()
        if getattr(self, "last_line", None) is not None and self.last_line in ExceptionManager.handlers:
            ExceptionManager.remove_handler(self.last_line)
        if getattr(self, "_undo_cart", None) is not None:
            self._undo_cart()
        Window.unbind(size=self._on_size, on_touch_down=self._touched, on_key_down=self._key_activity,
                      on_flip=self._flipped)
        if getattr(self, "sm", None) is not None:
            for screen in self.sm.screens:
                screen.teardown()
