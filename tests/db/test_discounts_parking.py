"""Discounts, price overrides and parked carts at the counter (issue 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Sale, SaleLine, StoredCart
from kiosk.app_factory import build
from kiosk.core.discounts import Discount
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.permissions import Act
from kiosk.core.returns_errors import (
    CartNotEmpty,
    DiscountAboveLimit,
    DiscountReasonUnknown,
    DiscountTooLarge,
    NothingToPark,
    ParkedCartNotFound,
    PriceOverrideInvalid,
)
from kiosk.core.staff_errors import ActNotPermitted
from kiosk.services.inventory import InventoryService
from tests.conftest import CASHIER_PIN, MANAGER_PIN, make_settings
from tests.invariants import check_invariants

REASON = "cliente frecuente"


@pytest.fixture
def staff(demo_app, admin):
    cashier = demo_app.users.create_user("Caro", "cashier", CASHIER_PIN, by=admin)
    manager = demo_app.users.create_user("Mario", "manager", MANAGER_PIN, by=admin)
    return cashier, manager


def audit_count(app):
    with app.db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def test_line_and_sale_discounts_reach_the_sale_record_and_receipt(demo_app, admin):
    c = demo_app.counter
    sponge = c.add(admin.id, demo_app.catalog.by_sku("ESP-DOB"), 10).line  # 6.00
    c.add(admin.id, demo_app.catalog.by_sku("DET-LAV"), 1000)  # 3.20
    c.discount_line(admin, sponge.id, Discount.percent(10, REASON))  # -0.60
    view = c.discount_sale(admin, Discount.amount(100, "promoción"))  # -1.00 over 5.40 + 3.20
    assert view.total == 600 + 320 - 60 - 100 and view.discount == 160 and view.list_total == 920
    assert sum(p.net for p in view.priced.lines) == view.total
    result = c.checkout(admin, [Tender(PaymentMethod.CARD, view.total)])
    with demo_app.db.read() as s:
        sale = s.get(Sale, result.sale_id)
        lines = s.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id).order_by(SaleLine.position)).all()
        assert sale.total == 760 and sale.discount == 100 and sale.discount_reason == "promoción"
        assert [(ln.list_total, ln.discount, ln.line_total) for ln in lines] == [(600, 60 + 63, 477), (320, 37, 283)]
        assert lines[0].discount_reason == REASON
    payload = demo_app.printing.payload(result.print_job)
    assert b"Descuento" in payload and b"-$1,60" in payload or b"-$1,60".replace(b"$", b"") in payload
    # the refund of a discounted line is what was paid for it
    back = demo_app.returns.make_return(admin, result.number, [(1, 10)], "changed_mind")
    assert back.total == 477
    check_invariants(demo_app.db)


def test_bad_discounts_leave_the_cart_as_it_was(demo_app, admin, staff):
    cashier, _ = staff
    c = demo_app.counter
    line = c.add(cashier.id, demo_app.catalog.by_sku("ESP-DOB"), 2).line
    before, audits = c.view(cashier.id).total, audit_count(demo_app)
    for d, err in ((Discount.percent(100, REASON), DiscountTooLarge),
                   (Discount.percent(5, "porque sí"), DiscountReasonUnknown),
                   (Discount.percent(5, REASON), DiscountAboveLimit)):  # a cashier's limit is 0 %
        with pytest.raises(err) as e:
            c.discount_line(cashier, line.id, d)
        assert str(e.value)
    with pytest.raises(DiscountAboveLimit) as e:
        c.discount_sale(cashier, Discount.percent(5, REASON))
    assert "encargado" in str(e.value)
    with pytest.raises(PriceOverrideInvalid):
        c.override_price(cashier, line.id, -5, "error de precio")
    with pytest.raises(ActNotPermitted):
        c.override_price(cashier, line.id, 50, "error de precio")
    assert c.view(cashier.id).total == before and c.view(cashier.id).discount == 0
    assert audit_count(demo_app) == audits


def test_a_manager_authorises_a_cashiers_discount_and_price_override(demo_app, staff):
    cashier, manager = staff
    c = demo_app.counter
    line = c.add(cashier.id, demo_app.catalog.by_sku("ESP-DOB"), 2).line  # 1.20
    grant = demo_app.users.authorize(MANAGER_PIN, Act.DISCOUNT, for_user=cashier)
    c.discount_line(cashier.with_grant(grant), line.id, Discount.percent(25, REASON))
    assert c.view(cashier.id).total == 90
    with pytest.raises(DiscountAboveLimit):  # the grant was for one discount
        c.discount_sale(cashier.with_grant(grant), Discount.percent(5, REASON))
    grant = demo_app.users.authorize(MANAGER_PIN, Act.PRICE_OVERRIDE, for_user=cashier)
    c.override_price(cashier.with_grant(grant), line.id, 50, "error de precio")
    view = c.view(cashier.id)
    assert view.lines[0].price == 50 and view.total == 75  # 1.00 less 25 %
    with demo_app.db.read() as s:
        acts = [a for a in s.scalars(select(AuditEntry.act).order_by(AuditEntry.id))]
    assert acts[-2:] == ["discount", "price_override"] or "price_override" in acts


def test_discounts_survive_a_restart(demo_app, admin, state_dir):
    c = demo_app.counter
    line = c.add(admin.id, demo_app.catalog.by_sku("ESP-DOB"), 4).line
    c.discount_line(admin, line.id, Discount.percent(50, REASON))
    c.discount_sale(admin, Discount.amount(20, REASON))
    total = c.view(admin.id).total
    assert demo_app.carts.flush(10)
    demo_app.close()
    again = build(make_settings(state_dir))
    try:
        view = again.counter.open(admin.id)
        assert view.total == total == 100 and view.sale_discount.value == 20
    finally:
        again.close()


def test_park_serve_another_and_recall_after_a_restart(demo_app, admin, state_dir):
    c = demo_app.counter
    with pytest.raises(NothingToPark):
        c.park(admin.id, "x")
    c.add(admin.id, demo_app.catalog.by_sku("ESP-DOB"), 3)
    c.add(admin.id, demo_app.catalog.by_sku("DET-LAV"), 500)
    assert c.park(admin.id, "Señora del sombrero").is_empty
    # the next customer
    c.add(admin.id, demo_app.catalog.by_sku("ESP-DOB"), 1)
    [parked] = c.parked()
    assert (parked.label, parked.lines, parked.total) == ("Señora del sombrero", 2, 180 + 160)
    assert c.stale_parked() == []
    assert c.stale_parked(parked.parked_at + timedelta(hours=4, minutes=1)) == [parked]  # flagged at closing
    with pytest.raises(CartNotEmpty):
        c.recall(admin.id, parked.uuid)
    c.checkout(admin, [Tender(PaymentMethod.CASH, 100)])
    demo_app.close()
    again = build(make_settings(state_dir))  # a restart: the parked cart is still there
    try:
        [parked] = again.counter.parked()
        # a product of it is taken off sale meanwhile
        InventoryService(again.db).set_active(again.catalog.by_sku("DET-LAV").id, False)
        view = again.counter.recall(admin.id, parked.uuid)
        assert [ln.product.sku for ln in view.lines] == ["ESP-DOB"]
        assert any("Detergente" in n for n in view.notices)
        assert again.counter.parked() == []
        result = again.counter.checkout(admin, [Tender(PaymentMethod.CASH, view.total)])
        assert result.total == 180
        with pytest.raises(ParkedCartNotFound):  # recovered already (on another screen)
            again.counter.recall(admin.id, parked.uuid)
        with again.db.read() as s:
            assert s.scalar(select(func.count()).select_from(StoredCart).where(StoredCart.status == "parked")) == 0
        check_invariants(again.db)
    finally:
        again.close()
