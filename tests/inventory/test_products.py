"""The product editor's services: create, edit, validate, deactivate, categories and
smart clone, on a real migrated SQLite file."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.app_factory import Services
from kiosk.core.errors import (
    DuplicateBarcode,
    DuplicateSku,
    InvalidBarcode,
    InvalidProduct,
    NotPermitted,
    ServiceHasNoStock,
)
from kiosk.core.inventory_errors import (
    CategoryKindMismatch,
    DuplicateCategory,
    InvalidCategory,
    ServiceStockNotZero,
    UnitChangeNotAllowed,
)
from kiosk.core.units import SaleMode, Uom
from kiosk.demo import demo_ean13
from kiosk.services.users import UserInfo
from tests.inventory.helpers import draft
from tests.invariants import check_invariants


def test_manager_creates_a_product_the_till_can_find(app: Services, manager: UserInfo) -> None:
    saved = app.inventory.save_product(draft(barcodes=[demo_ean13(5)]), manager, initial_stock=12_000)
    assert saved.created and saved.warnings == ()
    ref = app.catalog.product(saved.product_id)
    assert (ref.name, ref.price, ref.stock, ref.uom) == ("Jabón líquido avena", 440, 12_000, Uom.L)
    assert [p.id for p in app.catalog.search("jabon liq")] == [saved.product_id]
    assert app.catalog.lookup_barcode(demo_ean13(5)).product.id == saved.product_id
    page = app.stock.ledger(saved.product_id)
    assert [(r.reason, r.quantity, r.user) for r in page.rows] == [("restock", 12_000, "Marta")]
    check_invariants(app.db)


def test_cashier_cannot_edit_the_catalog(app: Services, cashier: UserInfo) -> None:
    with pytest.raises(NotPermitted, match="encargado"):
        app.inventory.save_product(draft(), cashier)
    assert app.catalog.count(include_inactive=True) == 0


@pytest.mark.parametrize("changes,error,message", [
    (dict(sku=""), InvalidProduct, "SKU: es obligatorio"),
    (dict(name="  "), InvalidProduct, "Nombre: es obligatorio"),
    (dict(price=-1), InvalidProduct, "Precio: no puede ser negativo"),
    (dict(cost=-5), InvalidProduct, "no puede ser negativo"),
    (dict(uom=Uom.KG), InvalidProduct, "kilo no sirve para la venta por volumen (use litro, mililitro, galón)"),
    (dict(tax_rate_bp=1000), InvalidProduct, "10 % no es una de las tarifas configuradas (0 %, 5 %, 19 %)"),
    (dict(barcodes=["7709990000011"]), InvalidBarcode, "dígito de control"),
    (dict(sale_mode=SaleMode.SERVICE, uom=Uom.UNIT, low_stock=5), InvalidProduct, "no llevan existencias"),
    (dict(image_path="../kiosk.db"), InvalidProduct, "directorio de estado"),
    (dict(image_path="images/none.jpg"), InvalidProduct, "images/none.jpg no está en el directorio de estado"),
])
def test_bad_drafts_are_refused_with_a_clear_message(app: Services, manager: UserInfo, changes: dict,
                                                     error: type, message: str) -> None:
    with pytest.raises(error) as exc:
        app.inventory.save_product(draft(**changes), manager)
    assert message in str(exc.value)
    assert app.catalog.count(include_inactive=True) == 0


def test_duplicates_name_the_product_that_has_them(app: Services, manager: UserInfo, shop: dict) -> None:
    with pytest.raises(DuplicateSku, match="SKU DET ya"):
        app.inventory.save_product(draft(sku="DET"), manager)
    with pytest.raises(DuplicateBarcode, match="Detergente líquido lavanda"):
        app.inventory.save_product(draft(barcodes=[demo_ean13(901)]), manager)
    # A UPC-A code and its 13-digit EAN form are the same product.
    app.inventory.save_product(draft(sku="UPC", barcodes=["036000291452"]), manager)
    with pytest.raises(DuplicateBarcode, match="0036000291452"):
        app.inventory.save_product(draft(sku="EAN", barcodes=["0036000291452"]), manager)
    assert app.catalog.count() == 6


def test_check_draft_lists_every_problem_and_the_margin(app: Services, shop: dict) -> None:
    check = app.inventory.check_draft(draft(sku="DET", name="", price=100, cost=150, barcodes=[demo_ean13(902)]))
    fields = check.by_field()
    assert set(fields) == {"sku", "name", "barcode"}
    assert "Esponja doble uso" in fields["barcode"]
    assert check.margin.profit == -50 and check.margin.below_cost
    assert "es menor que el costo" in check.warnings[0]
    ok = app.inventory.check_draft(draft(price=1190, cost=500, tax_rate_bp=1900))
    assert ok.ok and ok.warnings == ()
    from kiosk.services.inventory import describe_margin
    assert describe_margin(ok.margin) == "Margen $5,00 (50 %)"


def test_price_below_cost_is_a_warning_not_an_error(app: Services, manager: UserInfo) -> None:
    saved = app.inventory.save_product(draft(price=150, cost=200), manager)
    assert saved.product_id and "cada venta pierde dinero" in saved.warnings[0]


def test_edit_changes_fields_and_replaces_barcodes(app: Services, manager: UserInfo, shop: dict) -> None:
    pid = shop["DET"]
    d = app.inventory.product_draft(pid)
    d.name, d.price, d.barcodes = "Detergente líquido lavanda 2x", 350, [demo_ean13(903), demo_ean13(904)]
    d.uom = Uom.GAL  # same base unit (ml): allowed even with history
    saved = app.inventory.update_product(pid, d, manager)
    assert not saved.created
    ref = app.catalog.product(pid)
    assert (ref.name, ref.price, ref.uom, ref.stock) == ("Detergente líquido lavanda 2x", 350, Uom.GAL, 80_000)
    assert app.catalog.barcodes_of(pid) == [demo_ean13(903), demo_ean13(904)]
    assert app.catalog.lookup_barcode(demo_ean13(901)) is None
    assert [p.id for p in app.catalog.search("lavanda 2x")] == [pid]
    check_invariants(app.db)


def test_edit_cannot_reinterpret_the_ledger(app: Services, manager: UserInfo, shop: dict) -> None:
    d = app.inventory.product_draft(shop["DET"])
    d.sale_mode, d.uom = SaleMode.WEIGHT, Uom.KG
    with pytest.raises(UnitChangeNotAllowed, match="ya tiene movimientos de existencias en litro"):
        app.inventory.update_product(shop["DET"], d, manager)
    d = app.inventory.product_draft(shop["ESP"])
    d.sale_mode, d.low_stock = SaleMode.SERVICE, 0
    with pytest.raises(ServiceStockNotZero, match="150 en existencias"):
        app.inventory.update_product(shop["ESP"], d, manager)
    assert app.catalog.product(shop["DET"]).uom is Uom.L


def test_initial_stock_rules(app: Services, manager: UserInfo, shop: dict) -> None:
    with pytest.raises(ServiceHasNoStock):
        app.inventory.save_product(draft(sale_mode=SaleMode.SERVICE, uom=Uom.UNIT), manager, initial_stock=3)
    with pytest.raises(InvalidProduct, match="entrada de mercancía o un ajuste"):
        app.inventory.save_product(app.inventory.product_draft(shop["DET"]), manager, product_id=shop["DET"],
                                   initial_stock=5)


def test_services_category_takes_only_services(app: Services, manager: UserInfo, shop: dict) -> None:
    services_id = app.inventory.category_id("servicios")  # accents and case ignored
    with pytest.raises(CategoryKindMismatch, match="Servicios es una categoría de servicios"):
        app.inventory.save_product(draft(category_id=services_id), manager)
    goods_id = app.inventory.category_id("LIMPIEZA")
    with pytest.raises(CategoryKindMismatch):
        app.inventory.update_category(goods_id, manager, name="Limpieza", kind="services", color="#1E88E5")


def test_categories_are_validated_and_hidden_not_deleted(app: Services, manager: UserInfo, shop: dict) -> None:
    with pytest.raises(DuplicateCategory, match="Limpieza"):
        app.inventory.create_category("limpiéza", by=manager)
    with pytest.raises(InvalidCategory, match="#1E88E5"):
        app.inventory.create_category("Envases", color="azul", by=manager)
    with pytest.raises(InvalidCategory, match="obligatorio"):
        app.inventory.create_category("  ", by=manager)
    cid = app.inventory.create_category("Envases", by=manager)
    app.inventory.update_category(cid, manager, name="Envases vacíos", kind="goods", color="#3949AB")
    app.inventory.set_category_active(cid, False, manager)
    assert "Envases vacíos" not in [c.name for c in app.catalog.categories(include_empty=True)]
    assert app.inventory.category_id("envases vacios") == cid


def test_deactivate_instead_of_delete(app: Services, manager: UserInfo, shop: dict) -> None:
    app.inventory.set_active(shop["CLO"], False, manager)
    assert shop["CLO"] not in [p.id for p in app.catalog.browse()]
    assert app.catalog.product(shop["CLO"]).active is False
    assert app.stock.ledger(shop["CLO"]).total_rows == 1  # history kept
    app.inventory.set_active(shop["CLO"], True, manager)
    assert shop["CLO"] in [p.id for p in app.catalog.browse()]


def test_smart_clone_suggests_and_copies_all_but_identity(app: Services, manager: UserInfo, shop: dict) -> None:
    goods = app.inventory.category_id("Limpieza")
    typed = draft(name="detergente liquido", brand="BRILLO", category_id=goods)
    suggestions = app.product_clone.suggest_similar(typed, limit=3)
    assert [s.product.sku for s in suggestions][:2] == ["DET", "POL"]
    assert set(suggestions[0].reasons) == {"misma marca", "misma categoría", "nombre parecido"}
    assert app.product_clone.suggest_similar("xyz qqq") == []
    picture = app.state_dir / "images" / "det.png"
    picture.parent.mkdir(exist_ok=True)
    picture.write_bytes(b"a picture of the lavender detergent")
    app.inventory.update_product(shop["DET"], replace(app.inventory.product_draft(shop["DET"]),
                                                      image_path="images/det.png"), manager)
    clone = app.product_clone.clone_draft(shop["DET"])
    assert (clone.sku, clone.barcodes, clone.image_path) == ("", [], None)  # the picture shows the other product
    assert (clone.name, clone.brand, clone.price, clone.cost, clone.uom, clone.low_stock, clone.category_id) == (
        "Detergente líquido lavanda", "Brillo", 320, 160, Uom.L, 20_000, goods)
    clone.sku, clone.name = "DET-ROS", "Detergente líquido rosas"
    pid = app.inventory.save_product(clone, manager).product_id
    assert app.catalog.product(pid).stock == 0  # stock is never copied
    check_invariants(app.db)


def test_editor_choices_are_labelled_in_spanish(app: Services, shop: dict) -> None:
    choices = app.inventory.editor_choices()
    assert dict(choices.sale_modes)[SaleMode.WEIGHT] == "Por peso"
    assert [label for _, label in choices.units[SaleMode.VOLUME]] == ["litro", "mililitro", "galón"]
    assert [bp for bp, _ in choices.tax_rates] == [0, 500, 1900]
    assert dict(choices.tax_rates)[1900] == "19 %"
    assert [c.name for c in choices.categories] == ["Limpieza", "Servicios"]


def test_editor_form_from_text_fields(app: Services, manager: UserInfo, shop: dict) -> None:
    goods = app.inventory.category_id("Limpieza")
    texts = {"sku": "SUA-PRI", "name": "Suavizante primavera", "brand": "Nube", "sale_mode": "volume",
             "unit": "litro", "price": "2,40", "cost": "1,1O", "tax_rate": "0", "low_stock": "20",
             "stock": "70,5", "barcode": f"{demo_ean13(70)} A-1"}
    result = app.inventory.read_form(texts, category_id=goods)
    assert [(p.params["key"], str(p)) for p in result.check.problems] == [("cost", 'Costo: "1,1O" no es un número')]
    texts["cost"] = "1,10"
    result = app.inventory.read_form(texts, category_id=goods)
    assert result.check.ok and result.initial_stock == 70_500 and result.draft.barcodes == [demo_ean13(70), "A-1"]
    assert result.check.margin.profit == 130
    saved = app.inventory.save_form(texts, manager, category_id=goods)
    ref = app.catalog.product(saved.product_id)
    assert (ref.price, ref.cost, ref.stock, ref.low_stock, ref.uom) == (240, 110, 70_500, 20_000, Uom.L)
    back = app.inventory.form_texts(app.inventory.product_draft(saved.product_id))
    assert {k: back[k] for k in ("price", "cost", "low_stock", "unit", "sale_mode", "tax_rate")} == {
        "price": "2,40", "cost": "1,10", "low_stock": "20", "unit": "l", "sale_mode": "volume", "tax_rate": "0"}
    texts.update(sku="SUA-2", barcode="", stock="3", sale_mode="servicio", unit="unidad", low_stock="")
    with pytest.raises(InvalidProduct, match="Existencias: los servicios no llevan existencias"):
        app.inventory.save_form(texts, manager)
    new = app.inventory.new_draft()
    assert (new.sale_mode, new.uom, new.tax_rate_bp) == (SaleMode.UNIT, Uom.UNIT, 0)
    check_invariants(app.db)


def test_could_start_code_answers_the_keyboard_wedge(app: Services, manager: UserInfo) -> None:
    """The wedge hands on at once typing that no code can begin with (digits may always
    be a retail code; letters only when some product's code starts with them)."""
    app.inventory.save_product(draft(barcodes=["lav-77x"]), manager)
    could = app.catalog.could_start_code
    assert could("7") and could("770999") and could("")
    assert could("l") and could("LAV-") and could("lav-77X")
    assert not could("lavx") and not could("jabon") and not could("lav 7")
