"""Stock services: restocks, deliveries, adjustments, counts, the ledger and the
low-stock list. Stock must always equal the ledger sum (checked after each scenario)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.models import utcnow
from kiosk.app_factory import Services, build
from kiosk.core.cart import Cart
from kiosk.core.errors import (
    InvalidBarcode,
    InvalidProduct,
    InvalidQuantity,
    NotPermitted,
    ServiceHasNoStock,
    UnknownBarcode,
)
from kiosk.core.inventory_errors import EmptyDelivery, NothingCounted, UnknownReason
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.units import SaleMode, Uom
from kiosk.demo import demo_ean13
from kiosk.services.stock import StockService
from kiosk.services.users import UserInfo
from tests.inventory.helpers import draft, ledger_sum, movement_count
from tests.invariants import check_invariants


def sell(app: Services, user: UserInfo, *lines: tuple[str, int]) -> int:
    cart = Cart()
    for sku, quantity in lines:
        cart.add(app.catalog.by_sku(sku), quantity)
    return app.sales.checkout(cart, [Tender(PaymentMethod.CARD, cart.total)], user.id).number


def test_quick_restock_with_cost(app: Services, manager: UserInfo, shop: dict) -> None:
    change = app.stock.restock(shop["DET"], 12_500, manager, unit_cost=150, reference="Factura 88")
    assert (change.stock, change.quantity_text, change.stock_text) == (92_500, "+12,5 L", "92,5 L")
    assert change.message == "Detergente líquido lavanda: +12,5 L, existencias ahora 92,5 L"
    assert app.catalog.product(shop["DET"]).cost == 150  # the latest purchase cost
    row = app.stock.ledger(shop["DET"]).rows[0]
    assert (row.reason_label, row.reference, row.user, row.unit_cost) == ("Entrada de mercancía", "Factura 88",
                                                                           "Marta", 150)
    check_invariants(app.db)


def test_restock_refusals_write_nothing(app: Services, manager: UserInfo, cashier: UserInfo, shop: dict) -> None:
    before = movement_count(app)
    with pytest.raises(NotPermitted):
        app.stock.restock(shop["DET"], 1000, cashier)
    with pytest.raises(InvalidQuantity):
        app.stock.restock(shop["DET"], 0, manager)
    with pytest.raises(InvalidQuantity):
        app.stock.restock(shop["DET"], -5, manager)
    with pytest.raises(ServiceHasNoStock, match="Entrega a domicilio es un servicio"):
        app.stock.restock(shop["SRV"], 1, manager)
    with pytest.raises(InvalidProduct, match="Referencia"):
        app.stock.restock(shop["DET"], 1000, manager, reference="x" * 65)
    with pytest.raises(InvalidProduct, match="Costo: no puede ser negativo"):
        app.stock.restock(shop["DET"], 1000, manager, unit_cost=-1)
    assert movement_count(app) == before
    check_invariants(app.db)


def test_adjustments_need_a_known_reason(app: Services, manager: UserInfo, shop: dict) -> None:
    change = app.stock.adjust(shop["POL"], -1_500, "breakage", manager)
    assert (change.stock, change.quantity_text) == (16_500, "-1,5 kg")
    app.stock.adjust(shop["ESP"], -2, "internal_use", manager)
    app.stock.adjust(shop["ESP"], 1, "count_correction", manager)
    with pytest.raises(UnknownReason, match="Motivo de ajuste desconocido: lost"):
        app.stock.adjust(shop["ESP"], -1, "lost", manager)
    with pytest.raises(InvalidQuantity):
        app.stock.adjust(shop["ESP"], 0, "theft", manager)
    labels = [r.reason_label for r in app.stock.ledger(shop["ESP"]).rows]
    assert labels == ["Ajuste: Corrección de conteo", "Ajuste: Uso interno",
                      "Entrada de mercancía: Existencias iniciales"]
    assert [code for code, _ in app.stock.adjustment_reasons()] == [
        "breakage", "expired", "internal_use", "theft", "count_correction"]
    assert dict(app.stock.adjustment_reasons())["expired"] == "Vencido"
    check_invariants(app.db)


def test_delivery_of_several_products_in_one_step(app: Services, manager: UserInfo, shop: dict) -> None:
    sheet = app.stock.start_delivery("Remisión 4411")
    app.stock.delivery_scan(sheet, demo_ean13(901), 20_000, unit_cost=155)  # scanned barcode
    app.stock.delivery_scan(sheet, demo_ean13(901), 5_000)  # scanned again: adds
    app.stock.delivery_scan(sheet, "esp", 24)  # typed SKU, lower-case on the touch keyboard
    app.stock.delivery_add(sheet, shop["CLO"], 7_571)
    with pytest.raises(UnknownBarcode):
        app.stock.delivery_scan(sheet, "7700000000002", 1)
    with pytest.raises(InvalidBarcode, match="dígito de control"):
        app.stock.delivery_scan(sheet, "7709990000011", 1)
    with pytest.raises(ServiceHasNoStock):
        app.stock.delivery_scan(sheet, "SRV", 1)
    assert [(ln.product.sku, ln.quantity) for ln in sheet.lines] == [("DET", 25_000), ("ESP", 24), ("CLO", 7_571)]
    result = app.stock.receive(sheet, manager)
    assert [c.stock for c in result.changes] == [105_000, 174, 47_571]
    assert result.reference == "Remisión 4411"
    assert result.cost_total == 25 * 155 + 24 * 25 + round(2 * 190)
    assert {r.reference for r in app.stock.ledger(shop["CLO"]).rows[:1]} == {"Remisión 4411"}
    with pytest.raises(EmptyDelivery):
        app.stock.receive(app.stock.start_delivery(), manager)
    check_invariants(app.db)


def test_a_delivery_is_stored_whole_or_not_at_all(app: Services, manager: UserInfo, shop: dict) -> None:
    new_id = app.inventory.save_product(draft(sku="NEW", sale_mode=SaleMode.UNIT, uom=Uom.UNIT), manager).product_id
    sheet = app.stock.start_delivery("R-1")
    app.stock.delivery_add(sheet, shop["DET"], 10_000)
    app.stock.delivery_add(sheet, new_id, 5)
    # Meanwhile someone turns the new product into a service: the delivery's second line is now invalid.
    d = app.inventory.product_draft(new_id)
    d.sale_mode = SaleMode.SERVICE
    app.inventory.update_product(new_id, d, manager)
    before = movement_count(app)
    with pytest.raises(ServiceHasNoStock):
        app.stock.receive(sheet, manager)
    assert movement_count(app) == before
    assert app.catalog.product(shop["DET"]).stock == 80_000
    kept = app.stock.resume_delivery()  # refused: the saved delivery is still there to correct
    assert kept is not None and [ln.quantity for ln in kept.lines] == [10_000, 5]
    check_invariants(app.db)


def test_stock_count_applies_differences_in_one_step(app: Services, admin: UserInfo, manager: UserInfo,
                                                     shop: dict) -> None:
    count = app.stock.start_count()
    for _ in range(3):
        app.stock.count_scan(count, demo_ean13(902))  # three sponges scanned one by one
    app.stock.count_product(count, shop["ESP"], 140)  # typed: replaces the scans
    app.stock.count_product(count, shop["DET"], 80_000)  # matches the books
    app.stock.count_product(count, shop["POL"], 19_250)  # found more
    sell(app, admin, ("ESP", 5))  # a sale while the count goes on
    review = app.stock.review_count(count)
    assert (review.changed, review.unchanged) == (2, 1)
    assert [(ln.product.sku, ln.difference_text) for ln in review.lines] == [
        ("ESP", "-10"), ("POL", "+1,25 kg"), ("DET", "0")]
    assert review.lines[0].expected_text == "150" and review.lines[0].counted_text == "140"
    result = app.stock.apply_count(count, manager)
    assert (len(result.changes), result.unchanged) == (2, 1)
    assert result.reference.startswith("C")
    # The sale after the sponges were counted is kept: 140 counted - 5 sold.
    assert app.catalog.product(shop["ESP"]).stock == 135
    assert app.catalog.product(shop["POL"]).stock == 19_250
    rows = app.stock.ledger(shop["ESP"]).rows
    assert [(r.reason, r.quantity) for r in rows[:2]] == [("count", -10), ("sale", -5)]
    assert rows[0].reason_label == "Conteo de inventario"
    with pytest.raises(NothingCounted):
        app.stock.apply_count(app.stock.start_count(), manager)
    check_invariants(app.db)


def test_a_count_in_progress_survives_a_restart(app: Services, admin: UserInfo, manager: UserInfo,
                                                shop: dict) -> None:
    count = app.stock.start_count()
    for _ in range(3):
        app.stock.count_scan(count, demo_ean13(902))
    app.stock.count_product(count, shop["POL"], 19_250)
    app.stock.count_product(count, shop["DET"], 1)
    app.stock.remove_line(count, shop["DET"])  # counted by mistake
    sell(app, admin, ("ESP", 5))  # sold after the sponges were counted

    assert app.stock.in_progress() == {"count": 2}
    restarted = build(app.settings)  # the kiosk comes back after a power cut
    try:
        again = restarted.stock.resume_count()
        assert again is not None and again.started_at == count.started_at
        assert [(ln.product.sku, ln.counted, ln.expected) for ln in again.lines] == [
            ("ESP", 3, 150), ("POL", 19_250, 18_000)]  # expected: the stock when each was counted
        restarted.stock.count_scan(again, demo_ean13(902))
        result = restarted.stock.apply_count(again, manager)
        assert result.reference == app.stock.count_reference(count)
        assert restarted.stock.resume_count() is None  # applied: nothing left to resume, nor to apply twice
        assert restarted.stock.in_progress() == {}
    finally:
        restarted.close()
    assert app.catalog.product(shop["ESP"]).stock == 4 - 5  # 4 counted, then the 5 sold after counting
    assert app.catalog.product(shop["POL"]).stock == 19_250
    check_invariants(app.db)


def test_starting_or_discarding_a_sheet_forgets_the_saved_one(app: Services, manager: UserInfo,
                                                              shop: dict) -> None:
    count = app.stock.start_count()
    app.stock.count_product(count, shop["DET"], 5_000)
    app.stock.discard(count)
    assert app.stock.resume_count() is None
    app.stock.count_product(app.stock.start_count(), shop["DET"], 5_000)
    assert len(app.stock.resume_count()) == 1
    app.stock.start_count()  # "new count" replaces the unfinished one
    assert app.stock.resume_count() is None
    assert app.stock.resume_delivery() is None  # a count is not a delivery


def test_a_delivery_in_progress_survives_a_restart(app: Services, manager: UserInfo, shop: dict) -> None:
    sheet = app.stock.start_delivery()
    app.stock.delivery_scan(sheet, demo_ean13(901), 20_000, unit_cost=155)
    app.stock.delivery_add(sheet, shop["ESP"], 24)
    app.stock.delivery_set(sheet, shop["ESP"], 12, "0,30")
    app.stock.set_delivery_reference(sheet, "Remisión 4411")

    restarted = build(app.settings)
    try:
        again = restarted.stock.resume_delivery()
        assert again.reference == "Remisión 4411" and again.cost_total == sheet.cost_total
        assert [(ln.product.sku, ln.quantity, ln.unit_cost) for ln in again.lines] == [
            ("DET", 20_000, 155), ("ESP", 12, 30)]
        result = restarted.stock.receive(again, manager)
        assert result.reference == "Remisión 4411" and len(result.changes) == 2
        assert restarted.stock.resume_delivery() is None
    finally:
        restarted.close()
    assert app.catalog.product(shop["ESP"]).stock == 162
    check_invariants(app.db)


def test_count_refusals(app: Services, cashier: UserInfo, shop: dict) -> None:
    count = app.stock.start_count()
    with pytest.raises(ServiceHasNoStock):
        app.stock.count_product(count, shop["SRV"], 1)
    with pytest.raises(InvalidQuantity):
        app.stock.count_product(count, shop["DET"], -1)
    app.stock.count_product(count, shop["DET"], 1)
    with pytest.raises(NotPermitted):
        app.stock.apply_count(count, cashier)


def test_ledger_shows_every_movement_with_its_balance(app: Services, admin: UserInfo, manager: UserInfo,
                                                      shop: dict) -> None:
    number = sell(app, admin, ("DET", 2_500))
    app.stock.restock(shop["DET"], 10_000, manager, reference="F-9")
    app.stock.adjust(shop["DET"], -500, "expired", manager)
    page = app.stock.ledger(shop["DET"])
    assert page.total_rows == 4 and page.ledger_sum == page.product.stock == 87_000
    assert [(r.reason, r.quantity_text, r.balance_text) for r in page.rows] == [
        ("adjustment", "-500 ml", "87 L"), ("restock", "+10 L", "87,5 L"), ("sale", "-2,5 L", "77,5 L"),
        ("restock", "+80 L", "80 L")]
    sale_row = page.rows[2]
    assert (sale_row.reference, sale_row.sale_number, sale_row.user, sale_row.reason_label) == (
        f"V{number:06d}", number, admin.name, "Venta")
    assert page.rows[0].time.tzinfo is not None
    second = app.stock.ledger(shop["DET"], limit=2, offset=2)
    assert [r.id for r in second.rows] == [r.id for r in page.rows[2:]]
    assert app.stock.ledger_for_sku("DET").total_rows == 4
    for pid in shop.values():
        assert ledger_sum(app, pid) == app.catalog.product(pid).stock
    check_invariants(app.db)


def test_low_stock_list_badge_and_reorder_suggestion(app: Services, admin: UserInfo, manager: UserInfo,
                                                     shop: dict) -> None:
    # POL: 18 kg, level 30 kg. ESP: 150, level 30 -> sell 125 to reach 25.
    sell(app, admin, ("ESP", 125), ("POL", 3_000))
    assert app.stock.low_stock_count() == 2
    items = app.stock.low_stock()
    assert [i.product.sku for i in items] == ["POL", "ESP"]  # 15/30 kg before 25/30
    pol, esp = items
    # POL sold 3 kg in 30 days: 0.1 kg/day x 14 days = 1.4 kg < level, so target = 2 x 30 kg = 60 kg.
    assert (pol.stock_text, pol.level_text, pol.sold_text, pol.suggested_text) == ("15 kg", "30 kg", "3 kg", "45 kg")
    # ESP sold 125 in 30 days: 4.17/day x 14 = 58.3 -> target 30 + 58.3 = 88.3; 88.3 - 25 -> 64 (whole units).
    assert esp.suggested == 64
    # A service or a deactivated product is never "low".
    app.inventory.set_active(shop["ESP"], False, manager)
    assert app.stock.low_stock_count() == 1
    # Sales older than the window no longer count.
    later = StockService(app.db, app.catalog, history_days=30, cover_days=14,
                         clock=lambda: utcnow() + timedelta(days=31))
    assert later.low_stock()[0].sold == 0
    check_invariants(app.db)


def test_find_by_barcode_or_sku(app: Services, shop: dict) -> None:
    assert app.stock.find(demo_ean13(902)).sku == "ESP"
    assert app.stock.find(" CLO ").sku == "CLO"
    with pytest.raises(UnknownBarcode, match="NOPE"):
        app.stock.find("NOPE")


def test_quantities_and_costs_as_typed_on_the_keypad(app: Services, manager: UserInfo, shop: dict) -> None:
    change = app.stock.restock(shop["CLO"], "1,5", manager, unit_cost="1,95")
    assert (change.quantity, change.quantity_text) == (5_678, "+1,5 gal")
    assert app.catalog.product(shop["CLO"]).cost == 195
    assert app.stock.adjust(shop["POL"], "-0,25", "expired", manager).stock == 17_750
    with pytest.raises(InvalidProduct, match="Existencias: debe ser un número entero"):
        app.stock.restock(shop["ESP"], "2,5", manager)
    with pytest.raises(InvalidProduct, match="Costo"):
        app.stock.restock(shop["ESP"], "2", manager, unit_cost="dos")
    sheet = app.stock.start_delivery()
    line = app.stock.delivery_scan(sheet, demo_ean13(901))  # one unit of measure by default: 1 L
    assert line.quantity == 1_000
    assert app.stock.delivery_set(sheet, shop["DET"], "12", "1,50").quantity == 12_000
    count = app.stock.start_count()
    assert app.stock.count_scan(count, demo_ean13(901)).counted == 1_000
    assert app.stock.count_product(count, shop["DET"], "79,5").counted == 79_500
    check_invariants(app.db)
