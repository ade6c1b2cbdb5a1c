"""Cart rules behind the selling screen (no display): scans, bulk goods and the
out-of-stock policy."""

from __future__ import annotations

import pytest

from kiosk.app_factory import build
from kiosk.core.cart import Cart, LineEntry
from kiosk.core.errors import InvalidQuantity, OutOfStock, QuantityTooLarge, UnknownBarcode
from kiosk.demo import demo_barcodes, load_demo
from kiosk.services.preferences import PreferenceService
from kiosk.services.selling import SellingService
from tests.conftest import make_settings


def test_scan_unit_item_adds_one_and_merges(demo_app) -> None:
    selling = SellingService(demo_app.catalog)
    cart = Cart()
    code = demo_barcodes()["ESP-DOB"][0]
    selling.scan(cart, code)
    out = selling.scan(cart, code)
    assert len(cart) == 1 and out.line.quantity == 2 and out.warning == ""


def test_scan_bulk_product_asks_for_a_quantity(demo_app) -> None:
    selling = SellingService(demo_app.catalog)
    cart = Cart()
    out = selling.scan(cart, demo_barcodes()["DET-LAV"][0])
    assert out.measure is not None and out.measure.sku == "DET-LAV"
    assert cart.is_empty


def test_unknown_barcode_names_the_code(demo_app) -> None:
    selling = SellingService(demo_app.catalog)
    with pytest.raises(UnknownBarcode) as info:
        selling.scan(Cart(), "4006381333931")
    assert "4006381333931" in str(info.value)


def test_out_of_stock_warns_or_refuses(demo_app) -> None:
    gloves = demo_app.catalog.by_sku("GUA-NIT")  # 8 in stock
    warn = SellingService(demo_app.catalog, "warn")
    cart = Cart()
    assert warn.add(cart, gloves, 8).warning == ""
    out = warn.add(cart, gloves, 1)
    assert "Guantes de nitrilo" in out.warning and cart.lines[0].quantity == 9

    refuse = SellingService(demo_app.catalog, "refuse")
    cart = Cart()
    refuse.add(cart, gloves, 8)
    with pytest.raises(OutOfStock) as info:
        refuse.add(cart, gloves, 1)
    assert "8" in str(info.value)
    assert cart.lines[0].quantity == 8  # unchanged
    with pytest.raises(OutOfStock):
        refuse.set_quantity(cart, cart.lines[0].id, 9)


def test_zero_and_absurd_quantities_are_refused(demo_app) -> None:
    selling = SellingService(demo_app.catalog)
    cart = Cart()
    line = selling.add(cart, demo_app.catalog.by_sku("ESP-DOB")).line
    with pytest.raises(InvalidQuantity):
        selling.set_quantity(cart, line.id, 0)
    with pytest.raises(QuantityTooLarge):
        selling.set_quantity(cart, line.id, 100_000)
    assert cart.line(line.id).quantity == 1


def test_bulk_by_amount_charges_exactly(demo_app) -> None:
    selling = SellingService(demo_app.catalog)
    cart = Cart()
    out = selling.add_amount(cart, demo_app.catalog.by_sku("DET-LAV"), 500)  # $5 at $3.20/L
    assert out.line.total == 500 and out.line.quantity == 1562 and out.line.entry is LineEntry.AMOUNT


def test_each_cashier_keeps_their_cart(demo_app) -> None:
    counter = demo_app.counter
    counter.add(1, demo_app.catalog.by_sku("ESP-DOB"))
    assert len(counter.cart(1)) == 1 and counter.cart(2).is_empty


def test_theme_preference_survives_a_restart(state_dir) -> None:
    services = build(make_settings(state_dir))
    prefs = PreferenceService(services.db)
    assert prefs.theme() == "day"
    prefs.set_theme("night")
    services.close()
    again = build(make_settings(state_dir))
    assert PreferenceService(again.db).theme() == "night"
    with pytest.raises(ValueError):
        PreferenceService(again.db).set_theme("pink")
    again.close()
    assert load_demo  # the demo loader is what the UI tests start from
