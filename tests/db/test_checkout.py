"""Checkout is one transaction: everything is written or nothing is."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.models import Sale, SaleLine, SalePayment, StockMovement
from kiosk.core.cart import Cart
from kiosk.core.errors import EmptyCart, InsufficientTender, OutOfStock, ProductInactive, QuantityTooSmall
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.services.inventory import InventoryService
from tests.conftest import make_settings
from tests.invariants import check_invariants


def counts(app):
    with app.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Sale, SaleLine, SalePayment, StockMovement))


def test_a_sale_snapshots_lines_and_moves_stock(demo_app, admin):
    cat = demo_app.catalog
    soap, sponge, delivery = cat.by_sku("DET-LAV"), cat.by_sku("ESP-DOB"), cat.by_sku("SRV-DOM")
    cart = Cart()
    cart.add_amount(soap, 500)
    cart.add(sponge, 2)
    cart.add(delivery)
    result = demo_app.sales.checkout(cart, [Tender(PaymentMethod.CASH, 2000)], admin.id)
    assert (result.number, result.total, result.change) == (1, 500 + 120 + 200, 2000 - 820)
    assert cat.by_sku("DET-LAV").stock == soap.stock - 1562
    assert cat.by_sku("ESP-DOB").stock == sponge.stock - 2
    detail = demo_app.sales.detail(number=1)
    assert [(ln.name, ln.quantity, ln.total) for ln in detail.lines] == [
        ("Detergente líquido lavanda", 1562, 500), ("Esponja doble uso", 2, 120), ("Entrega a domicilio", 1, 200)]
    assert detail.payments[0].change == 1180 and detail.summary.cashier == admin.name
    # later catalog edits never change history
    with demo_app.db.write() as s:
        from db.models import Product
        s.get(Product, soap.id).name = "Renamed"
    assert demo_app.sales.detail(number=1).lines[0].name == "Detergente líquido lavanda"
    check_invariants(demo_app.db)


def test_bad_input_writes_nothing(demo_app, admin):
    cat = demo_app.catalog
    before = counts(demo_app)
    with pytest.raises(EmptyCart):
        demo_app.sales.checkout(Cart(), [Tender(PaymentMethod.CASH, 100)], admin.id)
    cart = Cart()
    cart.add(cat.by_sku("ESP-DOB"))
    with pytest.raises(InsufficientTender):
        demo_app.sales.checkout(cart, [Tender(PaymentMethod.CASH, 10)], admin.id)
    # a product deactivated while it was in the cart
    InventoryService(demo_app.db).set_active(cat.by_sku("ESP-DOB").id, False)
    with pytest.raises(ProductInactive) as err:
        demo_app.sales.checkout(cart, [Tender(PaymentMethod.CASH, 100)], admin.id)
    assert "Esponja doble uso ya no está a la venta" in str(err.value)
    assert counts(demo_app) == before
    check_invariants(demo_app.db)


def test_out_of_stock_warns_by_default_and_refuses_when_configured(state_dir, admin):
    from kiosk.app_factory import build
    from kiosk.demo import load_demo

    for policy in ("warn", "refuse"):
        app = build(make_settings(state_dir / policy, sales={"out_of_stock": policy}))
        load_demo(app.db, app.state_dir)
        user = app.users.authenticate("000000")
        low = app.catalog.by_sku("CEP-INO")  # 3 in stock
        cart = Cart()
        cart.add(low, 5)
        if policy == "warn":
            result = app.sales.checkout(cart, [Tender(PaymentMethod.CARD, cart.total)], user.id)
            assert "bajo cero" in result.warnings[0]
            assert app.catalog.by_sku("CEP-INO").stock == -2
        else:
            with pytest.raises(OutOfStock) as err:
                app.sales.checkout(cart, [Tender(PaymentMethod.CARD, cart.total)], user.id)
            assert "quedan 3" in str(err.value)
            assert app.catalog.by_sku("CEP-INO").stock == 3
        check_invariants(app.db)
        app.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.tuples(st.integers(0, 65), st.integers(1, 3000)), min_size=1, max_size=6),
                min_size=1, max_size=6))
def test_ledger_invariant_over_random_sales(demo_app, admin, sales):
    products = demo_app.catalog.browse(limit=100)
    for lines in sales:
        cart = Cart()
        for index, quantity in lines:
            p = products[index % len(products)]
            try:
                cart.add(p, quantity if p.bulk else 1 + quantity % 5)
            except QuantityTooSmall:
                pass  # refused by the cart: it never reaches a sale
        if cart.is_empty:
            continue
        demo_app.sales.checkout(cart, [Tender(PaymentMethod.QR, cart.total, "qr-ref")], admin.id)
    check_invariants(demo_app.db)


def test_history_by_day_and_summary(demo_app, admin):
    from datetime import date

    cart = Cart()
    cart.add(demo_app.catalog.by_sku("ESP-DOB"))
    demo_app.sales.checkout(cart, [Tender(PaymentMethod.CARD, 60, "1234")], admin.id)
    today = demo_app.sales.day(date.today())
    assert [(s.number, s.methods, s.total) for s in today] == [(1, (PaymentMethod.CARD,), 60)]
    assert demo_app.sales.days_with_sales() == [date.today()]
