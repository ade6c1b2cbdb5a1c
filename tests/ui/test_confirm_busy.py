"""Confirmar on the real screen while another writer holds the database (as a large
import, a stock count or a backup does): "Guardando…" is shown and the screen keeps
drawing; when the lock goes the sale is stored once with its receipt job and drawer
decision. Held past the limit, or on any error: nothing is stored, the cart is kept,
a message says so and the kiosk keeps running."""

from __future__ import annotations

import sqlite3

from hardware.printer.decode import decode
from kiosk.demo import demo_barcodes
from tests.invariants import check_invariants
from tests.conftest import ADMIN_PIN

CODES = demo_barcodes()


def _rows(ui, sql: str) -> list[tuple]:  # noqa: ANN001
    conn = sqlite3.connect(ui.state_dir / "kiosk.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _to_checkout(ui) -> object:  # noqa: ANN001
    ui.burst(CODES["PAN-MIC"][0])
    ui.burst(CODES["ESP-DOB"][0])
    ui.until(lambda: len(ui.app.cart) == 2, what="two cart lines")
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.tap(ui.find_text("$10,00", co.ids.notes))
    assert co.can_confirm
    return co


def _lock(ui) -> sqlite3.Connection:  # noqa: ANN001
    """Another connection to the same file takes the write lock."""
    other = sqlite3.connect(ui.state_dir / "kiosk.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_confirm_waits_for_a_busy_database_showing_saving(seller) -> None:
    ui = seller
    co = _to_checkout(ui)
    blocker = _lock(ui)
    try:
        ui.tap(co.ids.confirm)
        ui.until(lambda: co.ids.confirm.text == "Guardando…", what="Guardando… on the button")
        assert co.ids.confirm.disabled and co.busy
        ui.screenshot("checkout-saving")
        from kivy.clock import Clock

        frames = Clock.frames
        ui.wait(1.5)  # the UI loop keeps drawing while the sale waits for the lock
        assert Clock.frames > frames + 5
        assert ui.current == "checkout" and len(ui.app.cart) == 2
        assert _rows(ui, "SELECT COUNT(*) FROM sales") == [(0,)]
        # A second tap and the Enter key while saving do nothing.
        co.confirm()
        ui.enter()
        assert "Guardando…" in ui.visible_texts(co)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    ui.until(lambda: ui.current == "done", timeout=30, what="the sale stored after the lock was released")
    assert ui.app.cart.is_empty
    sales = _rows(ui, "SELECT id, number FROM sales")
    assert [n for _i, n in sales] == [1]
    jobs = _rows(ui, "SELECT sale_id, kind, drawer FROM print_jobs")
    assert jobs == [(sales[0][0], "receipt", "kick")]  # cash: the kick travels inside the receipt
    ui.app.wait_printing()
    assert len(decode(ui.printed()).kicks) == 1
    check_invariants(ui.app.services.db)


def test_lock_held_past_the_limit_keeps_the_cart_and_the_app(make_ui) -> None:
    ui = make_ui(sales={"save_timeout_s": 1})
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    co = _to_checkout(ui)
    blocker = _lock(ui)
    try:
        ui.tap(co.ids.confirm)
        ui.until(lambda: co.ids.confirm.text == "Guardando…", what="Guardando…")
        # SQLite waits its busy timeout (5 s), then the till gives up: its limit is 1 s.
        ui.until(lambda: not co.busy, timeout=40, what="the sale given up")
        strip = co.ids.message
        assert strip.level == "error" and "La venta NO se guardó" in strip.text
        assert "El carrito se conserva" in strip.text
        ui.screenshot("checkout-not-saved")
        assert ui.current == "checkout" and len(ui.app.cart) == 2
        assert co.ids.confirm.text == "Confirmar" and not co.ids.confirm.disabled
        assert _rows(ui, "SELECT COUNT(*) FROM sales") == [(0,)]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    ui.wait(0.3)  # the app is alive: frames still run
    ui.app.toggle_theme()  # (stores the preference: only once the database is free)
    ui.resize(1280, 800)
    assert "La venta NO se guardó" in co.ids.message.text
    ui.screenshot("checkout-not-saved")  # night, larger screen: the whole message still reads
    ui.app.toggle_theme()
    ui.resize(800, 480)
    ui.confirm_sale()  # the same cart, once the database is free
    assert _rows(ui, "SELECT number FROM sales") == [(1,)]
    assert _rows(ui, "SELECT COUNT(*) FROM print_jobs") == [(1,)]
    check_invariants(ui.app.services.db)


def test_an_error_storing_the_receipt_stores_no_sale_and_keeps_the_cart(seller) -> None:
    """Before: the sale was committed, then queueing its receipt raised, the exception
    left the Kivy loop and the whole kiosk exited with the cart cleared."""
    ui = seller
    co = _to_checkout(ui)
    conn = sqlite3.connect(ui.state_dir / "kiosk.db")
    conn.execute("CREATE TRIGGER test_no_jobs BEFORE INSERT ON print_jobs "
                 "BEGIN SELECT RAISE(ABORT, 'print queue refused'); END")
    conn.commit()
    ui.tap(co.ids.confirm)
    ui.until(lambda: not co.busy and co.ids.message.shown, timeout=30, what="the error message")
    assert "La venta NO se guardó por un error inesperado" in co.ids.message.text
    assert ui.current == "checkout" and len(ui.app.cart) == 2
    assert _rows(ui, "SELECT COUNT(*) FROM sales") == [(0,)]
    conn.execute("DROP TRIGGER test_no_jobs")
    conn.commit()
    conn.close()
    ui.confirm_sale()
    assert _rows(ui, "SELECT number FROM sales") == [(1,)]
    check_invariants(ui.app.services.db)
