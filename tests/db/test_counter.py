"""The counter service on a real, migrated SQLite file: carts stored line by line and
restored after a restart, deleted in the sale's transaction, re-priced when a manager
changes a price, and never stalled by another writer holding the database."""

from __future__ import annotations

import dataclasses

import pytest

from kiosk.app_factory import build
from kiosk.core.cart import LineEntry
from kiosk.core.errors import InsufficientTender
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.scanning import ScanEvent
from kiosk.demo import demo_barcodes
from kiosk.services.counter import PricesChanged
from tests.conftest import make_settings

SPONGE = demo_barcodes()["ESP-DOB"][0]


def stored_lines(app) -> list[tuple]:  # noqa: ANN001
    with app.db.raw_connection() as conn:
        return conn.execute("SELECT c.user_id, l.line_no, l.quantity, l.entry, l.fixed_total, l.unit_price "
                            "FROM cart_lines l JOIN carts c ON c.id = l.cart_id ORDER BY l.line_no").fetchall()


def cash(amount: int) -> list[Tender]:
    return [Tender(PaymentMethod.CASH, amount)]


def test_every_change_is_stored_and_a_restart_restores_the_cart(demo_app, admin, state_dir) -> None:
    counter = demo_app.counter
    gloves = demo_app.catalog.by_sku("GUA-NIT")
    detergent = demo_app.catalog.by_sku("DET-LAV")
    counter.scan(admin.id, ScanEvent(SPONGE, "wedge"))
    counter.scan(admin.id, ScanEvent(SPONGE, "wedge"))
    line = counter.add(admin.id, gloves, 3).line
    counter.add_amount(admin.id, detergent, 500)
    counter.set_quantity(admin.id, line.id, 2)
    assert demo_app.carts.flush(10)
    assert [(q, e, f) for _u, _n, q, e, f, _p in stored_lines(demo_app)] == [
        (2, "count", None), (2, "count", None), (1562, "amount", 500)]
    demo_app.close()

    again = build(make_settings(state_dir))  # the kiosk starts again (a crash, a power cut)
    try:
        view = again.counter.open(admin.id)
        assert [(ln.product.sku, ln.quantity, ln.entry) for ln in view.lines] == [
            ("ESP-DOB", 2, LineEntry.COUNT), ("GUA-NIT", 2, LineEntry.COUNT), ("DET-LAV", 1562, LineEntry.AMOUNT)]
        assert view.total == 2 * demo_app.catalog.by_sku("ESP-DOB").price + 2 * gloves.price + 500
        assert view.notices == ()
        # Line ids go on from the restored ones; removing and emptying are stored too.
        new = again.counter.scan(admin.id, ScanEvent(demo_barcodes()["PAN-MIC"][0], "wedge"))
        assert new.line.id == 4
        again.counter.remove(admin.id, view.lines[0].id)
        assert again.carts.flush(10)
        assert [n for _u, n, *_ in stored_lines(again)] == [2, 3, 4]
        again.counter.clear(admin.id)
        assert again.carts.flush(10)
        assert stored_lines(again) == []
    finally:
        again.close()


def test_the_sale_deletes_its_cart_in_its_own_transaction(demo_app, admin) -> None:
    counter = demo_app.counter
    counter.scan(admin.id, ScanEvent(SPONGE, "wedge"))
    total = counter.cart(admin.id).total
    with pytest.raises(InsufficientTender):
        counter.checkout(admin, cash(total - 1))
    assert demo_app.carts.flush(10) and len(stored_lines(demo_app)) == 1  # nothing sold: the cart stays
    result = counter.checkout(admin, cash(total))
    assert result.number == 1
    assert stored_lines(demo_app) == []
    with demo_app.db.raw_connection() as conn:
        assert conn.execute("SELECT COUNT(*) FROM carts").fetchone()[0] == 0
    assert counter.cart(admin.id).is_empty  # a new cart for the next customer
    seen = []
    counter.subscribe(seen.append)
    counter.scan(admin.id, ScanEvent(SPONGE, "wedge"))
    assert seen and seen[-1].count == 1 and seen[-1].touched == seen[-1].lines[0].id


def test_a_price_changed_by_a_manager_reprices_the_line_with_a_notice(demo_app, admin) -> None:
    counter = demo_app.counter
    seen = []
    counter.subscribe(seen.append)
    counter.scan(admin.id, ScanEvent(SPONGE, "wedge"))
    sponge = demo_app.catalog.by_sku("ESP-DOB")
    draft = demo_app.inventory.product_draft(sponge.id)
    demo_app.inventory.update_product(sponge.id, dataclasses.replace(draft, price=sponge.price + 100), admin)
    # Paying now: the sale is refused, the cart re-priced and the new total announced.
    with pytest.raises(PricesChanged) as info:
        counter.checkout(admin, cash(sponge.price))
    assert sponge.name in str(info.value)
    assert counter.cart(admin.id).total == sponge.price + 100
    assert seen[-1].repriced and seen[-1].repriced[0].new_price == sponge.price + 100
    assert sponge.name in seen[-1].notices[0]
    with demo_app.db.raw_connection() as conn:
        assert conn.execute("SELECT COUNT(*) FROM sales").fetchone()[0] == 0
    # Changed again while in the cart: the next cart change re-prices it, with a notice.
    demo_app.inventory.update_product(sponge.id, dataclasses.replace(draft, price=sponge.price + 200), admin)
    counter.scan(admin.id, ScanEvent(SPONGE, "wedge"))
    assert counter.cart(admin.id).lines[0].quantity == 2
    assert counter.cart(admin.id).total == 2 * (sponge.price + 200)
    assert any(sponge.name in n for n in seen[-1].notices)
    assert counter.checkout(admin, cash(2 * (sponge.price + 200))).total == 2 * (sponge.price + 200)


def test_a_product_taken_off_sale_before_confirmar_leaves_the_cart_with_a_notice(demo_app, admin) -> None:
    """*Confirmar* does not re-read the cart's products before the sale: the sale's own
    transaction finds the product inactive, and the cashier gets the same outcome as a
    cart change would give (the line gone, a notice, the new total), nothing stored."""
    counter = demo_app.counter
    seen = []
    counter.subscribe(seen.append)
    for sku in ("PAN-MIC", "ESP-DOB"):
        counter.scan(admin.id, ScanEvent(demo_barcodes()[sku][0], "wedge"))
    sponge = demo_app.catalog.by_sku("ESP-DOB")
    cloth = demo_app.catalog.by_sku("PAN-MIC")
    demo_app.inventory.set_active(sponge.id, False, admin)
    with pytest.raises(PricesChanged) as info:
        counter.checkout(admin, cash(sponge.price + cloth.price))
    assert sponge.name in str(info.value)
    assert [ln.product.sku for ln in counter.cart(admin.id).lines] == ["PAN-MIC"]
    assert counter.cart(admin.id).total == cloth.price
    assert any(sponge.name in n for n in seen[-1].notices)
    with demo_app.db.raw_connection() as conn:
        assert conn.execute("SELECT COUNT(*) FROM sales").fetchone()[0] == 0
    assert demo_app.carts.flush(10)
    assert [n for _u, n, *_ in stored_lines(demo_app)] == [1]  # the stored cart follows
    assert counter.checkout(admin, cash(cloth.price)).total == cloth.price


def test_a_busy_database_neither_stalls_nor_loses_a_cart_change(demo_app, admin) -> None:
    counter = demo_app.counter
    blocker = demo_app.db.raw_connection()
    blocker.execute("BEGIN IMMEDIATE")  # an import or a backup holds the write lock
    try:
        for _ in range(3):  # a write on this thread would raise "database is locked" after the busy timeout
            counter.scan(admin.id, ScanEvent(SPONGE, "wedge"))
        assert counter.cart(admin.id).lines[0].quantity == 3
        assert not demo_app.carts.flush(0.5)  # waiting for the database, in order
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert demo_app.carts.flush(30)
    assert [q for _u, _n, q, *_ in stored_lines(demo_app)] == [3]


def test_lines_taken_out_and_put_back_are_stored_in_their_place(demo_app, admin, state_dir) -> None:
    """*Deshacer* through the counter: the lines leave the stored cart and come back
    with their places, so a restart right after shows the cart as the cashier sees it."""
    counter = demo_app.counter
    for sku in ("PAN-MIC", "ESP-DOB", "GUA-NIT"):
        counter.scan(admin.id, ScanEvent(demo_barcodes()[sku][0], "wedge"))
    seen = []
    unsubscribe = counter.subscribe(seen.append)
    middle = counter.view(admin.id).lines[1]
    taken = counter.take_out(admin.id, [middle.id])
    assert demo_app.carts.flush(10)
    assert [n for _u, n, *_ in stored_lines(demo_app)] == [1, 3]
    assert [ln.product.sku for ln in seen[-1].lines] == ["PAN-MIC", "GUA-NIT"]  # "cart changed" was announced
    taken_all = counter.take_out(admin.id, [ln.id for ln in counter.view(admin.id).lines])
    assert demo_app.carts.flush(10) and stored_lines(demo_app) == []
    counter.put_back(admin.id, taken_all)
    restored = counter.put_back(admin.id, taken)
    unsubscribe()
    assert [ln.id for ln in restored] == [middle.id]
    assert demo_app.carts.flush(10)
    assert [n for _u, n, *_ in stored_lines(demo_app)] == [1, 2, 3]
    demo_app.close()

    again = build(make_settings(state_dir))
    try:
        assert [ln.product.sku for ln in again.counter.open(admin.id).lines] == ["PAN-MIC", "ESP-DOB", "GUA-NIT"]
    finally:
        again.close()
