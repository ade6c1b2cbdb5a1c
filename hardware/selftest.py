"""``kiosk-admin selftest``: check every configured device once, the way a
technician would by hand, and say plainly what works.

    printer   status (DLE EOT where supported) and a printed test ticket
    drawer    kicked (printer or relay); with a sensor, it must report "open"
    scale     the scale adapter's own selftest(), else its connection state
    display   the customer pole display shows a test screen (port open, written)
    scanners  connected (found, grabbed / port open); a code scanned in the wait
              window is shown (required with ``require_scan``)
    LED       blinks fast for two seconds; buzzer beeps once; button found

The print queue is NOT started here (no pending receipt is printed as a side effect).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hardware.drawer import DrawerError
from hardware.events import ScanEvent
from hardware.manager import HardwareManager
from hardware.printer.receipt_printer import ReceiptPrinter
from hardware.printer.connection import PrinterError
from hardware.registry import Registry
from hardware.scan_check import ScanVerdict
from hardware.printer.test_ticket import render_test_ticket


@dataclass(frozen=True)
class Check:
    device: str
    kind: str
    result: str  # pass | fail | skip
    detail: str

    @property
    def failed(self) -> bool:
        return self.result == "fail"


def run_selftest(settings: Any, *, scan_wait_s: float = 5.0, require_scan: bool = False, connect_wait_s: float = 3.0,
                 gpio_factory: Any = None, evdev_opener: Any = None, scale_factory: Any = "default",
                 layout: Any = None, led_s: float = 2.0,
                 progress: Callable[[str], None] = lambda _m: None) -> list[Check]:
    p = settings.printer
    printer = ReceiptPrinter(p.url, timeout=p.timeout_s, status_query=p.status_query)
    scans: list[tuple[ScanEvent, ScanVerdict | None, str]] = []
    registry = Registry()
    manager = HardwareManager(settings, queue=None, registry=registry, printer=printer, gpio_factory=gpio_factory,
                              scale_factory=scale_factory, evdev_opener=evdev_opener)
    manager.add_scan_listener(lambda event, v, device: scans.append((event, v, device)))
    checks: list[Check] = []
    manager.start()
    try:
        checks.append(_printer(settings, printer, layout, progress))
        checks.append(_drawer(settings, manager, progress))
        checks.append(_scale(manager))
        checks.append(_pole(manager, connect_wait_s, progress))
        checks.extend(_scanners(settings, manager, scans, scan_wait_s, require_scan, connect_wait_s, progress))
        checks.extend(_gpio(settings, manager, led_s, progress))
        if manager.led is not None and manager.led.available:
            time.sleep(led_s)  # let the technician see the LED blink
    finally:
        manager.stop()
    return checks


def _printer(settings: Any, printer: ReceiptPrinter, layout: Any, progress: Callable[[str], None]) -> Check:
    p = settings.printer
    if not printer.configured:
        return Check("printer", "printer", "skip", "no printer configured ([printer] url = \"none\")")
    progress(f"printer {p.url}: printing a test ticket")
    if layout is None:
        from hardware.printer.receipt import receipt_layout

        layout = receipt_layout(settings)
    from dataclasses import replace

    payload = render_test_ticket(settings.shop.name, replace(layout, drawer_pin=None), connection=p.url,
                                 paper_width_mm=p.paper_width_mm)
    try:
        outcome = printer.print_job(payload)
    except PrinterError as exc:
        return Check("printer", "printer", "fail", str(exc))
    status = outcome.status.describe() if outcome.status else (printer.status_note or "no status from this printer")
    return Check("printer", "printer", "pass", f"test ticket printed on {p.url} ({status})")


def _drawer(settings: Any, manager: HardwareManager, progress: Callable[[str], None]) -> Check:
    d = settings.drawer
    if d.mode == "none":
        return Check("drawer", "drawer", "skip", "no cash drawer configured")
    if d.mode == "printer" and not manager.printer.configured:
        # The default [drawer] mode is "printer": with no printer there is nothing to kick.
        return Check("drawer", "drawer", "skip", "no printer configured to kick the drawer ([printer] url = \"none\")")
    progress(f"drawer ({d.mode}): kicking")
    try:
        manager.drawer.open("selftest")
    except DrawerError as exc:
        return Check("drawer", "drawer", "fail", f"not opened: {exc}")
    how = f"printer pin {d.printer_pin}, {d.pulse_ms} ms" if d.mode == "printer" else \
        f"relay GPIO {d.gpio_pin}, {d.gpio_pulse_ms} ms"
    if d.sensor == "none":
        return Check("drawer", "drawer", "pass", f"kicked ({how}); no sensor to confirm it opened")
    deadline = time.monotonic() + 2.0
    seen = None
    while time.monotonic() < deadline:
        seen = manager.drawer.is_open()
        if seen:
            return Check("drawer", "drawer", "pass", f"kicked ({how}); the {d.sensor} sensor reports it open")
        time.sleep(0.1)
    what = "could not be read" if seen is None else "still reports closed"
    return Check("drawer", "drawer", "fail", f"kicked ({how}), but the {d.sensor} sensor {what}")


def _scale(manager: HardwareManager) -> Check:
    scale = manager.scale
    if scale is None:
        return Check("scale", "scale", "skip", "no scale configured")
    name = getattr(scale, "name", "scale")
    test = getattr(scale, "selftest", None)
    if callable(test):
        ok, detail = test(5.0)
        return Check(name, "scale", "pass" if ok else "fail", detail)
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        state = manager.registry.get(name)
        if state is not None and state.connected:
            return Check(name, "scale", "pass", state.last_event or "connected")
        time.sleep(0.1)
    state = manager.registry.get(name)
    return Check(name, "scale", "fail", (state.last_error if state else "") or "not connected")


SCAN_PROMPT = "scan a barcode now"  # the progress message after which a scan is read
POLE_TEST = ("Kiosk selftest", "0123456789 \u00e1\u00e9\u00ed\u00f3\u00fa\u00f1 $")


def _pole(manager: HardwareManager, wait_s: float, progress: Callable[[str], None]) -> Check:
    """The pole display shows a test screen: its writer opened the port and wrote it."""
    pole = manager.pole
    if pole is None:
        return Check("customer_display", "customer_display", "skip", "no customer display configured")
    progress(f"customer display on {pole.port}: showing a test screen")
    before = pole.screens_written
    pole.show(*POLE_TEST)
    deadline = time.monotonic() + max(wait_s, 3.0)
    while time.monotonic() < deadline:
        if pole.screens_written > before:
            return Check(pole.name, "customer_display", "pass",
                         f"test screen shown on {pole.port} ({pole.protocol.title}): "
                         f"'{POLE_TEST[0]}' / '{POLE_TEST[1]}'")
        time.sleep(0.05)
    state = manager.registry.get(pole.name)
    return Check(pole.name, "customer_display", "fail",
                 (state.last_error if state else "") or f"nothing could be written to {pole.port}")


def _scanners(settings: Any, manager: HardwareManager, scans: list, wait_s: float, require: bool,
              connect_wait_s: float, progress: Callable[[str], None]) -> list[Check]:
    devices = settings.scanner.devices
    if not devices:
        return [Check("scanner", "scanner", "skip", "no scanner configured (a keyboard wedge needs no setup)")]
    names = [dev.name or f"scanner-{i}" for i, dev in enumerate(devices, start=1)]
    real = [n for n, dev in zip(names, devices) if dev.kind != "wedge"]
    deadline = time.monotonic() + connect_wait_s
    while time.monotonic() < deadline and not all(_connected(manager, n) for n in real):
        time.sleep(0.05)
    connected = [n for n in real if _connected(manager, n)]
    if connected and wait_s > 0:
        progress(f"{SCAN_PROMPT} ({wait_s:g} s)")
        end = time.monotonic() + wait_s
        while time.monotonic() < end and not any(v is not None for _e, v, _d in scans):
            time.sleep(0.05)
    checks = []
    for name, dev in zip(names, devices):
        if dev.kind == "wedge":
            checks.append(Check(name, "scanner", "skip", "keyboard wedge: scan into the selling screen to test it"))
            continue
        state = manager.registry.get(name)
        if name not in connected:
            checks.append(Check(name, "scanner", "fail", (state.last_error if state else "") or "not connected"))
            continue
        where = state.info.get("path") or state.info.get("device") if state else dev.url or dev.device
        mine = [(e, v) for e, v, device in scans if device == name]
        if mine:
            event, v = mine[-1]
            text = v.message() if v is not None else f"refused: {event.code}"
            checks.append(Check(name, "scanner", "pass", f"{where}: read {text}"))
        elif require:
            checks.append(Check(name, "scanner", "fail", f"{where}: connected, but no code was scanned in {wait_s:g} s"))
        else:
            checks.append(Check(name, "scanner", "pass", f"{where}: connected (no code scanned in {wait_s:g} s)"))
    return checks


def _connected(manager: HardwareManager, name: str) -> bool:
    state = manager.registry.get(name)
    return bool(state and state.connected)


def _gpio(settings: Any, manager: HardwareManager, led_s: float, progress: Callable[[str], None]) -> list[Check]:
    g = settings.gpio
    if not g.configured:
        return [Check("gpio", "gpio", "skip", "no GPIO pins configured")]
    checks = []
    gpio = manager.gpio
    if gpio is not None and gpio.available:
        checks.append(Check("gpio", "gpio", "pass", f"pin factory {gpio.factory_name}"))
    elif gpio is not None:
        checks.append(Check("gpio", "gpio", "fail", gpio.reason))
    conflict = manager.registry.get("gpio")
    if conflict is not None and conflict.last_error and (gpio is None or gpio.available):
        checks.append(Check("gpio", "gpio", "fail", conflict.last_error))
    for name, part, action in (("led", manager.led, f"blinking fast for {led_s:g} s"), ("buzzer", manager.beeper, "one beep"),
                               ("button", manager.button, "found (press it to see it on the Hardware screen)")):
        if part is None:
            continue
        if not part.available:
            checks.append(Check(name, name, "fail", part.reason))
            continue
        if name == "led":
            progress("LED: blinking")
            manager.identify(led_s)
        elif name == "buzzer":
            manager.beep(1)
        checks.append(Check(name, name, "pass", f"GPIO {part.pin}: {action}"))
    return checks
