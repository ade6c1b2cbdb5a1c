"""USB printers: endpoints from the descriptors, the URL override, one open (no reset)
for every job and status poll, and finding the printer again after an unplug.

The pyusb device is emulated the way pyusb presents one (configuration -> interfaces
-> endpoints with their descriptor fields; write/read on endpoint addresses; the
kernel-driver calls) and answers DLE EOT like an ESC/POS printer."""

from __future__ import annotations

from functools import partial

import pytest
import usb.core

from hardware.printer.connection import open_link
from hardware.printer.receipt_printer import PrinterNotReady, ReceiptPrinter
from hardware.printer.status import status_bytes
from hardware.printer.usb import UsbDevices
from hardware.printer.worker import PrintWorker
from hardware.registry import Registry

BULK, INTERRUPT = 0x02, 0x03


class Endpoint:
    def __init__(self, address: int, kind: int = BULK):
        self.bEndpointAddress = address
        self.bmAttributes = kind


class Interface:
    def __init__(self, number: int, cls: int, *endpoints: Endpoint):
        self.bInterfaceNumber = number
        self.bInterfaceClass = cls
        self.endpoints = endpoints

    def __iter__(self):
        return iter(self.endpoints)


class EmulatedPrinter:
    """A pyusb Device as an ESC/POS printer shows it."""

    idVendor, idProduct = 0x0416, 0x5011

    def __init__(self, *interfaces: Interface, configured: bool = False):
        self.interfaces = interfaces or (Interface(0, 7, Endpoint(0x03), Endpoint(0x84)),)
        self.configured = configured
        self.kernel_driver = {i.bInterfaceNumber: True for i in self.interfaces}
        self.resets = self.set_configurations = 0
        self.detached: list[int] = []
        self.received: dict[int, bytearray] = {}
        self.answers = bytearray()
        self.plugged = True
        self.paper = "ok"

    # configuration and drivers
    def get_active_configuration(self):
        if not self.configured:
            raise usb.core.USBError("Configuration not set", errno=None)
        return list(self.interfaces)

    def set_configuration(self):
        self.set_configurations += 1
        self.configured = True

    def reset(self):
        self.resets += 1

    def is_kernel_driver_active(self, interface):
        return self.kernel_driver[interface]

    def detach_kernel_driver(self, interface):
        self.kernel_driver[interface] = False
        self.detached.append(interface)

    # data
    def _gone(self):
        if not self.plugged:
            raise usb.core.USBError("No such device (it may have been disconnected)", errno=19)

    def write(self, ep, data, timeout):
        self._gone()
        if not any(e.bEndpointAddress == ep for i in self.interfaces for e in i):
            raise usb.core.USBError("Invalid param", errno=22)
        data = bytes(data)
        self.received.setdefault(ep, bytearray()).extend(data)
        replies = status_bytes(paper=self.paper)
        i = data.find(b"\x10\x04")
        while i >= 0 and i + 2 < len(data):
            self.answers.append(replies[data[i + 2]])
            i = data.find(b"\x10\x04", i + 3)
        return len(data)

    def read(self, ep, size, timeout):
        self._gone()
        if not self.answers:
            raise usb.core.USBTimeoutError("Operation timed out", errno=110)
        out, self.answers[:] = bytes(self.answers[:size]), self.answers[size:]
        return out

    def job_bytes(self, ep: int) -> bytes:
        """What reached ``ep`` without the status queries."""
        data, out, i = bytes(self.received.get(ep, b"")), bytearray(), 0
        while i < len(data):
            if data[i:i + 2] == b"\x10\x04":
                i += 3
                continue
            out.append(data[i])
            i += 1
        return bytes(out)


class Finder:
    def __init__(self, device):
        self.device, self.calls = device, 0

    def __call__(self, **kwargs):
        self.calls += 1
        if self.device is None or not self.device.plugged:
            return None
        assert (kwargs["idVendor"], kwargs["idProduct"]) == (self.device.idVendor, self.device.idProduct)
        return self.device


def _printer(device, url="usb://0416:5011", **kwargs):
    finder = Finder(device)
    devices = UsbDevices(find=finder)
    return ReceiptPrinter(url, link_factory=partial(open_link, usb=devices), **kwargs), finder, devices


def test_endpoints_come_from_the_descriptors_and_the_device_is_opened_once():
    device = EmulatedPrinter()  # bulk OUT 0x03, bulk IN 0x84: not the classic 0x01/0x82
    printer, finder, devices = _printer(device, status_query="on", status_timeout=0.2)
    for n in range(3):
        outcome = printer.print_job(b"\x1b@ticket %d\n" % n)
        assert outcome.confirmed_by == "status"
        assert printer.status().paper == "ok"
    assert device.job_bytes(0x03) == b"\x1b@ticket 0\n\x1b@ticket 1\n\x1b@ticket 2\n"
    assert 0x01 not in device.received
    assert device.resets == 0
    assert device.set_configurations == 1 and finder.calls == 1 and devices.opened == 1
    assert device.detached == [0]


def test_an_already_configured_device_is_not_configured_again():
    device = EmulatedPrinter(configured=True)
    printer, _, _ = _printer(device)
    printer.print_job(b"hola\n")
    assert device.set_configurations == 0 and device.resets == 0
    assert device.job_bytes(0x03) == b"hola\n"


def test_the_printer_interface_of_a_composite_device_is_chosen():
    device = EmulatedPrinter(Interface(0, 3, Endpoint(0x81, INTERRUPT), Endpoint(0x01, INTERRUPT)),
                             Interface(1, 7, Endpoint(0x82), Endpoint(0x02)))
    printer, _, _ = _printer(device, status_query="on", status_timeout=0.2)
    printer.print_job(b"compuesto\n")
    assert device.job_bytes(0x02) == b"compuesto\n"
    assert device.detached == [1] and device.kernel_driver[0] is True


def test_url_endpoints_override_the_descriptors():
    device = EmulatedPrinter(Interface(0, 7, Endpoint(0x01), Endpoint(0x81), Endpoint(0x02), Endpoint(0x82)))
    printer, _, _ = _printer(device, "usb://0416:5011?out_ep=0x02&in_ep=0x82", status_query="on",
                             status_timeout=0.2)
    printer.print_job(b"forzado\n")
    assert device.job_bytes(0x02) == b"forzado\n" and 0x01 not in device.received


def test_a_printer_without_an_in_endpoint_prints_without_status():
    device = EmulatedPrinter(Interface(0, 7, Endpoint(0x01)))
    printer, _, _ = _printer(device)  # status_query "auto"
    assert printer.status() is None
    assert printer.print_job(b"solo salida\n").confirmed_by == "link"
    assert device.job_bytes(0x01) == b"solo salida\n"


def test_status_on_without_an_in_endpoint_is_a_clear_error():
    device = EmulatedPrinter(Interface(0, 7, Endpoint(0x01)))
    printer, _, _ = _printer(device, status_query="on")
    with pytest.raises(Exception, match='status_query = "on" needs a connection that can read'):
        printer.print_job(b"x")


def test_no_bulk_out_endpoint_names_the_fix():
    device = EmulatedPrinter(Interface(0, 3, Endpoint(0x81, INTERRUPT)))
    printer, _, _ = _printer(device)
    with pytest.raises(Exception, match=r"no interface with a bulk OUT endpoint.*out_ep="):
        printer.print_job(b"x")


def test_bad_endpoint_override_is_named():
    printer, _, _ = _printer(EmulatedPrinter(), "usb://0416:5011?out_ep=uno")
    with pytest.raises(Exception, match="out_ep='uno' is not an endpoint address"):
        printer.print_job(b"x")


def test_status_polls_of_the_print_worker_reuse_the_open_device(tmp_path):
    device = EmulatedPrinter()
    printer, finder, _ = _printer(device, status_query="on", status_timeout=0.2)

    class NoJobs:
        def flush(self): raise AssertionError("no jobs in this test")
        def counts(self): return {}
        def recover_interrupted(self): return 0
        def add_listener(self, callback): pass
        def remove_listener(self, callback): pass

    registry = Registry()
    worker = PrintWorker(NoJobs(), printer, registry)
    for _ in range(5):  # five 30 s polls
        assert worker.check().connected
    device.paper = "out"
    state = worker.check()
    assert state.info["problem"] == "paper_out"
    with pytest.raises(PrinterNotReady):
        printer.print_job(b"x")
    assert device.resets == 0 and finder.calls == 1 and device.set_configurations == 1


def test_unplugged_printer_is_found_again():
    device = EmulatedPrinter()
    printer, finder, devices = _printer(device)
    printer.print_job(b"uno\n")
    device.plugged = False
    with pytest.raises(Exception, match="disappeared in the middle of a job"):
        printer.print_job(b"dos\n")
    with pytest.raises(Exception, match=r"not found \(unplugged or switched off\?\)"):
        printer.print_job(b"dos\n")
    device.plugged = True
    device.configured = False  # re-enumerated after the replug
    printer.print_job(b"dos\n")
    assert device.job_bytes(0x03) == b"uno\ndos\n"
    assert devices.opened == 2 and device.resets == 0
