"""Configuration sections of the hardware layer: ``[scanner]``, ``[drawer]`` and
``[gpio]`` (the printer connection itself is ``[printer]`` in kiosk/config.py).

    [[scanner.devices]]            # any mix, each its own thread
    kind = "evdev"                 # USB HID scanner read directly, grabbed
    device = "/dev/input/by-id/usb-Datalogic_Scanner-event-kbd"   # or "05f9:2206"
    layout = "es"                  # keyboard layout the scanner is set to: us | es | latam

    [[scanner.devices]]
    kind = "serial"                # RS-232 or USB CDC-ACM
    url = "/dev/ttyACM0"           # any pyserial URL
    suffix = "cr"                  # cr | lf | crlf | tab | none (a pause ends the code)

    [[scanner.devices]]
    kind = "wedge"                 # a USB scanner typing like a keyboard (no USB id known)
    prefix = ""                    # optional characters the scanner sends before each code
    suffix_text = ""               # ... and after it, before its Enter/Tab

    Without any [[scanner.devices]], a scanner whose USB id is ``[devices] scanner``
    is read through evdev and grabbed (its keys never reach the screen).

    [drawer]
    mode = "printer"               # printer (kick through the printer) | gpio (relay) | none
    printer_pin = 2                # 2 or 5
    sensor = "printer"             # none | printer | gpio

    [gpio]
    led_pin = 23                   # BCM numbers
    buzzer_pin = 24
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from kiosk.config_base import Section

BCM_PIN = Field(None, ge=0, le=27, description="a BCM GPIO number from 0 to 27")
_USB_ID = re.compile(r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$")


class ScannerDevice(Section):
    kind: Literal["evdev", "serial", "wedge"]
    name: str = Field("", max_length=32)  # shown on the Hardware screen; default "scanner-N"
    # evdev: /dev/input/by-id/... name (or any event device path) or "vendor:product" in hex
    device: str = ""
    layout: Literal["us", "es", "latam"] = "us"
    # serial: a device path or pyserial URL
    url: str = ""
    baudrate: int = Field(9600, ge=300, le=921600)
    # Characters the scanner is set to send before / after each code (before its
    # terminator); used when set. A keyboard wedge then tells a scan from typing by them.
    prefix: str = Field("", max_length=8)
    suffix_text: str = Field("", max_length=8)
    # serial: what ends a code. CR, LF and Tab all end one unless "none" (then a pause does).
    suffix: Literal["cr", "lf", "crlf", "tab", "none"] = "cr"
    pause_ms: int = Field(50, ge=10, le=2000)  # suffix "none": silence that ends a code

    @field_validator("device")
    @classmethod
    def _device_form(cls, v: str) -> str:
        if v and not (v.startswith("/dev/") or _USB_ID.match(v)):
            raise ValueError('expected a path such as "/dev/input/by-id/usb-...-event-kbd" '
                             'or a USB id "vendor:product" such as "05f9:2206"')
        return v

    @model_validator(mode="after")
    def _needs(self) -> ScannerDevice:
        if self.kind == "evdev" and not self.device:
            raise ValueError('kind = "evdev" needs device = "/dev/input/by-id/...-event-kbd" or "vendor:product"')
        if self.kind == "serial" and not self.url:
            raise ValueError('kind = "serial" needs url = "/dev/ttyACM0" (or another serial device or pyserial URL)')
        return self

    @property
    def terminator(self) -> bytes:
        return {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t", "none": b""}[self.suffix]


class ScannerSettings(Section):
    devices: list[ScannerDevice] = Field(default_factory=list)
    # The keyboard layout of the scanner read through evdev by default (no devices
    # listed, [devices] scanner set).
    default_layout: Literal["us", "es", "latam"] = "us"
    max_length: int = Field(64, ge=8, le=512)  # longer input is refused as garbage
    # A code whose end never arrives is dropped after this much silence, so it is not
    # glued to the next scan.
    frame_timeout_ms: int = Field(500, ge=50, le=10000)
    reconnect_s: float = Field(2.0, gt=0, le=60)  # how often an unplugged scanner is looked for


class DrawerSettings(Section):
    mode: Literal["printer", "gpio", "none"] = "printer"
    printer_pin: Literal[2, 5] = 2
    # Printer kick pulse (ESC p): on time and off time, sent in 2 ms units (2..510 ms).
    pulse_ms: int = Field(100, ge=2, le=510)
    pulse_off_ms: int = Field(100, ge=2, le=510)
    # Relay on a GPIO pin (mode = "gpio")
    gpio_pin: int | None = BCM_PIN
    gpio_active_high: bool = True
    gpio_pulse_ms: int = Field(200, ge=10, le=5000)
    # Drawer-open switch: read from the printer status (DLE EOT 1) or a GPIO input.
    sensor: Literal["none", "printer", "gpio"] = "none"
    sensor_pin: int | None = BCM_PIN
    sensor_open_level: Literal["high", "low"] = "high"
    open_on_cash: bool = True  # kick the drawer when a sale is paid (partly) in cash

    @model_validator(mode="after")
    def _needs(self) -> DrawerSettings:
        if self.mode == "gpio" and self.gpio_pin is None:
            raise ValueError('mode = "gpio" needs gpio_pin (the BCM number of the relay)')
        if self.sensor == "gpio" and self.sensor_pin is None:
            raise ValueError('sensor = "gpio" needs sensor_pin (the BCM number of the drawer switch)')
        if self.sensor == "printer" and self.mode != "printer":
            raise ValueError('sensor = "printer" only works with mode = "printer" (the switch is wired to the printer)')
        if self.mode == "gpio" and self.sensor == "gpio" and self.gpio_pin == self.sensor_pin:
            raise ValueError("gpio_pin and sensor_pin must be different pins")
        return self


class CustomerDisplaySettings(Section):
    """The customer's 2x20 pole display (hardware.pole): each line added, the total,
    what was handed over and the change, a greeting when idle."""

    # Command set: "epson" (ESC/POS display commands) or "cd5220"; "none": no display.
    protocol: Literal["none", "epson", "cd5220"] = "none"
    # Serial port (a device path such as /dev/ttyUSB1 or /dev/serial/by-id/..., or a pyserial URL).
    port: str = ""
    baudrate: Literal[2400, 4800, 9600, 19200, 38400] = 9600
    # Upper idle line; empty: "¡Bienvenido!" (the lower one is the shop's name).
    greeting: str = Field("", max_length=20)
    # Seconds the change stays after a sale (the next customer's first line ends it sooner).
    hold_s: float = Field(30.0, ge=0, le=600)
    # A second customer screen (another process) reads the cart from this local Unix
    # socket (JSON lines: kiosk/services/cart_feed.py); empty: nothing is published.
    screen_socket: str = Field("", max_length=200)
    # The second screen (kiosk-customer-screen) when no cart is open: the shop's logo
    # (a PNG or JPEG file) and the promotional pictures of a folder, shown in turn every
    # screen_rotate_s seconds. Neither set: generated pictures with the shop's name.
    screen_logo: str = Field("", max_length=300)
    screen_pictures: str = Field("", max_length=300)
    screen_rotate_s: float = Field(8.0, ge=2, le=600)

    @field_validator("screen_socket")
    @classmethod
    def _absolute_socket(cls, v: str) -> str:
        v = v.strip()
        if v and not v.startswith("/"):
            raise ValueError('expected an absolute path such as "/run/kiosk/customer-screen.sock"')
        return v

    @model_validator(mode="after")
    def _needs_port(self) -> CustomerDisplaySettings:
        if self.protocol != "none" and not self.port:
            raise ValueError('a customer display needs its serial port, e.g. port = "/dev/ttyUSB1"')
        return self

    @property
    def configured(self) -> bool:
        return self.protocol != "none"


class GpioSettings(Section):
    # "auto": lgpio, then RPi.GPIO, pigpio, native (the first that opens; lgpio is the
    # one for a Pi 5); "mock": simulated pins (demo, tests); a machine without GPIO
    # reports the devices as not available.
    pin_factory: Literal["auto", "mock", "lgpio", "rpigpio", "pigpio", "native"] = "auto"
    led_pin: int | None = BCM_PIN  # status LED: steady = ready, blinking = hardware fault
    led_active_high: bool = True
    blink_ms: int = Field(500, ge=50, le=5000)
    buzzer_pin: int | None = BCM_PIN  # one beep on a good scan, two on an error
    buzzer_active_high: bool = True
    beep_ms: int = Field(80, ge=10, le=1000)
    button_pin: int | None = BCM_PIN  # optional push button (to ground, internal pull-up)
    button_action: Literal["lock", "none"] = "lock"

    @model_validator(mode="after")
    def _distinct(self) -> GpioSettings:
        used = [(k, v) for k, v in (("led_pin", self.led_pin), ("buzzer_pin", self.buzzer_pin),
                                    ("button_pin", self.button_pin)) if v is not None]
        seen: dict[int, str] = {}
        for key, pin in used:
            if pin in seen:
                raise ValueError(f"{key} and {seen[pin]} both use GPIO {pin}")
            seen[pin] = key
        return self

    @property
    def configured(self) -> bool:
        return any(p is not None for p in (self.led_pin, self.buzzer_pin, self.button_pin))
