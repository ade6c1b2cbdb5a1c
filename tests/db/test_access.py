"""The permission check in the services, with the acting user: a cashier calling each
protected method directly is refused with a clear message and nothing is written;
an authorising PIN is good for its one act, once; role changes and deactivations
made meanwhile (on the screen or with kiosk-admin) count at the next act."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace

import pytest

from kiosk.app_factory import build
from kiosk.core.cart import Cart
from kiosk.core.errors import DuplicateSku
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.permissions import Act, Role
from kiosk.core.staff_errors import ActNotPermitted, UserInactive
from kiosk.services.access import Grant
from tests.conftest import CASHIER_PIN, MANAGER_PIN, make_settings, seed_state
from tests.inventory.helpers import draft

HEADER = "sku,name,price\n"


@pytest.fixture(scope="module")
def shop_state(tmp_path_factory):  # noqa: ANN001, ANN201
    """The demo shop with a cashier and a manager, made once (hashing PINs is slow)."""
    from kiosk.demo import load_demo

    state = tmp_path_factory.mktemp("shop-state")
    app = build(make_settings(state))
    load_demo(app.db, state, 2)
    app.users.create_user("Carla", Role.CASHIER, CASHIER_PIN)
    app.users.create_user("Marta", Role.MANAGER, MANAGER_PIN)
    app.close()
    return state


@pytest.fixture
def shop(settings, shop_state, tmp_path):  # noqa: ANN001, ANN201
    import shutil

    shutil.copytree(shop_state, settings.state_dir, dirs_exist_ok=True)
    app = build(settings)
    det = app.catalog.by_sku("DET-LAV")
    csv = tmp_path / "precios.csv"
    csv.write_text(HEADER + "DET-LAV,Detergente,9.99\n", encoding="utf-8")
    yield {"app": app, "admin": app.users.get(name="Administrador"), "cashier": app.users.get(name="Carla"),
           "manager": app.users.get(name="Marta"), "det": det, "csv": csv,
           "category": app.inventory.categories()[0], "tmp": tmp_path}
    app.close()


def _counts(app) -> tuple:  # noqa: ANN001
    conn = sqlite3.connect(app.db.path)
    try:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("audit_log", "stock_movements", "products", "categories", "users", "print_jobs"))
    finally:
        conn.close()


def _count_sheet(app, det):  # noqa: ANN001, ANN202
    sheet = app.stock.start_count()
    app.stock.count_product(sheet, det.id, 1000)
    return sheet


def _delivery(app, det):  # noqa: ANN001, ANN202
    sheet = app.stock.start_delivery("F-1")
    app.stock.delivery_add(sheet, det.id, 1000)
    return sheet


PROTECTED: dict[str, Callable] = {
    "create a category": lambda c, by: c["app"].inventory.create_category("Nueva", by=by),
    "rename a category": lambda c, by: c["app"].inventory.update_category(
        c["category"].id, by, name="Otra", kind=c["category"].kind, color="#1E88E5"),
    "hide a category": lambda c, by: c["app"].inventory.set_category_active(c["category"].id, False, by),
    "create a product": lambda c, by: c["app"].inventory.save_product(draft(), by),
    "edit a product": lambda c, by: c["app"].inventory.save_form(
        {**c["app"].inventory.form_texts(c["app"].inventory.product_draft(c["det"].id)), "price": "9,99"}, by,
        product_id=c["det"].id, category_id=c["det"].category_id),
    "deactivate a product": lambda c, by: c["app"].inventory.set_active(c["det"].id, False, by=by),
    "restock": lambda c, by: c["app"].stock.restock(c["det"].id, 1000, by),
    "adjust stock": lambda c, by: c["app"].stock.adjust(c["det"].id, -1000, "breakage", by),
    "receive a delivery": lambda c, by: c["app"].stock.receive(_delivery(c["app"], c["det"]), by),
    "apply a count": lambda c, by: c["app"].stock.apply_count(_count_sheet(c["app"], c["det"]), by),
    "import a CSV": lambda c, by: c["app"].product_csv.import_file(c["csv"], by),
    "export a CSV": lambda c, by: c["app"].product_csv.export_file(c["tmp"] / "out.csv", by=by),
    "open the drawer": lambda c, by: c["app"].hardware.open_drawer(by),
    "test the drawer": lambda c, by: c["app"].hardware.kick_drawer(by),
    "print a test ticket": lambda c, by: c["app"].hardware.print_test_ticket(by),
    "add a user": lambda c, by: c["app"].users.create_user("Nuevo", Role.ADMIN, "580361", by=by),
    "rename a user": lambda c, by: c["app"].users.rename(c["manager"].id, "Jefa", by=by),
    "change a role": lambda c, by: c["app"].users.set_role(c["cashier"].id, Role.ADMIN, by=by),
    "edit a user": lambda c, by: c["app"].users.update(c["cashier"].id, role=Role.MANAGER, by=by),
    "reset someone's PIN": lambda c, by: c["app"].users.set_pin(c["manager"].id, "580361", by=by),
    "deactivate a user": lambda c, by: c["app"].users.set_active(c["manager"].id, False, by=by),
    "clear the PIN wait": lambda c, by: c["app"].users.clear_lockout(by=by),
    "see the audit log": lambda c, by: c["app"].audit.open_view(by),
}


@pytest.mark.parametrize("what", list(PROTECTED))
def test_a_cashier_calling_a_protected_service_method_is_refused(shop, what) -> None:
    app = shop["app"]
    before = _counts(app)
    with pytest.raises(ActNotPermitted) as err:
        PROTECTED[what](shop, shop["cashier"])
    assert str(err.value).startswith(f"{err.value.params['act']}: Carla no tiene permiso; se necesita el PIN de un")
    assert _counts(app) == before  # nothing written, not even half
    assert app.catalog.by_sku("DET-LAV").price == shop["det"].price


def test_acts_the_config_takes_from_cashiers_are_refused_too(settings, base_state) -> None:
    """[permissions] may take sell and reprint from cashiers (a trainee role, say)."""
    settings = make_settings(settings.state_dir, permissions={"cashier": []})
    seed_state(base_state, settings.state_dir)
    app = build(settings)
    try:
        from kiosk.demo import load_demo

        load_demo(app.db, app.state_dir, 2)
        admin = app.users.get(name="Administrador")
        cashier = app.users.create_user("Carla", Role.CASHIER, CASHIER_PIN)
        cart = Cart()
        cart.add(app.catalog.by_sku("ESP-DOB"))
        sold = app.sales.last_number()
        with pytest.raises(ActNotPermitted):
            app.sales.checkout(cart, [Tender(PaymentMethod.CASH, 100)], cashier.id)
        with pytest.raises(ActNotPermitted):
            app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, 100)], cashier)
        # The counter (the till's Confirmar) refuses before freezing the cart: it stays usable.
        app.counter.add(cashier.id, app.catalog.by_sku("ESP-DOB"))
        with pytest.raises(ActNotPermitted):
            app.counter.checkout(cashier, [Tender(PaymentMethod.CASH, 100)])
        assert len(app.counter.cart(cashier.id)) == 1
        app.counter.add(cashier.id, app.catalog.by_sku("ESP-DOB"))  # not "sale in progress"
        assert len(cart) == 1 and app.sales.last_number() == sold
        sale = app.sales.checkout(cart, [Tender(PaymentMethod.CASH, 100)], admin.id)
        with pytest.raises(ActNotPermitted):
            app.till.reprint(sale.sale_id, cashier)
        assert app.till.reprint(sale.sale_id, admin) > 0
    finally:
        app.close()


def test_an_authorisation_is_for_its_act_its_user_and_once(shop) -> None:
    app, carla, det = shop["app"], shop["cashier"], shop["det"]
    carlos = app.users.create_user("Carlos", Role.CASHIER, "580361")
    grant = app.users.authorize(MANAGER_PIN, Act.ADJUST_STOCK, carla)
    # not for another act: a manager's PIN typed for the stock does not open the drawer
    with pytest.raises(ActNotPermitted):
        app.hardware.kick_drawer(carla.with_grant(grant))
    # not for another user
    with pytest.raises(ActNotPermitted):
        app.stock.adjust(det.id, -1000, "breakage", carlos.with_grant(grant))
    change = app.stock.adjust(det.id, -1000, "breakage", carla.with_grant(grant))
    assert change.stock == det.stock - 1000
    with pytest.raises(ActNotPermitted):  # spent
        app.stock.adjust(det.id, -1000, "breakage", carla.with_grant(grant))
    row = next(r for r in app.audit.entries() if r.act == "stock_adjusted")
    assert (row.user, row.authorised_by, row.subject) == ("Carla", "Marta", "DET-LAV " + det.name)
    assert row.before == {"stock": det.stock} and row.after["stock"] == det.stock - 1000
    # the ledger records who did it
    assert app.stock.ledger(det.id).rows[0].user == "Carla"


def test_a_failed_act_gives_its_authorisation_back(shop) -> None:
    app, carla = shop["app"], shop["cashier"]
    grant = app.users.authorize(MANAGER_PIN, Act.EDIT_CATALOG, carla)
    acting = carla.with_grant(grant)
    with pytest.raises(DuplicateSku):  # found inside the transaction, after the check
        app.inventory.save_product(draft(sku="DET-LAV"), acting)
    assert grant.usable
    saved = app.inventory.save_product(draft(sku="NEW-9"), acting)
    assert saved.created and not grant.usable
    row = next(r for r in app.audit.entries() if r.act == "product_created")
    assert (row.user, row.authorised_by) == ("Carla", "Marta")


def test_an_authorisation_expires_and_needs_an_authoriser_who_still_may(shop) -> None:
    app, carla, marta = shop["app"], shop["cashier"], shop["manager"]
    now = [0.0]
    old = Grant(Act.ADJUST_STOCK, marta, carla.id, ttl_s=300, clock=lambda: now[0])
    now[0] = 301
    with pytest.raises(ActNotPermitted):
        app.stock.restock(shop["det"].id, 1000, carla.with_grant(old))
    grant = app.users.authorize(MANAGER_PIN, Act.ADJUST_STOCK, carla)
    app.users.set_role(marta.id, Role.CASHIER)  # kiosk-admin users role Marta cashier, meanwhile
    with pytest.raises(ActNotPermitted):
        app.stock.restock(shop["det"].id, 1000, carla.with_grant(grant))


def test_role_changes_and_deactivation_count_at_the_next_act(shop) -> None:
    """No cache: the check reads the user as they are now."""
    app, marta = shop["app"], shop["manager"]
    signed_in = app.users.authenticate(MANAGER_PIN)
    app.stock.restock(shop["det"].id, 1000, signed_in)
    app.users.set_role(marta.id, Role.CASHIER)
    with pytest.raises(ActNotPermitted):
        app.stock.restock(shop["det"].id, 1000, signed_in)
    app.users.set_role(marta.id, Role.MANAGER)
    app.users.set_active(marta.id, False)
    with pytest.raises(UserInactive):
        app.stock.restock(shop["det"].id, 1000, signed_in)
    cart = Cart()
    cart.add(app.catalog.by_sku("ESP-DOB"))
    with pytest.raises(UserInactive):  # selling too
        app.sales.checkout(cart, [Tender(PaymentMethod.CASH, 100)], marta.id)


def test_a_price_change_and_its_audit_row_commit_together(shop) -> None:
    app, admin, det = shop["app"], shop["admin"], shop["det"]
    d = app.inventory.product_draft(det.id)
    app.inventory.save_product(replace(d, price=det.price + 10), admin, product_id=det.id)
    row = app.audit.entries()[0]
    assert row.act == "price_changed" and row.before == {"price": det.price} \
        and row.after == {"price": det.price + 10}
    before = _counts(app)
    with pytest.raises(DuplicateSku):  # the save fails: no audit row either
        app.inventory.save_product(replace(d, sku="ESP-DOB", price=1), admin,
                                   product_id=det.id)
    assert _counts(app) == before
