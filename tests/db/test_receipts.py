import socket
import threading
from dataclasses import replace

import pytest

from hardware.printer import connection as printer_conn
from hardware.printer.receipt import ReceiptLayout, receipt_text_lines, render_receipt
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.receipt import ShopInfo
from kiosk.services.inventory import InventoryService, ProductDraft
from kiosk.core.units import SaleMode, Uom


@pytest.fixture
def sold(app, admin):
    inv = InventoryService(app.db)
    inv.create_product(ProductDraft("JAB", "Jabón Líquido Lavanda", SaleMode.VOLUME, Uom.L, 400, tax_rate_bp=1900))
    inv.create_product(ProductDraft("ANO", "Cepillo Año Nuevo ñandú", SaleMode.UNIT, Uom.UNIT, 250))
    cart = Cart()
    cart.add(app.catalog.by_sku("JAB"), 1500)
    cart.add(app.catalog.by_sku("ANO"), 2)
    result = app.sales.checkout(cart, [Tender(PaymentMethod.CASH, 2000)], admin.id)
    shop = ShopInfo("Jabonería Doña Año", "Calle Ñ 12", "900123456-7", "555-1234", "¡Gracias!")
    from kiosk.services.receipts import ReceiptService
    return ReceiptService(app.sales, shop).receipt(sale_id=result.sale_id)


def test_spanish_text_through_the_selected_code_page(sold):
    data = render_receipt(sold)
    assert b"\x1bt\x02" in data  # ESC t 2 = CP850
    text = data.decode("cp850", errors="strict")
    for word in ("Jabón", "Año", "ñ", "Doña", "COPIA" if sold.copy else "Venta V000001", "Cambio", "$11,00", "$9,00"):
        assert word in text
    assert "Jab\u00f3n".encode("cp850") in data and "Jabón".encode("utf-8") not in data


@pytest.mark.parametrize("columns", [32, 42, 48])
def test_lines_fit_the_paper_width(sold, columns):
    lines = receipt_text_lines(sold, columns)
    assert all(len(line) <= columns for line in lines)
    assert any("1,5 L" in line for line in lines)


def test_copy_is_marked_and_drawer_kick_and_sale_code(sold):
    data = render_receipt(replace(sold, copy=True), ReceiptLayout(drawer_pin=2, sale_code="qr"))
    assert "*** COPIA ***".encode("cp850") in data
    assert b"\x1bp\x00" in data  # ESC p 0: kick pin 2
    assert b"\x1d(k" in data and b"V000001" in data  # native QR carries the reference
    data = render_receipt(sold, ReceiptLayout(sale_code="code128"))
    assert b"\x1dk" in data and b"{BV000001" in data
    assert data.endswith(b"\x1dV\x00") or b"\x1dV" in data[-8:]


def test_file_connection_appends_jobs(tmp_path, sold):
    target = tmp_path / "lp0"
    printer_conn.send(f"file://{target}", b"one")
    printer_conn.send(f"file://{target}", b"two")
    assert target.read_bytes() == b"onetwo"
    with pytest.raises(printer_conn.PrinterError, match="no such device"):
        printer_conn.send("file:///nonexistent-dir/lp0", b"x")


def _tcp_printer():
    """A listening socket on 127.0.0.1 that stores what each connection sent."""
    srv = socket.create_server(("127.0.0.1", 0))
    jobs = []

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while data := conn.recv(4096):
                    chunks.append(data)
                jobs.append(b"".join(chunks))
    threading.Thread(target=serve, daemon=True).start()
    return srv, jobs


def _stop(srv):
    srv.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() so the port really closes
    srv.close()


def test_network_printer_receives_the_whole_job_and_queue_survives_offline(app, admin, sold):
    srv, jobs = _tcp_printer()
    port = srv.getsockname()[1]
    payload = render_receipt(sold)
    printer_conn.send(f"tcp://127.0.0.1:{port}", payload)
    assert jobs == [payload]
    _stop(srv)
    # printer gone: the job stays in the queue, the error is clear
    from functools import partial
    from kiosk.services.printing import PrintQueue
    queue = PrintQueue(app.db, partial(printer_conn.send, f"tcp://127.0.0.1:{port}", timeout=1))
    queue.enqueue(payload, sale_id=1)
    result = queue.flush()
    assert result.printed == 0 and result.pending == 1 and "127.0.0.1" in result.error
    # back online: printed once, then nothing more to send
    srv2, jobs2 = _tcp_printer()
    queue.sender = partial(printer_conn.send, f"tcp://127.0.0.1:{srv2.getsockname()[1]}", timeout=1)
    assert queue.flush().printed == 1
    assert queue.flush().printed == 0
    _stop(srv2)
    assert jobs2 == [payload]
