"""Database.reader(): the plain sqlite3 connection a scanned barcode is looked up on
(no session around one SELECT). It sees what others committed, writes nothing,
belongs to one thread and is closed with the database."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from kiosk.core.units import SaleMode, Uom
from kiosk.services.inventory import InventoryService, ProductDraft


def test_a_scan_finds_a_product_committed_after_the_reader_opened(app):
    assert app.catalog.lookup_barcode("7701234567897") is None  # the reader is open now
    InventoryService(app.db).create_product(
        ProductDraft("JAB-9", "Jabón de coco", SaleMode.UNIT, Uom.UNIT, 250, barcodes=["7701234567897"]))
    match = app.catalog.lookup_barcode("7701234567897")
    assert match.product.sku == "JAB-9" and match.product.name == "Jabón de coco"
    assert match.product == app.catalog.by_sku("JAB-9")  # the same product the session path reads


def test_the_reader_writes_nothing(app):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        app.db.reader().execute("DELETE FROM barcodes")


def test_each_thread_has_its_own_reader_and_dispose_closes_them_all(app):
    mine = app.db.reader()
    assert app.db.reader() is mine
    other: list[sqlite3.Connection] = []
    t = threading.Thread(target=lambda: other.append(app.db.reader()))
    t.start()
    t.join()
    assert other[0] is not mine
    app.db.dispose()
    for conn in (mine, other[0]):
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")
    assert app.db.reader() is not mine  # a new one after dispose
    assert app.db.reader().execute("SELECT COUNT(*) FROM products").fetchone()[0] >= 0
