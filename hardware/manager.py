"""The hardware manager: builds every configured device from the settings, starts
each with its own thread, and keeps the registry (and ``<state_dir>/hardware.json``)
up to date.

    printer   PrintWorker thread over the durable print queue (ReceiptPrinter)
    scanners  one thread each: evdev (grabbed HID), serial / CDC-ACM; wedge = the UI's
    drawer    printer kick or GPIO relay, sensor by printer status or GPIO input
    gpio      status LED (steady = all fine, blinking = a fault), buzzer, button
    scale     built by hardware/scale (another module): see SCALE_FACTORY below

Every scan from any scanner goes through ``_scan``: its check digit is judged
(one beep if fine, two if wrong), the registry remembers it, scan listeners hear it,
and the UI's handler (``on_scan``, e.g. ScanDispatcher.submit) receives the
``ScanEvent`` - in the scanner's thread: the handler must be thread-safe.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from hardware.drawer import Drawer
from hardware.events import ScanEvent, ScanHandler
from hardware.gpio import Beeper, Gpio, PushButton, StatusLed
from hardware.printer.worker import JobQueue, PrintWorker
from hardware.printer.receipt_printer import ReceiptPrinter
from hardware.pole.device import PoleDisplay
from hardware.registry import DeviceState, Registry, write_snapshot
from hardware.scan_check import ScanVerdict
from hardware.scanner_evdev import EvdevScanner
from hardware.scanner_serial import SerialScanner
from kiosk.i18n import N_, _, ngettext, translate

log = logging.getLogger(__name__)

SNAPSHOT_NAME = "hardware.json"

# The scale adapter (hardware/scale/, built separately) plugs in here: a callable
#   build_adapter(settings, *, on_scan: ScanHandler, registry: Registry) -> Adapter | None
# (hardware/scale/factory.py: the ScaleRig, its adapter and, in demo mode, its simulator)
# returning None when no scale is configured. The Adapter has start() and stop(),
# reports its own DeviceState through ``registry.update(name, kind="scale", ...)``,
# hands barcodes of a scanner-scale (Magellan S08) to ``on_scan`` as ScanEvents, and
# may offer ``selftest(timeout_s) -> (ok, detail)`` for kiosk-admin selftest.
SCALE_FACTORY = "hardware.scale.factory:build_adapter"


# How a scan's check-digit verdict reads on the Hardware screen.
CHECK_WORDS = {"ok": N_("ok"), "bad": N_("wrong"), "none": N_("none")}


class Adapter(Protocol):
    name: str

    def start(self) -> None: ...
    def stop(self) -> None: ...


ScaleFactory = Callable[..., Adapter | None]


def _load_scale_factory() -> ScaleFactory | None:
    module, attr = SCALE_FACTORY.split(":")
    try:
        return getattr(importlib.import_module(module), attr, None)
    except ImportError:
        return None


def scanner_devices(sc: Any, usb_id: str = "") -> list[Any]:
    """The scanners to read: ``[[scanner.devices]]``; when none is listed and the
    scanner's USB id is known (``[devices] scanner``), that scanner read through evdev
    and grabbed, so its keys never reach the screen (no focus games)."""
    if sc.devices or not usb_id:
        return list(sc.devices)
    from hardware.settings import ScannerDevice

    vendor_product = ":".join(usb_id.split(":")[:2]).lower()
    return [ScannerDevice(kind="evdev", device=vendor_product, layout=sc.default_layout)]


def build_scanners(sc: Any, handler_for: Callable[[str], ScanHandler], registry: Registry, *,
                   on_error: Callable[[str, str], None] | None = None, evdev_opener: Any = None,
                   usb_id: str = "") -> list[Any]:
    """Scanner adapters for ``[scanner]`` (not started). ``handler_for(name)`` gives each
    its scan handler. Keyboard-wedge entries only get a registry entry: the UI reads them."""
    scanners: list[Any] = []
    for i, dev in enumerate(scanner_devices(sc, usb_id), start=1):
        name = dev.name or f"scanner-{i}"
        if dev.kind == "serial":
            scanners.append(SerialScanner(
                name, dev.url, handler_for(name), registry, baudrate=dev.baudrate, prefix=dev.prefix,
                suffix=dev.terminator, pause_ms=dev.pause_ms, max_length=sc.max_length,
                frame_timeout_ms=sc.frame_timeout_ms, reconnect_s=sc.reconnect_s, on_error=on_error,
                suffix_text=dev.suffix_text))
        elif dev.kind == "evdev":
            extra = {"opener": evdev_opener} if evdev_opener is not None else {}
            scanners.append(EvdevScanner(
                name, dev.device, handler_for(name), registry, layout=dev.layout, max_length=sc.max_length,
                frame_timeout_ms=sc.frame_timeout_ms, reconnect_s=sc.reconnect_s, on_error=on_error,
                prefix=dev.prefix, suffix_text=dev.suffix_text, **extra))
        else:
            registry.add(name, "scanner", connected=True, info={"type": "wedge"})
    return scanners


class HardwareManager:
    def __init__(self, settings: Any, *, queue: JobQueue | None = None, on_scan: ScanHandler | None = None,
                 registry: Registry | None = None, printer: ReceiptPrinter | None = None,
                 gpio_factory: Any = None, state_dir: Path | None = None,
                 scale_factory: ScaleFactory | None | str = "default", evdev_opener: Any = None,
                 on_button: Callable[[], None] | None = None):
        self.settings = settings
        self.registry = registry or Registry()
        self.on_scan = on_scan
        self.on_button = on_button
        self.state_dir = state_dir
        self._scan_listeners: list[Callable[[ScanEvent, ScanVerdict | None, str], None]] = []
        self.last_scan: tuple[ScanEvent, ScanVerdict] | None = None
        self.last_rejected: tuple[str, str] | None = None  # (device, reason)
        self._snapshot_lock = threading.Lock()
        self._running = False
        self._unsubscribe: Callable[[], None] | None = None

        p = settings.printer
        self.printer = printer or ReceiptPrinter(p.url, timeout=p.timeout_s, status_query=p.status_query)
        self.worker = (PrintWorker(queue, self.printer, self.registry, retry_min_s=p.retry_min_s,
                                   retry_max_s=p.retry_max_s, poll_s=p.status_poll_s) if queue is not None else None)

        g, d = settings.gpio, settings.drawer
        needs_gpio = g.configured or d.mode == "gpio" or d.sensor == "gpio"
        self.gpio = Gpio(gpio_factory if gpio_factory is not None else g.pin_factory) if needs_gpio else None
        self.led: StatusLed | None = None
        self.beeper: Beeper | None = None
        self.button: PushButton | None = None
        self.drawer = Drawer(d, self.registry, printer=self.printer, gpio=self.gpio)

        devices = getattr(settings, "devices", None)
        usb_id = getattr(devices, "scanner", "") if devices is not None else ""
        self.scanners = build_scanners(settings.scanner, self._scan_handler, self.registry,
                                       on_error=self._scan_error, evdev_opener=evdev_opener, usb_id=usb_id)
        self.wedge_names = [dev.name or f"scanner-{i}"
                            for i, dev in enumerate(scanner_devices(settings.scanner, usb_id), start=1)
                            if dev.kind == "wedge"]

        cd = getattr(settings, "customer_display", None)
        self.pole: PoleDisplay | None = None
        if cd is not None and cd.configured:
            self.pole = PoleDisplay(cd.port, cd.protocol, self.registry, baudrate=cd.baudrate)

        if scale_factory == "default":
            scale_factory = _load_scale_factory()
        self.scale: Adapter | None = None
        if scale_factory is not None:
            try:
                self.scale = scale_factory(settings, on_scan=self._scan_handler("scale"), registry=self.registry)
            except Exception as exc:  # noqa: BLE001 - a broken scale must not stop the till
                log.exception("scale adapter")
                self.registry.add("scale", "scale", last_error=f"scale adapter failed: {exc}")

    # --- life cycle --------------------------------------------------------------------
    def start(self) -> HardwareManager:
        """Start every device (returns at once; devices connect in their threads)."""
        if self._running:
            return self
        self._running = True
        self._start_gpio()
        self.drawer.start()
        self._unsubscribe = self.registry.subscribe(self._state_changed)
        if self.worker is not None:
            self.worker.start()
        if self.pole is not None:
            self.pole.start()
        for scanner in self.scanners:
            scanner.start()
        if self.scale is not None:
            try:
                self.scale.start()
            except Exception as exc:  # noqa: BLE001
                log.exception("scale adapter")
                self.registry.update(getattr(self.scale, "name", "scale"), kind="scale", connected=False,
                                     last_error=f"scale adapter failed to start: {exc}")
        self._refresh_led()
        self._write_snapshot()
        return self

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        if self.scale is not None:
            try:
                self.scale.stop()
            except Exception:  # noqa: BLE001
                log.exception("scale adapter stop")
        for scanner in self.scanners:
            scanner.stop()
        if self.worker is not None:
            self.worker.stop()
        if self.pole is not None:
            self.pole.stop()
        self.drawer.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.led is not None:
            self.led.set("off")
        if self.beeper is not None:
            self.beeper.close()
        if self.gpio is not None:
            self.gpio.close()
        self._write_snapshot()

    def __enter__(self) -> HardwareManager:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- GPIO ----------------------------------------------------------------------------
    def _start_gpio(self) -> None:
        g, d = self.settings.gpio, self.settings.drawer
        if self.gpio is None:
            return
        # Which pin factory drives the pins (lgpio on a Pi 5): the Hardware screen and
        # selftest say it, and why none could be opened.
        gpio = self.gpio
        self.registry.add("gpio", "gpio", connected=gpio.available, available=gpio.available,
                          last_event=(_("pin factory: {name}").format(name=gpio.factory_name)
                                      if gpio.available else ""),
                          last_error="" if gpio.available else gpio.reason,
                          info={"pin_factory": gpio.factory_name or None})
        pins: dict[int, str] = {}
        for key, pin in (("drawer gpio_pin", d.gpio_pin if d.mode == "gpio" else None),
                         ("drawer sensor_pin", d.sensor_pin if d.sensor == "gpio" else None),
                         ("gpio led_pin", g.led_pin), ("gpio buzzer_pin", g.buzzer_pin),
                         ("gpio button_pin", g.button_pin)):
            if pin is not None and pin in pins:
                log.error("GPIO %d is configured twice (%s and %s)", pin, pins[pin], key)
                self.registry.update("gpio", last_error=f"GPIO {pin} is used by both {pins[pin]} and {key}")
            elif pin is not None:
                pins[pin] = key
        parts: list[tuple[str, str, Any]] = []
        if g.led_pin is not None:
            self.led = StatusLed(self.gpio, g.led_pin, g.led_active_high, g.blink_ms)
            parts.append(("led", "led", self.led))
        if g.buzzer_pin is not None:
            self.beeper = Beeper(self.gpio, g.buzzer_pin, g.buzzer_active_high, g.beep_ms)
            parts.append(("buzzer", "buzzer", self.beeper))
        if g.button_pin is not None:
            self.button = PushButton(self.gpio, g.button_pin, self._button_pressed)
            parts.append(("button", "button", self.button))
        for name, kind, part in parts:
            self.registry.add(name, kind, connected=part.available, available=part.available,
                              last_error="" if part.available else part.reason,
                              info={"pin": part.pin, "pin_factory": gpio.factory_name or None})

    def _button_pressed(self) -> None:
        self.registry.update("button", last_event=_("pressed ({action})").format(action=self.settings.gpio.button_action))
        if self.on_button is not None and self.settings.gpio.button_action != "none":
            self.on_button()

    def beep(self, times: int = 1) -> None:
        if self.beeper is not None:
            self.beeper.beep(times)
            self.registry.update("buzzer", last_event=ngettext("{n} beep", "{n} beeps", times).format(n=times))

    def _state_changed(self, state: DeviceState) -> None:
        if state.kind not in ("led",):
            self._refresh_led()
        self._write_snapshot()

    def faults(self) -> list[DeviceState]:
        """Configured devices that are not working (the LED blinks while any exists)."""
        return [s for s in self.registry.all() if s.kind not in ("led", "buzzer", "button") and not s.ok]

    def _refresh_led(self) -> None:
        if self.led is not None and self.led.mode != "identify":
            self.led.set("fault" if self.faults() else "ready")

    def identify(self, seconds: float = 2.0) -> None:
        """Blink the LED fast for a while (selftest, Hardware screen)."""
        if self.led is None:
            return
        self.led.set("identify")
        timer = threading.Timer(seconds, lambda: (self.led.set("off"), self._refresh_led()))
        timer.daemon = True
        timer.start()

    # --- scans ---------------------------------------------------------------------------
    def _scan_handler(self, name: str) -> ScanHandler:
        return lambda event: self._scan(event, name)

    def _scan(self, event: ScanEvent, device: str, forward: bool = True) -> ScanEvent:
        """Judge the check digit (the one time a scan is judged: the verdict travels on
        with the event), beep, tell the registry and listeners, forward the event."""
        event = event.judged()
        v = ScanVerdict(event.barcode)
        self.last_scan = (event, v)
        info = {"last_code": event.code, "symbology": v.symbology.value, "check": v.check}
        self.registry.update(device, last_event=_("{code} ({symbology}, check digit {check})").format(
            code=event.code, symbology=v.symbology.value, check=translate(CHECK_WORDS[v.check])), info=info)
        self.beep(1 if v.ok else 2)
        for listener in list(self._scan_listeners):
            try:
                listener(event, v, device)
            except Exception:  # noqa: BLE001
                log.exception("scan listener")
        if forward and self.on_scan is not None:
            self.on_scan(event)
        return event

    def _scan_error(self, device: str, message: str) -> None:
        """A refused read (garbage, partial, too long): two beeps, listeners hear it."""
        self.beep(2)
        self.last_rejected = (device, message)
        for listener in list(self._scan_listeners):
            try:
                listener(ScanEvent(message, device), None, device)
            except Exception:  # noqa: BLE001
                log.exception("scan listener")

    def note_scan(self, event: ScanEvent, device: str | None = None) -> ScanEvent:
        """A scan the UI read itself (keyboard wedge): registry, beeps, listeners -
        without calling ``on_scan`` again. Returns the event with its verdict."""
        name = device or (self.wedge_names[0] if self.wedge_names else "wedge")
        if self.registry.get(name) is None:
            self.registry.add(name, "scanner", connected=True, info={"type": "wedge"})
        return self._scan(event, name, forward=False)

    def feedback(self, ok: bool) -> None:
        """The selling screen's verdict on a scan (e.g. unknown code): two beeps if not ok."""
        if not ok:
            self.beep(2)

    def add_scan_listener(self, listener: Callable[[ScanEvent, ScanVerdict | None, str], None]
                          ) -> Callable[[], None]:
        """``listener(event, verdict, device)`` for every scan; for a refused read the
        verdict is None and ``event.code`` holds the reason. Returns an unsubscribe function."""
        self._scan_listeners.append(listener)
        return lambda: self._scan_listeners.remove(listener) if listener in self._scan_listeners else None

    # --- state -------------------------------------------------------------------------------
    def states(self) -> list[DeviceState]:
        return sorted(self.registry.all(), key=lambda s: (_ORDER.get(s.kind, 9), s.name))

    @property
    def snapshot_path(self) -> Path | None:
        return self.state_dir / SNAPSHOT_NAME if self.state_dir is not None else None

    def _write_snapshot(self) -> None:
        path = self.snapshot_path
        if path is None:
            return
        with self._snapshot_lock:
            try:
                write_snapshot(self.registry, path, running=self._running)
            except OSError as exc:
                log.warning("cannot write %s: %s", path, exc)


_ORDER = {"printer": 0, "drawer": 1, "scanner": 2, "scale": 3, "led": 4, "buzzer": 5, "button": 6, "gpio": 7}
