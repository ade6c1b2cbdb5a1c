"""Serial and USB CDC-ACM barcode scanners (``/dev/ttyACM0``, ``/dev/ttyUSB0`` or any
pyserial URL), read through ``serial.serial_for_url`` in their own thread.

Framing is a pure class (``SerialFramer``) fed bytes with their arrival time:
a code ends with the configured suffix (CR, LF, CRLF, Tab) or, with suffix "none",
with a pause. CR, LF and Tab each end a code whichever of them is configured, and
leading and trailing ones are ignored, so a scanner sending CRLF or Tab works with
"cr" too. An AIM symbology identifier (``]E0``) is stripped and kept as the hint. Garbage (control or non-ASCII bytes), a code without the configured prefix,
an over-long run and a code whose end never comes (stale after ``frame_timeout``)
are rejected with a message, never glued to the next scan.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from hardware.events import ScanEvent, ScanHandler
from hardware.reader import DeviceReader
from hardware.registry import Registry
from kiosk.i18n import _

log = logging.getLogger(__name__)

ErrorHandler = Callable[[str, str], None]  # (source name, message)


@dataclass(frozen=True)
class Frame:
    code: str = ""
    error: str = ""


def _printable(data: bytes) -> bool:
    return all(0x20 <= b < 0x7F for b in data)


class SerialFramer:
    def __init__(self, prefix: bytes = b"", terminator: bytes = b"\r", *, pause_s: float = 0.05,
                 max_length: int = 64, frame_timeout_s: float = 0.5):
        self.prefix = prefix
        self.terminator = terminator
        self.pause_s = pause_s
        self.max_length = max_length
        self.frame_timeout_s = frame_timeout_s
        self.buffer = bytearray()
        self.last_at = 0.0
        self.skipping = False  # inside the rest of a refused over-long run, up to its end

    def _frame(self, raw: bytes) -> Frame | None:
        raw = raw.strip(b"\r\n\t")
        if not raw:
            return None
        if self.prefix:
            if not raw.startswith(self.prefix):
                return Frame(error=_("code without the expected prefix {prefix}: {data}").format(
                    prefix=repr(self.prefix), data=repr(raw[:40])))
            raw = raw[len(self.prefix):]
        if len(raw) > self.max_length:
            return Frame(error=_("code longer than {n} characters refused").format(n=self.max_length))
        if not raw or not _printable(raw):
            return Frame(error=_("unreadable data from the scanner: {data}").format(data=repr(raw[:40])))
        return Frame(code=raw.decode("ascii"))

    def _next_end(self) -> tuple[int, int]:
        """Where the next code ends. CR, LF and Tab all end a code when the terminator
        is one of them, so "cr" also works with a scanner that sends CRLF or Tab."""
        if self.terminator in (b"\r", b"\n", b"\r\n", b"\t"):
            found = [i for i in (self.buffer.find(b"\r"), self.buffer.find(b"\n"), self.buffer.find(b"\t"))
                     if i >= 0]
            return (min(found), 1) if found else (-1, 0)
        return self.buffer.find(self.terminator), len(self.terminator)

    def feed(self, data: bytes, now: float) -> list[Frame]:
        out = self.poll(now) if data else []
        if not data:
            return out
        self.buffer.extend(data)
        self.last_at = now
        if self.terminator:
            while True:
                cut, size = self._next_end()
                if cut < 0:
                    break
                raw = bytes(self.buffer[:cut])
                del self.buffer[:cut + size]
                if self.skipping:
                    self.skipping = False
                    continue
                frame = self._frame(raw)
                if frame is not None:
                    out.append(frame)
        if len(self.buffer) > self.max_length + len(self.prefix) + 2:
            shown = bytes(self.buffer[:40])
            self.buffer.clear()
            if not self.skipping:
                self.skipping = True
                out.append(Frame(error=_("no end of code after {n} characters (wrong suffix setting or "
                                         "garbage?): {data}").format(n=self.max_length, data=repr(shown))))
        return out

    def poll(self, now: float) -> list[Frame]:
        """Call regularly: ends a pause-framed code, drops a stale partial one."""
        idle = now - self.last_at
        if not self.buffer:
            if self.skipping and idle >= (self.frame_timeout_s if self.terminator else self.pause_s):
                self.skipping = False  # silence ends a refused run too
            return []
        if not self.terminator and idle >= self.pause_s:
            raw = bytes(self.buffer)
            self.buffer.clear()
            if self.skipping:
                self.skipping = False
                return []
            frame = self._frame(raw)
            return [frame] if frame else []
        if self.terminator and idle >= self.frame_timeout_s:
            raw = bytes(self.buffer)
            self.buffer.clear()
            if self.skipping or not raw.strip(b"\r\n\t"):
                self.skipping = False
                return []
            return [Frame(error=_("incomplete code discarded (no end of code after {ms} ms): {data}").format(
                ms=f"{self.frame_timeout_s * 1000:.0f}", data=repr(raw[:40])))]
        return []


class SerialScanner(DeviceReader):
    """One serial scanner: its reader thread (``DeviceReader``) opens the port, frames
    what it reads with ``SerialFramer`` and reconnects after unplug/replug."""

    kind = "scanner"

    def __init__(self, name: str, url: str, on_scan: ScanHandler, registry: Registry, *, baudrate: int = 9600,
                 prefix: str = "", suffix: bytes = b"\r", pause_ms: int = 50, max_length: int = 64,
                 suffix_text: str = "",
                 frame_timeout_ms: int = 500, reconnect_s: float = 2.0, on_error: ErrorHandler | None = None):
        super().__init__(thread_name=f"scanner-{name}", reconnect_s=reconnect_s)
        self.name = name
        self.url = url
        self.baudrate = baudrate
        self.on_scan = on_scan
        self.on_error = on_error
        self.registry = registry
        self.suffix_text = suffix_text
        self.framer = SerialFramer(prefix.encode("latin-1"), suffix, pause_s=pause_ms / 1000,
                                   max_length=max_length, frame_timeout_s=frame_timeout_ms / 1000)
        registry.add(name, "scanner", info={"type": "serial", "device": url})

    def _deliver(self, frames: list[Frame]) -> None:
        for frame in frames:
            if frame.code:
                event = ScanEvent.read(frame.code, "serial", suffix=self.suffix_text)
                if event.code:
                    self.on_scan(event)
            else:
                log.warning("scanner %s: %s", self.name, frame.error)
                self.registry.update(self.name, last_event=_("rejected: {reason}").format(reason=frame.error),
                                     info={"last_rejected": frame.error})
                if self.on_error is not None:
                    self.on_error(self.name, frame.error)

    # --- DeviceReader steps ---------------------------------------------------------------
    def open_device(self):  # noqa: ANN201 - a serial.Serial
        import serial

        return serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.02)

    def read_device(self, port) -> None:  # noqa: ANN001
        while not self.stopping:
            data = port.read(256)
            now = time.monotonic()
            self._deliver(self.framer.feed(data, now) if data else self.framer.poll(now))

    def close_device(self, port) -> None:  # noqa: ANN001
        super().close_device(port)
        self.framer.buffer.clear()  # a code cut by the unplug is not glued to the next one

    def interrupt(self) -> None:
        port = self._device
        if port is not None:
            port.cancel_read()

    def report_open_failed(self, exc: Exception) -> None:
        self.registry.update(self.name, connected=False, last_error=f"{self.url}: {_short(exc)}")

    def report_connected(self, port) -> None:  # noqa: ANN001
        self.registry.update(self.name, connected=True, last_error="", last_event=_("connected"))

    def report_lost(self, exc: Exception) -> None:
        log.warning("scanner %s lost: %s", self.name, exc)
        self.registry.update(self.name, connected=False, last_error=f"{self.url}: disconnected ({_short(exc)})")


def _short(exc: BaseException) -> str:
    text = str(exc)
    if "could not open port" in text and "No such file" in text:
        return "not found (unplugged?)"
    return text.split("\n")[0][:160]
