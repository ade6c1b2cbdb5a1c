"""Connections to the receipt printer: open, write a finished ESC/POS job, read the
printer's real-time status bytes, close.

Connections: ``tcp`` (raw port 9100), ``file`` (``/dev/usb/lp0`` or a plain file),
``serial`` (pyserial, so pseudo-terminals work in tests) and ``usb`` (pyusb, which
needs libusb and a udev rule; see hardware.printer.usb). Every failure becomes
``PrinterError`` with a message a technician can act on and a ``problem`` code the
selling screen turns into a short banner.

Jobs are built elsewhere (python-escpos on a ``Dummy``) and written here in one go;
``hardware.printer.receipt_printer.ReceiptPrinter`` adds the status check before and the delivery
confirmation after the job.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import socket
import stat
import struct
import termios
import time
from collections.abc import Callable
from typing import Any

from hardware.printer import usb as usb_devices
from hardware.printer.usb import UsbDevices, UsbOpenError
from kiosk.printer_url import PrinterUrl, parse_printer_url

DLE_EOT = b"\x10\x04"
USB_CHUNK = 4096  # write USB jobs in pieces so an unplugged printer fails fast


class PrinterError(Exception):
    """The job (or query) did not get through. ``problem`` is a printer_status
    PROBLEM_TEXT code."""

    problem = "unreachable"

    def __init__(self, message: str, problem: str | None = None):
        super().__init__(message)
        if problem:
            self.problem = problem


class NoPrinter(PrinterError):
    problem = "no_printer"


class Link:
    """An open connection. ``read`` returns b"" when nothing arrived in time and
    raises PrinterError when the link is gone."""

    can_read = False
    name = "printer"

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, n: int, timeout: float) -> bytes:
        raise PrinterError(f"{self.name}: this connection cannot read the printer's status")

    def discard_input(self) -> None:
        """Drop stray bytes (after a garbled status answer) so the next answer lines up."""
        while self.can_read and self.read(64, 0.05):
            pass

    def finish(self) -> None:
        """End of a job when the printer's status cannot confirm it."""

    def close(self) -> None:
        pass

    def __enter__(self) -> Link:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- TCP (port 9100) ----------------------------------------------------------------

def _unacked_bytes(sock: socket.socket) -> int | None:
    """Bytes sent but not yet acknowledged by the printer (Linux SIOCOUTQ)."""
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
    except OSError:
        return None


class TcpLink(Link):
    can_read = True

    def __init__(self, url: PrinterUrl, timeout: float):
        self.name = f"printer {url.host}:{url.port}"
        self.timeout = timeout
        try:
            self.sock = socket.create_connection((url.host, url.port), timeout=timeout)
        except (TimeoutError, socket.timeout):
            raise PrinterError(f"{self.name} did not answer within {timeout:g} s") from None
        except ConnectionRefusedError:
            raise PrinterError(f"{self.name} refused the connection (off or busy?)") from None
        except OSError as exc:
            raise PrinterError(f"{self.name}: {exc.strerror or exc}") from None

    def write(self, data: bytes) -> None:
        self.sock.settimeout(self.timeout)
        try:
            self.sock.sendall(data)
        except (TimeoutError, socket.timeout):
            raise PrinterError(f"{self.name} stopped taking data for {self.timeout:g} s", "offline") from None
        except OSError as exc:
            raise PrinterError(f"{self.name} dropped the connection in the middle of a job "
                               f"({exc.strerror or exc})") from None

    def read(self, n: int, timeout: float) -> bytes:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(n)
        except (TimeoutError, socket.timeout):
            return b""
        except OSError as exc:
            raise PrinterError(f"{self.name} dropped the connection ({exc.strerror or exc})") from None
        if not data:
            raise PrinterError(f"{self.name} closed the connection")
        return data

    def finish(self) -> None:
        """Half-close and wait until the printer closes its side (it has read the whole
        job) or, for printers that keep the socket open, until every byte is
        acknowledged by the printer's TCP stack. A reset means the job was cut."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrinterError(f"{self.name} dropped the connection ({exc.strerror or exc})") from None
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                unacked = _unacked_bytes(self.sock)
                if unacked == 0:
                    return
                raise PrinterError(f"{self.name} did not take the whole job within {self.timeout:g} s"
                                   + (f" ({unacked} bytes not acknowledged)" if unacked else ""))
            self.sock.settimeout(min(left, 0.2))
            try:
                if not self.sock.recv(1024):
                    return
            except (TimeoutError, socket.timeout):
                continue
            except OSError as exc:
                raise PrinterError(f"{self.name} dropped the connection before the end of the job "
                                   f"({exc.strerror or exc})") from None

    def close(self) -> None:
        self.sock.close()


# --- character device or file ----------------------------------------------------------

class FileLink(Link):
    """``/dev/usb/lp0`` (the kernel's usblp driver) or a plain file. Written without
    blocking, so a printer that stops taking data or disappears is reported instead of
    hanging the print thread."""

    def __init__(self, url: PrinterUrl, timeout: float):
        self.path = url.path
        self.name = url.path
        self.timeout = timeout
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
        try:
            self.fd = os.open(url.path, flags, 0o644)
        except OSError as exc:
            raise self._error(exc) from None
        self.regular = stat.S_ISREG(os.fstat(self.fd).st_mode)

    def _error(self, exc: OSError) -> PrinterError:
        if isinstance(exc, FileNotFoundError) or exc.errno in (errno.ENODEV, errno.ENXIO):
            return PrinterError(f"{self.path}: no such device (printer unplugged?)")
        if isinstance(exc, PermissionError):
            return PrinterError(f"{self.path}: access denied (is the kiosk user in the 'lp' group?)")
        if exc.errno == errno.EIO:
            return PrinterError(f"{self.path}: the printer went away in the middle of a job (unplugged?)")
        return PrinterError(f"{self.path}: {exc.strerror or exc}")

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + self.timeout
        try:
            while view:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PrinterError(f"{self.path}: the printer stopped taking data for {self.timeout:g} s "
                                       "(offline or out of paper?)", "offline")
                _, ready, _ = select.select([], [self.fd], [], left)
                if not ready:
                    continue
                try:
                    written = os.write(self.fd, view)
                except BlockingIOError:
                    time.sleep(0.01)
                    continue
                view = view[written:]
        except OSError as exc:
            raise self._error(exc) from None

    def finish(self) -> None:
        if self.regular:  # a real file: make the job durable
            os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


# --- serial ---------------------------------------------------------------------------

class SerialLink(Link):
    can_read = True

    def __init__(self, url: PrinterUrl, timeout: float):
        import serial

        self._serial = serial
        options = dict(url.options)
        baudrate = int(options.pop("baudrate", 9600))
        self.name = url.path
        self.timeout = timeout
        try:
            self.port = serial.serial_for_url(url.path, baudrate=baudrate, write_timeout=timeout,
                                              timeout=timeout, **_serial_options(options))
        except (serial.SerialException, OSError, ValueError) as exc:
            text = str(exc)
            if "No such file" in text or "No such device" in text:
                text = "no such device (printer unplugged?)"
            elif "Permission denied" in text:
                text = "access denied (is the kiosk user in the 'dialout' group?)"
            raise PrinterError(f"{url.path}: {text}") from None

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()
        except self._serial.SerialTimeoutException:
            raise PrinterError(f"{self.name}: write timed out (printer offline or flow control?)", "offline") from None
        except (self._serial.SerialException, OSError) as exc:
            raise PrinterError(f"{self.name}: {exc}") from None

    def read(self, n: int, timeout: float) -> bytes:
        try:
            self.port.timeout = timeout
            return self.port.read(n)
        except (self._serial.SerialException, OSError) as exc:
            raise PrinterError(f"{self.name}: {exc}") from None

    def close(self) -> None:
        try:
            self.port.close()
        except (self._serial.SerialException, OSError):
            pass


def _serial_options(options: dict[str, str]) -> dict[str, Any]:
    """pyserial keyword options from the URL query (bytesize, parity, stopbits, rtscts, xonxoff)."""
    out: dict[str, Any] = {}
    for key, value in options.items():
        if key in ("rtscts", "xonxoff", "dsrdtr"):
            out[key] = value.lower() in ("1", "true", "yes", "on")
        elif key in ("bytesize",):
            out[key] = int(value)
        elif key == "stopbits":
            out[key] = float(value) if "." in value else int(value)
        elif key == "parity":
            out[key] = value.upper()[:1]
        else:
            raise PrinterError(f"unknown serial printer option {key!r} "
                               "(known: baudrate, bytesize, parity, stopbits, rtscts, xonxoff, dsrdtr)")
    return out


# --- USB (pyusb, opened once: hardware.printer.usb) -----------------------------------

class UsbLink(Link):
    """A job or status query on a USB printer. The pyusb device stays open between
    links (no reset, no re-enumeration per job); an error meaning the device is gone
    drops it so the next link finds the printer again."""

    def __init__(self, url: PrinterUrl, timeout: float, device: Any = None,
                 devices: UsbDevices | None = None):
        """``device``: an already open pyusb-like device (tests emulate one) with the
        classic endpoints 0x01/0x82; otherwise ``devices`` (the kiosk's table of open
        USB printers by default) opens it from its descriptors."""
        self.name = f"USB printer {url.vendor:04x}:{url.product:04x}"
        self.timeout = timeout
        self._devices = devices if devices is not None else usb_devices.DEVICES
        self._handle: usb_devices.OpenDevice | None = None
        if device is not None:
            self.device, self.in_ep, self.out_ep = device, 0x82, 0x01
            self._devices = None
        else:
            try:
                self._handle = self._devices.get(url.vendor, url.product, dict(url.options))
            except UsbOpenError as exc:
                raise PrinterError(f"{self.name}: {exc}") from None
            self.device = self._handle.device
            self.out_ep = self._handle.endpoints.out_ep
            self.in_ep = self._handle.endpoints.in_ep
        self.can_read = self.in_ep is not None

    def _error(self, exc: Exception) -> PrinterError:
        if usb_devices.is_gone(exc):
            self._drop()
            return PrinterError(f"{self.name} disappeared in the middle of a job (unplugged?)")
        return PrinterError(f"{self.name}: {exc}")

    def _drop(self) -> None:
        if self._handle is not None and self._devices is not None:
            self._devices.forget(self._handle)
            self._handle = None

    def write(self, data: bytes) -> None:
        ms = int(self.timeout * 1000)
        for start in range(0, len(data), USB_CHUNK):
            try:
                self.device.write(self.out_ep, data[start:start + USB_CHUNK], ms)
            except Exception as exc:  # usb.core.USBError / USBTimeoutError
                if usb_devices.is_timeout(exc):
                    raise PrinterError(f"{self.name} stopped taking data (offline or out of paper?)",
                                       "offline") from None
                raise self._error(exc) from None

    def read(self, n: int, timeout: float) -> bytes:
        if self.in_ep is None:
            return super().read(n, timeout)
        try:
            return bytes(self.device.read(self.in_ep, max(n, 64), int(timeout * 1000)))[:n]
        except Exception as exc:
            if usb_devices.is_timeout(exc):
                return b""
            raise self._error(exc) from None

    def close(self) -> None:
        """The device stays open for the next job (see hardware.printer.usb)."""


LinkFactory = Callable[[PrinterUrl, float], Link]


def open_link(url: str | PrinterUrl, timeout: float = 5.0, *, usb: UsbDevices | None = None) -> Link:
    """``usb``: the table of open USB printers (tests pass one with an emulated device)."""
    parsed = parse_printer_url(url) if isinstance(url, str) else url
    if parsed.scheme == "none":
        raise NoPrinter("no printer configured")
    if parsed.scheme == "tcp":
        return TcpLink(parsed, timeout)
    if parsed.scheme == "file":
        return FileLink(parsed, timeout)
    if parsed.scheme == "serial":
        return SerialLink(parsed, timeout)
    if parsed.scheme == "usb":
        return UsbLink(parsed, timeout, devices=usb)
    raise PrinterError(f"unsupported printer connection {parsed.scheme}")  # parse_printer_url prevents it


def send(url: str | PrinterUrl, payload: bytes, timeout: float = 5.0) -> None:
    """Deliver ``payload`` without any status check, or raise PrinterError."""
    with open_link(url, timeout) as link:
        link.write(payload)
        link.finish()
