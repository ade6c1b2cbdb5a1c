"""Every staff screen and dialog at 800x480, 1280x800 and portrait 480x800, day and
night, saved under tests/_artifacts/screenshots/ (staff-*.png), with the
touch-target check of test_screenshots on each one at 800x480."""

from __future__ import annotations

import pytest

from kiosk.demo import demo_barcodes
from kiosk.services.users import Role
from tests.ui.conftest import ARTIFACTS
from tests.ui.staff_support import make_stick, tap_in, type_on, write_csvs
from tests.ui.test_screenshots import MIN_TARGET, shoot

CODES = demo_barcodes()


@pytest.mark.parametrize("size", [(800, 480), (1280, 800), (480, 800)], ids=["800x480", "1280x800", "480x800"])
@pytest.mark.parametrize("theme", ["day", "night"])
def test_screenshot_every_staff_screen(make_ui, tmp_path, size, theme) -> None:  # noqa: ANN001
    stick = tmp_path / "usb"
    make_stick(stick)
    write_csvs(stick)
    ui = make_ui(inventory={"media_folders": [str(stick)], "media_globs": []})
    app = ui.app
    app.services.users.create_user("Carla", Role.CASHIER, "4444")
    app.theme.apply(theme)
    ui.resize(*size)
    checked: list = []

    # A cashier taps "Inventory": a manager's PIN is asked for.
    ui.pin("4444")
    sell = ui.screen("sell")
    ui.frames(3)
    ui.tap(sell.ids.topbar.ids.admin_entry)
    ui.keypad("00", app.modal.ids.keypad)
    shoot(ui, "staff-manager-pin", checked)
    app.modal.dismiss(animation=False)
    app.lock()

    # An admin sees the "+" on the tiles and the low-stock badge.
    ui.pin("000000")
    ui.frames(3)
    ui.search("concentrado")
    shoot(ui, "staff-sell-plus", checked)
    ui.tap(ui.tile("Detergente concentrado ecológico").ids.restock)
    ui.keypad("12", app.modal.ids.keypad)
    shoot(ui, "staff-restock", checked)
    app.modal.dismiss(animation=False)

    ui.tap(sell.ids.topbar.ids.admin_entry)
    shoot(ui, "staff-menu", checked)

    ui.tap(ui.screen("staff").ids.menu_products)
    ui.frames(3)
    shoot(ui, "staff-products", checked)

    # New product: name typed, similar products suggested; the keypad; the picker and the photo chooser.
    ui.tap(ui.screen("products").ids.new_product)
    ed = ui.screen("editor")
    type_on(ui, ed.ids.input.ids.keyboard, "Detergente mar")
    ui.wait(0.2)
    shoot(ui, "staff-editor-typing", checked)
    ui.tap(ed.ids.input.ids.keyboard.children[0].children[0])  # Done
    tap_in(ui, ed.ids.form_scroll, ed.ids.price_field)
    ui.keypad("1", ed.ids.input.ids.keypad)
    ui.wait(0.2)
    shoot(ui, "staff-editor-keypad", checked)
    ui.tap(ed.ids.input.ids.number_done)
    tap_in(ui, ed.ids.form_scroll, ed.ids.cost_field)
    ui.keypad("2", ed.ids.input.ids.keypad)
    ui.tap(ed.ids.input.ids.number_done)
    ui.wait(0.2)
    shoot(ui, "staff-editor-form", checked)
    tap_in(ui, ed.ids.form_scroll, ed.ids.category_field)
    shoot(ui, "staff-category-picker", checked)
    app.modal.dismiss(animation=False)
    ui.tap(ed.ids.choose_picture)
    chooser = app.modal
    ui.until(lambda: chooser.ids.browser.ids.entries.data and chooser.ids.browser.previews_done(), what="previews")
    ui.tap(next(v for v in chooser.ids.browser.ids.entries.children[0].children if v.name == "detergente-mar.jpg"))
    ui.wait(0.2)
    shoot(ui, "staff-photo-chooser", checked)
    chooser.close()
    ed._leave()

    # An existing product, its ledger, an adjustment.
    ed.open_product(app.services.catalog.by_sku("DET-LAV").id)
    ui.frames(3)
    shoot(ui, "staff-editor-existing", checked)
    ed.open_ledger()
    ui.frames(3)
    shoot(ui, "staff-ledger", checked)
    ui.tap(ui.screen("ledger").ids.ledger_adjust)
    adjust = app.modal
    ui.tap(ui.find_text(adjust.reasons[0][1], adjust.ids.reasons))
    ui.keypad("1", adjust.ids.keypad)
    shoot(ui, "staff-adjust", checked)
    adjust.dismiss(animation=False)

    app.show("lowstock")
    ui.frames(3)
    shoot(ui, "staff-lowstock", checked)

    app.show("delivery")
    ui.burst(CODES["ESP-DOB"][0])
    ui.burst(CODES["GUA-NIT"][0])
    ui.burst(CODES["GUA-NIT"][0])
    shoot(ui, "staff-delivery", checked)
    ui.tap(ui.screen("delivery").ids.delivery_add)
    type_on(ui, app.modal.ids.keyboard, "clo")
    shoot(ui, "staff-product-picker", checked)
    app.modal.dismiss(animation=False)
    ui.screen("delivery").sheet = None

    app.show("count")
    count = ui.screen("count")
    for sku in ("ESP-DOB", "ESP-DOB", "GUA-NIT", "PAN-MIC"):
        ui.burst(CODES[sku][0])
    shoot(ui, "staff-count", checked)
    ui.tap(count.ids.count_review)
    shoot(ui, "staff-count-review", checked)
    count.sheet = None

    app.show("categories")
    ui.frames(3)
    shoot(ui, "staff-categories", checked)
    ui.tap(ui.screen("categories").ids.rows.children[0].children[-1])
    shoot(ui, "staff-category-edit", checked)
    app.modal.dismiss(animation=False)

    app.show("csv")
    csv = ui.screen("csv")
    ui.until(lambda: csv.ids.browser.ids.entries.data, what="the stick's files")
    ui.tap(next(v for v in csv.ids.browser.ids.entries.children[0].children if v.name == "con-errores.csv"))
    ui.until(lambda: not csv.busy, timeout=30, what="the check")
    ui.frames(3)
    shoot(ui, "staff-csv-report", checked)

    assert len(list(ARTIFACTS.glob(f"staff-*-{size[0]}x{size[1]}-{theme}.png"))) >= 20
    problems = [(name, bad) for name, bad in checked if bad]
    assert not problems, f"touch targets under {MIN_TARGET} px: {problems}"
