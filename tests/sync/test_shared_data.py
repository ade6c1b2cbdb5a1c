"""Down for customers, users and settings; staff edits going to the server first (and
refused offline); the shop's stock as the sum of every till's movements. A real
PostgreSQL server (tests/sync/conftest.py) and real tills (tests/sync/tills.py)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select, text

from db.models import SharedChange, User
from kiosk.core.customers import CustomerDraft
from kiosk.core.errors import UnknownProduct
from kiosk.core.fiscal import IdType
from kiosk.services.sync_edits import SharedEditRefused, SharedEditRejected
from kiosk.services.sync_pull import pull
from kiosk.services.sync_push import push
from kiosk.services.sync_shared import publish
from tests.invariants import check_invariants
from tests.sync.tills import SKUS, registered_tills, sell


@pytest.fixture
def shop(server_url, tmp_path):
    """Till A's shared data published as the shop's, both tills pulled once."""
    with registered_tills(tmp_path, server_url, publish=True, pull=True) as tills:
        yield tills


def _admin(app):  # noqa: ANN001, ANN202
    return next(u for u in app.users.users() if u.role == "admin")


def _journal(app) -> int:  # noqa: ANN001
    with app.db.read() as s:
        return len(s.scalars(select(SharedChange)).all())


def test_customers_users_and_shop_settings_come_down(shop, server_url):
    a, b = shop
    with psycopg.connect(server_url) as conn:
        conn.execute("INSERT INTO customers (id_type, id_number, name, email) "
                     "VALUES ('13', '80123456', 'Ana Gómez', 'ana@example.com')")
        conn.execute("INSERT INTO settings (key, value) VALUES ('shop.receipt_footer', 'Gracias'), "
                     "('ui.theme', 'night')")
        hash_ = conn.execute("SELECT pin_hash FROM users WHERE role = 'admin'").fetchone()[0]
        conn.execute("INSERT INTO users (name, role, pin_hash) VALUES ('Beto', 'cashier', %s)", (hash_,))
    r = pull(b.db, b.state_dir)
    assert r.ok and (r.customers, r.users, r.settings) == (1, 1, 2)
    ana = b.customers.by_identification(IdType.CEDULA, "80123456")
    assert ana is not None and ana.name == "Ana Gómez" and ana.email == "ana@example.com"
    assert [c.name for c in b.customers.search("gomez")] == ["Ana Gómez"]
    assert b.preferences.get("shop.receipt_footer") == "Gracias"
    assert b.preferences.get("ui.theme") != "night"  # a per-till setting never comes down
    with b.db.read() as s:
        beto = s.scalars(select(User).where(User.name == "Beto")).one()
        assert beto.pin_hash == hash_ and beto.active and beto.pin_lookup is None
    # the PIN hash came, never a PIN: Beto signs in on B with the admin's PIN of till A's demo
    pin = b.settings.security.default_admin_pin
    with psycopg.connect(server_url) as conn:
        conn.execute("UPDATE users SET active = false WHERE role = 'admin'")
    assert pull(b.db, b.state_dir).ok
    assert b.users.authenticate(pin).name == "Beto"
    assert not any(u.role == "admin" for u in b.users.users())  # disabled on the server: disabled here
    assert _journal(b) == 0  # pulled rows are never sent back up


def test_a_staff_edit_goes_to_the_server_and_reaches_the_other_till(shop, server_url):
    a, b = shop
    admin = _admin(a)
    pid = a.catalog.by_sku(SKUS[0]).id
    d = a.inventory.product_draft(pid)
    d.price = 4321
    a.inventory.update_product(pid, d, admin)
    a.customers.add(CustomerDraft(IdType.CEDULA, "1020304050", "Carla Ruiz"), admin)
    assert _journal(a) == 0
    with psycopg.connect(server_url) as conn:
        assert conn.execute("SELECT price FROM products WHERE sku = %s", (SKUS[0],)).fetchone() == (4321,)
        assert conn.execute("SELECT name FROM customers WHERE id_number = '1020304050'").fetchone() == ("Carla Ruiz",)
    r = pull(b.db, b.state_dir)
    assert r.ok and r.products == 1 and r.customers == 1
    assert b.catalog.by_sku(SKUS[0]).price == 4321
    assert b.customers.by_identification(IdType.CEDULA, "1020304050").name == "Carla Ruiz"
    assert pull(a.db, a.state_dir).ok and a.catalog.by_sku(SKUS[0]).price == 4321  # its own edit, once more
    check_invariants(a.db)


def test_offline_a_staff_edit_is_refused_and_changes_nothing_while_selling_goes_on(shop, pg_cluster):
    a, _ = shop
    admin = _admin(a)
    pid = a.catalog.by_sku(SKUS[0]).id
    before = a.catalog.by_sku(SKUS[0]).price
    pg_cluster.stop()
    try:
        d = a.inventory.product_draft(pid)
        d.price = before + 1
        with pytest.raises(SharedEditRefused) as refused:
            a.inventory.update_product(pid, d, admin)
        assert str(refused.value) == ("Sin conexión con el servidor de la tienda: "
                                      "los cambios del catálogo se hacen con conexión")
        assert "cannot be reached" in refused.value.technician()
        with pytest.raises(SharedEditRefused):
            a.customers.add(CustomerDraft(IdType.CEDULA, "99887766", "Sin Red"), admin)
        assert a.catalog.by_sku(SKUS[0]).price == before
        assert a.customers.by_identification(IdType.CEDULA, "99887766") is None
        assert _journal(a) == 0
        stock = a.catalog.by_sku(SKUS[1]).stock
        sell(a, 2, SKUS[1])  # selling goes on
        assert a.catalog.by_sku(SKUS[1]).stock == stock - 2
        a.users.authenticate(a.settings.security.default_admin_pin)  # signing in too
    finally:
        pg_cluster.start()
    assert push(a.db, a.state_dir).ok
    check_invariants(a.db)


def test_a_revoked_role_refuses_edits_and_pulls_clearly_and_selling_goes_on(shop, server_url):
    a, _ = shop
    with psycopg.connect(server_url) as conn:
        role = conn.execute("SELECT role FROM tills WHERE name = 'Caja 1'").fetchone()[0]
        conn.execute(f'ALTER ROLE "{role}" NOLOGIN')
    r = pull(a.db, a.state_dir)
    assert not r.ok and "does not accept this till's role any more" in r.error
    pid = a.catalog.by_sku(SKUS[0]).id
    with pytest.raises(SharedEditRejected) as rejected:
        a.inventory.set_active(pid, False, _admin(a))
    assert "El servidor de la tienda rechazó el cambio" in str(rejected.value)
    assert a.catalog.product(pid).active
    sell(a, 1)


def test_a_till_without_a_server_edits_as_always(tmp_path):
    from tests.sync.tills import make_till as lone

    app = lone(tmp_path, None, "alone")
    try:
        pid = app.catalog.by_sku(SKUS[0]).id
        d = app.inventory.product_draft(pid)
        d.price = 999
        app.inventory.update_product(pid, d, _admin(app))
        assert app.catalog.by_sku(SKUS[0]).price == 999 and _journal(app) == 0
    finally:
        app.close()


def test_the_shops_stock_is_every_tills_movements(shop, server_url):
    a, b = shop
    sku = SKUS[0]
    own = [t.catalog.by_sku(sku).stock for t in shop]  # each demo's own receipt of goods (nothing pushed yet)
    sell(a, 2, sku)
    sell(b, 3, sku)
    for till in shop:
        assert push(till.db, till.state_dir).ok
    for till in shop:
        assert pull(till.db, till.state_dir).ok
    with psycopg.connect(server_url) as conn:
        server = conn.execute("SELECT sum(quantity) FROM stock_movements WHERE sku = %s", (sku,)).fetchone()[0]
    assert server == own[0] + own[1] - 5
    assert a.catalog.by_sku(sku).stock == b.catalog.by_sku(sku).stock == server
    # a count on till A is a movement like any other: B shows it after the pulls
    count = a.stock.start_count()
    a.stock.count_product(count, a.catalog.by_sku(sku).id, 7)
    a.stock.apply_count(count, _admin(a))
    assert a.catalog.by_sku(sku).stock == 7
    assert push(a.db, a.state_dir).ok and pull(b.db, b.state_dir).ok
    assert b.catalog.by_sku(sku).stock == 7
    sell(b, 1, sku)  # B's own movements on top of the pulled total
    assert b.catalog.by_sku(sku).stock == 6
    for till in shop:
        check_invariants(till.db)


def test_a_sale_of_an_old_price_arriving_after_a_catalog_change_is_kept_as_sold(shop, server_url):
    a, b = shop
    old = b.catalog.by_sku(SKUS[0]).price
    pid = a.catalog.by_sku(SKUS[0]).id
    d = a.inventory.product_draft(pid)
    d.price = old + 500
    a.inventory.update_product(pid, d, _admin(a))
    [sale_id] = sell(b, 1)  # B has not pulled: it sells at the old price
    assert push(b.db, b.state_dir).ok and pull(b.db, b.state_dir).ok
    assert b.catalog.by_sku(SKUS[0]).price == old + 500
    with psycopg.connect(server_url) as conn:
        total = conn.execute("SELECT (payload->>'total')::bigint FROM documents WHERE kind = 'sale' "
                             "ORDER BY received_at DESC, number DESC LIMIT 1").fetchone()[0]
    with b.db.read() as s:
        assert s.execute(text("SELECT total FROM sales WHERE id = :i"), {"i": sale_id}).scalar() == total == old


def test_publish_names_every_shared_table(shop, server_url):
    a, _ = shop
    counts = publish(a.db, server_url)
    assert set(counts) == {"categories", "products", "customers", "users", "settings"}
    assert counts["products"] > 0 and counts["users"] > 0
    with psycopg.connect(server_url) as conn:
        columns = [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = 'users'")]
        hashes = [r[0] for r in conn.execute("SELECT pin_hash FROM users")]
    assert "pin" not in columns and len(hashes) == counts["users"]
    assert all(h != a.settings.security.default_admin_pin and len(h) > 20 for h in hashes)


def test_a_csv_import_on_a_registered_till_goes_to_the_server_and_offline_is_refused(shop, server_url, pg_cluster,
                                                                                    tmp_path):
    a, b = shop
    csv = tmp_path / "nuevos.csv"
    csv.write_text("sku;name;category;sale_mode;unit;price;tax_rate\n"
                   "BAL-10;Balde 10 L;Accesorios;unidad;unidad;4,50;19\n", encoding="utf-8")
    pg_cluster.stop()
    try:
        with pytest.raises(SharedEditRefused):
            a.product_csv.import_file(csv, _admin(a))
        assert _journal(a) == 0
        with pytest.raises(UnknownProduct):
            a.catalog.by_sku("BAL-10")
    finally:
        pg_cluster.start()
    a.product_csv.resume()  # the interrupted import, finished once the server answers
    assert a.catalog.by_sku("BAL-10").price == 450
    assert pull(b.db, b.state_dir).ok
    bal = b.catalog.by_sku("BAL-10")
    assert (bal.name, bal.price, bal.category) == ("Balde 10 L", 450, "Accesorios")
