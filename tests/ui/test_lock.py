"""Lock screen: PIN unlock, lock/unlock keeps the cart, throttled wrong PINs,
idle auto-lock."""

from __future__ import annotations

import sqlite3

from kiosk.demo import demo_barcodes
from kiosk.i18n import _
from tests.conftest import ADMIN_PIN


def events(ui) -> list[str]:  # noqa: ANN001
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    try:
        return [r[0] for r in db.execute("SELECT act FROM audit_log ORDER BY id")]
    finally:
        db.close()


def test_lock_and_unlock_keeps_the_cart(seller) -> None:
    ui = seller
    ui.burst(demo_barcodes()["ESP-DOB"][0])
    ui.burst(demo_barcodes()["PAN-MIC"][0])
    ui.until(lambda: len(ui.app.cart) == 2, what="two lines")
    ui.tap(ui.find_text(_("Lock"), ui.screen("sell")))
    assert ui.current == "lock" and ui.app.user is None
    assert ui.screen("lock").ids.pin_dots.text == "-"
    ui.pin(ADMIN_PIN)
    assert ui.current == "sell"
    assert [ln.product.sku for ln in ui.app.cart.lines] == ["ESP-DOB", "PAN-MIC"]
    ui.frames(2)
    assert len(ui.screen("sell").ids.cart.data) == 2
    assert events(ui)[-2:] == ["lock", "unlock"]


def test_lock_from_checkout_returns_to_checkout(seller) -> None:
    ui = seller
    ui.burst(demo_barcodes()["ESP-DOB"][0])
    ui.tap(ui.screen("sell").ids.charge)
    assert ui.current == "checkout"
    ui.tap(ui.find_text(_("Lock"), ui.screen("checkout")))
    assert ui.current == "lock"
    ui.pin(ADMIN_PIN)
    assert ui.current == "checkout" and ui.screen("checkout").total_text == "$0,60"


def test_pin_is_masked_and_wrong_pins_are_throttled(make_ui) -> None:
    ui = make_ui(security={"free_attempts": 3, "lockout_base_s": 60})
    lock = ui.screen("lock")
    keypad = lock.ids.keypad
    ui.keypad("12", keypad)
    assert lock.ids.pin_dots.text == "\u25cf \u25cf"  # never the digits
    ui.tap(ui.find_text(_("Enter"), keypad))
    ui.until(lambda: not lock.checking, what="the PIN check")
    assert lock.error_text == "PIN incorrecto."
    ui.pin("111111")
    assert lock.error_text == "PIN incorrecto."
    ui.pin("222222")  # third wrong PIN: the wait starts, shown in full
    assert lock.error_text == "Demasiados PIN incorrectos. Intente de nuevo en 1\u00a0min\u00a000\u00a0s."
    assert lock.wait_s > 0 and keypad.disabled
    label = lock.ids.pin_error
    ui.frames(3)
    from kivy.core.text import Label as CoreLabel

    whole = CoreLabel(text=label.text, font_size=label.font_size, bold=label.bold, text_size=(label.width, None))
    whole.refresh()  # the message laid out in full, wrapped to the label's width
    assert whole.texture.size[1] <= label.height + 1 and not label.shorten  # nothing cut off
    ui.wait(0.5)  # the refusal shake has ended
    ui.screenshot("lock-wait")
    # While throttled even the right PIN is not tried (the keypad refuses input).
    lock.pin = ADMIN_PIN
    lock.submit()
    assert ui.current == "lock" and ui.app.user is None
    assert events(ui).count("pin_failed") == 3
    assert "unlock" not in events(ui) and "sign_in" not in events(ui)


def test_idle_auto_lock(make_ui) -> None:
    ui = make_ui(security={"idle_lock_s": 60})
    ui.pin(ADMIN_PIN)
    assert ui.current == "sell"
    ui.burst(demo_barcodes()["ESP-DOB"][0])
    ui.app._last_activity -= 61  # a minute without a touch (a loaded machine must not decide when)
    ui.until(lambda: ui.current == "lock", what="the idle lock")
    ui.until(lambda: events(ui)[-1:] == ["auto_lock"], what="the automatic lock in the audit log")
    ui.pin(ADMIN_PIN)
    assert ui.current == "sell" and len(ui.app.cart) == 1


def test_scan_on_lock_screen_is_refused_visibly(ui) -> None:
    ui.burst(demo_barcodes()["ESP-DOB"][0])
    assert ui.screen("lock").error_text == "Desbloquee con su PIN antes de escanear."
    assert ui.current == "lock"
