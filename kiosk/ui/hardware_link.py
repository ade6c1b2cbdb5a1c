"""The devices as the touch UI sees them, always on Kivy's main thread.

``HardwareLink.start()`` starts the hardware service (printer thread, scanners,
drawer, GPIO, scale) with the app's scan dispatcher as the scan handler and the GPIO
button as "lock". Everything the devices report arrives in their own threads and is
handed over here:

- the registry (printer state, pending jobs) -> a Clock trigger -> the printer banner;
- scale readings -> a queue drained by a Clock trigger -> ``app.scale_reading`` (the
  calculator's weight panel binds to it) and the "Balanza desconectada" banner;
- blocking device calls (drawer, test ticket, status, receipt preview) run through
  ``run_in_thread`` and come back through ``Clock.schedule_once``.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

from kiosk.core.scale import ScaleReading, ScaleState
from kiosk.core.scale_text import format_reading
from kiosk.core.scanning import ScanEvent
from kiosk.i18n import _

log = logging.getLogger(__name__)
NOT_CONNECTED_YET = "not connected yet"  # the adapter's reading before its first attempt


class HardwareLink:
    def __init__(self, app: Any):
        self.app = app
        self.hardware = app.services.hardware
        self._readings: queue.Queue[ScaleReading] = queue.Queue()
        self._scale_trigger = Clock.create_trigger(self._drain_readings, 0)
        self._printer_trigger = Clock.create_trigger(lambda dt: self.refresh_printer_banner(), 0)
        self._undo: list[Callable[[], None]] = []
        self._workers: set[threading.Thread] = set()
        self._stopped = False

    # --- life cycle ------------------------------------------------------------------
    def start(self) -> None:
        hw = self.hardware
        if hw is None:
            return
        app = self.app
        hw.start(on_scan=app.scans.submit,
                 on_button=lambda: Clock.schedule_once(lambda dt: app.lock()))
        self._undo.append(hw.registry.subscribe(self._device_changed))
        rig = self.scale
        if rig is not None:
            self._undo.append(rig.adapter.subscribe(self._reading_arrived))
            self.show_reading(rig.adapter.latest())
        self.refresh_printer_banner()
        self.customer_theme(app.theme.name)

    # --- the customer's second screen (kiosk/services/cart_feed.py; nothing without one) ----
    @property
    def _feed(self) -> Any:
        return getattr(self.hardware, "cart_feed", None)

    def customer_theme(self, name: str) -> None:
        if self._feed is not None:
            self._feed.set_theme(name)

    def customer_paying(self, method: str, total: int, qr: str = "") -> None:
        if self._feed is not None:
            self._feed.publish_payment(method, total, qr)

    def customer_payment_left(self) -> None:
        if self._feed is not None:
            self._feed.payment_left()

    def stop(self) -> None:
        """Unhook from the devices (they are stopped by ``Services.close``)."""
        self._stopped = True
        for undo in self._undo:
            undo()
        self._undo.clear()
        self._scale_trigger.cancel()
        self._printer_trigger.cancel()

    @property
    def manager(self) -> Any:
        return self.hardware.manager if self.hardware is not None else None

    @property
    def scale(self) -> Any:
        """The scale rig (adapter, simulator in demo mode, tare presets) or None."""
        return self.hardware.scale if self.hardware is not None else None

    # --- printer ------------------------------------------------------------------------
    def _device_changed(self, state: Any) -> None:  # a device thread
        if state.kind == "printer":
            self._printer_trigger()

    def refresh_printer_banner(self) -> None:
        if self.hardware is None or self._stopped:
            return
        summary = self.hardware.printer_summary()
        if summary.text:
            self.app.set_banner("printer", summary.text, "error" if summary.problem else "warn")
        else:
            self.app.clear_banner("printer")

    # --- scale ----------------------------------------------------------------------------
    def _reading_arrived(self, reading: ScaleReading) -> None:  # the scale's reader thread
        self._readings.put(reading)
        self._scale_trigger()

    def _drain_readings(self, _dt: float = 0) -> None:
        latest = None
        while True:
            try:
                latest = self._readings.get_nowait()
            except queue.Empty:
                break
        if latest is not None and not self._stopped:
            self.show_reading(latest)

    def show_reading(self, reading: ScaleReading) -> None:
        self.app.scale_reading = reading
        if reading.state is ScaleState.DISCONNECTED and reading.error != NOT_CONNECTED_YET:
            self.app.set_banner("scale", _("Scale disconnected"), "warn")
        elif reading.state is ScaleState.ERROR:
            self.app.set_banner("scale", format_reading(reading), "error")
        else:
            self.app.clear_banner("scale")

    # --- scans and beeps ----------------------------------------------------------------------
    def note_wedge_scan(self, event: ScanEvent) -> ScanEvent:
        """A keyboard-wedge scan the UI read itself: registry, last scan, beeps. Returns
        the event with its check-digit verdict attached (judged once, here)."""
        if self.manager is not None:
            return self.manager.note_scan(event)
        return event.judged()

    def beep_error(self) -> None:
        if self.manager is not None:
            self.manager.feedback(False)

    # --- blocking calls -------------------------------------------------------------------------
    def run_in_thread(self, work: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[Exception], None]) -> threading.Thread:
        """Run ``work()`` in a worker thread; its result or exception comes back to
        ``on_done``/``on_error`` on the main thread."""
        def run() -> None:
            try:
                result = work()
            except Exception as exc:  # noqa: BLE001 - handed to the screen, which shows it
                if not isinstance(exc, _expected()):
                    log.exception("device call failed")
                Clock.schedule_once(lambda dt, exc=exc: self._finish(thread, on_error, exc))
                return
            Clock.schedule_once(lambda dt: self._finish(thread, on_done, result))

        thread = threading.Thread(target=run, name="ui-device-call", daemon=True)
        self._workers.add(thread)
        thread.start()
        return thread

    def _finish(self, thread: threading.Thread, callback: Callable[[Any], None], value: Any) -> None:
        self._workers.discard(thread)
        if not self._stopped:
            callback(value)

    @property
    def busy(self) -> bool:
        return bool(self._workers)


def _expected() -> tuple[type, ...]:
    from kiosk.core.errors import DomainError

    return (DomainError,)
