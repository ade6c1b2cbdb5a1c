"""The whole cashier path in English (the source language): every text the cashier
sees comes from the catalog, money and dates in en_US formats."""

from __future__ import annotations

from kiosk.demo import demo_barcodes
from tests.ui.test_screenshots import shoot
from tests.conftest import ADMIN_PIN

CODES = demo_barcodes()


def test_a_sale_in_english(make_ui) -> None:  # noqa: ANN001
    ui = make_ui(locale={"language": "en", "formats": "en_US"})
    checked: list = []
    shoot(ui, "en-lock", checked)
    assert ui.find_text("Night mode", ui.screen("lock"))
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    ui.burst(CODES["GUA-NIT"][0])
    ui.burst(CODES["ESP-DOB"][0])
    sell = ui.screen("sell")
    ui.until(lambda: len(ui.app.cart) == 2, what="two lines")
    total = ui.app.cart.total
    assert sell.ids.charge.text == f"Charge  ${total // 100}.{total % 100:02d}"  # the total is on Cobrar
    shoot(ui, "en-sell", checked)
    ui.tap(sell.ids.charge)
    co = ui.screen("checkout")
    ui.keypad("9.5", co.ids.keypad)  # the decimal key is "." in English
    assert co.entry_text == "9.5" and co.typed_amount() == 950
    ui.tap(ui.find_text("$10.00", co.ids.notes))
    assert co.entry_text == "$10.00" and co.typed_amount() == 1000
    shoot(ui, "en-checkout", checked)
    ui.confirm_sale()
    done = ui.screen("done")
    assert done.title_text == "Sale #1 completed"
    change = 1000 - total
    assert f"${change // 100}.{change % 100:02d}" in done.change_text
    shoot(ui, "en-done", checked)
    problems = [(name, bad) for name, bad in checked if bad]
    assert not problems
