"""Selling by weight on the real screens with a simulated scale on a pseudo-terminal:
the live reading in the calculator, "Usar peso", tare (container on the scale and
presets), the same weight twice, amount and quantity lines in the same sale; the
scale unplugged and plugged back; typed weight without a scale; every bad reading
shown on screen."""

from __future__ import annotations

import sqlite3

from hardware.printer.decode import decode
from kiosk.demo import demo_barcodes
from kiosk.i18n import _
from tests.invariants import check_invariants
from tests.ui.conftest import FAST_SCALE, sign_in

CODES = demo_barcodes()


def open_calculator(ui, sku: str):  # noqa: ANN001, ANN201
    ui.burst(CODES[sku][0])
    ui.until(lambda: ui.app.modal is not None and ui.app.modal.product.sku == sku, what=f"the calculator of {sku}")
    return ui.app.modal


def scale_shows(ui, panel, net: str, stable: bool = True) -> None:  # noqa: ANN001
    ui.until(lambda: panel.net_text == net and panel.can_use == stable,
             what=f"the panel showing {net}{' stable' if stable else ''}")


def test_weigh_tare_amount_and_quantity_in_one_sale(make_ui) -> None:
    ui = sign_in(make_ui(scale=FAST_SCALE))
    app = ui.app
    sim = app.scale.simulator

    # 1. Powder already on the scale when the calculator opens: it is read at once.
    sim.set_weight(1234)
    ui.until(lambda: app.scale_reading is not None and app.scale_reading.net_g == 1234 and app.scale_reading.stable,
             what="the weight on the scale")
    calc = open_calculator(ui, "POL-DET")  # $2,90/kg
    assert calc.has_scale and calc.mode == "scale"
    panel = calc.scale_panel
    scale_shows(ui, panel, "1,234 kg")
    assert panel.state_text == "Estable" and panel.hint_text == "1,234 kg cuestan $3,58"
    assert "Bruto 1,234 kg" in ui.visible_texts(calc)
    ui.tap(panel.ids.scale_use)
    assert app.modal is None
    line = app.cart.lines[-1]
    assert (line.quantity, line.entry.value, line.tare, line.total) == (1234, "scale", 0, 358)

    # 2. The same weight again (a second bag of the same size) is accepted.
    calc = open_calculator(ui, "POL-DET")
    scale_shows(ui, calc.scale_panel, "1,234 kg")
    ui.tap(calc.scale_panel.ids.scale_use)
    assert [ln.quantity for ln in app.cart.lines] == [1234, 1234]

    # 3. A container on the scale: Tare, then the soap flakes go in it.
    sim.set_weight(85)
    calc = open_calculator(ui, "JAB-ESC")  # $5,40/kg
    panel = calc.scale_panel
    scale_shows(ui, panel, "0,085 kg")
    ui.tap(panel.ids.scale_tare)
    ui.until(lambda: panel.has_tare and panel.net_text == "0,000 kg", what="the tare taken")
    assert "Tara 0,085 kg" in panel.detail_text
    assert panel.ids.scale_use.disabled and "cero" in panel.hint_text  # nothing in the jar yet
    sim.set_weight(85 + 500)
    scale_shows(ui, panel, "0,500 kg")
    assert "Bruto 0,585 kg" in panel.detail_text and panel.hint_text == "0,500 kg cuestan $2,70"
    ui.tap(panel.ids.scale_use)
    line = app.cart.lines[-1]
    assert (line.quantity, line.tare, line.entry.value, line.total) == (500, 85, "scale", 270)
    sell = ui.screen("sell")
    ui.frames(2)
    row = next(v for v in sell.ids.cart.children[0].children if v.line_id == line.id)
    assert row.detail == "500 g × $5,40/kg, tara 85 g"

    # 4. The jar's tare is still on (shown) until cleared; a preset container: the bag's 6 g.
    sim.set_weight(6 + 250)
    calc = open_calculator(ui, "BIC-SOD")  # $2,20/kg
    panel = calc.scale_panel
    ui.until(lambda: panel.net_text == "0,171 kg" and "Tara 0,085 kg" in panel.detail_text, what="the jar's tare")
    ui.tap(panel.ids.scale_clear_tare)
    ui.until(lambda: panel.net_text == "0,256 kg" and not panel.has_tare, what="the gross")
    ui.tap(ui.find_text("Bolsa (6 g)", panel.ids.presets_box))
    scale_shows(ui, panel, "0,250 kg")
    ui.tap(panel.ids.scale_clear_tare)
    scale_shows(ui, panel, "0,256 kg")
    ui.tap(ui.find_text("Bolsa (6 g)", panel.ids.presets_box))
    scale_shows(ui, panel, "0,250 kg")
    ui.tap(panel.ids.scale_use)
    assert (app.cart.lines[-1].quantity, app.cart.lines[-1].tare) == (250, 6)

    # 5. A liquid by amount ($5) and another by quantity (2 L) in the same sale.
    calc = open_calculator(ui, "DET-LAV")
    assert not calc.has_scale and calc.mode == "amount"  # volume: no scale mode
    ui.tap(ui.find_text("$5,00", calc.ids.quick_box))
    ui.tap(calc.ids.calc_add)
    calc = open_calculator(ui, "SUA-PRI")  # $2,40/L
    ui.tap(calc.ids.mode_quantity)
    ui.tap(ui.find_text("L", calc.ids.units_box))  # by quantity starts in ml: litres on purpose
    ui.keypad("2", calc.ids.keypad)
    ui.tap(calc.ids.calc_add)
    assert [(ln.product.sku, ln.entry.value, ln.total) for ln in app.cart.lines[-2:]] == [
        ("DET-LAV", "amount", 500), ("SUA-PRI", "quantity", 480)]

    # 6. Editing a scale line from the cart reopens the calculator on the scale.
    sell.ids.cart.scroll_y = 1  # scroll the cart back to its first line
    ui.frames(3)
    ui.tap(next(v for v in sell.ids.cart.children[0].children if v.line_id == app.cart.lines[0].id))
    ui.tap(sell.ids.line_qty)
    calc = app.modal
    assert calc.editing and calc.mode == "scale"
    sim.set_weight(1500)
    ui.until(lambda: calc.scale_panel.net_text == "1,494 kg", what="the bag's tare still on")
    ui.tap(calc.scale_panel.ids.scale_clear_tare)
    scale_shows(ui, calc.scale_panel, "1,500 kg")
    ui.tap(calc.scale_panel.ids.scale_use)
    assert app.cart.lines[0].quantity == 1500 and app.cart.lines[0].entry.value == "scale"

    # 7. Pay and check what was stored and printed.
    ui.tap(sell.ids.charge)
    co = ui.screen("checkout")
    ui.tap(ui.find_text(_("Exact"), co.ids.notes))
    ui.confirm_sale()
    assert ui.current == "done"
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    rows = db.execute("SELECT sku, quantity, entry, tare, line_total FROM sale_lines ORDER BY position").fetchall()
    db.close()
    assert rows == [("POL-DET", 1500, "scale", 0, 435), ("POL-DET", 1234, "scale", 0, 358),
                    ("JAB-ESC", 500, "scale", 85, 270), ("BIC-SOD", 250, "scale", 6, 55),
                    ("DET-LAV", 1562, "amount", 0, 500), ("SUA-PRI", 2000, "quantity", 0, 480)]
    check_invariants(app.services.db)
    assert app.wait_printing()
    text = "\n".join(decode(ui.printed()).text_lines(48))
    assert "500 g x $5,40/kg (tara 85 g)" in text and "(tara 6 g)" in text
    assert "1,5 kg x $2,90/kg" in text and "$20,98" in text


def test_unplugged_scale_shows_a_banner_and_comes_back_without_restart(make_ui) -> None:
    ui = sign_in(make_ui(scale=FAST_SCALE))
    app = ui.app
    sim = app.scale.simulator
    sim.set_weight(700)
    ui.until(lambda: app.scale_reading is not None and app.scale_reading.stable, what="a reading")
    assert "Balanza" not in app.banner_text

    sim.unplug()
    ui.until(lambda: "Balanza desconectada" in app.banner_text, what="the disconnection banner")
    assert any("Balanza desconectada" in t for t in ui.visible_texts(ui.screen("sell")))
    calc = open_calculator(ui, "POL-DET")
    assert calc.mode == "quantity"  # unplugged: the weight is typed
    ui.tap(calc.ids.mode_scale)
    panel = calc.scale_panel
    assert panel.state_text == "Balanza desconectada" and panel.manual and panel.ids.scale_use.disabled
    assert "desconectada" in panel.hint_text

    sim.replug()
    scale_shows(ui, panel, "0,700 kg")
    ui.until(lambda: "Balanza" not in app.banner_text, what="the banner cleared")
    ui.tap(panel.ids.scale_use)
    assert app.cart.lines[-1].quantity == 700 and app.cart.lines[-1].entry.value == "scale"
    device = app.services.hardware.registry.get("scale")
    assert device.connected and not device.last_error  # the Hardware screen sees it too


def test_without_a_scale_the_weight_is_typed_and_marked(seller) -> None:
    ui = seller
    app = ui.app
    assert app.scale is None
    calc = open_calculator(ui, "POL-DET")
    assert not calc.has_scale and calc.ids.mode_scale.disabled and calc.ids.mode_scale.width == 0
    ui.tap(calc.ids.mode_quantity)
    ui.tap(ui.find_text("g", calc.ids.units_box))
    ui.keypad("750", calc.ids.keypad)
    ui.tap(calc.ids.calc_add)
    line = app.cart.lines[-1]
    assert (line.quantity, line.entry.value) == (750, "manual")
    sell = ui.screen("sell")
    ui.frames(2)
    assert sell.ids.cart.children[0].children[0].detail == "750 g × $2,90/kg (peso digitado)"
    ui.tap(sell.ids.charge)
    co = ui.screen("checkout")
    ui.tap(ui.find_text(_("Exact"), co.ids.notes))
    ui.confirm_sale()
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    assert db.execute("SELECT entry, quantity FROM sale_lines").fetchall() == [("manual", 750)]
    db.close()
    assert app.wait_printing()
    assert "750 g x $2,90/kg (peso manual)" in "\n".join(decode(ui.printed()).text_lines(48))


def test_bad_readings_are_shown_and_never_sold(make_ui) -> None:
    ui = sign_in(make_ui(scale=FAST_SCALE))
    app = ui.app
    sim = app.scale.simulator
    sim.set_weight(900)
    calc = open_calculator(ui, "POL-DET")
    panel = calc.scale_panel
    scale_shows(ui, panel, "0,900 kg")

    sim.set_motion(True)  # a weight that never settles
    ui.until(lambda: panel.state_text == "En movimiento", what="motion")
    assert panel.ids.scale_use.disabled and panel.hint_text == "El peso aún no es estable: espere un momento."
    assert panel.ids.scale_tare.disabled
    panel.use()  # even a tap that slips through sells nothing
    assert app.cart.is_empty and "no es estable" in calc.error_text
    sim.set_motion(False)
    scale_shows(ui, panel, "0,900 kg")

    sim.set_weight(-40)  # below zero
    ui.until(lambda: panel.state_text == "Bajo cero", what="below zero")
    assert panel.ids.scale_use.disabled and "bajo cero" in panel.hint_text

    sim.overload()
    ui.until(lambda: panel.state_text == "Sobrecarga", what="overload")
    assert panel.net_text == "\u2014" and "sobrecargada" in panel.hint_text

    sim.set_weight(1)  # 1 g of a $2,90/kg powder costs nothing: refused, with the least to sell
    ui.until(lambda: panel.net_text == "0,001 kg" and panel.state_text == "Estable", what="1 g")
    assert panel.ids.scale_use.disabled and "moneda" in panel.hint_text

    sim.set_weight(900)
    scale_shows(ui, panel, "0,900 kg")
    sim.unplug()
    ui.until(lambda: panel.state_text == "Balanza desconectada", what="unplugged")
    assert panel.ids.scale_type_weight.opacity == 1
    ui.tap(panel.ids.scale_type_weight)  # fall back to typing the weight
    assert calc.mode == "quantity"
    ui.tap(calc.ids.mode_amount)
    ui.keypad("99999999", calc.ids.keypad)  # an absurd amount
    assert calc.ids.calc_add.disabled and calc.error_text
    sim.replug()
    assert app.cart.is_empty


def test_magellan_scanner_scale_barcodes_reach_the_cart(make_ui) -> None:
    ui = sign_in(make_ui(scale={**FAST_SCALE, "protocol": "magellan"}))
    sim = ui.app.scale.simulator
    ui.until(lambda: ui.app.scale_reading is not None and ui.app.scale_reading.connected, what="the scale")
    sim.scan(CODES["ESP-DOB"][0])
    ui.until(lambda: len(ui.app.cart) == 1, what="the barcode from the scale's port")
    assert ui.app.cart.lines[0].product.sku == "ESP-DOB"
    last = ui.app.services.hardware.last_scan()
    assert last[0].source == "magellan" and last[1].ok


def test_a_cent_of_an_expensive_liquid_and_absurd_quantities_are_explained(seller) -> None:
    from kiosk.core.units import SaleMode, Uom
    from kiosk.services.inventory import InventoryService, ProductDraft

    ui = seller
    InventoryService(ui.app.services.db).create_product(
        ProductDraft("PER-CON", "Perfume concentrado", SaleMode.VOLUME, Uom.L, 4000, barcodes=["7709990099997"]))
    ui.burst("7709990099997")  # $40,00/L
    ui.until(lambda: ui.app.modal is not None, what="the calculator")
    calc = ui.app.modal
    ui.keypad(",01", calc.ids.keypad)  # $0,01 buys a quarter of a millilitre: nothing
    assert calc.ids.calc_add.disabled and calc.error_text
    assert calc.error_text in ui.visible_texts(calc)
    ui.tap(calc.ids.mode_quantity)
    ui.tap(ui.find_text("L", calc.ids.units_box))
    ui.keypad("999999", calc.ids.keypad)  # 999.999 L on one line
    assert calc.ids.calc_add.disabled and "demasiado grande" in calc.error_text
    ui.tap(calc.ids.calc_cancel)
    assert ui.app.cart.is_empty
