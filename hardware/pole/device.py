"""The customer pole display: a 2x20 VFD/LCD on a serial port (RS-232 or USB-serial).

``show(line1, line2)`` never blocks the caller (the counter announces cart changes in
the thread of the change): the newest screen is handed to the display's own writer
thread, which drops screens it had no time to show (only the last one matters to the
customer). A port that fails or vanishes (checked every ``reconnect_s`` also while
nothing is written) is reopened every ``reconnect_s``; the
display is initialised again and shown the current screen, so a replugged pole
catches up by itself. State goes to the hardware registry as ``customer_display``.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from hardware.pole.protocols import PoleProtocol, get
from hardware.registry import Registry

log = logging.getLogger(__name__)

NAME = "customer_display"


class PoleDisplayError(Exception):
    pass


def open_port(port: str, baudrate: int, timeout: float) -> Any:
    import serial

    try:
        return serial.serial_for_url(port, baudrate=baudrate, write_timeout=timeout, timeout=timeout)
    except (serial.SerialException, OSError, ValueError) as exc:
        text = str(exc)
        if "No such file" in text or "No such device" in text or "could not open" in text.lower():
            text = "no such device (display unplugged?)"
        elif "Permission denied" in text:
            text = "access denied (is the kiosk user in the 'dialout' group?)"
        raise PoleDisplayError(f"{port}: {text}") from None


def write_screen(port: str, protocol: PoleProtocol, lines: tuple[str, str], *, baudrate: int = 9600,
                 timeout: float = 2.0) -> bytes:
    """Open, initialise, show two lines, close (``kiosk-admin display test``). Returns
    the bytes sent. Raises PoleDisplayError."""
    data = protocol.init + protocol.screen(*lines)
    link = open_port(port, baudrate, timeout)
    try:
        link.write(data)
        link.flush()
    except Exception as exc:  # noqa: BLE001 - SerialException, OSError, termios.error
        raise PoleDisplayError(f"{port}: {exc}") from None
    finally:
        link.close()
    return data


class PoleDisplay:
    name = NAME

    def __init__(self, port: str, protocol: str | PoleProtocol, registry: Registry | None = None, *,
                 baudrate: int = 9600, timeout: float = 2.0, reconnect_s: float = 2.0):
        self.port = port
        self.protocol = get(protocol) if isinstance(protocol, str) else protocol
        self.baudrate = baudrate
        self.timeout = timeout
        self.reconnect_s = reconnect_s
        self.registry = registry
        self._screen: tuple[str, str] | None = None
        self._shown: tuple[str, str] | None = None
        self._link: Any = None
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self.screens_written = 0
        if registry is not None:
            registry.add(NAME, "customer_display", available=True,
                         info={"port": port, "protocol": self.protocol.name, "screen": ""})

    # --- the caller's side -------------------------------------------------------------
    def show(self, line1: str, line2: str = "") -> None:
        with self._cond:
            self._screen = (line1, line2)
            self._cond.notify_all()

    @property
    def screen(self) -> tuple[str, str] | None:
        """The screen asked for last."""
        return self._screen

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="pole-display", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._close()

    # --- the writer thread -----------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stop:
                    return
                if self._link is not None and self._screen == self._shown:
                    self._cond.wait(self.reconnect_s)
                    if self._stop:
                        return
                    if self._screen == self._shown:
                        if self._port_gone():  # pulled out while nothing was written
                            self._close()
                            self._update(connected=False,
                                         last_error=f"{self.port}: no such device (display unplugged?)")
                        continue
                screen = self._screen
            try:
                if self._link is None:
                    self._connect()
                if screen is not None and screen != self._shown:
                    self._write(self.protocol.screen(*screen))
                    self._shown = screen
                    self.screens_written += 1
                    self._update(connected=True, last_error="",
                                 info={"screen": " | ".join(screen), "lines": [line.rstrip() for line in screen]})
            except PoleDisplayError as exc:
                self._close()
                self._update(connected=False, last_error=str(exc))
                with self._cond:
                    if not self._stop:
                        self._cond.wait(self.reconnect_s)

    def _port_gone(self) -> bool:
        """A device path (not a pyserial URL) that vanished: the adapter was pulled out."""
        return self.port.startswith("/") and not os.path.exists(self.port)

    def _connect(self) -> None:
        state = self.registry.get(NAME) if self.registry is not None else None
        was_failing = bool(state is not None and state.last_error)
        self._link = open_port(self.port, self.baudrate, self.timeout)
        self._shown = None  # a new or replugged display shows nothing of ours yet
        self._write(self.protocol.init)
        self._update(connected=True, last_error="", **({"last_event": "display back"} if was_failing else {}))
        log.info("customer display on %s (%s)", self.port, self.protocol.title)

    def _write(self, data: bytes) -> None:
        try:
            self._link.write(data)
            self._link.flush()
        except Exception as exc:  # noqa: BLE001 - SerialException, OSError, termios.error (EIO on a pulled adapter)
            raise PoleDisplayError(f"{self.port}: {exc} (display unplugged?)") from None

    def _close(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            try:
                link.close()
            except Exception:  # noqa: BLE001 - the port may be gone already
                pass

    def _update(self, **changes: Any) -> None:
        if self.registry is not None:
            self.registry.update(NAME, **changes)
