"""hardware/reader.py: the one reader life (open, read and frame, report, reconnect,
stop) that the serial scanner, the evdev scanner and the scale share. The devices'
own tests (test_scanners.py, scale/) drive it through pseudo-terminals and recorded
key events; here a scripted device walks it through each step."""

from __future__ import annotations

import queue
import threading

from hardware.reader import DeviceReader
from hardware.registry import Registry
from hardware.scale.adapter import ScaleAdapter
from hardware.scanner_evdev import EvdevScanner
from hardware.scanner_serial import SerialScanner

WAIT_S = 30  # an upper bound for a loaded machine; every wait ends as soon as its condition holds


class Device:
    def __init__(self, name: str):
        self.name = name
        self.closed = threading.Event()
        self.unplug = threading.Event()
        self.fail_with: Exception = OSError("unplugged")

    def close(self) -> None:
        self.closed.set()


class Scripted(DeviceReader):
    """Opens what ``plugs`` holds (an exception: the device is missing); each session
    reads until its device is unplugged (raises) or the reader stops."""

    def __init__(self, plugs: list, reconnect_s: float = 0.01):
        super().__init__(thread_name="scripted", reconnect_s=reconnect_s)
        self.plugs = plugs
        self.log: queue.Queue[tuple[str, str]] = queue.Queue()

    def open_device(self) -> Device:
        step = self.plugs.pop(0) if self.plugs else OSError("nothing plugged")
        if isinstance(step, Exception):
            raise step
        return step

    def read_device(self, device: Device) -> None:
        while not self.stopping:
            if device.unplug.wait(0.01):
                raise device.fail_with

    def interrupt(self) -> None:
        self.log.put(("interrupt", ""))

    def report_open_failed(self, exc: Exception) -> None:
        self.log.put(("open failed", str(exc)))

    def report_connected(self, device: Device) -> None:
        self.log.put(("connected", device.name))

    def report_lost(self, exc: Exception) -> None:
        self.log.put(("lost", str(exc)))

    def report_stopped(self) -> None:
        self.log.put(("stopped", ""))


def next_report(reader: Scripted, kind: str) -> str:
    while True:
        got, detail = reader.log.get(timeout=WAIT_S)
        if got == kind:
            return detail


def test_open_fails_then_connects_loses_and_reconnects() -> None:
    first, second = Device("first"), Device("second")
    reader = Scripted([OSError("no such device"), first, second]).start()
    try:
        assert next_report(reader, "open failed") == "no such device"
        assert next_report(reader, "connected") == "first"
        first.unplug.set()
        assert next_report(reader, "lost") == "unplugged"
        assert first.closed.wait(WAIT_S)
        assert next_report(reader, "connected") == "second"
        assert reader.running
    finally:
        reader.stop()
    assert next_report(reader, "stopped") == ""
    assert second.closed.is_set() and not reader.running


def test_an_unexpected_error_reconnects_instead_of_ending_the_thread() -> None:
    broken, good = Device("broken"), Device("good")
    broken.fail_with = ValueError("a bug in a frame parser")
    reader = Scripted([broken, good]).start()
    try:
        next_report(reader, "connected")
        broken.unplug.set()
        assert next_report(reader, "lost") == "a bug in a frame parser"
        assert next_report(reader, "connected") == "good"
    finally:
        reader.stop()


def test_stop_ends_the_wait_between_attempts_and_wakes_the_read() -> None:
    reader = Scripted([OSError("missing")], reconnect_s=3600).start()
    next_report(reader, "open failed")
    reader.stop(timeout=WAIT_S)  # does not sit out the hour between attempts
    assert not reader.running
    assert next_report(reader, "interrupt") == "" and next_report(reader, "stopped") == ""


def test_a_stop_while_reading_is_not_reported_as_a_loss() -> None:
    device = Device("plugged")
    reader = Scripted([device]).start()
    next_report(reader, "connected")
    reader.stop(timeout=WAIT_S)
    assert device.closed.is_set()
    reports = [reader.log.get_nowait()[0] for _ in range(reader.log.qsize())]
    assert "lost" not in reports and reports[-1] == "stopped"


def test_every_input_device_is_a_device_reader() -> None:
    registry = Registry()
    serial = SerialScanner("s", "loop://", lambda e: None, registry)
    evdev = EvdevScanner("e", "/dev/input/missing", lambda e: None, registry)
    scale = ScaleAdapter("toledo8217", "loop://")
    assert all(isinstance(r, DeviceReader) for r in (serial, evdev, scale))
    assert {serial.thread_name, evdev.thread_name, scale.thread_name} == {"scanner-s", "scanner-e", "scale-toledo8217"}
