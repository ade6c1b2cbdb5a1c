"""Down: the shop's catalog from a real server to the tills, by change number, in one
transaction."""

from __future__ import annotations

import psycopg
import pytest

from kiosk.services.sync_link import register
from kiosk.services.sync_pull import pull
from kiosk.services.sync_push import push
from tests.sync.tills import SKUS, make_till, registered_tills, sell


@pytest.fixture
def shop(server_url, tmp_path):
    """Till A's catalog published as the shop's; till B a new till with the demo's too."""
    with registered_tills(tmp_path, server_url, publish=True) as tills:
        yield tills


def _price(app, sku: str) -> int:  # noqa: ANN001
    return app.catalog.by_sku(sku).price


def test_a_price_and_a_new_product_reach_every_till_once(shop, server_url):
    a, b = shop
    first = [pull(t.db, t.state_dir) for t in shop]
    assert all(r.ok and r.products > 0 for r in first)
    stock_before = b.catalog.by_sku(SKUS[0]).stock
    with psycopg.connect(server_url) as conn:
        conn.execute("UPDATE products SET price = 777 WHERE sku = %s", (SKUS[0],))
        conn.execute("INSERT INTO categories (name) VALUES ('Jardín')")
        conn.execute("INSERT INTO products (sku, name, category, sale_mode, uom, price, barcodes) "
                     "VALUES ('NUEVO-1', 'Regadera verde', 'Jardín', 'unit', 'unit', 1500, '[\"7701234567890\"]')")
    for till, before in zip(shop, first):
        r = pull(till.db, till.state_dir)
        assert r.ok and (r.categories, r.products) == (1, 2) and r.change_no > before.change_no
        assert _price(till, SKUS[0]) == 777
        new = till.catalog.by_sku("NUEVO-1")
        assert new.name == "Regadera verde" and new.category == "Jardín" and new.stock == 0
        assert till.catalog.barcodes_of(new.id) == ["7701234567890"]
        assert [p.sku for p in till.catalog.search("regadera")] == ["NUEVO-1"]
        again = pull(till.db, till.state_dir)
        assert again.ok and (again.categories, again.products) == (0, 0) and again.change_no == r.change_no
    assert b.catalog.by_sku(SKUS[0]).stock == stock_before  # stock stays each till's ledger
    # the new product sells on a till and its sale goes up
    sell(b, 1, "NUEVO-1")
    assert push(b.db, b.state_dir).ok
    with psycopg.connect(server_url) as conn:
        assert conn.execute("SELECT sum(quantity) FROM stock_movements WHERE sku = 'NUEVO-1'").fetchone() == (-1,)


def test_a_pull_that_fails_changes_nothing_and_says_why(shop, server_url, pg_cluster):
    a, _ = shop
    assert pull(a.db, a.state_dir).ok
    with psycopg.connect(server_url) as conn:
        conn.execute("UPDATE products SET price = 1 WHERE sku = %s", (SKUS[0],))
    pg_cluster.stop()
    try:
        r = pull(a.db, a.state_dir)
        assert not r.ok and "cannot be reached" in r.error
        assert _price(a, SKUS[0]) != 1
    finally:
        pg_cluster.start()
    assert pull(a.db, a.state_dir).ok and _price(a, SKUS[0]) == 1


def test_a_tills_role_edits_shared_rows_but_never_deletes_them_nor_reads_documents(shop, server_url):
    from kiosk.services.sync_link import read_credentials

    a, _ = shop
    till_url = read_credentials(a.state_dir).url
    with psycopg.connect(till_url) as conn:
        conn.execute("UPDATE products SET price = 5 WHERE sku = %s", (SKUS[0],))
    for sql in ("DELETE FROM products", "DELETE FROM users", "SELECT count(*) FROM documents",
                "SELECT count(*) FROM stock_movements", "UPDATE tills SET name = 'x'"):
        with psycopg.connect(till_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql)


def test_a_new_till_pulls_a_big_catalog_in_one_go_and_finds_it_by_search(server_url, tmp_path):
    """Many new products take the bulk path (the search index filled once, the per-row
    triggers back in the same transaction)."""
    from sqlalchemy import text

    from kiosk.bench.sync_probe import _server_catalog
    from kiosk.services.sync_pull import BULK_NEW, BULK_TRIGGERS
    from tests.invariants import check_invariants

    _server_catalog(server_url, BULK_NEW + 100)
    till = make_till(tmp_path, None, "nueva")
    try:
        register(till.db, till.state_dir, server_url, "Caja nueva")
        r = pull(till.db, till.state_dir)
        assert r.ok and r.products == BULK_NEW + 100
        found = till.catalog.search("producto de prueba numero 577")
        assert found and found[0].sku == "B0000577" and found[0].stock == 0
        assert [p.sku for p in till.catalog.search("2000000000577")] == ["B0000577"]
        with till.db.read() as s:
            names = set(s.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        assert set(BULK_TRIGGERS) <= names
        check_invariants(till.db)
    finally:
        till.close()
