"""Returns and voids (issue 14): documents, refunds, stock, and bad input that writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, PrintJob, SaleReturn, SaleVoid, StockMovement
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.permissions import Act
from kiosk.core.returns_errors import (
    RefundMethodNotPermitted,
    ReturnLineUnknown,
    ReturnQuantityTooLarge,
    ReturnReasonRequired,
    SaleAlreadyVoided,
    SaleHasReturns,
    SaleIsVoided,
    VoidNotAllowedNow,
    VoidReasonRequired,
)
from kiosk.core.staff_errors import ActNotPermitted
from kiosk.services.returns import void_window_open
from tests.conftest import CASHIER_PIN, MANAGER_PIN
from tests.invariants import check_invariants


def counts(app):
    with app.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (SaleReturn, SaleVoid, StockMovement, PrintJob, AuditEntry))


def sell(app, user, *, method=PaymentMethod.CASH):
    """2 L of detergent (6.40), 3 sponges (1.80): 8.20."""
    cat = app.catalog
    cart = Cart()
    cart.add(cat.by_sku("DET-LAV"), 2000)
    cart.add(cat.by_sku("ESP-DOB"), 3)
    return app.sales.checkout(cart, [Tender(method, cart.total)], user.id)


@pytest.fixture
def staff(demo_app, admin):
    cashier = demo_app.users.create_user("Caro", "cashier", CASHIER_PIN, by=admin)
    manager = demo_app.users.create_user("Mario", "manager", MANAGER_PIN, by=admin)
    return cashier, manager


def test_partial_bulk_return_with_cash_refund(demo_app, admin):
    sale = sell(demo_app, admin)
    stock = demo_app.catalog.by_sku("DET-LAV").stock
    result = demo_app.returns.make_return(admin, sale.number, [(1, 500)], "changed_mind")
    assert (result.number, result.total, result.payments) == (1, 160, (("cash", 160),))
    assert demo_app.catalog.by_sku("DET-LAV").stock == stock + 500  # back on the shelf
    assert demo_app.printing.drawer_state(result.print_job) == "kick"  # cash: the drawer opens
    payload = demo_app.printing.payload(result.print_job)
    assert b"DEVOLUCI" in payload and b"V000001" in payload and b"D000001" in payload
    s = demo_app.returns.sale(sale.number)
    assert [(ln.position, ln.returned, ln.left) for ln in s.lines] == [(1, 500, 1500), (2, 0, 3)]
    d = demo_app.returns.detail(1)
    assert d.summary.sale_number == sale.number and d.lines[0].quantity == 500 and d.lines[0].restock
    assert d.uuid and d.till_id == 1
    check_invariants(demo_app.db)


def test_every_unit_over_several_returns_refunds_the_total(demo_app, admin):
    sale = sell(demo_app, admin, method=PaymentMethod.CARD)
    r = demo_app.returns
    got = [r.make_return(admin, sale.number, [(1, 333)], "changed_mind").total,
           r.make_return(admin, sale.number, [(1, 667), (2, 1)], "wrong_product").total,
           r.make_return(admin, sale.number, [(1, 1000), (2, 2)], "damaged").total]
    assert sum(got) == sale.total
    assert r.sale(sale.number).fully_returned
    with pytest.raises(ReturnQuantityTooLarge):
        r.make_return(admin, sale.number, [(2, 1)], "changed_mind")
    assert [x.number for x in r.returns()] == [3, 2, 1]
    check_invariants(demo_app.db)


def test_damaged_goods_go_to_waste(demo_app, admin):
    sale = sell(demo_app, admin)
    stock = demo_app.catalog.by_sku("ESP-DOB").stock
    demo_app.returns.make_return(admin, sale.number, [(2, 2)], "damaged")
    assert demo_app.catalog.by_sku("ESP-DOB").stock == stock  # came back, and out to waste
    with demo_app.db.read() as s:
        details = sorted(s.scalars(select(StockMovement.detail).where(StockMovement.reference == "D000001")))
    assert details == ["damaged", "waste: damaged"]
    check_invariants(demo_app.db)


def test_returning_more_than_sold_writes_nothing(demo_app, admin):
    sale = sell(demo_app, admin)
    before = counts(demo_app)
    with pytest.raises(ReturnQuantityTooLarge) as err:
        demo_app.returns.make_return(admin, sale.number, [(1, 2500)], "changed_mind")
    assert "2 L" in err.value.message("en") or "2,5" in str(err.value)
    with pytest.raises(ReturnQuantityTooLarge):  # the same line twice in one return
        demo_app.returns.make_return(admin, sale.number, [(2, 2), (2, 2)], "changed_mind")
    with pytest.raises(ReturnLineUnknown):
        demo_app.returns.make_return(admin, sale.number, [(9, 1)], "changed_mind")
    with pytest.raises(ReturnReasonRequired):
        demo_app.returns.make_return(admin, sale.number, [(2, 1)], "because")
    assert counts(demo_app) == before
    demo_app.returns.make_return(admin, sale.number, [(2, 2)], "changed_mind")
    before = counts(demo_app)
    with pytest.raises(ReturnQuantityTooLarge) as err:  # over several returns
        demo_app.returns.make_return(admin, sale.number, [(2, 2)], "changed_mind")
    assert "1" in str(err.value)
    assert counts(demo_app) == before


def test_void_brings_stock_back_and_keeps_the_number(demo_app, admin):
    sale = sell(demo_app, admin)
    det, esp = demo_app.catalog.by_sku("DET-LAV").stock, demo_app.catalog.by_sku("ESP-DOB").stock
    result = demo_app.returns.void(admin, sale.number, "rung by mistake")
    assert demo_app.sales.detail(number=sale.number).summary.status == "voided"
    assert demo_app.catalog.by_sku("DET-LAV").stock == det + 2000
    assert demo_app.catalog.by_sku("ESP-DOB").stock == esp + 3
    assert b"ANULACI" in demo_app.printing.payload(result.print_job)
    before = counts(demo_app)
    with pytest.raises(SaleIsVoided):
        demo_app.returns.make_return(admin, sale.number, [(2, 1)], "changed_mind")
    with pytest.raises(SaleAlreadyVoided):
        demo_app.returns.void(admin, sale.number, "again")
    assert counts(demo_app) == before
    check_invariants(demo_app.db)


def test_a_sale_with_a_return_cannot_be_voided(demo_app, admin):
    sale = sell(demo_app, admin)
    demo_app.returns.make_return(admin, sale.number, [(2, 1)], "changed_mind")
    before = counts(demo_app)
    with pytest.raises(SaleHasReturns):
        demo_app.returns.void(admin, sale.number, "mistake")
    with pytest.raises(VoidReasonRequired):
        demo_app.returns.void(admin, sale.number, "  ")
    assert counts(demo_app) == before


def test_void_window_at_its_till_while_its_session_is_open(demo_app, admin):
    sale = sell(demo_app, admin)
    created = demo_app.returns.sale(sale.number).created_at
    assert void_window_open(created, 1, created, 1)
    assert not void_window_open(created, 2, created, 1)
    assert not void_window_open(created, 1, created + timedelta(days=1), 1)
    # with till sessions: while the sale's session is open, whatever the day; never after closing
    assert void_window_open(created, 1, created + timedelta(days=1), 1, "open")
    assert not void_window_open(created, 1, created, 1, "closed")
    assert not void_window_open(created, 2, created, 1, "open")
    demo_app.returns.till_id = 2  # another till may not void it
    with pytest.raises(VoidNotAllowedNow):
        demo_app.returns.void(admin, sale.number, "other till")


def test_permissions_for_return_void_and_refund_method(demo_app, admin, staff):
    cashier, manager = staff
    sale = sell(demo_app, admin, method=PaymentMethod.CARD)
    before = counts(demo_app)
    with pytest.raises(ActNotPermitted):
        demo_app.returns.make_return(cashier, sale.number, [(2, 1)], "changed_mind")
    with pytest.raises(ActNotPermitted):
        demo_app.returns.void(cashier, sale.number, "mistake")
    # a manager authorises the cashier's return; cash for a card sale needs refund_other_method,
    # which the manager holds
    grant = demo_app.users.authorize(MANAGER_PIN, Act.RETURN, for_user=cashier)
    result = demo_app.returns.make_return(cashier.with_grant(grant), sale.number, [(2, 1)], "changed_mind",
                                          refund_method="cash")
    assert result.payments == (("cash", 60),)
    assert demo_app.returns.detail(result.number).summary.authorised_by == "Mario"
    # a shop where managers may return but not refund by another method
    demo_app.returns.access.permissions.acts_by_role["manager"] = \
        demo_app.returns.access.permissions.acts_by_role["manager"] - {Act.REFUND_OTHER_METHOD}
    before = counts(demo_app)
    with pytest.raises(RefundMethodNotPermitted) as err:
        demo_app.returns.make_return(manager, sale.number, [(2, 1)], "changed_mind", refund_method="cash")
    assert "Tarjeta" in str(err.value) or "tarjeta" in str(err.value)
    assert counts(demo_app) == before
    check_invariants(demo_app.db)


def test_return_without_receipt_at_the_current_price(demo_app, admin):
    sponge = demo_app.catalog.by_sku("ESP-DOB")
    result = demo_app.returns.return_without_receipt(admin, [(sponge.id, 2)], "changed_mind")
    assert result.total == 120
    d = demo_app.returns.detail(result.number)
    assert d.summary.sale_number is None and "receipt" in d.note.lower() or "recibo" in d.note.lower()
    check_invariants(demo_app.db)


def test_a_sale_can_be_voided_only_while_its_till_session_is_open(demo_app, admin):
    sale = sell(demo_app, admin)
    assert demo_app.returns.sale(sale.number).session_status == "open"
    other = sell(demo_app, admin)
    demo_app.returns.void(admin, other.number, "rung by mistake")  # the session is open: allowed
    demo_app.sessions.close(admin, counted=demo_app.sessions.expected_cash())
    assert demo_app.returns.sale(sale.number).session_status == "closed"
    with pytest.raises(VoidNotAllowedNow):
        demo_app.returns.void(admin, sale.number, "rung by mistake")
    assert demo_app.returns.sale(sale.number).status == "completed"
