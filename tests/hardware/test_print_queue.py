"""The durable print queue against a fake network printer on 127.0.0.1 that answers
DLE EOT and can go offline, run out of paper or drop the link mid-job: every job is
kept, each is printed exactly once when the printer recovers, the selling screen's
banner says what is wrong, and a restart loses nothing."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from sqlalchemy import update

from db.models import PrintJob
from hardware.printer.decode import decode
from hardware.printer.receipt_printer import ReceiptPrinter
from hardware.printer.connection import UsbLink
from hardware.printer.status import status_bytes
from kiosk import i18n
from kiosk.app_factory import build
from kiosk.config import ConfigError
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.units import SaleMode, Uom
from kiosk.printer_url import parse_printer_url
from kiosk.services.inventory import InventoryService, ProductDraft
from kiosk.services.printing import PrintQueue
from tests.conftest import make_settings
from tests.hardware.conftest import wait_until


def _app(hw_settings, url, **printer):
    app = build(hw_settings(printer={"url": url, **printer}))
    InventoryService(app.db).create_product(ProductDraft("ESP", "Esponja doble uso", SaleMode.UNIT, Uom.UNIT, 60))
    return app


def _sell(app, method=PaymentMethod.CASH):
    user = app.users.authenticate(app.settings.security.default_admin_pin)
    cart = Cart()
    cart.add(app.catalog.by_sku("ESP"), 2)
    return app.till.complete_sale(cart, [Tender(method, 500 if method is PaymentMethod.CASH else 120)], user)


def _printed(app) -> int:
    return app.printing.counts().get("printed", 0)


def test_every_job_kept_and_printed_once_through_paper_out_offline_and_a_dropped_link(hw_settings, sim_printer):
    app = _app(hw_settings, sim_printer.url, status_query="on")
    app.hardware.start()
    try:
        _sell(app)
        wait_until(lambda: len(sim_printer.jobs) == 1)
        assert decode(sim_printer.jobs[0]).kicks, "a cash sale printed at once kicks the drawer"
        assert app.hardware.printer_banner() == ""

        sim_printer.set_mode("paper_out")
        first, second = _sell(app), _sell(app, PaymentMethod.CARD)
        banner = wait_until(lambda: app.hardware.printer_banner() == "Impresora sin papel — 2 tickets pendientes")
        assert banner and sim_printer.discarded == []  # nothing was sent into the empty printer

        sim_printer.set_mode("offline")  # switched off: the port refuses connections
        app.till.reprint(first.sale_id, app.users.get(name="Administrador"))
        wait_until(lambda: app.hardware.printer_banner() == "Impresora desconectada — 3 tickets pendientes")
        state = app.hardware.devices()[0]
        assert state.name == "printer" and not state.ok and state.status == "Impresora desconectada"

        sim_printer.drop_jobs(1, after=40)  # the cable comes out in the middle of the next job
        sim_printer.set_mode("online")
        wait_until(lambda: _printed(app) == 4, timeout=10)
        assert len(sim_printer.fragments) == 1 and len(sim_printer.fragments[0]) == 40
        texts = [decode(job).text for job in sim_printer.jobs]
        assert len(texts) == 4 and len(set(texts)) == 4  # nothing printed twice
        assert [("COPIA" in t, f"V{n:06d}" in t) for t, n in zip(texts[1:], (2, 3, 2))] == [
            (False, True), (False, True), (True, True)]  # in order: sale 2, sale 3, copy of sale 2
        assert not any(decode(job).kicks for job in sim_printer.jobs[1:]), "a late receipt must not open the drawer"
        assert first.sale_id != second.sale_id
        wait_until(lambda: app.hardware.printer_banner() == "")
    finally:
        app.close()
    assert app.printing.counts() == {"printed": 4}


def test_an_unprinted_job_survives_a_restart(hw_settings, sim_printer):
    sim_printer.set_mode("offline")
    app = _app(hw_settings, sim_printer.url)
    app.hardware.start()
    _sell(app)
    wait_until(lambda: app.hardware.printer_summary().problem == "unreachable")
    app.close()  # the kiosk stops with the job unprinted

    sim_printer.set_mode("online")
    again = build(app.settings)
    again.hardware.start()
    try:
        wait_until(lambda: len(sim_printer.jobs) == 1)
        wait_until(lambda: _printed(again) == 1)
    finally:
        again.close()
    assert "V000001" in decode(sim_printer.jobs[0]).text


def test_a_crash_between_send_and_mark_is_not_reprinted_by_itself(hw_settings, sim_printer):
    app = _app(hw_settings, sim_printer.url)
    job = app.till.reprint(_sell_no_print(app), app.users.get(name="Administrador"))
    with app.db.write() as s:  # what a power cut right after sending leaves behind
        s.execute(update(PrintJob).where(PrintJob.id == job).values(status="sending"))
    app.hardware.start()
    try:
        wait_until(lambda: app.printing.counts().get("interrupted") == 1)
        assert "1 ticket puede no haberse impreso" in app.hardware.printer_banner()
        assert sim_printer.jobs == []
        app.printing.retry(job)  # staff decide to reprint it
        wait_until(lambda: len(sim_printer.jobs) == 1)
    finally:
        app.close()
    assert app.hardware.printer_banner() == ""


def _sell_no_print(app) -> int:
    user = app.users.authenticate(app.settings.security.default_admin_pin)
    cart = Cart()
    cart.add(app.catalog.by_sku("ESP"), 1)
    return app.sales.checkout(cart, [Tender(PaymentMethod.CARD, 60)], user.id).sale_id


def test_nonsense_to_dle_eot_prints_anyway_and_says_why(hw_settings, sim_printer):
    sim_printer.status = "garbage"
    app = _app(hw_settings, sim_printer.url)  # status_query = "auto"
    app.hardware.start()
    try:
        _sell(app)
        wait_until(lambda: _printed(app) == 1)
        assert len(sim_printer.jobs) == 1
        note = app.hardware.printer.status_note
        assert "not an ESC/POS status byte" in note and "3f" in note
        wait_until(lambda: "not an ESC/POS" in (app.hardware.registry.get("printer").info.get("status_note") or ""))
    finally:
        app.close()


def test_status_required_but_never_answered_keeps_the_job(hw_settings, sim_printer):
    sim_printer.status = "silent"
    app = _app(hw_settings, sim_printer.url, status_query="on", timeout_s=0.5)
    try:
        _sell(app)
        result = app.printing.flush()
        assert result.printed == 0 and result.pending == 1
        assert "did not answer DLE EOT 1" in result.error and 'status_query = "on"' in result.error
        assert sim_printer.jobs == []
    finally:
        app.close()


def test_usb_printer_unplugged_mid_job_keeps_the_job(app):
    """pyusb reports ENODEV when the printer is pulled out half-way through a write."""
    import usb.core

    class Printer:  # the pyusb device as the printer's USB interface behaves
        def __init__(self, fail_after: int | None):
            self.fail_after, self.data = fail_after, bytearray()

        def write(self, ep, data, timeout):
            if self.fail_after is not None and len(self.data) >= self.fail_after:
                raise usb.core.USBError("No such device (it may have been disconnected)", errno=19)
            self.data.extend(data)
            return len(data)

        def read(self, ep, size, timeout):
            raise usb.core.USBTimeoutError("timeout", errno=110)

    device = Printer(fail_after=4096)
    url = parse_printer_url("usb://04b8:0202")
    printer = ReceiptPrinter(url, link_factory=lambda u, t: UsbLink(u, t, device=device))
    queue = PrintQueue(app.db, printer)
    payload = b"\x1b@" + b"Recibo largo\n" * 1000
    job = queue.enqueue(payload)
    result = queue.flush()
    assert result.printed == 0 and result.pending == 1
    assert "disappeared in the middle of a job (unplugged?)" in result.error and result.problem == "unreachable"
    device.fail_after = None  # plugged in again
    device.data.clear()
    assert queue.flush().printed == 1 and bytes(device.data) == payload
    assert queue.flush().printed == 0
    assert queue.jobs()[0].id == job and queue.jobs()[0].status == "printed"


def test_usblp_device_that_goes_away_mid_job(app):
    """file:///dev/usb/lp0 style: the character device hangs up while the job is written."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    got = bytearray()

    def printer_side():
        while len(got) < 2000:
            got.extend(os.read(master, 1024))
        os.close(master)  # unplugged
    reader = threading.Thread(target=printer_side)
    reader.start()
    queue = PrintQueue(app.db, ReceiptPrinter(f"file://{path}", timeout=2.0))
    queue.enqueue(b"x" * 200_000)
    result = queue.flush()
    reader.join(5)
    os.close(slave)
    assert len(got) >= 2000  # part of the job went out before the device vanished
    assert result.printed == 0 and result.pending == 1
    assert path in result.error and ("went away" in result.error or "no such device" in result.error)


def test_serial_printer_with_status_on_a_pseudo_terminal(app):
    master, slave = os.openpty()
    path = os.ttyname(slave)
    received = bytearray()
    stop = threading.Event()

    def printer_side():  # answers DLE EOT like a printer with paper
        replies = status_bytes()
        buf = b""
        while not stop.is_set():
            try:
                buf += os.read(master, 4096)
            except OSError:
                return
            while b"\x10\x04" in buf and len(buf) >= buf.index(b"\x10\x04") + 3:
                i = buf.index(b"\x10\x04")
                received.extend(buf[:i])
                os.write(master, bytes([replies[buf[i + 2]]]))
                buf = buf[i + 3:]
    t = threading.Thread(target=printer_side, daemon=True)
    t.start()
    printer = ReceiptPrinter(f"serial://{path}?baudrate=19200", status_query="on")
    outcome = printer.print_job(b"\x1b@Hola serie\n")
    stop.set()
    os.close(slave)
    assert outcome.confirmed_by == "status" and outcome.status.problem is None
    assert bytes(received).endswith(b"\x1b@Hola serie\n")


def test_printer_that_keeps_the_connection_open_still_counts_as_printed(app):
    """Without status, a printer that never closes its side: every byte acknowledged
    by its TCP stack is taken as delivered (no timeout error, no second copy)."""
    srv = socket.create_server(("127.0.0.1", 0))
    held = []

    def serve():
        conn, _ = srv.accept()
        held.append(conn)
        while conn.recv(4096):
            pass
    threading.Thread(target=serve, daemon=True).start()
    printer = ReceiptPrinter(f"tcp://127.0.0.1:{srv.getsockname()[1]}", timeout=0.5, status_query="off")
    assert printer.print_job(b"\x1b@job\n").confirmed_by == "link"
    srv.close()


def test_wrong_printer_url_in_config_names_the_key_and_the_forms(state_dir):
    with pytest.raises(ConfigError) as err:
        make_settings(state_dir, printer={"url": "usb://epson"})
    text = str(err.value)
    assert "[printer] url" in text and "vendor:product" in text and "tcp://HOST:9100" in text


def test_banner_in_english_and_no_printer(hw_settings):
    app = _app(hw_settings, "none")
    try:
        app.hardware.start()
        _sell(app)
        assert app.hardware.printer_banner() == ""  # a shop without printer is not a fault
        i18n.configure(language="en")
        app.hardware.registry.update("printer", available=True, connected=False, last_error="x",
                                     info={"problem": "paper_out"})
        assert app.hardware.printer_banner() == "Printer out of paper — 1 ticket pending"
    finally:
        app.close()
