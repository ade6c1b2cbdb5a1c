"""The kiosk's Kivy application: screens, theme, lock/unlock, idle auto-lock,
scanner routing, status banners and the hardware (through ``HardwareLink``: the
devices' threads, the print worker, the scale feed, beeps). Business rules stay in
the services; the screens (one module each) turn touches into service calls."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from kivy.animation import Animation
from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from hardware.events import ScanEvent
from kiosk import sdnotify
from kiosk.app_factory import Services
from kiosk.formatting import local_now
from kiosk.i18n import _, format_time
from kiosk.services.preferences import PreferenceService
from kiosk.services.selling import SellingService
from kiosk.services.users import Role, UserInfo
from kiosk.ui.hardware_link import HardwareLink
from kiosk.ui.images import TextureCache
from kiosk.ui.scan_input import KeyboardWedge, ScanDispatcher
from kiosk.ui.theme import Theme

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
KV_FILES = ("widgets.kv", "lock.kv", "sell.kv", "scale_panel.kv", "calculator.kv", "checkout.kv", "done.kv",
            "history.kv", "hardware.kv", "devices.kv")
LEVELS = ("info", "ok", "warn", "error")


def load_kv(name: str) -> None:
    """Load a kv file next to this module once per process (rules must not be
    registered twice when tests build several apps)."""
    path = str(HERE / name)
    if path not in Builder.files:
        Builder.load_file(path)


def layout_scale(width: int, height: int) -> float:
    """1.0 at 800x480; grows with the short side up to 1.5 (1920x1080)."""
    return max(1.0, min(1.5, min(width, height) / 480))


class KioskApp(App):
    theme = ObjectProperty(None)
    k = NumericProperty(1.0)  # layout scale, see layout_scale()
    portrait = BooleanProperty(False)
    user_name = StringProperty("")
    clock_text = StringProperty("")
    pulse = NumericProperty(1.0)  # low-stock badges blink with this
    banner_text = StringProperty("")
    banner_level = StringProperty("info")
    modal = ObjectProperty(None, allownone=True)  # the popup in front, if any
    staff = ObjectProperty(None, allownone=True)  # UserInfo acting on the staff screens
    can_manage = BooleanProperty(False)  # the signed-in user may restock from the catalog
    low_count = NumericProperty(0)  # products at or below their level (staff menu badge)
    scale_reading = ObjectProperty(None, allownone=True)  # newest ScaleReading (None: no scale)

    def __init__(self, services: Services, *, ready_file: Path | None = None, **kwargs):
        self.services = services
        self.settings = services.settings
        self.prefs = PreferenceService(services.db)
        self.selling = SellingService(services.catalog, services.settings.sales.out_of_stock)
        self.images = TextureCache(services.state_dir)
        self.user: UserInfo | None = None
        self.ready_file = ready_file
        self.ready_at: float | None = None
        self._banners: dict[str, tuple[str, str]] = {}
        self._events: list = []
        self._resume: tuple[int, str] | None = None
        self._last_activity = time.monotonic()
        self.scans: ScanDispatcher | None = None
        self.wedge: KeyboardWedge | None = None
        self.devices = HardwareLink(self)
        super().__init__(**kwargs)
        self.theme = Theme(self.prefs.theme(services.settings.ui.theme))
        self.title = services.settings.shop.name

    # --- building ---------------------------------------------------------------------
    def build(self):  # noqa: ANN201
        from kiosk.ui.checkout import CheckoutScreen
        from kiosk.ui.done import DoneScreen
        from kiosk.ui.hardware import HardwareScreen
        from kiosk.ui.history import HistoryScreen
        from kiosk.ui.lock import LockScreen
        from kiosk.ui.sell import SellScreen

        for name in KV_FILES:
            load_kv(name)
        self.sm = ScreenManager(transition=NoTransition())
        for screen in (LockScreen(name="lock"), SellScreen(name="sell"), CheckoutScreen(name="checkout"),
                       DoneScreen(name="done"), HistoryScreen(name="history"), HardwareScreen(name="hardware")):
            self.sm.add_widget(screen)
        self.sm.current = "lock"
        self.scans = ScanDispatcher(self.route_scan)
        self.wedge = KeyboardWedge(Window, self.scans, on_typed=self._typed, on_enter=self._enter,
                                   on_backspace=self._backspace)
        self.devices.start()
        Window.bind(size=self._on_size, on_touch_down=self._touched, on_key_down=self._key_activity,
                    on_flip=self._flipped)
        self._on_size(Window, Window.size)
        self._every(1.0, self._tick)
        self._tick(0)
        interval = sdnotify.watchdog_interval_s()
        if interval:
            self._every(interval, lambda dt: sdnotify.watchdog())
        self._pulse = Animation(pulse=0.35, duration=0.6, t="in_out_sine") + \
            Animation(pulse=1.0, duration=0.6, t="in_out_sine")
        self._pulse.repeat = True
        self._pulse.start(self)
        return self.sm

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
            self.ensure_staff()
        return self.sm.get_screen(name)

    def ensure_staff(self) -> None:
        """The staff screens and dialogs are built the first time they are needed,
        so they add nothing to start-up (the lock screen shows sooner)."""
        if self.sm.has_screen("staff"):
            return
        from kiosk.ui.staff import STAFF_KV, staff_screens

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
        """The Hardware screen, an entry of the staff menu (managers and admins)."""
        if self.staff is not None and self.staff.can(Role.MANAGER):
            self.show("hardware")

    def notify(self, text: str, level: str = "info", seconds: float = 6) -> None:
        """A message on the current screen's strip (or the popup in front)."""
        self.sm.current_screen.message(text, level, seconds)

    def ask_drawer(self) -> None:
        """"Abrir cajón" by hand: a manager's PIN opens it (recorded)."""
        from kiosk.ui.devices import DrawerPinPopup

        self.open_modal(DrawerPinPopup())

    def show_receipt(self, *, sale_id: int | None = None, job_id: int | None = None) -> None:
        """The receipt preview, drawn from the bytes the printer got (or will get)."""
        from kiosk.ui.devices import ReceiptPreviewPopup

        ReceiptPreviewPopup.open_for(self, sale_id=sale_id, job_id=job_id)

    @property
    def scale(self):  # noqa: ANN201
        """The scale rig when a scale is configured and the hardware runs, else None."""
        return self.devices.scale

    def show_checkout(self) -> None:
        if self.cart.is_empty:
            return
        self.show("checkout")

    def show_done(self, result) -> None:  # noqa: ANN001
        self.screen("done").set_result(result)
        self.show("done")

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
    def cart(self):  # noqa: ANN201
        if self.user is None:
            raise RuntimeError("no user is signed in")
        return self.selling.cart_for(self.user.id)

    def signed_in(self, user: UserInfo) -> None:
        """After a right PIN: the same cashier goes back where they were, with their
        cart; another cashier starts on the selling screen with their own cart."""
        self.user = user
        self.user_name = user.name
        self.can_manage = user.can(Role.MANAGER)
        self.refresh_low_count()
        self.note_activity()
        target = "sell"
        if self._resume is not None and self._resume[0] == user.id:
            target = self._resume[1]
        self._resume = None
        self.show(target)

    def lock(self, event: str = "lock") -> None:
        if self.user is None or self.saving:  # a sale being saved finishes first (it takes moments)
            return
        current = self.sm.current
        self._resume = (self.user.id, current if current in ("sell", "checkout", "history", "hardware") else "sell")
        self.services.users.record(self.user, event)
        self.user = None
        self.user_name = ""
        self.staff = None
        self.can_manage = False
        self.show("lock")

    # --- staff screens (catalog and stock) ------------------------------------------------------
    def open_staff(self) -> None:
        """The staff menu entry: a manager or admin goes straight in; a cashier is
        asked for a manager's PIN, and that manager is who the changes are recorded as."""
        self.ensure_staff()
        from kiosk.ui.staff import ManagerPinPopup

        if self.user is not None and self.user.can(Role.MANAGER):
            self.enter_staff(self.user)
        else:
            self.open_modal(ManagerPinPopup(on_ok=self.enter_staff))

    def enter_staff(self, user: UserInfo) -> None:
        self.staff = user
        self.note_activity()
        self.show("staff")

    def leave_staff(self) -> None:
        self.staff = None
        self.show("sell")

    def refresh_low_count(self) -> None:
        self.low_count = self.services.stock.low_stock_count()

    def stock_moved(self, product_ids) -> None:  # noqa: ANN001
        """After a sale: those products' tiles show their new low-stock mark, and the
        badge is recounted."""
        sell = self.screen("sell")
        for product_id in dict.fromkeys(product_ids):
            sell.refresh_product(product_id)
        self.refresh_low_count()

    def catalog_changed(self) -> None:
        """Products, stock or categories changed: the selling screen reloads its grid
        and chips next time it is shown; the badge is recounted now."""
        self.screen("sell").stale = True
        self.refresh_low_count()

    # --- theme ------------------------------------------------------------------------------------
    def toggle_theme(self) -> None:
        name = "day" if self.theme.name == "night" else "night"
        self.theme.apply(name)
        self.prefs.set_theme(name)

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
            self.devices.note_wedge_scan(event)
        self.sm.current_screen.on_scan(event)

    def _typed(self, text: str) -> None:
        self.note_activity()
        self.sm.current_screen.on_typed(text)

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
        self.close_modal()
        for event in self._events:
            event.cancel()
        self._events.clear()
        if getattr(self, "_pulse", None) is not None:
            self._pulse.cancel(self)
        if self.wedge is not None:
            self.wedge.uninstall()
        if self.scans is not None:
            self.scans.cancel()
        self.devices.stop()
        Window.unbind(size=self._on_size, on_touch_down=self._touched, on_key_down=self._key_activity,
                      on_flip=self._flipped)
        if getattr(self, "sm", None) is not None:
            for screen in self.sm.screens:
                screen.teardown()
