""""Far above the usual" is measured against what the product really sold in, on a
real migrated database: the largest line of the last 90 days, completed sales only."""

from __future__ import annotations

from datetime import timedelta

from db.models import utcnow
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.usual import FLOOR
from kiosk.services.sales import SalesService


def sell(sales: SalesService, admin, *lines) -> None:  # noqa: ANN001
    cart = Cart()
    for product, quantity in lines:
        cart.add(product, quantity)
    sales.checkout(cart, [Tender(PaymentMethod.CARD, cart.total)], admin.id)


def test_the_largest_recent_line_sets_what_is_usual(demo_app, admin) -> None:
    cat = demo_app.catalog
    soap, sponge = cat.by_sku("DET-LAV"), cat.by_sku("ESP-DOB")
    sales = demo_app.sales
    assert sales.largest_recent_quantity(soap.id) == 0
    assert not sales.is_unusual(soap, FLOOR[soap.base_unit])  # no history: the floor (20 L)
    assert sales.is_unusual(soap, 500_000)  # "500" typed with litres selected

    long_ago = SalesService(demo_app.db, currency="USD", clock=lambda: utcnow() - timedelta(days=120))
    sell(long_ago, admin, (soap, 30_000))  # 30 L, four months ago: no longer "recent"
    assert sales.largest_recent_quantity(soap.id) == 0

    sell(sales, admin, (soap, 8_000), (sponge, 3))
    sell(sales, admin, (soap, 500))
    assert sales.largest_recent_quantity(soap.id) == 8_000
    assert not sales.is_unusual(soap, 40_000)  # 5 x 8 L
    assert sales.is_unusual(soap, 40_001)
    assert sales.largest_recent_quantity(sponge.id) == 3
