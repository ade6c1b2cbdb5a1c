"""Issue 13, part 2: the selling screen's rough edges as a cashier found them, each
tried again on the real screens with touches: split payments, the cash keypad, card
and QR references and the QR template, the calculator's units and "far above the
usual", messages that never move the screen, Deshacer, plurals, the shop's time zone
and finding a sale in the history."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kiosk.demo import demo_barcodes
from kiosk.i18n import format_date, format_time
from tests.invariants import check_invariants
from tests.ui.conftest import sign_in

CODES = demo_barcodes()


def payments(ui) -> list[tuple]:  # noqa: ANN001
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    try:
        return db.execute("SELECT method, amount, tendered, change, reference FROM payments ORDER BY id").fetchall()
    finally:
        db.close()


def scan(ui, sku: str, lines: int) -> None:  # noqa: ANN001
    ui.burst(CODES[sku][0])
    ui.until(lambda: len(ui.app.cart) == lines, what=f"{sku} in the cart")


def cash_sale(ui, sku: str) -> None:  # noqa: ANN001
    """One unit of ``sku`` paid with Exacto, back on the selling screen."""
    scan(ui, sku, 1)
    ui.tap(ui.screen("sell").ids.charge)
    ui.tap(ui.find_text("Exacto", ui.screen("checkout").ids.notes))
    ui.confirm_sale()
    ui.tap(ui.screen("done").ids.new_sale)


def window_rect(w) -> tuple[int, int, int, int]:  # noqa: ANN001
    x, y = w.to_window(w.x, w.y)
    return round(x), round(y), round(w.width), round(w.height)


def inside(inner, outer) -> bool:  # noqa: ANN001
    x, y, w, h = window_rect(inner)
    ox, oy, ow, oh = window_rect(outer)
    return x >= ox - 1 and y >= oy - 1 and x + w <= ox + ow + 1 and y + h <= oy + oh + 1


# --- paying ------------------------------------------------------------------------------------

def test_split_payment_shows_every_tender_and_removes_one_only_on_its_quitar(seller) -> None:
    ui = seller
    scan(ui, "PAN-MIC", 1)
    scan(ui, "PAN-MIC", 1)  # $2,40
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.tap(co.ids.method_split)
    ui.keypad("1", co.ids.keypad)
    ui.tap(co.ids.add_card)
    ui.keypad("0,5", co.ids.keypad)
    ui.tap(co.ids.add_qr)
    ui.keypad("2", co.ids.keypad)
    ui.tap(co.ids.add_cash)
    ui.frames(3)
    rows = list(reversed(co.ids.split_list.children))
    assert [r.text for r in rows] == ["Tarjeta $1,00", "QR $0,50", "Efectivo $2,00"]
    for row in rows:  # every tender in view, none drawn over the change bar
        assert inside(row, co.ids.split_scroll), row.text
        assert not inside(row, co.ids.change_label)
    assert co.change_text == "$1,10"

    ui.tap(co.ids.change_label)  # the green Cambio bar is not a button
    assert len(co.tenders) == 3 and co.change_text == "$1,10"

    ui.tap(rows[0].ids.tender_ref)  # the card's voucher, typed on a keypad
    popup = ui.app.modal
    ui.keypad("4711", popup.ids.keypad)
    ui.tap(popup.ids.ref_ok)
    ui.frames(2)
    rows = list(reversed(co.ids.split_list.children))
    assert rows[0].text == "Tarjeta $1,00  \u2022  ref. 4711"
    assert not rows[2].ids.tender_ref.opacity  # cash has no reference

    ui.tap(rows[1].ids.tender_remove)  # Quitar on the QR tender: only that one goes
    ui.frames(2)
    assert [r.text for r in reversed(co.ids.split_list.children)] == ["Tarjeta $1,00  \u2022  ref. 4711",
                                                                      "Efectivo $2,00"]
    assert co.ids.message.text == "Quitado: QR $0,50" and co.change_text == "$0,60"
    ui.confirm_sale()
    assert payments(ui) == [("card", 100, 100, 0, "4711"), ("cash", 140, 200, 60, "")]
    ui.app.wait_printing()
    assert "4711" in ui.printed().decode("cp850", errors="replace")  # the voucher is on the receipt
    check_invariants(ui.app.services.db)


def test_cash_notes_add_up_typing_starts_anew_and_c_clears(seller) -> None:
    ui = seller
    scan(ui, "DET-LAV", 0)
    ui.until(lambda: ui.app.modal is not None, what="the calculator")
    ui.tap(ui.find_text("1 L", ui.app.modal.ids.quick_box))
    ui.tap(ui.app.modal.ids.calc_add)  # $3,20
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    notes = co.ids.notes
    ui.tap(ui.find_text("$1,00", notes))
    ui.tap(ui.find_text("$1,00", notes))
    ui.tap(ui.find_text("$5,00", notes))
    assert (co.entry_text, co.tendered_text, co.change_text) == ("$1,00 + $1,00 + $5,00", "$7,00", "$3,80")
    ui.tap(ui.find_text("\u232b", co.ids.keypad))  # takes back the last note
    assert (co.tendered_text, co.due_text) == ("$2,00", "Falta $1,20")
    ui.keypad("4", co.ids.keypad)  # typing after notes starts a new amount
    assert (co.entry_text, co.tendered_text, co.change_text) == ("4", "$4,00", "$0,80")
    ui.keypad(",5", co.ids.keypad)
    assert co.tendered_text == "$4,50"
    ui.tap(co.ids.clear_entry)  # C
    assert (co.entry_text, co.tendered_text, co.ids.confirm.disabled) == ("", "$0,00", True)
    assert co.ids.entry_display.text == "Importe recibido"
    ui.tap(ui.find_text("Exacto", notes))
    assert (co.tendered_text, co.change_text) == ("$3,20", "$0,00")
    ui.confirm_sale()
    assert payments(ui) == [("cash", 320, 320, 0, "")]


def test_a_slow_scan_typed_into_the_payment_keypad_is_taken_back(seller) -> None:
    """On a loaded machine the first digits of a scan reach the cash keypad as typing;
    the scan is then recognised: its digits leave the amount, what the cashier typed stays."""
    ui = seller
    scan(ui, "PAN-MIC", 1)
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.keypad("5", co.ids.keypad)
    code = CODES["ESP-DOB"][0]
    for ch in code[:6]:
        ui.key(ch)
    ui.until(lambda: co.entry_text == "5" + code[:6], what="the first part handed on as typing")
    for ch in code[6:]:
        ui.key(ch)
    ui.enter()
    ui.until(lambda: co.entry_text == "5", what="the scan's digits taken back")
    assert co.tendered_text == "$5,00" and len(ui.app.cart) == 1
    assert co.ids.message.text.startswith(f"C\u00f3digo {code}")


def test_pesos_without_cents_type_with_the_00_key(make_ui) -> None:
    ui = sign_in(make_ui(currency={"code": "COP", "decimals": 0}))
    app = ui.app
    ui.burst(CODES["DET-LAV"][0])  # 320 pesos per litre here
    ui.until(lambda: app.modal is not None, what="the calculator")
    calc = app.modal
    ui.tap(ui.find_text("$2.000", calc.ids.quick_box))  # was read back as 2 pesos ("2.000")
    assert (calc.entry, calc.result_text) == ("2000", "$2.000 alcanzan para 6,25 L")
    ui.tap(calc.ids.calc_add)
    ui.tap(ui.screen("sell").ids.line_qty)  # editing the line keeps its 2.000 pesos
    assert app.modal.entry == "2000"
    app.close_modal()
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.keypad("5", co.ids.keypad)
    ui.tap(ui.find_text("00", co.ids.keypad))
    ui.tap(ui.find_text("00", co.ids.keypad))
    assert co.typed_amount() == 50000 and co.entry_text == "50000" and co.change_text == "$48.000"


def test_card_and_qr_carry_a_reference_and_the_qr_follows_the_template(make_ui) -> None:
    template = "https://pagos.example.com/mi-tienda?valor={amount_major}&ref={reference}&moneda={currency}"
    ui = sign_in(make_ui(payments={"qr": {"template": template}}))
    scan(ui, "PAN-MIC", 1)
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.tap(co.ids.method_card)
    assert co.ids.entry_display.text == "Referencia (opcional)"
    ui.keypad("98765", co.ids.keypad)
    ui.tap(ui.find_text("\u232b", co.ids.keypad))
    ui.keypad("4", co.ids.keypad)
    assert co.entry_text == "Ref. 98764"
    ui.confirm_sale()
    ui.app.wait_printing()
    assert "98764" in ui.printed().decode("cp850", errors="replace")

    ui.tap(ui.screen("done").ids.new_sale)
    scan(ui, "PAN-MIC", 1)
    ui.tap(ui.screen("sell").ids.charge)
    ui.tap(co.ids.method_qr)
    assert co.qr_text == "https://pagos.example.com/mi-tienda?valor=1.20&ref=V000002&moneda=USD"
    assert co.qr_texture is not None and co.ids.qr_image.texture is co.qr_texture
    ui.keypad("20251201", co.ids.keypad)  # the transfer number the customer's phone shows
    ui.confirm_sale()
    assert [p[0::4] for p in payments(ui)] == [("card", "98764"), ("qr", "20251201")]

    ui.tap(ui.screen("done").ids.new_sale)
    ui.app.show_history()
    hist = ui.screen("history")
    ui.frames(2)
    rows = sorted(hist.ids.sales.children[0].children, key=lambda r: r.number_text)
    ui.tap(rows[0])
    assert hist.detail_payments == "Tarjeta $1,20 (ref. 98764)"


def test_a_qr_part_of_a_split_payment_shows_its_own_code(make_ui) -> None:
    ui = sign_in(make_ui(payments={"qr": {"template": "PAGO|{amount}|{reference}"}}))
    scan(ui, "GUA-NIT", 1)  # $2,40
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.tap(co.ids.method_split)
    ui.keypad("1", co.ids.keypad)
    ui.tap(co.ids.add_qr)  # the code for this part opens at once
    popup = ui.app.modal
    assert popup.qr_text == "PAGO|100|V000001" and popup.ids.ref_qr.texture is popup.qr_texture
    ui.keypad("555", popup.ids.keypad)
    ui.tap(popup.ids.ref_ok)
    ui.tap(co.ids.add_card)  # the rest, by card
    ui.confirm_sale()
    assert payments(ui) == [("qr", 100, 100, 0, "555"), ("card", 140, 140, 0, "")]


def test_without_a_template_the_qr_panel_asks_for_the_shops_sticker(seller) -> None:
    ui = seller
    scan(ui, "PAN-MIC", 1)
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.tap(co.ids.method_qr)
    assert co.qr_texture is None and co.qr_text == ""  # no made-up text in a code
    assert co.ids.qr_label.text.startswith("Muestre el código QR de la tienda: el cliente paga $1,20")


# --- the calculator ----------------------------------------------------------------------------

def test_calculator_types_in_ml_converts_on_a_unit_change_and_clears_an_amount(seller) -> None:
    ui = seller
    app = ui.app
    ui.burst(CODES["DET-LAV"][0])  # $3,20 per litre
    ui.until(lambda: app.modal is not None, what="the calculator")
    calc = app.modal
    ui.keypad("5", calc.ids.keypad)  # by amount: $5
    assert calc.can_add
    ui.tap(ui.find_text("ml", calc.ids.units_box))  # $5 is not 5 ml
    assert (calc.mode, calc.unit, calc.entry, calc.can_add) == ("quantity", "ml", "", False)
    assert calc.ids.calc_add.disabled

    ui.tap(calc.ids.mode_amount)
    ui.tap(calc.ids.mode_quantity)
    assert calc.unit == "ml"  # what a person types for a liquid sold by the litre
    ui.keypad("1500", calc.ids.keypad)
    assert calc.result_text == "1,5 L cuestan $4,80"
    ui.tap(ui.find_text("L", calc.ids.units_box))
    assert (calc.entry, calc.result_text) == ("1,5", "1,5 L cuestan $4,80")
    ui.tap(ui.find_text("gal", calc.ids.units_box))
    assert calc.entry == "0,396"
    ui.tap(ui.find_text("ml", calc.ids.units_box))
    assert calc.entry == "1499"  # through whole millilitres, as the line would store it
    ui.keypad("500", calc.ids.keypad)  # the converted value is replaced by the next typing
    assert calc.result_text == "500 ml cuestan $1,60"
    ui.tap(calc.ids.calc_add)
    assert [(ln.quantity, ln.total) for ln in app.cart.lines] == [(500, 160)]


def test_a_quantity_far_above_the_usual_asks_to_confirm(seller) -> None:
    ui = seller
    app = ui.app
    ui.burst(CODES["DET-LAV"][0])
    ui.until(lambda: app.modal is not None, what="the calculator")
    calc = app.modal
    ui.tap(ui.find_text("L", calc.ids.units_box))
    ui.keypad("500", calc.ids.keypad)  # 500 L: a slip, not a sale
    assert calc.result_text == "500 L cuestan $1.600,00"
    ui.tap(calc.ids.calc_add)
    assert app.modal is calc and app.cart.is_empty
    assert calc.ids.calc_add.text == "Sí, agregar"
    assert calc.error_text == ("500 L de Detergente líquido lavanda ($1.600,00) es mucho más de lo habitual. "
                               "¿Es correcto? Toque otra vez para agregarlo.")
    ui.tap(ui.find_text("\u232b", calc.ids.keypad))  # changing it withdraws the question
    assert not calc.confirming and calc.ids.calc_add.text == "Agregar"
    ui.keypad("0", calc.ids.keypad)
    ui.tap(calc.ids.calc_add)
    assert calc.confirming
    ui.tap(calc.ids.calc_add)  # confirmed: added
    assert app.modal is None and [ln.quantity for ln in app.cart.lines] == [500_000]

    ui.burst(CODES["DET-LAV"][0])
    ui.until(lambda: app.modal is not None, what="the calculator again")
    calc = app.modal
    ui.keypad("20", calc.ids.keypad)  # $20 of it: 6,25 L, an ordinary sale
    ui.tap(ui.find_text("L", calc.ids.units_box))
    ui.keypad("6", calc.ids.keypad)
    ui.tap(calc.ids.calc_add)
    assert app.modal is None and app.cart.lines[-1].quantity == 6000


def test_a_unit_quantity_far_above_the_usual_asks_too(seller) -> None:
    ui = seller
    scan(ui, "ESP-DOB", 1)
    ui.tap(ui.screen("sell").ids.line_qty)
    popup = ui.app.modal
    ui.keypad("300", popup.ids.keypad)
    ui.tap(popup.ids.qty_ok)
    assert ui.app.modal is popup and popup.confirming and ui.app.cart.lines[0].quantity == 1
    assert "mucho más de lo habitual" in popup.error_text and popup.ids.qty_ok.text == "Sí, agregar"
    ui.tap(popup.ids.qty_ok)
    assert ui.app.modal is None and ui.app.cart.lines[0].quantity == 300


# --- the selling screen ------------------------------------------------------------------------

def test_messages_and_device_banners_never_move_the_screen(seller) -> None:
    ui = seller
    app = ui.app
    sell = ui.screen("sell")
    scan(ui, "ESP-DOB", 1)
    sell.ids.message.hide()
    ui.frames(3)
    tile = ui.tile("Alcohol antiséptico 70 %")
    watched = [sell.ids.search_field, sell.ids.chips, sell.ids.cart, sell.ids.line_minus, sell.ids.charge,
               sell.ids.clear_cart, tile]
    before = [window_rect(w) for w in watched]
    app.set_banner("printer", "Impresora: sin papel (1 recibo en espera)", "error")
    app.set_banner("scale", "Balanza desconectada", "warn")
    sell.message("La venta NO se guardó porque otra tarea mantuvo ocupada la base de datos. Se conserva el "
                 "carrito: pulse Confirmar otra vez en un momento.", "error", 0)
    ui.frames(4)
    assert [window_rect(w) for w in watched] == before
    strip = sell.ids.message
    assert strip.height > 40 and window_rect(strip)[1] < window_rect(sell.ids.catalog)[1] + strip.height
    # A tap on the message puts it away; it never reaches the tile underneath.
    x, y = strip.to_window(strip.center_x, strip.center_y)
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    ui.frames(3)
    assert not strip.shown and [ln.product.sku for ln in app.cart.lines] == ["ESP-DOB"]
    assert [window_rect(w) for w in watched] == before
    app.clear_banner("printer")
    app.clear_banner("scale")


def test_minus_at_one_removes_the_line_and_deshacer_brings_it_back(seller) -> None:
    ui = seller
    app = ui.app
    sell = ui.screen("sell")
    scan(ui, "PAN-MIC", 1)
    scan(ui, "ESP-DOB", 2)
    scan(ui, "GUA-NIT", 3)
    sponge = next(v for v in sell.ids.cart.children[0].children if v.name == "Esponja doble uso")
    ui.tap(sponge)
    ui.tap(sell.ids.line_minus)  # at one: the line goes...
    assert [ln.product.sku for ln in app.cart.lines] == ["PAN-MIC", "GUA-NIT"]
    strip = sell.ids.message
    assert strip.text == "Quitado: Esponja doble uso" and strip.ids.strip_action.text == "Deshacer"
    ui.tap(strip.ids.strip_action)  # ...and comes back where it was
    assert [(ln.product.sku, ln.quantity) for ln in app.cart.lines] == [("PAN-MIC", 1), ("ESP-DOB", 1),
                                                                         ("GUA-NIT", 1)]
    assert app.cart.lines[1].id == sell.selected_line and strip.text == "1 línea volvió al carrito."

    ui.tap(sell.ids.clear_cart)
    ui.tap(app.modal.ids.confirm_yes)
    assert app.cart.is_empty and strip.text == "Carrito vaciado."
    ui.tap(strip.ids.strip_action)
    assert [ln.product.sku for ln in app.cart.lines] == ["PAN-MIC", "ESP-DOB", "GUA-NIT"]
    assert strip.text == "3 líneas volvieron al carrito."

    ui.tap(sell.ids.line_remove)  # Quitar, too, can be undone - but not once the sale moved on
    assert len(app.cart) == 2 and strip.ids.strip_action.text == "Deshacer"
    ui.tap(sell.ids.charge)
    ui.tap(ui.find_text("Volver", ui.screen("checkout")))
    assert ui.current == "sell" and not strip.shown and len(app.cart) == 2


def test_at_least_five_cart_lines_show_at_800x480_and_in_portrait(seller) -> None:
    from kivy.core.text import Label as CoreLabel

    ui = seller
    app = ui.app
    sell = ui.screen("sell")
    for sku in ["PAN-MIC", "ESP-DOB", "GUA-NIT", "SRV-DOM", "ATO-500", "ESP-MET"]:
        app.services.counter.add(app.user.id, app.services.catalog.by_sku(sku))
    ui.until(lambda: len(sell.ids.cart.data) == 6, what="six lines drawn")
    for size in [(800, 480), (480, 800)]:
        ui.resize(*size)
        ui.frames(4)
        rv = sell.ids.cart
        whole = [row for row in rv.children[0].children if inside(row, rv)]
        assert len(whole) >= 5, (size, len(whole), rv.height)
        bar = sell.ids.topbar
        title = bar.ids.title
        full = CoreLabel(text=title.text, font_size=title.font_size, bold=True)
        full.refresh()
        assert title.text == "Tienda Demo" and full.texture.size[0] <= title.width  # the shop's name is whole
        theme = bar.ids.top_theme
        assert theme.opacity == 1 and not theme.disabled and theme.to_window(theme.right, 0)[0] <= size[0]


# --- dates, plurals, history -------------------------------------------------------------------

def zone_apart_from_the_system() -> ZoneInfo:
    """A zone whose date today is not the system's (UTC+14 or UTC-12: 26 hours apart,
    so at any moment one of them differs)."""
    system_day = datetime.now().astimezone().date()
    for name in ("Etc/GMT-14", "Etc/GMT+12"):
        if datetime.now(ZoneInfo(name)).date() != system_day:
            return ZoneInfo(name)
    raise AssertionError("no zone with another date")


def test_the_clock_and_every_date_use_the_configured_time_zone(make_ui) -> None:
    zone = zone_apart_from_the_system()
    ui = make_ui(locale={"timezone": zone.key})
    app = ui.app
    shop_day = datetime.now(zone).date()
    lock = ui.screen("lock")
    assert lock.date_text == format_date(shop_day, "full")  # the lock screen said the system's day
    ui.wait(1.2)  # the clock ticks every second
    now = datetime.now(zone)
    assert app.clock_text in {format_time(now), format_time(now - timedelta(minutes=1))}  # not the system's
    sign_in(ui)
    cash_sale(ui, "ESP-DOB")
    app.show_history()
    hist = ui.screen("history")
    assert hist.day_text == "Hoy \u2014 " + format_date(shop_day, "full")  # the same day as the lock screen
    assert hist.summary_text == "1 venta, $0,60"  # not "1 ventas"
    ui.frames(2)
    row = hist.ids.sales.children[0].children[0]
    assert row.time_text in {format_time(datetime.now(zone)), format_time(datetime.now(zone) - timedelta(minutes=1))}
    app.wait_printing()
    assert format_date(shop_day, "short") in ui.printed().decode("cp850", errors="replace")


def test_history_finds_a_sale_by_number_by_date_and_by_its_receipt(seller) -> None:
    ui = seller
    app = ui.app
    for _i in range(2):
        cash_sale(ui, "PAN-MIC")
    app.show_history()
    hist = ui.screen("history")
    assert hist.summary_text == "2 ventas, $2,40"

    ui.tap(hist.ids.search)
    popup = app.modal
    ui.keypad("1", popup.ids.keypad)
    assert popup.ids.search_display.text == "#1"
    ui.tap(popup.ids.search_go)
    assert app.modal is None and hist.detail_open and hist.detail_title.startswith("Venta #1")
    ui.tap(hist.ids.detail_back)

    ui.tap(hist.ids.search)
    popup = app.modal
    ui.keypad("99", popup.ids.keypad)
    ui.tap(popup.ids.search_go)  # no such sale: said in the search, to correct the number
    assert app.modal is popup and not hist.detail_open and popup.error_text == "La venta n.º 99 no existe."
    ui.tap(popup.ids.by_date)
    ui.keypad("3102", popup.ids.keypad)  # 31 February
    assert popup.ids.search_display.text == "31/02"
    ui.tap(popup.ids.search_go)
    assert app.modal is popup and "31/02 no es una fecha" in popup.error_text
    ui.tap(ui.find_text("C", popup.ids.keypad))
    ui.keypad("01012024", popup.ids.keypad)
    assert popup.ids.search_display.text == "01/01/2024"
    ui.tap(popup.ids.search_go)
    assert app.modal is None and hist.day.isoformat() == "2024-01-01"
    assert hist.summary_text == "No hay ventas este día."
    assert not hist.is_today

    ui.burst("V000002")  # the receipt's barcode
    ui.until(lambda: hist.detail_open, what="the scanned sale")
    assert hist.detail_title.startswith("Venta #2") and hist.is_today
