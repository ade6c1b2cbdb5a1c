"""USB printers through pyusb, opened once and kept open.

python-escpos' ``Usb.open()`` resets the device and assumes endpoints 0x01/0x82;
opening it per job meant a USB reset at every receipt and every 30 s status poll
(some printers feed paper or lose their settings on a reset) and a printer whose
endpoints differ (0x02/0x81, 0x03/0x84 ...) could not print. Here:

- the endpoints come from the device's descriptors: the printer-class interface
  (class 7), or else the first interface with a bulk OUT endpoint; its first bulk
  OUT endpoint carries the jobs and its first bulk IN endpoint (if any) the status
  answers. ``usb://VVVV:PPPP?out_ep=0x01&in_ep=0x82`` still overrides them;
- the kernel's usblp driver is detached from that interface once, the configuration
  is set only when the device has none active, the device is never reset;
- the open device is kept between jobs and polls; an error that means the device is
  gone (unplugged, I/O error) drops it, so the next job finds it again.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

PRINTER_CLASS = 7
# Errors after which the open handle is useless (the printer was unplugged or
# re-enumerated): forget it and find the device again next time.
GONE_ERRNOS = {errno.ENODEV, errno.EIO, errno.ENOENT, errno.EPIPE, errno.ESHUTDOWN}


class UsbOpenError(Exception):
    """The device cannot be opened; the message is for the technician."""


@dataclass(frozen=True)
class Endpoints:
    interface: int
    out_ep: int
    in_ep: int | None  # None: the printer cannot answer status queries

    def describe(self) -> str:
        answer = f"in 0x{self.in_ep:02x}" if self.in_ep is not None else "no in endpoint"
        return f"interface {self.interface}, out 0x{self.out_ep:02x}, {answer}"


def _is_bulk(ep: Any, direction: int) -> bool:
    import usb.util

    return (usb.util.endpoint_type(ep.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK
            and usb.util.endpoint_direction(ep.bEndpointAddress) == direction)


def endpoints_from_descriptors(config: Any, options: dict[str, str] | None = None) -> Endpoints:
    """Pick the interface and endpoints from a pyusb configuration (an iterable of
    interfaces, each an iterable of endpoints). ``options`` may hold ``in_ep`` /
    ``out_ep`` (the URL's override, "0x82" or "130")."""
    import usb.util

    options = options or {}
    interfaces = list(config)
    chosen = None
    for want_class in (True, False):
        for intf in interfaces:
            if want_class and intf.bInterfaceClass != PRINTER_CLASS:
                continue
            if any(_is_bulk(ep, usb.util.ENDPOINT_OUT) for ep in intf):
                chosen = intf
                break
        if chosen is not None:
            break
    override_out = _ep_option(options, "out_ep")
    override_in = _ep_option(options, "in_ep")
    if chosen is None:
        if override_out is None:
            raise UsbOpenError("no interface with a bulk OUT endpoint in the device's descriptors "
                               "(is it a printer? set ?out_ep=0x.. in the URL to force one)")
        return Endpoints(interfaces[0].bInterfaceNumber if interfaces else 0, override_out, override_in)
    out_ep = next(ep.bEndpointAddress for ep in chosen if _is_bulk(ep, usb.util.ENDPOINT_OUT))
    in_ep = next((ep.bEndpointAddress for ep in chosen if _is_bulk(ep, usb.util.ENDPOINT_IN)), None)
    return Endpoints(chosen.bInterfaceNumber,
                     override_out if override_out is not None else out_ep,
                     override_in if override_in is not None else in_ep)


def _ep_option(options: dict[str, str], key: str) -> int | None:
    value = options.get(key)
    if value is None or value == "":
        return None
    try:
        ep = int(value, 0)
    except ValueError:
        raise UsbOpenError(f"{key}={value!r} is not an endpoint address (e.g. 0x01, 0x82)") from None
    if not 0 < ep <= 0xFF:
        raise UsbOpenError(f"{key}={value!r} is not an endpoint address (e.g. 0x01, 0x82)")
    return ep


@dataclass
class OpenDevice:
    device: Any
    endpoints: Endpoints


def _default_find(**kwargs: Any) -> Any:
    import usb.core

    return usb.core.find(**kwargs)


class UsbDevices:
    """Open USB printers kept across jobs, keyed by (vendor, product, options).
    ``find`` is pyusb's ``usb.core.find`` (tests pass an emulated device)."""

    def __init__(self, find: Callable[..., Any] = _default_find):
        self.find = find
        self._open: dict[tuple, OpenDevice] = {}
        self._lock = threading.Lock()
        self.opened = 0  # how many times a device was really opened (tests, diagnostics)

    def get(self, vendor: int, product: int, options: dict[str, str]) -> OpenDevice:
        key = (vendor, product, tuple(sorted(options.items())))
        with self._lock:
            handle = self._open.get(key)
            if handle is None:
                handle = self._open_device(vendor, product, options)
                self._open[key] = handle
            return handle

    def forget(self, handle: OpenDevice) -> None:
        """The device is gone: drop the handle and its resources."""
        with self._lock:
            for key, value in list(self._open.items()):
                if value is handle:
                    del self._open[key]
        try:
            import usb.util

            usb.util.dispose_resources(handle.device)
        except Exception:  # noqa: BLE001 - an emulated or vanished device
            pass

    def close_all(self) -> None:
        for handle in list(self._open.values()):
            self.forget(handle)

    def _open_device(self, vendor: int, product: int, options: dict[str, str]) -> OpenDevice:
        try:
            device = self.find(idVendor=vendor, idProduct=product)
        except Exception as exc:  # noqa: BLE001 - pyusb: NoBackendError, USBError
            if type(exc).__name__ == "NoBackendError":
                raise UsbOpenError("libusb is not installed (apt install libusb-1.0-0)") from None
            raise UsbOpenError(_usb_text(exc)) from None
        if device is None:
            raise UsbOpenError("not found (unplugged or switched off?)")
        try:
            try:
                config = device.get_active_configuration()
            except Exception:  # noqa: BLE001 - USBError: the device is not configured yet
                device.set_configuration()
                config = device.get_active_configuration()
            endpoints = endpoints_from_descriptors(config, options)
            _detach_kernel_driver(device, endpoints.interface)
        except UsbOpenError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise UsbOpenError(_usb_text(exc)) from None
        self.opened += 1
        log.info("USB printer %04x:%04x opened: %s", vendor, product, endpoints.describe())
        return OpenDevice(device, endpoints)


def _detach_kernel_driver(device: Any, interface: int) -> None:
    """usblp holds the printer interface on Linux; take it (only libusb1 can)."""
    try:
        active = device.is_kernel_driver_active(interface)
    except NotImplementedError:
        return
    if active:
        device.detach_kernel_driver(interface)


def _usb_text(exc: Exception) -> str:
    text = str(exc).replace("\n", " ")
    if "Access denied" in text or getattr(exc, "errno", None) == errno.EACCES:
        return "access denied (udev rule for the kiosk user missing?)"
    if getattr(exc, "errno", None) == errno.EBUSY:
        return "busy (another program holds the printer: CUPS?)"
    return text


def is_gone(exc: Exception) -> bool:
    return getattr(exc, "errno", None) in GONE_ERRNOS or "No such device" in str(exc)


def is_timeout(exc: Exception) -> bool:
    return "timeout" in type(exc).__name__.lower() or getattr(exc, "errno", None) == errno.ETIMEDOUT


DEVICES = UsbDevices()  # the kiosk's open USB printers (one process, one table)
