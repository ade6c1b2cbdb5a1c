import pytest

from kiosk.core.errors import InvalidBarcode, UnknownProduct
from kiosk.demo import demo_barcodes
from kiosk.services.inventory import InventoryService, ProductDraft
from kiosk.core.units import SaleMode, Uom


def names(products):
    return [p.name for p in products]


def test_accent_and_case_insensitive_prefix_search(demo_app):
    found = names(demo_app.catalog.search("jabon liq"))
    assert found[:2] == ["Jabón líquido antibacterial", "Jabón líquido de manos avena"]
    assert "Detergente líquido lavanda" in names(demo_app.catalog.search("LIQUIDO lav"))


def test_names_starting_with_the_text_come_first(demo_app):
    found = names(demo_app.catalog.search("sua"))
    starts = [n for n in found if n.lower().startswith("sua")]
    assert found[:len(starts)] == sorted(starts, key=str.lower) and len(starts) >= 4


def test_search_over_sku_brand_category_and_barcode(demo_app):
    assert names(demo_app.catalog.search("CLO-TRA"))[0] == "Cloro tradicional"  # its SKU ranks it first
    assert "Esponja doble uso" in names(demo_app.catalog.search("limpix"))
    assert set(names(demo_app.catalog.search("servicios"))) >= {"Entrega a domicilio", "Recarga de envase propio"}
    code = demo_barcodes()["PAN-MIC"][0]
    assert names(demo_app.catalog.search(code)) == ["Paño de microfibra"]


def test_search_filters_category_and_inactive_and_pages(demo_app):
    cat = next(c for c in demo_app.catalog.categories() if c.name == "Suavizantes")
    assert {p.category for p in demo_app.catalog.search("s", category_id=cat.id)} == {"Suavizantes"}
    p = demo_app.catalog.by_sku("SUA-LAV")
    InventoryService(demo_app.db).set_active(p.id, False)
    assert "Suavizante lavanda" not in names(demo_app.catalog.search("suavizante"))
    page1 = demo_app.catalog.search("e", limit=5)
    page2 = demo_app.catalog.search("e", limit=5, offset=5)
    assert len(page1) == len(page2) == 5 and not set(names(page1)) & set(names(page2))


def test_barcode_lookup_normalises_upc_a_and_ean13(app):
    inv = InventoryService(app.db)
    pid = inv.create_product(ProductDraft("UPC1", "Cera importada", SaleMode.UNIT, Uom.UNIT, 900,
                                          barcodes=["036000291452"]))
    assert app.catalog.lookup_barcode("0036000291452").product.id == pid
    assert app.catalog.lookup_barcode("036000291452").product.id == pid
    assert app.catalog.lookup_barcode("4006381333931") is None
    with pytest.raises(InvalidBarcode) as err:
        app.catalog.lookup_barcode("0036000291453")
    assert "dígito de control" in str(err.value)
    with pytest.raises(UnknownProduct):
        app.catalog.by_sku("NOPE")


def test_weight_and_price_labels_find_the_product(app):
    from kiosk.core.barcodes import gtin_check_digit

    inv = InventoryService(app.db)
    pid = inv.create_product(ProductDraft("POL", "Detergente en polvo", SaleMode.WEIGHT, Uom.KG, 290,
                                          barcodes=["2100042"]))
    body = "21" + "00042" + "01500"
    match = app.catalog.lookup_barcode(body + str(gtin_check_digit(body)))
    assert match.product.id == pid and match.quantity == 1500
    body = "23" + "00042" + "00500"
    assert app.catalog.lookup_barcode(body + str(gtin_check_digit(body))) is None  # no PLU 2300042
