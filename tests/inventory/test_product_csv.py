"""CSV import and export: round trip, the formats spreadsheets produce, and every kind
of bad file rejected as a whole with a report of each problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.app_factory import Services, build
from kiosk.core.errors import NotPermitted
from kiosk.core.inventory_errors import CsvTooLarge
from kiosk.core.units import SaleMode, Uom
from kiosk.demo import demo_ean13
from kiosk.services.users import UserInfo
from tests.conftest import make_settings
from tests.inventory.helpers import movement_count
from tests.invariants import check_invariants

HEADER = "sku,barcode,name,brand,category,sale_mode,unit,price,cost,tax_rate,stock,low_stock,image"


def catalog_dump(app: Services) -> list[tuple]:
    conn = app.db.raw_connection()
    try:
        return conn.execute("SELECT p.*, (SELECT group_concat(code) FROM barcodes b WHERE b.product_id = p.id)"
                            " FROM products p ORDER BY id").fetchall()
    finally:
        conn.close()


def write(tmp_path: Path, text: str, name: str = "productos.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_reimporting_an_export_changes_nothing(demo_app: Services, admin: UserInfo, tmp_path: Path) -> None:
    app = demo_app
    path = tmp_path / "catalogo.csv"
    result = app.product_csv.export_file(path, by=admin)
    assert result.products == 66
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + HEADER.encode())
    before, moves = catalog_dump(app), movement_count(app)
    report = app.product_csv.import_file(path, admin)
    assert report.ok and report.applied
    assert (report.rows, report.created, report.updated, report.unchanged, report.stock_changes) == (66, 0, 0, 66, 0)
    assert catalog_dump(app) == before  # not even updated_at moved
    assert movement_count(app) == moves
    app.product_csv.export_file(tmp_path / "again.csv", by=admin)
    assert (tmp_path / "again.csv").read_bytes() == raw
    check_invariants(app.db)


def test_export_values(demo_app: Services) -> None:
    rows = {r[0]: r for r in demo_app.product_csv.export_rows()}
    assert rows["CLO-TRA"][5:12] == ["volume", "gal", "4.20", "1.90", "0", "40", "10"]
    assert rows["ALC-70"][9] == "19"
    assert rows["SRV-DOM"][10:12] == ["", ""]  # services keep no stock
    assert rows["JAB-RAL"][6] == "lb" and rows["JAB-RAL"][10] == "40"
    assert rows["DET-LAV"][12] == "images/DET-LAV.png"


def test_spanish_spreadsheet_file(app: Services, admin: UserInfo, shop: dict, tmp_path: Path) -> None:
    text = (
        "\ufeffsku;barcode;name;brand;category;sale_mode;unit;price;cost;tax_rate;stock;low_stock;image\r\n"
        f"SUA-1;{demo_ean13(50)}|A-77;Suavizante primavera;Nube;Suavizantes;volumen;litro;2,40;1,10;0;70;20;\r\n"
        "GAL-1;;\"Detergente; galón\";Brillo;limpieza;;Galón;10,90;5,40;19 %;1,5;0,5;\r\n"
        "JAB-1;;Jabón rallado;Cocoa;;peso;libras;1,80;0,90;0;40,25;10;\r\n"
        "ESC-1;;Escoba suave;Barre;Limpieza;unidad;unidad;4,50;2,20;19;20;5;\r\n"
        "LAV-1;;Lavado de alfombra;;Servicios;servicio;;6,50;;19;;;\r\n"
    )
    report = app.product_csv.import_file(write(tmp_path, text), admin)
    assert report.ok, [p.text() for p in report.problems]
    assert (report.created, report.stock_changes, report.new_categories) == (5, 4, ("Suavizantes",))
    sua = app.catalog.by_sku("SUA-1")
    assert (sua.sale_mode, sua.uom, sua.price, sua.cost, sua.stock, sua.low_stock, sua.category) == (
        SaleMode.VOLUME, Uom.L, 240, 110, 70_000, 20_000, "Suavizantes")
    assert app.catalog.barcodes_of(sua.id) == [demo_ean13(50), "A-77"]
    gal = app.catalog.by_sku("GAL-1")
    assert (gal.name, gal.sale_mode, gal.uom, gal.tax_rate_bp, gal.stock, gal.category) == (
        "Detergente; galón", SaleMode.VOLUME, Uom.GAL, 1900, 5678, "Limpieza")
    jab = app.catalog.by_sku("JAB-1")
    assert (jab.uom, jab.stock, jab.category) == (Uom.LB, 18_257, "")
    lav = app.catalog.by_sku("LAV-1")
    assert (lav.sale_mode, lav.stock, lav.category) == (SaleMode.SERVICE, 0, "Servicios")
    rows = app.stock.ledger(sua.id).rows
    assert [(r.reason, r.detail, r.quantity, r.user, r.reference) for r in rows] == [
        ("count", "csv_import", 70_000, admin.name, "productos.csv")]
    assert rows[0].reason_label == "Conteo de inventario"
    assert [p.sku for p in app.catalog.search("suavizante prim")] == ["SUA-1"]
    assert app.catalog.lookup_barcode(demo_ean13(50)).product.sku == "SUA-1"
    check_invariants(app.db)


def test_a_broken_row_in_the_middle_imports_nothing(app: Services, admin: UserInfo, shop: dict,
                                                    tmp_path: Path) -> None:
    text = "\n".join([
        HEADER,
        "A-1,,Producto uno,,,unit,unit,1.00,0.50,0,10,2,",
        "A-2,,Producto dos,,,unit,unit,2.00,0.50,0,10,2,",
        "A-3,,Producto tres,,,unit,unit,abc,0.50,0,10,2,",
        "A-4,,Producto cuatro,,,unit,barril,-4,0.50,0,10,2,",
        "A-5,,Producto cinco,,,unit,unit,5.00,0.50,0,10,2,",
    ]) + "\n"
    before, moves = catalog_dump(app), movement_count(app)
    report = app.product_csv.import_file(write(tmp_path, text), admin)
    assert not report.ok and not report.applied
    assert [(p.line, p.column) for p in report.problems] == [(4, "price"), (5, "unit"), (5, "price")]
    assert report.problems[0].text() == 'línea 4, columna price: "abc" no es un número'
    assert 'unidad desconocida "barril"' in report.problems[1].reason
    assert report.problems[2].reason == "no puede ser negativo"
    assert report.summary() == "No se importó nada: el archivo tiene 3 problemas."
    assert catalog_dump(app) == before and movement_count(app) == moves


BAD_ROWS = [
    ("D-1,,Uno,,,unit,unit,1.00,,0,,,\nD-1,,Otra vez,,,unit,unit,1.00,,0,,,", 3, "sku",
     "repetido (también en la línea 2)"),
    (f"E-1,{demo_ean13(60)},Uno,,,unit,unit,1,,0,,,\nE-2,{demo_ean13(60)},Dos,,,unit,unit,1,,0,,,", 3, "barcode",
     "repetido (también en la línea 2)"),
    (f"F-1,{demo_ean13(901)},Uno,,,unit,unit,1,,0,,,", 2, "barcode", "ya lo usa Detergente líquido lavanda"),
    ("G-1,7709990000011,Uno,,,unit,unit,1,,0,,,", 2, "barcode", "dígito de control incorrecto"),
    ("H-1,,Uno,,,unit,unit,-1,,0,,,", 2, "price", "no puede ser negativo"),
    ("I-1,,Uno,,,unit,unit,uno,,0,,,", 2, "price", '"uno" no es un número'),
    ("J-1,,Uno,,,granel,kg,1,,0,,,", 2, "sale_mode", 'modo de venta desconocido "granel"'),
    ("K-1,,Uno,,,weight,litro,1,,0,,,", 2, "unit", "litro no sirve para la venta por peso"),
    ("L-1,,Entrega,,,service,,2,,0,5,,", 2, "stock", "Entrega es un servicio: los servicios no llevan existencias."),
    ("M-1,,Uno,,,unit,unit,1,,10,,,", 2, "tax_rate", "10 % no es una de las tarifas configuradas"),
    ("N-1,,Uno,,,unit,unit,1,,0,2.5,,", 2, "stock", "debe ser un número entero"),
    ("O-1,,,,,unit,unit,1,,0,,,", 2, "name", "es obligatorio"),
    (",,Uno,,,unit,unit,1,,0,,,", 2, "sku", "es obligatorio"),
    ("P-1,,Uno,,,unit,unit,,,0,,,", 2, "price", "es obligatorio"),
    ("Q-1,,Uno,,,weight,,1,,0,,,", 2, "unit", "obligatoria para productos vendidos por peso o volumen"),
    ("R-1,,Uno,,,unit,unit,1,,0,,,/etc/passwd", 2, "image", "dentro del directorio de estado"),
    ("S-1,,Uno,,,unit,unit,1,,0,,,images/nada.png", 2, "image", "no está en el directorio de estado"),
    ("T-1,,Uno,,,unit,unit,1,,0,,", 2, "", "tiene 12 campos y el encabezado tiene 13"),
    ("U-1,,Uno,,,unit,unit,1,,0,,,,extra", 2, "", "tiene 14 campos"),
    ("V-1,,Uno,,Servicios,unit,unit,1,,0,,,", 2, "category", "Servicios es una categoría de servicios"),
    ("DET,,Detergente,,,weight,kg,1,,0,,,", 2, "unit", "ya tiene movimientos de existencias en litro"),
    ("W-1,,Uno,,,unit,unit,1.005,,0,,,", 2, "price", "como máximo 2 decimales"),
]


@pytest.mark.parametrize("rows,line,column,reason", BAD_ROWS)
def test_each_bad_row_is_reported_and_nothing_written(app: Services, admin: UserInfo, shop: dict, tmp_path: Path,
                                                      rows: str, line: int, column: str, reason: str) -> None:
    before, moves = catalog_dump(app), movement_count(app)
    report = app.product_csv.import_file(write(tmp_path, f"{HEADER}\n{rows}\n"), admin)
    assert [(p.line, p.column) for p in report.problems] == [(line, column)], [p.text() for p in report.problems]
    assert reason in report.problems[0].reason
    assert not report.applied
    assert catalog_dump(app) == before and movement_count(app) == moves


@pytest.mark.parametrize("text,column,reason", [
    ("sku,name,precio\nA,B,1\n", "precio", "columna desconocida"),
    ("sku,name\nA,B\n", "price", "falta esta columna obligatoria"),
    ("sku,name,price,name\nA,B,1,C\n", "name", "aparece dos veces"),
    ("", "", "el archivo está vacío"),
    ("\n\n", "", "el archivo está vacío"),
])
def test_bad_headers(app: Services, admin: UserInfo, tmp_path: Path, text: str, column: str, reason: str) -> None:
    report = app.product_csv.import_file(write(tmp_path, text), admin)
    assert report.problems[0].line == 1 and report.problems[0].column == column
    assert reason in report.problems[0].reason
    assert app.catalog.count(include_inactive=True) == 0


def test_stock_column_reaches_the_given_stock_with_one_count_movement(app: Services, admin: UserInfo, shop: dict,
                                                                       tmp_path: Path) -> None:
    text = f"sku,name,price,stock\nDET,Detergente líquido lavanda,3.20,75.5\nESP,Esponja doble uso,0.60,150\n" \
           f"POL,Detergente en polvo,2.90,\n"
    moves = movement_count(app)
    report = app.product_csv.import_file(write(tmp_path, text), admin)
    assert report.ok and (report.updated, report.unchanged, report.stock_changes) == (0, 3, 1)
    assert movement_count(app) == moves + 1
    assert app.catalog.product(shop["DET"]).stock == 75_500
    assert app.stock.ledger(shop["DET"]).rows[0].quantity == -4_500
    # Partial columns leave the other fields alone.
    det = app.catalog.product(shop["DET"])
    assert (det.brand, det.cost, det.low_stock, det.uom) == ("Brillo", 160, 20_000, Uom.L)
    assert app.catalog.barcodes_of(shop["DET"]) == [demo_ean13(901)]
    check_invariants(app.db)


def test_updates_touch_only_changed_products(app: Services, admin: UserInfo, shop: dict, tmp_path: Path) -> None:
    rows = app.product_csv.export_rows()
    by_sku = {r[0]: r for r in rows[1:]}
    by_sku["CLO"][7] = "4.50"  # price
    by_sku["ESP"][1] = ""  # barcode removed ...
    by_sku["DET"][1] += f"|{demo_ean13(902)}"  # ... and moved to another product in the same file
    text = "\n".join(",".join(r) for r in [rows[0], *by_sku.values()])
    before = {r[0]: r for r in catalog_dump(app)}
    report = app.product_csv.import_file(write(tmp_path, text), admin)
    assert report.ok, [p.text() for p in report.problems]
    assert (report.updated, report.unchanged) == (3, 2)
    after = {r[0]: r for r in catalog_dump(app)}
    assert after[shop["POL"]] == before[shop["POL"]]
    assert app.catalog.product(shop["CLO"]).price == 450
    assert app.catalog.lookup_barcode(demo_ean13(902)).product.sku == "DET"
    assert app.catalog.barcodes_of(shop["ESP"]) == []
    check_invariants(app.db)


def test_dry_run_reports_without_writing(app: Services, admin: UserInfo, shop: dict, tmp_path: Path) -> None:
    text = f"{HEADER}\nZ-1,,Nuevo,,Nueva,unit,unit,1,,0,4,,\nCLO,,Cloro tradicional,,,volume,gal,9.99,,0,,,\n"
    before, moves = catalog_dump(app), movement_count(app)
    report = app.product_csv.import_file(write(tmp_path, text), admin, dry_run=True)
    assert report.ok and not report.applied and report.dry_run
    assert (report.created, report.updated, report.stock_changes, report.new_categories) == (1, 1, 1, ("Nueva",))
    assert "Solo comprobación" in report.summary()
    assert catalog_dump(app) == before and movement_count(app) == moves
    assert app.inventory.category_id("Nueva") is None


def test_quoted_fields_and_line_numbers(app: Services, admin: UserInfo, tmp_path: Path) -> None:
    text = f'{HEADER}\nA-1,,"Jabón, barra\nde coco",,,unit,unit,1,,0,,,\nA-2,,Dos,,,unit,unit,x,,0,,,\n'
    report = app.product_csv.import_file(write(tmp_path, text), admin)
    assert [(p.line, p.column) for p in report.problems] == [(4, "price")]


def test_windows_1252_file(app: Services, admin: UserInfo, tmp_path: Path) -> None:
    path = write(tmp_path, "sku;name;price;unit\nA;Jabón azul;1,20;unidad\n", encoding="cp1252")
    report = app.product_csv.import_file(path, admin)
    assert report.ok and app.catalog.by_sku("A").name == "Jabón azul"


def test_refusals(app: Services, cashier: UserInfo, admin: UserInfo, tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n")
    with pytest.raises(NotPermitted):
        app.product_csv.import_file(path, cashier)
    state = tmp_path / "small"
    state.mkdir()
    small = build(make_settings(state, inventory={"csv_max_mb": 1}))
    try:
        big = tmp_path / "grande.csv"
        big.write_bytes(HEADER.encode() + b"\n" + b"x" * (2 * 2**20))
        with pytest.raises(CsvTooLarge, match="grande.csv pesa 2 MB"):
            small.product_csv.import_file(big, admin)
    finally:
        small.close()
