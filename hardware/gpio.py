"""GPIO through gpiozero with an injected pin factory: the status LED, the buzzer,
an optional push button, the drawer relay and the drawer-open switch.

The pin factory comes from the config (``[gpio] pin_factory``): "auto" tries, in this
order, lgpio (the only one that drives a Raspberry Pi 5, and whose edge callbacks
still work on a Pi 4 with kernel 6.6+), RPi.GPIO, pigpio and gpiozero's native
factory, and keeps the first that opens; "mock" simulated pins (demo mode, tests pass
a ``MockFactory`` directly). The factory in use is named on the Hardware screen and in
``kiosk-admin selftest``. On a machine without GPIO every device reports "not
available" with the reason, and nothing else is affected.

gpiozero runs button and input callbacks in its own thread: the receiver hands
them to the UI thread.
"""

from __future__ import annotations

import glob
import logging
import os
import queue
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class GpioUnavailable(Exception):
    pass


def _has_gpio_device() -> bool:
    return bool(glob.glob("/dev/gpiochip*")) or os.path.exists("/dev/gpiomem")


# Pin factories by config name, and the order "auto" tries them in (explicitly: with
# lgpio missing, gpiozero's own default falls through to factories that cannot drive a
# Pi 5 and reports only the last failure).
FACTORIES = {
    "lgpio": "gpiozero.pins.lgpio:LGPIOFactory",
    "rpigpio": "gpiozero.pins.rpigpio:RPiGPIOFactory",
    "pigpio": "gpiozero.pins.pigpio:PiGPIOFactory",
    "native": "gpiozero.pins.native:NativeFactory",
    "mock": "gpiozero.pins.mock:MockFactory",
}
AUTO_ORDER = ("lgpio", "rpigpio", "pigpio", "native")


def factory_name(factory: Any) -> str:
    """The config name of a pin factory object ("lgpio", "mock", ...)."""
    cls = type(factory).__name__
    for name, entry in FACTORIES.items():
        if entry.endswith(":" + cls):
            return name
    return "mock" if "Mock" in cls else cls  # MockFactory's subclasses (MockPWMPin factories)


def _open_factory(name: str) -> Any:
    module, cls = FACTORIES[name].split(":")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(__import__(module, fromlist=[cls]), cls)()


def _why(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:160]


def make_factory(name: str, order: tuple[str, ...] = AUTO_ORDER,
                 has_gpio: Callable[[], bool] | None = None) -> Any:
    """A gpiozero pin factory by config name, or GpioUnavailable with the reason.
    "auto" tries ``order`` and keeps the first factory that opens; when none does, the
    reason names each one tried and why it failed."""
    if name == "mock":
        return _open_factory("mock")
    if not (has_gpio or _has_gpio_device)():
        raise GpioUnavailable("no GPIO on this machine (no /dev/gpiochip* or /dev/gpiomem)")
    tried: list[str] = []
    for candidate in (order if name == "auto" else (name,)):
        try:
            factory = _open_factory(candidate)
        except ImportError as exc:
            tried.append(f"{candidate}: not installed ({_why(exc)})")
        except Exception as exc:  # noqa: BLE001 - lgpio/RPi.GPIO raise their own types (permissions, Pi 5 ...)
            tried.append(f"{candidate}: {_why(exc)}")
        else:
            if tried:
                log.info("GPIO pin factory %s in use (%s)", candidate, "; ".join(tried))
            return factory
    raise GpioUnavailable("GPIO not available: " + "; ".join(tried))


class Gpio:
    """Creates gpiozero devices on one pin factory and closes them all at the end."""

    def __init__(self, factory: Any = "auto"):
        self.factory: Any = None
        self.reason = ""
        try:
            self.factory = make_factory(factory) if isinstance(factory, str) else factory
        except GpioUnavailable as exc:
            self.reason = str(exc)
        # The pin factory in use ("lgpio", "mock" ...), shown on the Hardware screen.
        self.factory_name = factory_name(self.factory) if self.factory is not None else ""
        self._devices: list[Any] = []
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self.factory is not None

    def device(self, cls: type, pin: int, **kwargs: Any) -> Any:
        if self.factory is None:
            raise GpioUnavailable(self.reason)
        try:
            dev = cls(pin, pin_factory=self.factory, **kwargs)
        except Exception as exc:  # noqa: BLE001 - pin in use, permissions, bad pin ...
            raise GpioUnavailable(f"GPIO {pin}: {exc}") from None
        with self._lock:
            self._devices.append(dev)
        return dev

    def close(self) -> None:
        with self._lock:
            devices, self._devices = self._devices, []
        for dev in devices:
            try:
                dev.close()
            except Exception:  # noqa: BLE001
                pass


class _Part:
    """A device that may be unavailable: ``available`` and ``reason`` say why not."""

    def __init__(self, gpio: Gpio, cls: type, pin: int, **kwargs: Any):
        self.pin = pin
        self.dev: Any = None
        self.reason = ""
        try:
            self.dev = gpio.device(cls, pin, **kwargs)
        except GpioUnavailable as exc:
            self.reason = str(exc)

    @property
    def available(self) -> bool:
        return self.dev is not None


class StatusLed(_Part):
    """Steady = ready, blinking = hardware fault, fast blink = "it's me" (selftest)."""

    def __init__(self, gpio: Gpio, pin: int, active_high: bool = True, blink_ms: int = 500):
        from gpiozero import LED

        super().__init__(gpio, LED, pin, active_high=active_high)
        self.blink_s = blink_ms / 1000
        self.mode = "off"
        self._lock = threading.Lock()  # states change from several device threads

    def set(self, mode: str) -> None:
        """"ready" | "fault" | "identify" | "off"."""
        with self._lock:
            if mode == self.mode:
                return
            self.mode = mode
            if self.dev is not None:
                self._apply(mode)

    def _apply(self, mode: str) -> None:
        if mode == "ready":
            self.dev.on()
        elif mode == "fault":
            self.dev.blink(self.blink_s, self.blink_s, background=True)
        elif mode == "identify":
            self.dev.blink(0.1, 0.1, background=True)
        else:
            self.dev.off()


class Beeper(_Part):
    """One beep for a good scan, two for an error. Beep groups play one after the other
    in the beeper's own thread: a new group never cuts the one sounding (two quick scans
    must still be heard as 1 + 2 beeps, not merged)."""

    MAX_QUEUED = 8  # beeps; a burst of errors does not keep the buzzer going for long

    def __init__(self, gpio: Gpio, pin: int, active_high: bool = True, beep_ms: int = 80):
        from gpiozero import Buzzer

        super().__init__(gpio, Buzzer, pin, active_high=active_high)
        self.beep_s = beep_ms / 1000
        self.count = 0
        self._groups: queue.Queue[int | None] = queue.Queue()
        self._queued = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def beep(self, times: int = 1) -> None:
        with self._lock:
            self.count += times
            if self.dev is None or self._queued + times > self.MAX_QUEUED:
                return
            self._queued += times
            if self._thread is None:
                self._thread = threading.Thread(target=self._play, name="buzzer", daemon=True)
                self._thread.start()
        self._groups.put(times)

    def _play(self) -> None:
        while (times := self._groups.get()) is not None:
            try:
                self.dev.beep(self.beep_s, self.beep_s, n=times, background=False)
                time.sleep(self.beep_s * 2)  # a gap between groups
            except Exception:  # noqa: BLE001 - closed while playing
                return
            finally:
                with self._lock:
                    self._queued -= times

    def close(self) -> None:
        """Drop waiting beeps, let the sounding group end (before the pin is closed)."""
        while True:
            try:
                self._groups.get_nowait()
            except queue.Empty:
                break
        self._groups.put(None)
        if self._thread is not None:
            self._thread.join(timeout=self.beep_s * 2 * self.MAX_QUEUED + 0.5)
            self._thread = None


class Relay(_Part):
    """The drawer's relay: a pulse of ``pulse_ms`` (gpiozero OutputDevice)."""

    def __init__(self, gpio: Gpio, pin: int, active_high: bool = True):
        from gpiozero import DigitalOutputDevice

        super().__init__(gpio, DigitalOutputDevice, pin, active_high=active_high, initial_value=False)

    def pulse(self, pulse_ms: int) -> None:
        if self.dev is None:
            raise GpioUnavailable(self.reason)
        self.dev.blink(on_time=pulse_ms / 1000, off_time=0, n=1, background=True)


class InputPin(_Part):
    """A switch; ``active`` is True when the pin is at ``active_level``. The internal
    pull resistor holds the opposite level (switch to ground for "low")."""

    def __init__(self, gpio: Gpio, pin: int, active_level: str = "high",
                 on_change: Callable[[bool], None] | None = None, bounce_ms: int = 20):
        from gpiozero import DigitalInputDevice

        super().__init__(gpio, DigitalInputDevice, pin, pull_up=active_level == "low",
                         bounce_time=bounce_ms / 1000)
        if self.dev is not None and on_change is not None:
            self.dev.when_activated = lambda: on_change(True)
            self.dev.when_deactivated = lambda: on_change(False)

    @property
    def active(self) -> bool | None:
        return None if self.dev is None else bool(self.dev.is_active)


class PushButton(_Part):
    def __init__(self, gpio: Gpio, pin: int, on_press: Callable[[], None]):
        from gpiozero import Button

        super().__init__(gpio, Button, pin, pull_up=True, bounce_time=0.05)
        if self.dev is not None:
            self.dev.when_pressed = lambda: on_press()
