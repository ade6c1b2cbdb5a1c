"""The cash drawer: opened by the printer's kick (ESC p on pin 2 or 5) or by a relay
on a GPIO pin, and read back through the printer status (DLE EOT 1, pin 3) or a GPIO
input when the drawer has an "open" switch.

For a cash sale with ``mode = "printer"`` the kick travels inside the receipt job
(one job, one connection: ``ReceiptLayout.drawer_pin``); ``open()`` is the direct
kick for the manual "Abrir cajón", the Hardware screen and selftest, and the relay
pulse of ``mode = "gpio"``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from hardware.gpio import Gpio, GpioUnavailable, InputPin, Relay
from hardware.printer.receipt_printer import ReceiptPrinter
from hardware.printer.connection import PrinterError
from hardware.registry import Registry
from hardware.settings import DrawerSettings
from kiosk.i18n import _

log = logging.getLogger(__name__)


class DrawerError(Exception):
    """The drawer could not be opened. The message is English (logs, kiosk-admin);
    ``problem`` says why for the UI: "none", "no_printer", "gpio" or a printer
    problem code (hardware.printer.status.PROBLEM_TEXT)."""

    def __init__(self, message: str, problem: str = "error"):
        super().__init__(message)
        self.problem = problem


class Drawer:
    name = "drawer"

    def __init__(self, settings: DrawerSettings, registry: Registry, *, printer: ReceiptPrinter | None = None,
                 gpio: Gpio | None = None):
        self.settings = settings
        self.registry = registry
        self.printer = printer
        self.gpio = gpio
        self.relay: Relay | None = None
        self.sensor: InputPin | None = None
        self.opened = 0

    @property
    def configured(self) -> bool:
        return self.settings.mode != "none"

    @property
    def kick_with_receipt(self) -> bool:
        """Cash receipts carry the kick themselves (printer mode)."""
        return self.settings.mode == "printer" and self.settings.open_on_cash

    def start(self) -> None:
        s = self.settings
        available, reason = True, ""
        if s.mode == "gpio":
            if self.gpio is None:
                available, reason = False, "GPIO not set up"
            else:
                self.relay = Relay(self.gpio, s.gpio_pin, s.gpio_active_high)
                available, reason = self.relay.available, self.relay.reason
        elif s.mode == "printer":
            if self.printer is None or not self.printer.configured:
                available, reason = False, "drawer kicks through the printer, but no printer is configured"
        if s.sensor == "gpio" and self.gpio is not None:
            self.sensor = InputPin(self.gpio, s.sensor_pin, s.sensor_open_level, on_change=self._sensed)
        self.registry.add(self.name, "drawer", connected=available and s.mode != "none",
                          available=available and s.mode != "none", last_error=reason if s.mode != "none" else "",
                          info={"mode": s.mode, "sensor": s.sensor, "open": self._sensor_now()})

    def stop(self) -> None:
        pass  # GPIO devices are closed with the Gpio that made them

    def _sensor_now(self) -> bool | None:
        if self.sensor is not None:
            return self.sensor.active
        return None

    def _sensed(self, is_open: bool) -> None:
        self.registry.update(self.name, last_event=_("drawer opened") if is_open else _("drawer closed"),
                             info={"open": is_open})

    def open(self, reason: str = "manual") -> None:
        """Open now or raise DrawerError with the cause."""
        s = self.settings
        try:
            if s.mode == "printer":
                if self.printer is None or not self.printer.configured:
                    raise DrawerError("the drawer opens through the printer, but no printer is configured",
                                      "no_printer")
                self.printer.kick(s.printer_pin, s.pulse_ms, s.pulse_off_ms)
            elif s.mode == "gpio":
                if self.relay is None:
                    raise DrawerError("drawer relay not set up", "gpio")
                self.relay.pulse(s.gpio_pulse_ms)
            else:
                raise DrawerError("no cash drawer configured", "none")
        except PrinterError as exc:
            self.registry.update(self.name, last_error=f"drawer not opened: {exc}")
            raise DrawerError(str(exc), exc.problem) from None
        except GpioUnavailable as exc:
            self.registry.update(self.name, last_error=f"drawer not opened: {exc}")
            raise DrawerError(str(exc), "gpio") from None
        except DrawerError as exc:
            self.registry.update(self.name, last_error=str(exc))
            raise
        self.opened += 1
        self.registry.update(self.name, connected=True, last_error="", last_event=_("opened ({reason})").format(reason=reason))

    def is_open(self) -> bool | None:
        """Read the switch now: True/False, or None without a sensor (or when the
        printer cannot be asked)."""
        s = self.settings
        if s.sensor == "gpio":
            value = self._sensor_now()
        elif s.sensor == "printer" and self.printer is not None and self.printer.configured:
            try:
                status = self.printer.status()
            except PrinterError as exc:
                log.info("drawer sensor: %s", exc)
                return None
            value = status.drawer_open(s.sensor_open_level) if status is not None else None
        else:
            return None
        self.registry.update(self.name, info={"open": value})
        return value

    def on_open_change(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """Follow the drawer switch through the registry; returns an unsubscribe function."""
        def listener(state) -> None:  # noqa: ANN001
            if state.name == self.name and state.info.get("open") is not None:
                callback(bool(state.info["open"]))
        return self.registry.subscribe(listener)
