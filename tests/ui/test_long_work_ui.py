"""Nothing heavy on the UI thread: a big CSV is checked and imported in a worker
while the screen keeps drawing its progress bar, *Cancelar* stops a check and is
greyed while the catalog is written, and signing in with 10,000 categories builds
a bounded chip bar with the rest in a recycled list."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.bench.inventory import write_csv
from kiosk.ui.sell import MAX_CHIPS, MORE
from tests.invariants import check_invariants
from tests.ui.test_screenshots import shoot
from tests.ui.test_staff_screens import entry_view, open_staff, staff_ui


def product_count(state_dir) -> int:  # noqa: ANN001
    db = sqlite3.connect(state_dir / "kiosk.db")
    try:
        return db.execute("SELECT COUNT(*) FROM products").fetchone()[0]
    finally:
        db.close()


def pick_on_csv_screen(make_ui, tmp_path, name: str, rows: int):  # noqa: ANN001, ANN201
    """Signed in, on the CSV screen, a generated file of ``rows`` rows tapped.
    Returns the driver, the screen and the product count before."""
    ui = staff_ui(make_ui, tmp_path)
    write_csv(ui.stick / name, rows)
    before = product_count(ui.state_dir)
    open_staff(ui)
    ui.tap(ui.screen("staff").ids.menu_csv)
    csv = ui.screen("csv")
    ui.until(lambda: csv.ids.browser.ids.entries.data, what="the stick")
    ui.tap(entry_view(ui, csv.ids.browser, name))
    return ui, csv, before


@pytest.mark.slow
def test_a_big_csv_is_checked_in_the_background_and_can_be_cancelled(make_ui, tmp_path) -> None:
    ui, csv, before = pick_on_csv_screen(make_ui, tmp_path, "grande.csv", 20_000)

    # The tap returned at once: the check runs in a worker, the screen shows its progress.
    assert csv.busy and csv.ids.progress.opacity == 1
    assert csv.summary_text == ""  # no report yet
    seen = set()
    ui.until(lambda: seen.add(round(csv.ids.progress.fraction, 3)) or len(seen) >= 4, timeout=120,
             what="the progress bar moving while frames are drawn")
    assert csv.busy and not csv.ids.progress.ids.progress_cancel.disabled
    shoot(ui, "staff-csv-progress", [])

    ui.tap(csv.ids.progress.ids.progress_cancel)
    ui.until(lambda: not csv.busy, timeout=60, what="the cancelled check")
    assert csv.summary_text == "Cancelado: no se cambió nada."
    assert not csv.can_import and product_count(ui.state_dir) == before
    assert not any((ui.state_dir / "imports").glob("*.sqlite"))


@pytest.mark.slow
def test_a_csv_import_writes_in_the_background_and_cannot_be_cancelled_while_writing(make_ui, tmp_path) -> None:
    ui, csv, before = pick_on_csv_screen(make_ui, tmp_path, "medio.csv", 6000)
    ui.until(lambda: not csv.busy, timeout=120, what="the check")
    assert csv.can_import and "6000 filas: 6000 nuevos" in csv.summary_text

    ui.tap(csv.ids.csv_import)
    assert csv.busy
    ui.until(lambda: csv.writing or not csv.busy, timeout=120, what="the import writing")
    if csv.busy:  # caught while writing: no way to cancel, and nothing else to choose meanwhile
        assert csv.ids.progress.ids.progress_cancel.disabled and csv.ids.browser.disabled
        assert "no se puede cancelar" in csv.ids.progress.text
    ui.until(lambda: not csv.busy, timeout=180, what="the import")
    assert csv.ids.message.text == "Importado de medio.csv."
    assert product_count(ui.state_dir) == before + 6000
    check_invariants(ui.app.services.db)


def add_categories(state_dir, count: int) -> None:  # noqa: ANN001
    """``count`` categories with one active product each (what a CSV with a shifted
    column once made), straight into the database."""
    db = sqlite3.connect(state_dir / "kiosk.db", isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        start = db.execute("SELECT COALESCE(MAX(id), 0) FROM categories").fetchone()[0]
        db.executemany("INSERT INTO categories(id, name, kind, color, position, active) VALUES (?, ?, 'goods', ?, ?, 1)",
                       [(start + i, f"Categoría {i:05d}", "#%06X" % (i * 2654435 % 0xFFFFFF), 100 + i)
                        for i in range(1, count + 1)])
        db.executemany("INSERT INTO products(sku, name, search_name, brand, category_id, sale_mode, uom, price,"
                       " cost, tax_rate_bp, stock, low_stock, active, created_at, updated_at)"
                       " VALUES (?, ?, ?, '', ?, 'unit', 'unit', 100, 0, 0, 0, 0, 1, '2026-01-01 00:00:00',"
                       " '2026-01-01 00:00:00')",
                       [(f"CAT-{i:05d}", f"Producto {i:05d}", f"producto {i:05d}", start + i)
                        for i in range(1, count + 1)])
        db.execute("COMMIT")
    finally:
        db.close()


@pytest.mark.parametrize("theme", ["day", "night"])
def test_signing_in_with_10000_categories_builds_a_bounded_chip_bar(make_ui, theme: str) -> None:
    ui = make_ui()
    add_categories(ui.state_dir, 10_000)
    ui.app.theme.apply(theme)
    ui.pin("000000")
    ui.until(lambda: ui.current == "sell", timeout=60, what="the selling screen")
    sell = ui.screen("sell")
    chips = sell.ids.chips.children
    total = len(ui.app.services.catalog.categories())
    assert total > 10_000
    assert len(chips) == MAX_CHIPS + 2  # "All", MAX_CHIPS categories, "More…"
    more = next(c for c in chips if c.value == MORE)
    assert more.text == f"Más… ({total - MAX_CHIPS})"
    shoot(ui, "sell-many-categories", [])

    ui.tap(more)
    popup = ui.app.modal
    rows = popup.ids.category_list
    assert len(rows.data) == total - MAX_CHIPS
    ui.frames(3)
    assert len(rows.children[0].children) < 40  # only the rows on screen are widgets
    shoot(ui, "sell-more-categories", [])
    row = next(v for v in rows.children[0].children if v.name == rows.data[0]["name"])
    ui.tap(row)
    assert ui.app.modal is None
    assert sell.category_id == rows.data[0]["key"] and more.state == "down"
    assert more.text == f"Más: {rows.data[0]['name']}"
    ui.until(lambda: sell.ids.catalog.data, what="the category's products")
    assert all(d["product_id"] for d in sell.ids.catalog.data)
