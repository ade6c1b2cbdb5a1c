"""UI test harness: one Kivy window per test process (Kivy allows no more), a fresh
kiosk app with its own state directory per test, real touch and key events.

- No DISPLAY: a private Xvfb is started (missing Xvfb fails the tests loudly).
- Kivy is configured (environment and Config) before it is first imported.
- Each test gets ``ui``: a Driver around a KioskApp built on a copy of a demo-shop
  state directory made once per session; afterwards the app is torn down, its
  widgets removed from the window and every Clock event it left is cancelled.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk import i18n
from kiosk.i18n import _
from kiosk.main import load_lxml_before_the_window
from tests.conftest import ADMIN_PIN, make_settings, open_till

load_lxml_before_the_window()  # as the kiosk does, before any test module can make the window

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "_artifacts" / "screenshots"
README_IMAGES = ROOT / "kiosk" / "ui" / "screenshots"
# the screenshots `make screenshots` copies there for README.md
README_SET = {
    "lock-800x480-day", "sell-800x480-day", "sell-1280x800-night", "calculator-800x480-day",
    "checkout-800x480-night", "done-800x480-day", "history-detail-1280x800-day", "sell-480x800-night",
    "calculator-scale-800x480-day", "hardware-800x480-night", "users-800x480-day", "audit-800x480-night",
    # the serviteca demo (tests/ui/test_serviteca_demo.py)
    "serviteca-sell-800x480-day", "serviteca-checkout-invoice-800x480-day", "serviteca-pos-document-800x480-day",
    "serviteca-z-report-800x480-day",
    # returns and discounts (tests/ui/test_returns_ui.py), the till day (tests/ui/test_till_screens.py)
    "discounted-cart-800x480-day", "return-popup-800x480-day", "till-close-count-800x480-night", "summary-800x480-day",
    # the customer's second screen (tests/ui/test_customer_screen.py)
    "customer-screen-cart-800x480-day", "customer-screen-qr-800x480-night",
}


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    from kiosk.ui.xvfb import Xvfb

    server = Xvfb()
    os.environ["DISPLAY"] = server.start()  # raises when Xvfb is missing: a failure, not a skip
    try:
        yield os.environ["DISPLAY"]
    finally:
        server.stop()


@pytest.fixture(scope="session")
def kivy_window(display: str, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    home = tmp_path_factory.mktemp("kivy-home")
    os.environ["KIVY_HOME"] = str(home)
    from kiosk.main import configure_kivy

    configure_kivy(make_settings(home, ui={"fullscreen": False, "width": 800, "height": 480}))
    if not os.environ.get("KIOSK_UPDATE_README_IMAGES"):
        # Mesa's software renderer under Xvfb draws every frame on the CPU; Kivy's
        # default 2x multisampling more than doubled the cost of a frame (115 -> 50 ms
        # at load 12), a third of a UI test's time. It only smooths polygon edges
        # (text is a texture); `make screenshots` keeps it for the README's pictures.
        from kivy.config import Config

        Config.set("graphics", "multisamples", "0")
    from kivy.base import EventLoop
    from kivy.core.window import Window

    EventLoop.ensure_window()
    if Window is None or EventLoop.window is None:
        pytest.fail(f"Kivy could not open a window on display {display}")
    return Window


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the demo shop, built once and copied per test."""
    from kiosk.app_factory import build
    from kiosk.demo import load_demo

    state = tmp_path_factory.mktemp("demo-template")
    services = build(make_settings(state))
    load_demo(services.db, state, services.settings.currency.decimals)
    # The first start's admin has replaced the default PIN (the forced change has its own tests).
    admin = services.users.get(name="Administrador")
    services.users.set_pin(admin.id, ADMIN_PIN)
    open_till(services)  # the morning's Abrir caja: the UI tests sell in an open session
    services.close()
    return state


class Driver:
    """Drives the running app like a person: taps, key bursts, waits, screenshots."""

    def __init__(self, app, window, state_dir: Path):  # noqa: ANN001
        self.app = app
        self.window = window
        self.state_dir = state_dir

    # --- time -------------------------------------------------------------------------
    def frames(self, n: int = 2) -> None:
        from kivy.base import EventLoop

        for _ in range(n):
            EventLoop.idle()
            if self.x_events:
                self.window.mainloop()  # what Kivy's own loop does after each frame: read SDL's events

    x_events = False  # read the display's real key events too (tests typing with xdotool)

    def wait(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.frames(1)
            time.sleep(0.005)

    def until(self, condition: Callable[[], bool], timeout: float = 20, what: str = "condition") -> None:
        # Generous: it returns as soon as the condition holds, and a loaded machine
        # (two CPU hogs beside the suite, or a Pi) may take seconds to draw a frame.
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.frames(1)
            if condition():
                return
            time.sleep(0.005)
        raise AssertionError(f"timed out waiting for {what}")

    # --- screens ---------------------------------------------------------------------------
    @property
    def current(self) -> str:
        return self.app.sm.current

    def screen(self, name: str | None = None):  # noqa: ANN201
        return self.app.screen(name or self.current)

    def ids(self, name: str | None = None):  # noqa: ANN201
        return self.screen(name).ids

    def resize(self, width: int, height: int) -> None:
        self.window.size = (width, height)
        self.until(lambda: tuple(self.window.size) == (width, height), what=f"window {width}x{height}")
        self.frames(4)

    # --- touch ---------------------------------------------------------------------------------
    def tap(self, widget, *, settle: int = 1) -> None:  # noqa: ANN001
        from kivy.tests.common import UnitTestTouch

        self.frames(1)  # a person never taps a screen before it is laid out
        # A modal opened from a worker's callback is attached a frame or two after its
        # state says it is ready; wait for it as a person would, then insist.
        try:
            self.until(lambda: widget.get_root_window() is not None, timeout=5, what="on screen")
        except AssertionError:
            raise AssertionError(f"{widget!r} is not on screen") from None
        assert not widget.disabled, f"{getattr(widget, 'text', widget)!r} is disabled"
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.frames(settle)

    def tap_text(self, text: str, root=None) -> None:  # noqa: ANN001
        self.tap(self.find_text(text, root))

    def find_text(self, text: str, root=None):  # noqa: ANN001, ANN201
        from kivy.uix.behaviors import ButtonBehavior

        root = root or (self.app.modal if self.app.modal is not None else self.app.sm.current_screen)
        for w in root.walk():
            if isinstance(w, ButtonBehavior) and getattr(w, "text", None) == text and not w.disabled \
                    and w.get_root_window() is not None:
                return w
        raise AssertionError(f"no enabled button {text!r} on {root!r}")

    def visible_texts(self, root=None) -> list[str]:  # noqa: ANN001
        from kivy.uix.label import Label

        root = root or self.window
        out = []
        for w in root.walk():
            if isinstance(w, Label) and w.text and w.opacity > 0 and w.get_root_window() is not None:
                out.append(w.text)
        return out

    def tile(self, name: str):  # noqa: ANN201
        rv = self.ids("sell").catalog
        for view in rv.children[0].children:
            if getattr(view, "name", None) == name:
                return view
        raise AssertionError(f"no tile {name!r} on screen; showing {[v.name for v in rv.children[0].children][:12]}")

    def search(self, text: str) -> None:
        """Type in the search box with the on-screen keyboard."""
        sell = self.screen("sell")
        self.tap(sell.ids.search_field)
        for ch in text:
            label = " " if ch == " " else ch.upper()
            key = self.find_text(_("Space") if ch == " " else label, sell.ids.keyboard)
            self.tap(key, settle=0)
        self.tap(self.find_text(_("Done"), sell.ids.keyboard))
        self.frames(3)

    def confirm_sale(self, timeout: float = 30) -> None:
        """Tap Confirmar and wait until the sale is stored: it is saved in a worker
        thread and the confirmation screen follows through the Clock."""
        self.tap(self.screen("checkout").ids.confirm)
        self.until(lambda: self.current == "done", timeout=timeout, what="the sale stored (the done screen)")

    def pin(self, digits: str) -> None:
        """Type a PIN on the lock screen and wait until it has been checked (a worker
        thread runs scrypt)."""
        lock = self.screen("lock")
        keypad = lock.ids.keypad
        for d in digits:
            self.tap(self.find_text(d, keypad), settle=0)
        self.tap(self.find_text(i18n._("Enter"), keypad))
        self.until(lambda: not lock.checking, timeout=30, what="the PIN to be checked")
        self.frames(2)

    def pin_on(self, popup, digits: str) -> None:  # noqa: ANN001
        """Type a PIN on a popup's keypad (authorisation, new PIN) and wait for the check."""
        self.keypad(digits, popup.ids.keypad)
        self.tap(self.find_text(i18n._("Enter"), popup.ids.keypad))
        self.until(lambda: not popup.checking, timeout=30, what="the PIN to be checked")
        self.frames(2)

    def keypad(self, keys: str, keypad) -> None:  # noqa: ANN001
        for k in keys:
            self.tap(self.find_text(k, keypad), settle=0)
        self.frames(2)

    # --- keyboard ------------------------------------------------------------------------------
    def key(self, codepoint: str, keycode: int | None = None) -> None:
        code = keycode if keycode is not None else ord(codepoint.lower())
        self.window.dispatch("on_key_down", code, 0, codepoint, [])
        if codepoint.isprintable():
            self.window.dispatch("on_textinput", codepoint)
        self.window.dispatch("on_key_up", code, 0)

    def enter(self) -> None:
        self.window.dispatch("on_key_down", 13, 40, "\r", [])
        self.window.dispatch("on_key_up", 13, 40)

    def burst(self, code: str) -> None:
        """What a keyboard-wedge scanner sends: the code in a fast burst, then Enter."""
        for ch in code:
            self.key(ch)
        self.enter()
        self.frames(3)

    # --- evidence -----------------------------------------------------------------------------
    def screenshot(self, name: str) -> Path:
        from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
        from PIL import Image

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        w, h = (int(v) for v in self.window.size)
        path = ARTIFACTS / f"{name}-{w}x{h}-{self.app.theme.name}.png"
        shot: dict = {}

        def grab(*_args) -> None:
            # Called before the buffers are swapped: the back buffer holds this frame.
            shot["data"] = glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE)

        self.frames(3)
        self.window.bind(on_flip=grab)
        try:
            self.window.canvas.ask_update()
            self.until(lambda: "data" in shot, what="a drawn frame")
        finally:
            self.window.unbind(on_flip=grab)
        img = Image.frombytes("RGBA", (w, h), shot["data"]).transpose(Image.FLIP_TOP_BOTTOM).convert("RGB")
        img.save(path)
        if os.environ.get("KIOSK_UPDATE_README_IMAGES") and path.stem in README_SET:  # `make screenshots`
            README_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, README_IMAGES / path.name)
        return path

    def printed(self) -> bytes:
        path = self.state_dir / "printer.bin"
        return path.read_bytes() if path.exists() else b""


@pytest.fixture
def make_ui(kivy_window, demo_template: Path, tmp_path: Path):  # noqa: ANN001, ANN201
    """Factory: ``make_ui(template=None, **config_overrides)`` -> Driver on the lock
    screen, on a copy of ``template`` (a state directory; default: the demo shop)."""
    from kivy.app import App
    from kivy.clock import Clock

    from kiosk.app_factory import build
    from kiosk.ui.app import KioskApp

    created: list[tuple] = []
    baseline = set(Clock.get_events())

    def factory(template: Path | None = None, **overrides) -> Driver:  # noqa: ANN003
        state = tmp_path / f"state{len(created)}"
        shutil.copytree(template or demo_template, state)
        services = build(make_settings(state, **overrides))
        app = KioskApp(services)
        app._run_prepare()
        driver = Driver(app, kivy_window, state)
        created.append((app, services))
        kivy_window.size = (800, 480)
        driver.frames(4)
        driver.until(lambda: app.ready_at is not None, what="the lock screen")
        return driver

    yield factory

    for app, services in created:
        # on_stop also resets kv's cached ``app`` proxy, so the next app's rules bind to it.
        app.dispatch("on_stop")
        for child in list(kivy_window.children):
            kivy_window.remove_widget(child)
        services.close()
    App._running_app = None
    # RecycleView keeps spare views in a process-wide cache; views made for one app
    # (bound to its theme and scale) must not be recycled into the next test's app.
    from kivy.uix.recycleview import views as rv_views

    rv_views._cached_views.clear()
    rv_views._cache_count = 0
    for event in Clock.get_events():
        if event not in baseline:
            event.cancel()
    i18n.configure(language="es", locale="es", money=i18n.MoneyFormat())


@pytest.fixture
def ui(make_ui) -> Driver:  # noqa: ANN001
    return make_ui()


@pytest.fixture
def seller(ui: Driver) -> Driver:
    """Signed in as the admin, on the selling screen."""
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    ui.frames(3)
    return ui


# --- devices: simulators with short intervals, so tests wait for events, not sleeps ----------
FAST_SCALE = {"simulate": True, "poll_ms": 50, "silence_ms": 1000,
              "tare_presets": [{"name": "Bolsa", "grams": 6}, {"name": "Tarro", "grams": 85}]}


def fast_printer(url: str) -> dict:
    """[printer] for the simulated network printer: status asked, quick retries."""
    return {"url": url, "status_query": "on", "retry_min_s": 0.1, "retry_max_s": 0.3, "status_poll_s": 0.3,
            "timeout_s": 2.0}


@pytest.fixture
def sim_printer():  # noqa: ANN201
    from hardware.printer.simulator import SimPrinter

    sim = SimPrinter(drawer_close_after_s=2.0).start()
    yield sim
    sim.stop()


def sign_in(ui: Driver, pin: str = ADMIN_PIN) -> Driver:
    ui.pin(pin)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    ui.frames(3)
    return ui
