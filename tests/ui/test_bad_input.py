"""Bad input on the real screens, each handled visibly: unknown barcode, out of
stock (warn / refuse), zero and absurd quantities, cash below the total, a double
tap on Confirm, a scan while paying, and the bulk calculator."""

from __future__ import annotations

import sqlite3

from kiosk.demo import demo_barcodes
from kiosk.i18n import _
from tests.invariants import check_invariants
from tests.conftest import ADMIN_PIN

CODES = demo_barcodes()


def sales_count(ui) -> int:  # noqa: ANN001
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    try:
        return db.execute("SELECT COUNT(*) FROM sales").fetchone()[0]
    finally:
        db.close()


def test_unknown_barcode_shows_the_code_read(seller) -> None:
    seller.burst("4006381333931")
    strip = seller.screen("sell").ids.message
    seller.until(lambda: strip.shown, what="the message")
    assert strip.text == "Código desconocido: 4006381333931"
    assert strip.level == "error"
    assert seller.app.cart.is_empty
    assert seller.screen("sell").query == ""


def test_wrong_check_digit_is_refused(seller) -> None:
    seller.burst("7709990000420")  # last digit altered
    strip = seller.screen("sell").ids.message
    seller.until(lambda: strip.shown, what="the message")
    assert "7709990000420" in strip.text and strip.level == "error"
    assert seller.app.cart.is_empty


def test_slow_typing_goes_to_the_search_box_not_the_cart(seller) -> None:
    for ch in "cloro":
        seller.key(ch)
        seller.wait(0.08)  # a person, not a scanner
    seller.wait(0.1)
    sell = seller.screen("sell")
    assert sell.query == "cloro"
    assert seller.app.cart.is_empty
    names = [d["name"] for d in sell.ids.catalog.data]
    assert names[:3] == ["Cloro en gel", "Cloro tradicional", "Cloro tradicional 1 L (botella)"]


def test_out_of_stock_warns_by_default(seller) -> None:
    sell = seller.screen("sell")
    sell.ids  # noqa: B018
    line = seller.app.services.counter.add(seller.app.user.id, seller.app.services.catalog.by_sku("GUA-NIT"), 8).line
    sell.refresh_cart()
    seller.burst(CODES["GUA-NIT"][0])
    seller.until(lambda: seller.app.cart.line(line.id).quantity == 9, what="the ninth pair")
    assert sell.ids.message.level == "warn" and "Guantes de nitrilo" in sell.ids.message.text


def test_out_of_stock_refused_when_configured(make_ui) -> None:
    ui = make_ui(sales={"out_of_stock": "refuse"})
    ui.pin(ADMIN_PIN)
    app = ui.app
    line = app.services.counter.add(app.user.id, app.services.catalog.by_sku("GUA-NIT"), 8).line
    sell = ui.screen("sell")
    sell.refresh_cart()
    ui.burst(CODES["GUA-NIT"][0])
    ui.until(lambda: sell.ids.message.shown, what="the refusal")
    assert sell.ids.message.level == "error"
    assert sell.ids.message.text == "No hay suficiente existencia de Guantes de nitrilo talla L: quedan 8."
    assert app.cart.line(line.id).quantity == 8


def test_zero_and_absurd_quantities(seller) -> None:
    ui = seller
    ui.burst(CODES["ESP-DOB"][0])
    ui.until(lambda: len(ui.app.cart) == 1)
    ui.tap(ui.screen("sell").ids.line_qty)
    popup = ui.app.modal
    ui.keypad("0", popup.ids.keypad)
    ui.tap(popup.ids.qty_ok)
    assert ui.app.modal is popup
    assert popup.error_text == "La cantidad debe ser mayor que cero."
    ui.keypad("99999", popup.ids.keypad)
    ui.tap(popup.ids.qty_ok)
    assert "demasiado grande" in popup.error_text
    assert ui.app.cart.lines[0].quantity == 1
    ui.tap(ui.find_text(_("Cancel"), popup))
    assert ui.app.modal is None


def test_cash_below_total_cannot_be_confirmed(seller) -> None:
    ui = seller
    ui.burst(CODES["PAN-MIC"][0])
    ui.until(lambda: len(ui.app.cart) == 1)
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.keypad("1", co.ids.keypad)
    assert co.ids.confirm.disabled
    assert co.ids.change_label.text == "Falta $0,20"
    co.confirm()  # even a call that bypasses the disabled button stores nothing
    ui.enter()  # nor does a stray Enter key
    ui.frames(2)
    assert sales_count(ui) == 0 and ui.current == "checkout"


def test_double_tap_on_confirm_stores_one_sale(seller) -> None:
    from kivy.tests.common import UnitTestTouch

    ui = seller
    ui.burst(CODES["PAN-MIC"][0])
    ui.until(lambda: len(ui.app.cart) == 1)
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.tap(co.ids.method_card)
    confirm = co.ids.confirm
    x, y = confirm.to_window(*confirm.center)
    for _i in range(2):  # two quick taps, no frame in between
        t = UnitTestTouch(x, y)
        t.touch_down()
        t.touch_up()
    co.confirm()  # and a third, programmatic one
    ui.until(lambda: ui.current == "done", timeout=30, what="the sale stored")
    ui.frames(3)
    assert sales_count(ui) == 1
    check_invariants(ui.app.services.db)


def test_scan_while_paying_is_not_added(seller) -> None:
    ui = seller
    ui.burst(CODES["PAN-MIC"][0])
    ui.until(lambda: len(ui.app.cart) == 1)
    ui.tap(ui.screen("sell").ids.charge)
    ui.burst(CODES["ESP-DOB"][0])
    co = ui.screen("checkout")
    ui.until(lambda: co.ids.message.shown, what="the warning")
    assert CODES["ESP-DOB"][0] in co.ids.message.text and co.ids.message.level == "error"
    assert len(ui.app.cart) == 1 and co.total_text == "$1,20"


def test_split_payment_card_plus_cash(seller) -> None:
    ui = seller
    ui.burst(CODES["PAN-MIC"][0])
    ui.burst(CODES["PAN-MIC"][0])  # $2,40
    ui.until(lambda: ui.app.cart.total == 240)
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.tap(co.ids.method_split)
    ui.keypad("1", co.ids.keypad)
    ui.tap(co.ids.add_card)  # $1 by card
    assert co.due_text == "Falta $1,40"
    ui.keypad("2", co.ids.keypad)
    ui.tap(co.ids.add_cash)  # $2 cash -> $0,60 change
    assert co.change_text == "$0,60"
    ui.confirm_sale()
    assert ui.screen("done").change_text == "Cambio $0,60"
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    rows = db.execute("SELECT method, amount, tendered, change FROM payments ORDER BY id").fetchall()
    db.close()
    assert rows == [("card", 100, 100, 0), ("cash", 140, 200, 60)]


def test_qr_payment_shows_a_code(make_ui) -> None:
    ui = make_ui(payments={"qr": {"template": "PAGO {reference} {amount_major} {currency}"}})
    ui.pin(ADMIN_PIN)
    ui.burst(CODES["PAN-MIC"][0])
    ui.until(lambda: len(ui.app.cart) == 1)
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.tap(co.ids.method_qr)
    assert co.qr_texture is not None and co.ids.qr_image.texture is co.qr_texture
    assert co.reference == "V000001" and co.qr_text == "PAGO V000001 1.20 USD"
    assert any("V000001" in t for t in ui.visible_texts(co))
    ui.confirm_sale()
    assert ui.current == "done"


def test_bulk_calculator_by_amount_and_by_quantity(seller) -> None:
    ui = seller
    app = ui.app
    sell = ui.screen("sell")
    ui.burst(CODES["DET-LAV"][0])  # $3,20/L: a scan opens the calculator
    ui.until(lambda: app.modal is not None, what="the calculator")
    calc = app.modal
    assert app.cart.is_empty
    ui.keypad("5", calc.ids.keypad)
    assert calc.result_text == "$5,00 alcanzan para 1,562 L"
    ui.tap(calc.ids.calc_add)
    line = app.cart.lines[0]
    assert (line.total, line.quantity, line.entry.value) == (500, 1562, "amount")

    # A scan while the calculator is open is refused in the calculator itself.
    ui.tap(sell.ids.line_qty)  # editing a bulk line reopens the calculator
    calc = app.modal
    assert calc.editing and calc.entry == "5"
    ui.burst(CODES["ESP-DOB"][0])
    assert CODES["ESP-DOB"][0] in calc.error_text and len(app.cart) == 1
    ui.tap(calc.ids.mode_quantity)
    ui.tap(ui.find_text("ml", calc.ids.units_box))
    ui.keypad("500", calc.ids.keypad)
    assert calc.result_text == "500 ml cuestan $1,60"
    ui.tap(calc.ids.calc_add)
    line = app.cart.lines[0]
    assert (line.total, line.quantity, line.entry.value) == (160, 500, "quantity")

    # Weight typed by hand is a manual-weight line; quick buttons fill the entry.
    ui.search("bicarbonato")
    ui.tap(ui.tile("Bicarbonato de sodio"))
    calc = app.modal
    ui.tap(ui.find_text("1 lb", calc.ids.quick_box))
    assert calc.result_text == "454 g cuestan $1,00"
    ui.tap(calc.ids.calc_add)
    assert app.cart.lines[-1].entry.value == "manual" and app.cart.lines[-1].quantity == 454

    # Too small an amount is explained and cannot be added.
    ui.tap(ui.tile("Bicarbonato de sodio"))
    calc = app.modal
    ui.keypad(",", calc.ids.keypad)
    ui.keypad("00", calc.ids.keypad)
    assert calc.ids.calc_add.disabled
    ui.keypad("1", calc.ids.keypad)  # $0,001 -> $0,00: nothing to buy
    assert calc.ids.calc_add.disabled and calc.error_text
