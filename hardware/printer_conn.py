"""Send finished ESC/POS jobs to the configured connection in one write.

Connections: ``tcp`` (raw port 9100), ``file`` (``/dev/usb/lp0`` or a plain file),
``serial`` (pyserial URL, so pseudo-terminals work in tests) and ``usb`` (python-escpos
``Usb``, which needs pyusb and a udev rule). Every failure becomes ``PrinterError``
with a message a technician can act on.
"""

from __future__ import annotations

import os
import socket

from kiosk.printer_url import PrinterUrl, parse_printer_url

DLE_EOT = b"\x10\x04"


class PrinterError(Exception):
    pass


class NoPrinter(PrinterError):
    pass


def _send_tcp(url: PrinterUrl, payload: bytes, timeout: float) -> None:
    try:
        with socket.create_connection((url.host, url.port), timeout=timeout) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            # Wait for the printer to close its side so the whole job was taken.
            sock.settimeout(timeout)
            while sock.recv(1024):
                pass
    except (TimeoutError, socket.timeout):
        raise PrinterError(f"printer {url.host}:{url.port} did not answer within {timeout:g} s") from None
    except ConnectionRefusedError:
        raise PrinterError(f"printer {url.host}:{url.port} refused the connection (off or busy?)") from None
    except OSError as exc:
        raise PrinterError(f"printer {url.host}:{url.port}: {exc.strerror or exc}") from None


def _send_file(url: PrinterUrl, payload: bytes) -> None:
    try:
        fd = os.open(url.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOCTTY", 0), 0o644)
        try:
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if os.path.isfile(url.path):  # a real file: make the job durable
                os.fsync(fd)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise PrinterError(f"{url.path}: no such device (printer unplugged?)") from None
    except PermissionError:
        raise PrinterError(f"{url.path}: access denied (is the kiosk user in the 'lp' group?)") from None
    except OSError as exc:
        raise PrinterError(f"{url.path}: {exc.strerror or exc}") from None


def _send_serial(url: PrinterUrl, payload: bytes, timeout: float) -> None:
    import serial

    options = dict(url.options)
    baudrate = int(options.pop("baudrate", 9600))
    try:
        with serial.serial_for_url(url.path, baudrate=baudrate, write_timeout=timeout, timeout=timeout) as port:
            port.write(payload)
            port.flush()
    except serial.SerialTimeoutException:
        raise PrinterError(f"{url.path}: write timed out (printer offline or flow control?)") from None
    except (serial.SerialException, OSError) as exc:
        raise PrinterError(f"{url.path}: {exc}") from None


def _send_usb(url: PrinterUrl, payload: bytes, timeout: float) -> None:
    try:
        from escpos.printer import Usb

        printer = Usb(url.vendor, url.product, timeout=int(timeout * 1000))
        printer.open()
        try:
            printer._raw(payload)
        finally:
            printer.close()
    except Exception as exc:  # pyusb raises many types; all mean "not printed"
        raise PrinterError(f"USB printer {url.vendor:04x}:{url.product:04x}: {exc}") from None


def send(url: str | PrinterUrl, payload: bytes, timeout: float = 5.0) -> None:
    """Deliver ``payload`` or raise PrinterError."""
    parsed = parse_printer_url(url) if isinstance(url, str) else url
    if parsed.scheme == "none":
        raise NoPrinter("no printer configured")
    if parsed.scheme == "tcp":
        _send_tcp(parsed, payload, timeout)
    elif parsed.scheme == "file":
        _send_file(parsed, payload)
    elif parsed.scheme == "serial":
        _send_serial(parsed, payload, timeout)
    elif parsed.scheme == "usb":
        _send_usb(parsed, payload, timeout)
    else:  # parse_printer_url only returns the schemes above
        raise PrinterError(f"unsupported printer connection {parsed.scheme}")
