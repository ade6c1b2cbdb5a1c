"""Scanning weight and price labels printed by a scale: the catalog finds the product
by its PLU and the cart line carries the encoded weight or price; labels that do not
fit their product, or whose check digits are wrong, are refused with a clear message."""

from __future__ import annotations

import pytest

from kiosk import i18n
from kiosk.app_factory import build
from kiosk.core.barcodes import gtin_check_digit, price_check_digit
from kiosk.core.cart import Cart, LineEntry
from kiosk.core.errors import InvalidBarcode, UnknownBarcode
from kiosk.core.units import SaleMode, Uom
from kiosk.services.inventory import InventoryService, ProductDraft
from kiosk.services.selling import SellingService
from tests.conftest import make_settings


def scan(app, cart: Cart, code: str):
    """A scan as the till handles it (SellingService: look-up, stock policy, cart)."""
    return SellingService(app.catalog).scan(cart, code).line


def ean13(body: str) -> str:
    return body + str(gtin_check_digit(body))


@pytest.fixture
def shop(app):
    i18n.configure(language="en")  # messages are matched in English (the shared fixture restores es)
    inv = InventoryService(app.db)
    ids = {
        "powder": inv.create_product(ProductDraft("POL-01", "Jabón en polvo", SaleMode.WEIGHT, Uom.KG, 400,
                                                  barcodes=["2012345"])),
        "cheese": inv.create_product(ProductDraft("QUE-01", "Queso", SaleMode.WEIGHT, Uom.LB, 899,
                                                  barcodes=["00777"])),  # PLU stored as the bare item code
        "soap": inv.create_product(ProductDraft("DET-01", "Detergente", SaleMode.VOLUME, Uom.L, 320,
                                                barcodes=["2054321", "2354321"])),
        "sponge": inv.create_product(ProductDraft("ESP-01", "Esponja", SaleMode.UNIT, Uom.UNIT, 150,
                                                  barcodes=["2011111", "2311111"])),
    }
    return app, ids


def test_weight_label_adds_the_encoded_weight(shop):
    app, ids = shop
    cart = Cart()
    line = scan(app, cart, ean13("201234501250"))
    assert (line.product.id, line.quantity, line.entry, line.total) == (ids["powder"], 1250, LineEntry.LABEL, 500)


def test_plu_stored_without_its_prefix_is_found(shop):
    app, ids = shop
    match = app.catalog.lookup_barcode(ean13("210077700454"))  # 454 g of a $8.99/lb cheese
    assert match.product.id == ids["cheese"] and match.quantity == 454


def test_price_label_charges_exactly_the_encoded_price(shop):
    app, ids = shop
    cart = Cart()
    line = scan(app, cart, ean13("235432100875"))
    assert (line.product.id, line.total, line.entry) == (ids["soap"], 875, LineEntry.LABEL)
    assert line.quantity == 2734  # the ml that $8.75 buys at $3.20/L, never more


def test_weight_label_on_a_volume_product_is_refused(shop):
    app, _ = shop
    with pytest.raises(InvalidBarcode, match="not sold by weight"):
        app.catalog.lookup_barcode(ean13("205432100500"))


def test_label_on_a_unit_item_is_refused(shop):
    app, _ = shop
    with pytest.raises(InvalidBarcode, match="not sold by weight"):
        app.catalog.lookup_barcode(ean13("201111100500"))
    with pytest.raises(InvalidBarcode, match="sold by the unit"):
        app.catalog.lookup_barcode(ean13("231111100500"))


def test_zero_weight_label_is_refused(shop):
    app, _ = shop
    with pytest.raises(InvalidBarcode, match="no weight or price"):
        app.catalog.lookup_barcode(ean13("201234500000"))


def test_wrong_ean_check_digit_never_rings_anything_up(shop):
    app, _ = shop
    good = ean13("201234501250")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    cart = Cart()
    with pytest.raises(InvalidBarcode, match="wrong check digit"):
        scan(app, cart, bad)
    assert cart.is_empty
    i18n.configure(language="es")
    with pytest.raises(InvalidBarcode, match="dígito de control incorrecto"):
        scan(app, cart, bad)


def test_unknown_item_code_is_unknown(shop):
    app, _ = shop
    with pytest.raises(UnknownBarcode):
        scan(app, Cart(), ean13("209999901250"))


def test_configured_layout_with_price_check_digit(state_dir):
    settings = make_settings(state_dir, barcodes={"variable": [
        {"prefixes": ["28"], "kind": "price", "item_digits": 4, "price_check": True},
        {"prefixes": ["02"], "kind": "weight", "item_digits": 5},
    ]})
    app = build(settings)
    i18n.configure(language="en")
    try:
        InventoryService(app.db).create_product(ProductDraft("CAR-01", "Carne", SaleMode.WEIGHT, Uom.KG, 1800,
                                                             barcodes=["281234", "0212345"]))
        body = "281234" + str(price_check_digit("02550")) + "02550"
        match = app.catalog.lookup_barcode(ean13(body))
        assert match.amount == 2550
        wrong = "281234" + str((price_check_digit("02550") + 1) % 10) + "02550"
        with pytest.raises(InvalidBarcode, match="price check digit"):
            app.catalog.lookup_barcode(ean13(wrong))
        # US in-store UPC-A: number system 2, read as its EAN-13 form "02...".
        upca = "2123450" + "0750"
        upca += str(gtin_check_digit(upca))
        assert app.catalog.lookup_barcode(upca).quantity == 750
        # Prefix 20 is not configured here: a plain unknown code.
        assert app.catalog.lookup_barcode(ean13("201234501250")) is None
    finally:
        app.close()
