"""A role that may return but not refund by another method (issue 14's screen asks
a manager's PIN for ``refund_other_method`` alone): the grant allows that one
refund, is spent by it, and without it the refund is refused writing nothing."""

from __future__ import annotations

import pytest

from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.permissions import Act
from kiosk.core.returns_errors import RefundMethodNotPermitted
from tests.conftest import CASHIER_PIN, MANAGER_PIN
from tests.invariants import check_invariants


def test_a_grant_for_refund_other_method_allows_one_refund(demo_app, admin):
    cashier = demo_app.users.create_user("Caro", "cashier", CASHIER_PIN, by=admin)
    demo_app.users.create_user("Mario", "manager", MANAGER_PIN, by=admin)
    perms = demo_app.returns.access.permissions
    perms.acts_by_role["cashier"] = perms.acts_by_role["cashier"] | {Act.RETURN}  # may return, not refund otherwise
    cart = Cart()
    cart.add(demo_app.catalog.by_sku("ESP-DOB"), 3)
    sale = demo_app.sales.checkout(cart, [Tender(PaymentMethod.CARD, cart.total)], admin.id)
    with pytest.raises(RefundMethodNotPermitted):
        demo_app.returns.make_return(cashier, sale.number, [(1, 1)], "changed_mind", refund_method="cash")
    assert demo_app.returns.returns() == []
    grant = demo_app.users.authorize(MANAGER_PIN, Act.REFUND_OTHER_METHOD, for_user=cashier)
    result = demo_app.returns.make_return(cashier.with_grant(grant), sale.number, [(1, 1)], "changed_mind",
                                          refund_method="cash")
    assert result.payments == (("cash", 60),)
    assert not grant.usable  # spent by that refund
    with pytest.raises(RefundMethodNotPermitted):  # and good for that one only
        demo_app.returns.make_return(cashier.with_grant(grant), sale.number, [(1, 1)], "changed_mind",
                                     refund_method="cash")
    assert len(demo_app.returns.returns()) == 1
    check_invariants(demo_app.db)
