"""Printer connection URLs, shared by the config validator, the printer layer and
``kiosk-admin printer test``.

    none                                   no printer (receipts stay in the queue)
    tcp://192.168.1.50:9100                network printer (port defaults to 9100)
    file:///dev/usb/lp0                    character device or plain file
    serial:///dev/ttyUSB0?baudrate=19200   serial printer (pyserial URL options)
    usb://04b8:0202                        USB vendor:product (python-escpos Usb)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

FORMS = ("none", "tcp://HOST:9100", "file:///dev/usb/lp0",
         "serial:///dev/ttyUSB0?baudrate=19200", "usb://VVVV:PPPP")


@dataclass(frozen=True)
class PrinterUrl:
    scheme: str  # none | tcp | file | serial | usb
    host: str = ""
    port: int = 9100
    path: str = ""
    vendor: int = 0
    product: int = 0
    options: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.scheme == "none":
            return "none"
        if self.scheme == "tcp":
            return f"tcp://{self.host}:{self.port}"
        if self.scheme == "usb":
            return f"usb://{self.vendor:04x}:{self.product:04x}"
        query = "&".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.scheme}://{self.path}" + (f"?{query}" if query else "")


def _bad(url: str, why: str) -> ValueError:
    return ValueError(f"{why} in printer URL {url!r}; accepted forms: " + ", ".join(FORMS))


def parse_printer_url(url: str) -> PrinterUrl:
    text = url.strip()
    if text.lower() in ("", "none"):
        return PrinterUrl("none")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if scheme in ("tcp", "socket", "network"):
        if not parts.hostname:
            raise _bad(url, "missing host")
        try:
            port = parts.port or 9100
        except ValueError:
            raise _bad(url, "bad port") from None
        return PrinterUrl("tcp", host=parts.hostname, port=port, options=options)
    if scheme == "file":
        path = parts.path
        if not path.startswith("/"):
            raise _bad(url, "the file path must be absolute")
        return PrinterUrl("file", path=path, options=options)
    if scheme == "serial":
        path = parts.path
        if not path.startswith("/"):
            raise _bad(url, "the device path must be absolute")
        if "baudrate" in options and not options["baudrate"].isdigit():
            raise _bad(url, "baudrate must be a number")
        return PrinterUrl("serial", path=path, options=options)
    if scheme == "usb":
        ids = (parts.netloc or parts.path.lstrip("/")).split(":")
        try:
            vendor, product = (int(x, 16) for x in ids)
        except ValueError:
            raise _bad(url, "expected vendor:product in hexadecimal") from None
        if not (0 < vendor <= 0xFFFF and 0 < product <= 0xFFFF):
            raise _bad(url, "vendor and product ids must be 4 hex digits")
        return PrinterUrl("usb", vendor=vendor, product=product, options=options)
    raise _bad(url, f"unknown scheme {parts.scheme!r}")
