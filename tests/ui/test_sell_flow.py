"""A whole sale on the real screens: PIN, scan burst, search and tap, edit a
quantity, remove a line, pay cash with change, then check the database, the
receipt bytes and the history detail."""

from __future__ import annotations

import sqlite3

from kiosk.demo import demo_barcodes
from kiosk.i18n import _
from tests.invariants import check_invariants


def stock(ui, sku: str) -> int:  # noqa: ANN001
    return ui.app.services.catalog.by_sku(sku).stock


def test_full_cash_sale(seller) -> None:
    ui = seller
    app = ui.app
    sell = ui.screen("sell")
    ids = sell.ids
    sponges_before = stock(ui, "ESP-DOB")
    cloths_before = stock(ui, "PAN-MIC")

    # 1. A scanner burst anywhere on the selling screen adds the product.
    ui.burst(demo_barcodes()["ESP-DOB"][0])
    ui.until(lambda: len(app.cart) == 1, what="the scanned line")
    assert sell.query == ""  # the burst never reached the search box
    assert app.cart.lines[0].product.sku == "ESP-DOB"
    ui.frames(2)
    assert any(v.name == "Esponja doble uso" for v in ids.cart.children[0].children)

    # 2. Search with the on-screen keyboard; results appear while typing.
    ui.tap(ids.search_field)
    assert sell.keyboard_open
    keyboard = ids.keyboard
    for ch in "pano":
        ui.tap(ui.find_text("Ñ" if ch == "ñ" else ch.upper(), keyboard), settle=1)
    ui.frames(3)
    assert sell.query == "pano"
    ui.tap(ui.find_text(_("Done"), keyboard))
    assert not sell.keyboard_open
    ui.tap(ui.tile("Paño de microfibra"))
    assert [ln.product.sku for ln in app.cart.lines] == ["ESP-DOB", "PAN-MIC"]
    assert sell.selected_line == app.cart.lines[1].id

    # 3. Edit the cloth's quantity on the keypad: 3.
    ui.tap(ids.line_qty)
    popup = app.modal
    assert popup is not None
    ui.keypad("3", popup.ids.keypad)
    ui.tap(popup.ids.qty_ok)
    assert app.modal is None
    assert app.cart.lines[1].quantity == 3
    ui.tap(ids.line_plus)
    assert app.cart.lines[1].quantity == 4

    # 4. Remove the sponge line (select it, then Quitar).
    sponge_row = next(v for v in ids.cart.children[0].children if v.name == "Esponja doble uso")
    ui.tap(sponge_row)
    ui.tap(ids.line_remove)
    assert [ln.product.sku for ln in app.cart.lines] == ["PAN-MIC"]
    assert sell.total_text == "$4,80"

    # 5. Pay cash: $2 typed is not enough; a $10 note gives $5,20 change.
    ui.tap(ids.charge)
    assert ui.current == "checkout"
    co = ui.screen("checkout")
    assert co.ids.confirm.disabled
    ui.keypad("2", co.ids.keypad)
    assert co.ids.confirm.disabled
    assert co.due_text == "Falta $2,80"
    ui.tap(ui.find_text("$10,00", co.ids.notes))
    assert (co.entry_text, co.change_text, co.can_confirm, co.hint_text) == ("$10,00", "$5,20", True, "")
    assert not co.ids.confirm.disabled
    assert co.change_text == "$5,20"
    assert "Cambio  $5,20" in ui.visible_texts(co)
    ui.confirm_sale()
    assert ui.current == "done"
    done = ui.screen("done")
    assert done.title_text == "Venta #1 completada"
    assert done.change_text == "Cambio $5,20"
    assert app.cart.is_empty

    # 6. The database: one sale, its line and payment, stock decremented.
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    assert db.execute("SELECT number, total, change_total FROM sales").fetchall() == [(1, 480, 520)]
    assert db.execute("SELECT sku, quantity, line_total FROM sale_lines").fetchall() == [("PAN-MIC", 4, 480)]
    assert db.execute("SELECT method, amount, tendered, change FROM payments").fetchall() == [("cash", 480, 1000, 520)]
    db.close()
    assert stock(ui, "PAN-MIC") == cloths_before - 4
    assert stock(ui, "ESP-DOB") == sponges_before
    check_invariants(app.services.db)

    # 7. The receipt went to the printer (a file here), with the drawer kick for cash.
    ui.until(lambda: b"\x1b\x70" in ui.printed() or b"\x10\x14" in ui.printed() or len(ui.printed()) > 100,
             what="the printed receipt")
    app.wait_printing()
    text = ui.printed().decode("cp850", errors="replace")
    assert "Paño de microfibra" in text
    assert "V000001" in text
    assert "$5,20" in text and "$10,00" in text
    first_len = len(ui.printed())

    # 8. Reprint from the confirmation screen.
    ui.tap(done.ids.reprint)
    app.wait_printing()
    ui.until(lambda: len(ui.printed()) > first_len, what="the copy")
    assert "COPIA" in ui.printed()[first_len:].decode("cp850", errors="replace")

    # 9. History: today's list, then the sale's detail with its reprint.
    ui.tap(done.ids.new_sale)
    assert ui.current == "sell"
    ui.tap(ui.find_text(_("History"), ui.screen("sell")))
    assert ui.current == "history"
    hist = ui.screen("history")
    rows = hist.ids.sales.children[0].children
    ui.frames(2)
    assert [r.number_text for r in rows] == ["#1"]
    assert rows[0].cashier == "Administrador" and rows[0].methods == "Efectivo" and rows[0].total_text == "$4,80"
    ui.tap(rows[0])
    assert hist.detail_open
    ui.frames(2)
    lines = hist.ids.lines.children[0].children
    assert [(ln.name, ln.total_text) for ln in lines] == [("Paño de microfibra", "$4,80")]
    assert "4 × $1,20" in lines[0].detail
    assert "Efectivo $4,80" in hist.detail_payments and "cambio $5,20" in hist.detail_payments
    before = len(ui.printed())
    ui.tap(hist.ids.detail_reprint)
    app.wait_printing()
    ui.until(lambda: len(ui.printed()) > before, what="the history reprint")


def test_an_emptied_cart_is_at_the_top_at_once_not_springing_back(seller) -> None:
    """A cart scrolled down to its last line and then emptied (a sale done, Vaciar)
    is at the top as soon as its lines are gone: its list used to spring back from
    where it was for a second or two, the whole window redrawn each frame for an empty
    list (issue 18's idle_cpu_pct, after every sale)."""
    app = seller.app
    sell = seller.screen("sell")
    cart = sell.ids.cart
    products = [p for p in app.services.catalog.browse(limit=200) if p.sale_mode.value == "unit"][:12]
    for product in products:
        app.services.counter.add(app.user.id, product)
    seller.until(lambda: cart.children and cart.children[0].height > cart.height and cart.scroll_y < 0.05,
                 what="the cart scrolled down to its last line")
    app.services.counter.clear(app.user.id)
    seller.until(lambda: not cart.data and cart.children[0].height == 0, what="the cart's lines gone")
    seller.frames(2)
    assert cart.scroll_y == 1
    assert cart.effect_y.overscroll == 0 and cart.effect_y.velocity == 0  # nothing left moving
