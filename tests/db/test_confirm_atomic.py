"""A sale never half-happens: the sale and its receipt's print job (with the drawer
decision) are one transaction; a receipt that cannot be laid out never stops a sale
(its job waits for staff); a database held by another writer is waited for and
retried, and after the limit nothing is stored and the cart is kept."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace

import pytest

from hardware.printer.decode import decode
from kiosk.app_factory import build
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.services.till import DatabaseBusy
from tests.conftest import make_settings
from tests.invariants import check_invariants


def _cart(app) -> Cart:
    cart = Cart()
    cart.add(app.catalog.by_sku("ESP-DOB"), 2)
    cart.add(app.catalog.by_sku("DET-LAV"), 1500)
    return cart


def _rows(app, sql: str) -> list[tuple]:
    conn = sqlite3.connect(app.db.path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_each_sale_is_stored_with_its_receipt_job_and_drawer_decision(demo_app, admin):
    app = demo_app
    cash = app.till.complete_sale(_cart(app), [Tender(PaymentMethod.CASH, 10000)], admin)
    card = app.till.complete_sale(_cart(app), [Tender(PaymentMethod.CARD, _cart(app).total)], admin)
    jobs = _rows(app, "SELECT sale_id, kind, status, drawer FROM print_jobs ORDER BY id")
    assert jobs == [(cash.sale_id, "receipt", "pending", "kick"), (card.sale_id, "receipt", "pending", "")]
    assert (cash.print_job, card.print_job) == tuple(j.id for j in reversed(app.printing.jobs()))
    # The job's bytes are the stored sale's receipt, with the kick for cash.
    for result, kick in ((cash, True), (card, False)):
        stored = app.printing.render(app.receipts.receipt(sale_id=result.sale_id), open_drawer=kick)
        assert app.printing.payload(result.print_job) == stored
    assert len(decode(app.printing.payload(cash.print_job)).kicks) == 1
    assert decode(app.printing.payload(card.print_job)).kicks == []
    check_invariants(app.db)


def test_a_failure_writing_the_receipt_job_stores_no_sale_and_keeps_the_cart(demo_app, admin):
    """Before: the sale was committed, then the receipt step raised - a sale without
    its ticket, cart cleared, and the cashier rang it again."""
    app = demo_app
    conn = app.db.raw_connection()
    conn.execute("CREATE TRIGGER test_no_jobs BEFORE INSERT ON print_jobs "
                 "BEGIN SELECT RAISE(ABORT, 'print queue refused'); END")
    cart = _cart(app)
    stock_before = app.catalog.by_sku("ESP-DOB").stock
    with pytest.raises(Exception, match="print queue refused"):
        app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, 10000)], admin)
    assert len(cart) == 2  # the cart is as it was
    assert _rows(app, "SELECT COUNT(*) FROM sales") == [(0,)]
    assert app.catalog.by_sku("ESP-DOB").stock == stock_before
    conn.execute("DROP TRIGGER test_no_jobs")
    conn.close()
    result = app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, 10000)], admin)  # the same cart, again
    assert result.number == 1 and cart.is_empty
    check_invariants(app.db)


def test_a_receipt_that_cannot_be_laid_out_never_stops_the_sale_and_waits_for_staff(demo_app, admin):
    """The receipt is laid out from the stored sale when its job is sent. A printer
    profile that cannot lay it out (before: the sale was stored, then rendering raised
    KeyError in Confirmar) leaves the sale done and its job ``interrupted`` with the
    reason; the tickets after it still print, and it prints once fixed and resent."""
    app = demo_app
    sent: list[bytes] = []
    app.printing.sender = sent.append
    good_layout = app.printing.layout
    app.printing.layout = replace(good_layout, profile="no-such-printer")
    cart = _cart(app)
    result = app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, 10000)], admin)
    assert cart.is_empty and result.number == 1
    flushed = app.printing.flush()
    assert sent == [] and flushed.printed == 0
    job = app.printing.jobs()[0]
    assert (job.id, job.status) == (result.print_job, "interrupted")
    assert "no-such-printer" in job.last_error
    app.printing.layout = good_layout
    later = app.till.complete_sale(_cart(app), [Tender(PaymentMethod.CARD, _cart(app).total)], admin)
    assert app.printing.flush().printed == 1 and len(sent) == 1  # the next ticket is not held up
    app.printing.retry(result.print_job)
    assert app.printing.flush().printed == 1
    assert sent[1] == app.printing.render(app.receipts.receipt(sale_id=result.sale_id))  # kick dropped: resent late
    assert app.printing.payload(later.print_job) == sent[0]
    check_invariants(app.db)


def test_a_receipt_whose_bytes_cannot_be_kept_still_prints(demo_app, admin):
    """Keeping the laid-out receipt with its job is a convenience: when that write
    fails (a busy database, here a trigger refusing it) the ticket is printed all the
    same, and laid out again, byte for byte, from the same sale if it is ever resent."""
    app = demo_app
    sent: list[bytes] = []
    app.printing.sender = sent.append
    conn = app.db.raw_connection()
    conn.execute("CREATE TRIGGER test_keep_nothing BEFORE UPDATE OF payload ON print_jobs "
                 "BEGIN SELECT RAISE(ABORT, 'not now'); END")
    conn.close()
    result = app.till.complete_sale(_cart(app), [Tender(PaymentMethod.CARD, _cart(app).total)], admin)
    assert app.printing.flush().printed == 1
    assert sent == [app.printing.render(app.receipts.receipt(sale_id=result.sale_id))]
    assert app.printing.jobs()[0].status == "printed"
    assert app.printing.payload(result.print_job) == sent[0]


def _hold_write_lock(path, seconds: float, started: threading.Event) -> threading.Thread:
    """Another connection takes SQLite's write lock (as an import or a backup does) and
    keeps it for ``seconds``."""
    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()
    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert started.wait(10)
    return thread


def test_a_busy_database_is_waited_for_and_the_sale_stored_once(demo_app, admin):
    app = demo_app
    started = threading.Event()
    # Longer than one attempt (SQLite's 5 s busy timeout), shorter than the limit (15 s).
    holder = _hold_write_lock(app.db.path, 6.5, started)
    waits: list[int] = []
    cart = _cart(app)
    result = app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, 10000)], admin, on_wait=waits.append)
    holder.join()
    assert waits and waits[0] == 1  # it was retried, and said so before retrying
    assert result.number == 1 and cart.is_empty
    assert _rows(app, "SELECT number FROM sales") == [(1,)]
    assert _rows(app, "SELECT sale_id, drawer FROM print_jobs") == [(result.sale_id, "kick")]
    check_invariants(app.db)


def test_a_database_busy_past_the_limit_stores_nothing_and_keeps_the_cart(state_dir):
    app = build(make_settings(state_dir, sales={"save_timeout_s": 1}))
    try:
        from kiosk.demo import load_demo

        load_demo(app.db, app.state_dir)
        admin = app.users.authenticate("000000")
        started = threading.Event()
        holder = _hold_write_lock(app.db.path, 7, started)
        cart = _cart(app)
        with pytest.raises(DatabaseBusy) as raised:
            app.till.complete_sale(cart, [Tender(PaymentMethod.CARD, cart.total)], admin)
        assert "NO se guardó" in str(raised.value) and "carrito se conserva" in str(raised.value)
        assert len(cart) == 2
        assert _rows(app, "SELECT COUNT(*) FROM sales") == [(0,)]
        holder.join()
        assert app.till.complete_sale(cart, [Tender(PaymentMethod.CARD, cart.total)], admin).number == 1
        check_invariants(app.db)
    finally:
        app.close()


def test_gpio_drawer_request_is_stored_with_the_sale_and_never_performed_late(state_dir):
    app = build(make_settings(state_dir, drawer={"mode": "gpio", "gpio_pin": 22}))
    try:
        from kiosk.demo import load_demo

        load_demo(app.db, app.state_dir)
        admin = app.users.authenticate("000000")
        # Devices not started: the relay cannot pulse, and the stored decision says so.
        result = app.till.complete_sale(_cart(app), [Tender(PaymentMethod.CASH, 10000)], admin)
        assert app.printing.drawer_state(result.print_job) == "failed"
        assert decode(app.printing.payload(result.print_job)).kicks == []  # the relay opens it, not the printer
        # A request the kiosk had stored but not performed when it stopped (written as the
        # sale transaction writes it) is marked missed at the next start, never pulsed then.
        with app.db.write_connection() as conn:
            job = app.printing.insert_job(conn, b"x", "receipt", result.sale_id, drawer="relay")
        app.printing.recover_interrupted()
        assert app.printing.drawer_state(job) == "missed"
        assert [j.drawer for j in app.printing.jobs()] == ["missed", "failed"]
    finally:
        app.close()
