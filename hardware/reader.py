"""The life of a device reader, once for every input device (the serial scanner, the
evdev scanner, the scale): open the device, read and frame what it sends until it
fails, close it, report each step, wait and open it again — in one daemon thread
that a stop ends promptly. In the spirit of pyserial's ``threaded.ReaderThread``
(which reads one port once); this one also reconnects, because a USB scanner or
scale is unplugged and plugged back while the kiosk runs.

A device module subclasses ``DeviceReader`` and fills in the steps:

- ``open_device()`` returns a handle or raises (the device is missing, busy, ...);
- ``read_device(handle)`` reads and frames until ``stopping`` (returns) or the
  device fails (raises). Returning while not stopping closes the device and opens
  it again at once (the scale does that after a long silence);
- ``close_device(handle)``; ``interrupt()`` wakes a blocking read when stopping;
- ``report_open_failed``, ``report_connected``, ``report_lost``: the device's state,
  to the hardware registry or the adapter's own status.

Framing stays a pure class of each device (``SerialFramer``, ``KeyDecoder``, the
scale protocols' decoders), fed by ``read_device`` and tested byte by byte.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)


class DeviceReader:
    """Open, read, frame, reconnect and report, in a thread of its own."""

    def __init__(self, *, thread_name: str, reconnect_s: float):
        self.thread_name = thread_name
        self.reconnect_s = reconnect_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._device: Any = None  # the open device, while a session runs

    # --- the steps a device fills in ------------------------------------------------------
    def open_device(self) -> Any:
        raise NotImplementedError

    def read_device(self, handle: Any) -> None:
        raise NotImplementedError

    def close_device(self, handle: Any) -> None:
        try:
            handle.close()
        except Exception:  # noqa: BLE001 - closing a vanished device may fail too
            pass

    def interrupt(self) -> None:
        """Wake a read blocked in the reader thread (called by ``stop``)."""

    def report_open_failed(self, exc: Exception) -> None:
        pass

    def report_connected(self, handle: Any) -> None:
        pass

    def report_lost(self, exc: Exception) -> None:
        pass

    def report_stopped(self) -> None:
        pass

    # --- life cycle ---------------------------------------------------------------------
    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> DeviceReader:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        try:
            self.interrupt()
        except Exception:  # noqa: BLE001 - the device may be gone already
            pass
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def pause(self) -> None:
        """Wait before the next attempt to open; a stop ends the wait at once."""
        self._stop.wait(self.reconnect_s)

    def _run(self) -> None:
        try:
            while not self.stopping:
                self._session()
        finally:
            self.report_stopped()

    def _session(self) -> None:
        try:
            handle = self.open_device()
        except Exception as exc:  # noqa: BLE001 - whatever the device library raises: not there yet
            self.report_open_failed(exc)
            self.pause()
            return
        self._device = handle
        failed = False
        try:
            self.report_connected(handle)
            self.read_device(handle)
        except Exception as exc:  # noqa: BLE001 - a failing device means "reconnect", never a dead thread
            failed = True
            if not self.stopping:
                self.report_lost(exc)
        finally:
            self._device = None
            self.close_device(handle)
        if failed:
            self.pause()
