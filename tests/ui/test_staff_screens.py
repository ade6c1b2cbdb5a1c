"""The staff screens driven like a person: touches on the real widgets, scanner
bursts on the keyboard wedge, then the database (products, barcodes, ledger rows,
stock) checked directly and with check_invariants."""

from __future__ import annotations

import sqlite3

from kiosk.demo import demo_barcodes, demo_ean13
from kiosk.i18n import _
from tests.invariants import check_invariants
from tests.ui.staff_support import ledger_rows, make_stick, tap_in, type_on, write_csvs
from tests.conftest import ADMIN_PIN

CODES = demo_barcodes()


def staff_ui(make_ui, tmp_path, pin: str = ADMIN_PIN):  # noqa: ANN001, ANN201
    """Signed in, a "USB stick" folder with photos and CSV files offered by the chooser."""
    stick = tmp_path / "usb"
    make_stick(stick)
    write_csvs(stick)
    ui = make_ui(inventory={"media_folders": [str(stick)], "media_globs": []})
    ui.stick = stick
    ui.pin(pin)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    ui.frames(3)
    return ui


def open_staff(ui) -> None:  # noqa: ANN001
    ui.tap(ui.screen("sell").ids.topbar.ids.admin_entry)
    ui.until(lambda: ui.current == "staff", what="the staff menu")


def product_row(state_dir, sku: str) -> dict:  # noqa: ANN001
    db = sqlite3.connect(state_dir / "kiosk.db")
    db.row_factory = sqlite3.Row
    try:
        row = db.execute("""SELECT p.*, c.name AS category FROM products p LEFT JOIN categories c
                            ON c.id = p.category_id WHERE sku = ?""", (sku,)).fetchone()
        out = dict(row) if row else {}
        if row:
            out["barcodes"] = [r[0] for r in db.execute("SELECT code FROM barcodes WHERE product_id = ?", (row["id"],))]
        return out
    finally:
        db.close()


def entry_view(ui, browser, name: str):  # noqa: ANN001, ANN201
    """The file chooser's tile showing ``name`` now (views are recycled as data changes)."""
    ui.frames(2)
    for v in browser.ids.entries.children[0].children:
        if v.name == name:
            return v
    raise AssertionError(f"{name} not shown")


def done_key(keyboard):  # noqa: ANN001, ANN201
    return keyboard.children[0].children[0]


# --- product editor: validation, scan to fill, photo, save ---------------------------------------

def test_create_a_product_with_a_photo_from_the_stick(make_ui, tmp_path) -> None:
    ui = staff_ui(make_ui, tmp_path)
    app = ui.app
    open_staff(ui)
    ui.tap(ui.screen("staff").ids.menu_new)
    ed = ui.screen("editor")
    ids = ed.ids
    keyboard = ids.input.ids.keyboard
    assert ed.focus == "name" and keyboard.shift == "once"  # the name is capitalised

    type_on(ui, keyboard, "Balde reforzado 12 L")
    assert ed.texts["name"] == "Balde reforzado 12 L"
    tap_in(ui, ids.form_scroll, ids.sku_field)
    assert keyboard.shift == "lock"
    type_on(ui, keyboard, "DET-LAV")  # already taken
    ui.tap(done_key(keyboard))
    ui.wait(0.2)
    assert ed.errors["sku"].startswith("El SKU DET-LAV ya") or "DET-LAV" in ed.errors["sku"]
    assert "Detergente líquido lavanda" in ed.errors["sku"]
    assert ids.f_sku.error == ed.errors["sku"]  # shown under the field
    tap_in(ui, ids.form_scroll, ids.sku_field)
    for _i in range(3):
        ui.tap(ui.find_text("\u232b", keyboard), settle=0)
    type_on(ui, keyboard, "BAL")
    ui.tap(done_key(keyboard))
    ui.wait(0.2)
    assert ed.texts["sku"] == "DET-BAL" and "sku" not in ed.errors

    # Scans fill the barcodes instead of selling; a misread check digit is refused by the field.
    new_code = demo_ean13(777)
    ui.burst(new_code[:-1] + str((int(new_code[-1]) + 1) % 10))
    ui.wait(0.2)
    assert "barcode" in ed.errors and "dígito" in ed.errors["barcode"]
    assert app.cart.is_empty and ui.current == "editor"
    tap_in(ui, ids.form_scroll, ids.barcode_field)
    ui.tap(ui.find_text(_("Clear"), keyboard))
    ui.tap(done_key(keyboard))
    ui.burst(new_code)
    ui.wait(0.2)
    assert ed.texts["barcode"] == new_code and "barcode" not in ed.errors
    assert app.cart.is_empty

    # Category, sale mode, unit, prices on the keypad: margin live, price below cost warned.
    tap_in(ui, ids.form_scroll, ids.category_field)
    ui.tap(ui.find_text("Accesorios", app.modal.ids.grid))
    assert ed.category_text == "Accesorios"
    tap_in(ui, ids.form_scroll, ids.cost_field)
    ui.keypad("5", ids.input.ids.keypad)
    tap_in(ui, ids.form_scroll, ids.price_field)
    ui.keypad("4", ids.input.ids.keypad)
    ui.wait(0.3)
    assert "menor que el costo" in ed.warnings_text and ids.f_price.warning == ed.warnings_text
    ui.keypad("\u232b9", ids.input.ids.keypad)  # 9,00 instead
    ui.wait(0.3)
    assert ed.texts["price"] == "9" and ed.warnings_text == ""
    assert ed.margin_text == "Margen $4,00 (44,4 %)"
    ui.tap(ids.input.ids.number_done)
    tap_in(ui, ids.form_scroll, ui.find_text("19 %", ids.tax_rates))
    ui.wait(0.3)
    assert ed.texts["tax_rate"] == "19" and ed.margin_text.startswith("Margen $2,56")
    tap_in(ui, ids.form_scroll, ids.low_stock_field)
    ui.keypad("3", ids.input.ids.keypad)
    tap_in(ui, ids.form_scroll, ids.stock_field)
    ui.keypad("12", ids.input.ids.keypad)
    ui.tap(ids.input.ids.number_done)

    # The photo: chosen on the stick by touch, with previews; a fake picture cannot be used.
    ui.tap(ids.choose_picture)
    chooser = app.modal
    browser = chooser.ids.browser
    ui.until(lambda: browser.ids.entries.data and browser.previews_done(), what="the previews")
    views = {v.name: v for v in browser.ids.entries.children[0].children}
    assert set(views) == {"fotos viejas", "detergente-mar.jpg", "esponja.png", "no-es-foto.jpg"}
    assert views["esponja.png"].preview and not views["no-es-foto.jpg"].preview
    ui.tap(entry_view(ui, browser, "no-es-foto.jpg"))
    assert "no-es-foto.jpg" in chooser.ids.chooser_error.text and chooser.ids.use_photo.disabled
    ui.tap(entry_view(ui, browser, "fotos viejas"))  # into a sub-folder and back up
    ui.until(lambda: browser.folder.endswith("fotos viejas"), what="the sub-folder")
    assert [d["name"] for d in browser.ids.entries.data] == ["balde.jpg"]
    ui.tap(browser.ids.up)
    ui.until(lambda: browser.previews_done() and len(browser.ids.entries.data) == 4, what="the stick again")
    ui.frames(2)
    ui.tap(entry_view(ui, browser, "detergente-mar.jpg"))
    ui.tap(chooser.ids.use_photo)
    ui.until(lambda: app.modal is None, timeout=30, what="the photo imported in the background")
    assert ed.image_path.startswith("images/") and ed.image_path.endswith(".jpg")
    assert (ui.state_dir / ed.image_path).is_file()

    ui.tap(ids.save)
    assert ui.current == "staff"
    assert ui.screen("staff").ids.message.text == "Producto creado: Balde reforzado 12 L"
    p = product_row(ui.state_dir, "DET-BAL")
    assert (p["name"], p["category"], p["sale_mode"], p["uom"], p["price"], p["cost"], p["tax_rate_bp"],
            p["low_stock"], p["stock"], p["active"]) == \
        ("Balde reforzado 12 L", "Accesorios", "unit", "unit", 900, 500, 1900, 3, 12, 1)
    assert p["barcodes"] == [new_code] and p["image_path"] == ed.image_path
    assert ledger_rows(ui.state_dir, "DET-BAL") == [("restock", "initial", 12, 500, "Administrador", "")]
    check_invariants(app.services.db)

    # Back on the selling screen the new product is there, with its photo, and sells by scan.
    ui.tap(ui.find_text(_("Back"), ui.screen("staff")))
    ui.search("balde")
    assert ui.tile("Balde reforzado 12 L").image == p["image_path"]
    ui.burst(new_code)
    ui.until(lambda: len(app.cart) == 1, what="the scanned new product")


def choose_photo(ui, ed, name: str) -> str:  # noqa: ANN001
    ui.tap(ed.ids.choose_picture)
    chooser = ui.app.modal
    browser = chooser.ids.browser
    ui.until(lambda: browser.ids.entries.data and browser.previews_done(), what="the previews")
    ui.tap(entry_view(ui, browser, name))
    ui.tap(chooser.ids.use_photo)
    ui.until(lambda: ui.app.modal is None, timeout=30, what="the photo imported in the background")
    assert (ui.state_dir / ed.image_path).is_file()
    return ed.image_path


def test_photos_tried_but_not_kept_do_not_stay_on_the_card(make_ui, tmp_path) -> None:
    ui = staff_ui(make_ui, tmp_path)
    app = ui.app
    open_staff(ui)
    ed = ui.screen("editor")
    lavender = app.services.catalog.by_sku("DET-LAV")
    demo_picture = lavender.image

    # Two photos tried, then "Back" and "Discard": neither stays, the demo picture does.
    ed.open_product(lavender.id)
    tried = [choose_photo(ui, ed, "esponja.png"), choose_photo(ui, ed, "detergente-mar.jpg")]
    ui.tap(ui.find_text(_("Back"), ed))
    ui.tap(app.modal.ids.confirm_yes)
    assert not any((ui.state_dir / rel).exists() for rel in tried)
    assert product_row(ui.state_dir, "DET-LAV")["image_path"] == demo_picture
    assert (ui.state_dir / demo_picture).is_file()

    # Saved with a new photo after trying another: only the one saved stays.
    ed.open_product(lavender.id)
    first, kept = choose_photo(ui, ed, "esponja.png"), choose_photo(ui, ed, "detergente-mar.jpg")
    ui.tap(ed.ids.save)
    assert product_row(ui.state_dir, "DET-LAV")["image_path"] == kept
    assert (ui.state_dir / kept).is_file() and not (ui.state_dir / first).exists()
    assert (ui.state_dir / demo_picture).is_file()  # not one this kiosk imported: left alone


def test_smart_clone_copies_all_but_sku_barcodes_and_stock(make_ui, tmp_path) -> None:
    ui = staff_ui(make_ui, tmp_path)
    app = ui.app
    open_staff(ui)
    ui.tap(ui.screen("staff").ids.menu_products)
    ui.tap(ui.screen("products").ids.new_product)
    ed = ui.screen("editor")
    keyboard = ed.ids.input.ids.keyboard
    type_on(ui, keyboard, "Detergente liquido mar")
    ui.wait(0.3)
    buttons = {b.text.split("  \u2022  ")[0]: b for b in ed.ids.suggestions.children}
    assert "Detergente líquido lavanda" in buttons
    assert "nombre parecido" in buttons["Detergente líquido lavanda"].text
    ui.tap(buttons["Detergente líquido lavanda"])
    ui.wait(0.2)
    assert not ed.suggestions_open
    assert ed.texts["name"] == "Detergente liquido mar"  # the name typed is kept
    assert (ed.texts["sku"], ed.texts["barcode"], ed.texts["stock"]) == ("", "", "")
    assert (ed.texts["brand"], ed.texts["sale_mode"], ed.texts["unit"], ed.texts["price"], ed.texts["cost"]) == \
        ("Brillo", "volume", "l", "3,20", "1,60")
    assert ed.category_text == "Detergentes" and ed.margin_text == "Margen $1,60 (50 %)"
    assert ed.image_path == ""  # the new product gets its own picture, not the other one's
    assert ui.screen("editor").ids.message.text == "Copiado de Detergente líquido lavanda: cambie lo que sea distinto."

    ui.tap(done_key(keyboard), settle=3)
    ui.tap(ed.ids.save)  # no SKU yet: refused, the field says why
    assert ui.current == "editor" and ed.errors["sku"] == "SKU: es obligatorio"
    tap_in(ui, ed.ids.form_scroll, ed.ids.sku_field)
    type_on(ui, keyboard, "DET-MAR")
    ui.tap(done_key(keyboard))
    ui.tap(ed.ids.save)
    assert ui.current == "products"
    new, source = product_row(ui.state_dir, "DET-MAR"), product_row(ui.state_dir, "DET-LAV")
    for key in ("brand", "category_id", "sale_mode", "uom", "price", "cost", "tax_rate_bp", "low_stock"):
        assert new[key] == source[key], key
    assert new["image_path"] is None and source["image_path"]  # the lavender bottle's picture stays its own
    assert new["name"] == "Detergente liquido mar" and new["barcodes"] == [] and new["stock"] == 0
    assert ledger_rows(ui.state_dir, "DET-MAR") == []
    check_invariants(app.services.db)


# --- stock ---------------------------------------------------------------------------------------

def test_quick_restock_from_the_catalog(make_ui, tmp_path) -> None:
    ui = staff_ui(make_ui, tmp_path)
    app = ui.app
    sell = ui.screen("sell")
    badge = sell.ids.topbar.ids.admin_entry
    assert badge.badge == "7"
    ui.search("concentrado eco")
    tile = ui.tile("Detergente concentrado ecológico")
    assert tile.low
    ui.tap(tile.ids.restock)
    popup = app.modal
    assert popup.info_text == "Existencias: 8 L"
    assert popup.ids.restock_ok.disabled  # nothing typed yet
    ui.keypad("0", popup.ids.keypad)
    ui.tap(popup.ids.restock_ok)
    assert popup.error_text == "La cantidad debe ser mayor que cero." and app.modal is popup
    ui.keypad("\u232b12,5", popup.ids.keypad)
    assert popup.preview_text == "Existencias 8 L \u2192 20,5 L"
    ui.tap(popup.ids.restock_cost)
    ui.keypad("3,1", popup.ids.keypad)
    ui.tap(popup.ids.restock_ok)
    assert app.modal is None
    assert sell.ids.message.text == "Detergente concentrado ecológico: +12,5 L, existencias ahora 20,5 L"
    ui.frames(3)
    assert not ui.tile("Detergente concentrado ecológico").low
    assert badge.badge == "6"
    assert ledger_rows(ui.state_dir, "DET-ECO")[-1] == ("restock", "", 12_500, 310, "Administrador", "")
    p = product_row(ui.state_dir, "DET-ECO")
    assert (p["stock"], p["cost"]) == (20_500, 310)
    check_invariants(app.services.db)


def test_stock_count_scan_count_review_apply(make_ui, tmp_path) -> None:
    ui = staff_ui(make_ui, tmp_path)
    app = ui.app
    open_staff(ui)
    ui.tap(ui.screen("staff").ids.menu_count)
    count = ui.screen("count")
    for sku in ("ESP-DOB", "ESP-DOB", "ESP-DOB", "GUA-NIT", "PAN-MIC"):
        ui.burst(CODES[sku][0])
    assert count.ids.message.text == "Paño de microfibra: contado 1"
    ui.burst("4006381333931")  # not in the catalog: said, nothing counted
    assert count.ids.message.level == "error" and len(count.sheet) == 3
    assert [(d["title"], d["value_text"]) for d in count.ids.rows.data] == [
        ("Esponja doble uso", "3"), ("Guantes de nitrilo talla L", "1"), ("Paño de microfibra", "1")]

    # Type the gloves' count: 10 (the first key replaces the scanned 1).
    ui.tap(next(v for v in count.ids.rows.children[0].children if v.title == "Guantes de nitrilo talla L"))
    assert count.quantity == "1"
    ui.keypad("10", count.ids.keypad)
    assert count.sheet.line(app.services.catalog.by_sku("GUA-NIT").id).counted == 10
    # The cloths were counted by mistake: removed from the count.
    ui.tap(next(v for v in count.ids.rows.children[0].children if v.title == "Paño de microfibra")
           .children[0])
    assert len(count.sheet) == 2

    # Leave for now (the count is kept), come back later: it resumes where it was.
    ui.tap(ui.find_text(_("Back"), count))
    ui.screenshot("count-leave")
    ui.tap(app.modal.ids.confirm_other)
    assert ui.current == "staff" and count.sheet is None
    assert ui.screen("staff").ids.menu_count.text == "Conteo de inventario\nen curso: 2 productos"
    ui.screenshot("staff-menu-open-count")
    ui.tap(ui.screen("staff").ids.menu_count)
    ui.screenshot("count-resumed")
    assert count.ids.message.text.startswith("Conteo retomado donde quedó: 2 productos")
    assert [(d["title"], d["value_text"]) for d in count.ids.rows.data] == [
        ("Esponja doble uso", "3"), ("Guantes de nitrilo talla L", "10")]

    ui.tap(count.ids.count_review)
    assert count.reviewing and count.review_text == "Con diferencias: 2. Como se esperaba: 0."
    assert [(d["title"], d["value_text"]) for d in count.ids.review_rows.data] == [
        ("Esponja doble uso", "-147"), ("Guantes de nitrilo talla L", "+2")]
    ui.tap(count.ids.apply_count)
    ui.tap(app.modal.ids.confirm_yes)
    ui.until(lambda: not count.applying, timeout=30, what="the count written in the background")
    assert count.ids.message.text.startswith("Conteo C") and "Corregidos: 2" in count.ids.message.text
    assert not count.reviewing and len(count.sheet) == 0

    sponges, gloves = ledger_rows(ui.state_dir, "ESP-DOB"), ledger_rows(ui.state_dir, "GUA-NIT")
    assert sponges[-1][:3] == ("count", "count", -147) and sponges[-1][4] == "Administrador"
    assert gloves[-1][:3] == ("count", "count", 2) and gloves[-1][5] == sponges[-1][5]
    assert sponges[-1][5].startswith("C")
    assert product_row(ui.state_dir, "ESP-DOB")["stock"] == 3
    assert product_row(ui.state_dir, "GUA-NIT")["stock"] == 10
    assert product_row(ui.state_dir, "PAN-MIC")["stock"] == 60  # removed from the count: untouched
    check_invariants(app.services.db)


def test_delivery_adjustment_and_the_ledger(make_ui, tmp_path) -> None:
    ui = staff_ui(make_ui, tmp_path)
    app = ui.app
    open_staff(ui)
    ui.tap(ui.screen("staff").ids.menu_delivery)
    dl = ui.screen("delivery")
    ui.tap(dl.ids.reference_field)
    type_on(ui, dl.ids.keyboard, "F-1001")
    ui.tap(done_key(dl.ids.keyboard))
    ui.burst(CODES["GUA-NIT"][0])
    ui.burst(CODES["GUA-NIT"][0])
    assert dl.quantity == "2"
    ui.keypad("24", dl.ids.keypad)  # replaces the 2 scanned
    ui.tap(dl.ids.line_cost)
    ui.keypad("1,05", dl.ids.keypad)
    ui.tap(dl.ids.delivery_add)  # a product found by name
    type_on(ui, app.modal.ids.keyboard, "cloro gel")
    ui.tap(next(v for v in app.modal.ids.results.children[0].children if v.title == "Cloro en gel"))
    ui.keypad("6", dl.ids.keypad)
    gel_cost = app.services.catalog.by_sku("CLO-GEL").cost
    total = 24 * 105 + 6 * gel_cost
    assert dl.total_text == f"Costo total ${total // 100},{total % 100:02d}"
    # Leave for now and come back: reference, quantities and costs are all still there.
    ui.tap(ui.find_text(_("Back"), dl))
    ui.tap(app.modal.ids.confirm_other)
    ui.tap(ui.screen("staff").ids.menu_delivery)
    assert dl.ids.message.text.startswith("Entrega retomada donde quedó: 2 productos")
    assert dl.reference == "F-1001" and dl.lines_count == 2
    assert dl.total_text == f"Costo total ${total // 100},{total % 100:02d}"
    ui.tap(dl.ids.receive)
    ui.until(lambda: not dl.applying, timeout=30, what="the delivery written in the background")
    assert dl.ids.message.text.startswith("Entrega recibida. Productos: 2")
    assert ledger_rows(ui.state_dir, "GUA-NIT")[-1] == ("restock", "", 24, 105, "Administrador", "F-1001")
    assert ledger_rows(ui.state_dir, "CLO-GEL")[-1][:3] == ("restock", "", 6000)

    # An adjustment with a reason, from the product's ledger.
    gloves = app.services.catalog.by_sku("GUA-NIT")
    ui.screen("ledger").open_product(gloves.id)
    ledger = ui.screen("ledger")
    ui.tap(ledger.ids.ledger_adjust)
    adjust = app.modal
    ui.keypad("2", adjust.ids.keypad)
    assert adjust.ids.adjust_ok.disabled  # no reason yet
    ui.tap(ui.find_text("Rotura", adjust.ids.reasons))
    assert adjust.preview_text == "Existencias 32 \u2192 30"
    ui.tap(adjust.ids.adjust_ok)
    assert ledger.ids.message.text == "Guantes de nitrilo talla L: -2, existencias ahora 30"
    rows = ledger.ids.rows.data
    assert [(r["reason"], r["quantity_text"], r["balance_text"], r["user"], r["reference"]) for r in rows[:2]] == [
        ("Ajuste: Rotura", "-2", "30", "Administrador", ""),
        ("Entrada de mercancía", "+24", "32", "Administrador", "F-1001")]
    assert ledger.stock_text.startswith("Existencias 30")
    check_invariants(app.services.db)


def test_csv_import_shows_the_report_and_applies_nothing_from_a_wrong_file(make_ui, tmp_path) -> None:
    ui = staff_ui(make_ui, tmp_path)
    app = ui.app
    open_staff(ui)
    ui.tap(ui.screen("staff").ids.menu_csv)
    csv = ui.screen("csv")
    entries = csv.ids.browser.ids.entries
    ui.until(lambda: entries.data, what="the stick")
    ui.frames(2)
    before = app.services.catalog.count(include_inactive=True)

    ui.tap(next(v for v in entries.children[0].children if v.name == "con-errores.csv"))
    ui.until(lambda: not csv.busy, timeout=30, what="the check")
    assert csv.summary_text == "No se importó nada: el archivo tiene 3 problemas."
    problems = [(d["title"], d["detail"]) for d in csv.ids.problems.data]
    assert problems[0] == ("Línea 3, columna price", "\"abc\" no es un número")
    assert problems[1][0] == "Línea 4, columna sku"
    assert problems[2][0] == "Línea 5, columna unit" and "Detergente líquido lavanda" in problems[2][1]
    assert csv.ids.csv_import.disabled
    assert app.services.catalog.count(include_inactive=True) == before
    assert product_row(ui.state_dir, "BAL-20") == {}

    ui.tap(next(v for v in entries.children[0].children if v.name == "nuevos.csv"))
    ui.until(lambda: not csv.busy, timeout=30, what="the check")
    assert not csv.ids.csv_import.disabled and "2 filas" in csv.summary_text
    ui.tap(csv.ids.csv_import)
    ui.until(lambda: not csv.busy, timeout=30, what="the import")
    assert csv.ids.message.text == "Importado de nuevos.csv."
    assert product_row(ui.state_dir, "BAL-10")["stock"] == 12
    assert product_row(ui.state_dir, "TRA-01")["price"] == 380

    ui.tap(csv.ids.csv_export)
    ui.until(lambda: not csv.busy, timeout=30, what="the export")
    exported = sorted(ui.stick.glob("productos-*.csv"))
    assert len(exported) == 1 and "BAL-10" in exported[0].read_text(encoding="utf-8-sig")
    assert any(d["name"] == exported[0].name for d in entries.data)  # the listing shows it
    check_invariants(app.services.db)


def test_categories_and_deactivating_a_product(make_ui, tmp_path) -> None:
    ui = staff_ui(make_ui, tmp_path)
    app = ui.app
    open_staff(ui)
    ui.tap(ui.screen("staff").ids.menu_categories)
    cats = ui.screen("categories")
    ui.tap(cats.ids.new_category)
    popup = app.modal
    type_on(ui, popup.ids.keyboard, "Lavado")
    ui.tap(popup.ids.kind_services)
    ui.tap(popup.ids.colors.children[0])
    ui.tap(popup.ids.category_save)
    assert cats.ids.message.text == "Categoría guardada: Lavado"
    row = next(r for r in app.services.inventory.categories() if r.name == "Lavado")
    assert (row.kind, row.color, row.active) == ("services", "#546E7A", True)

    # Deactivate instead of delete: the product leaves the selling screen, its history stays.
    ed = ui.screen("editor")
    ed.open_product(app.services.catalog.by_sku("PAN-MIC").id)
    tap_in(ui, ed.ids.form_scroll, ed.ids.active_field)
    assert not ed.active
    ui.tap(ed.ids.save)
    assert product_row(ui.state_dir, "PAN-MIC")["active"] == 0
    app.leave_staff()
    ui.search("microfibra")
    assert not [d for d in ui.screen("sell").ids.catalog.data if d["name"] == "Paño de microfibra"]
    assert ledger_rows(ui.state_dir, "PAN-MIC")


def test_a_sale_that_reaches_the_level_marks_the_tile_and_counts_in_the_badge(make_ui, tmp_path) -> None:
    ui = staff_ui(make_ui, tmp_path)
    app = ui.app
    cloths = app.services.catalog.by_sku("PAN-MIC")
    app.services.stock.adjust(cloths.id, "-44", "count_correction", app.user)  # 16 left, level 15
    ui.search("microfibra")
    assert not ui.tile("Paño de microfibra").low
    badge = ui.screen("sell").ids.topbar.ids.admin_entry
    assert badge.badge == "7"
    ui.burst(CODES["PAN-MIC"][0])
    ui.tap(ui.screen("sell").ids.charge)
    checkout = ui.screen("checkout")
    ui.tap(ui.find_text(_("Exact"), checkout.ids.notes))
    ui.confirm_sale()
    ui.tap(ui.screen("done").ids.new_sale)
    ui.frames(3)
    assert ui.tile("Paño de microfibra").low and badge.badge == "8"
    check_invariants(app.services.db)
