from __future__ import annotations

from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender


def sell(app, user, skus=("ESP-DOB",), cash: int | None = None, card: bool = False):  # noqa: ANN001, ANN201
    cart = Cart()
    for sku in skus:
        cart.add(app.catalog.by_sku(sku), 1)
    if card:
        tenders = [Tender(PaymentMethod.CARD, cart.total)]
    else:
        tenders = [Tender(PaymentMethod.CASH, cash if cash is not None else cart.total)]
    return app.till.complete_sale(cart, tenders, user)
