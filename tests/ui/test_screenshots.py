"""Every screen at 800x480 and 1280x800, day and night (plus portrait), saved under
tests/_artifacts/screenshots/. With KIOSK_UPDATE_README_IMAGES=1 (``make
screenshots``) a handful are copied to kiosk/ui/screenshots/ for the README.

While there, every visible button is checked to be a comfortable touch target (its
face at least 48 px each way at 800x480 and in portrait), and the selling screen to
show at least five whole cart lines."""

from __future__ import annotations


import pytest

from hardware.scale.reading import ScaleState
from kiosk.demo import demo_barcodes
from tests.ui.conftest import ARTIFACTS
from tests.conftest import ADMIN_PIN

CODES = demo_barcodes()
MIN_TARGET = 48  # px: the face drawn (the touch area less the button's inset), each way
MIN_CART_LINES = 5  # whole cart lines the selling screen shows at 800x480 and 480x800
# Waits on device threads (simulated scale and printer): generous, because a shared
# 2-core machine running the whole suite can stall them for seconds; they end as soon
# as the condition holds.
DEVICE_WAIT = 20


def small_targets(ui) -> list[str]:  # noqa: ANN001
    from kivy.uix.behaviors import ButtonBehavior

    root = ui.app.modal if ui.app.modal is not None else ui.app.sm.current_screen
    bad = []
    for w in root.walk():
        if isinstance(w, ButtonBehavior) and w.opacity > 0 and not w.disabled and w.width > 1 and w.height > 1:
            if w.__class__.__name__ in ("ProductTile", "CartRow", "SaleRow"):
                continue
            inset = getattr(w, "inset", 0)
            if min(w.width, w.height) - 2 * inset < MIN_TARGET - 0.5:
                bad.append(f"{getattr(w, 'text', w)!r} {int(w.width - 2 * inset)}x{int(w.height - 2 * inset)}")
    return bad


def whole_cart_lines(ui) -> int:  # noqa: ANN001
    rv = ui.screen("sell").ids.cart
    top = rv.to_window(rv.x, rv.top)[1]
    bottom = rv.to_window(rv.x, rv.y)[1]
    rows = rv.children[0].children if rv.children else []
    return sum(1 for r in rows if r.to_window(r.x, r.y)[1] >= bottom - 1 and r.to_window(r.x, r.top)[1] <= top + 1)


def shoot(ui, name: str, sizes_checked: list) -> None:  # noqa: ANN001
    path = ui.screenshot(name)
    if tuple(ui.window.size) in ((800, 480), (480, 800)):
        bad = small_targets(ui)
        sizes_checked.append((name, bad))


@pytest.mark.parametrize("size", [(800, 480), (1280, 800)], ids=["800x480", "1280x800"])
@pytest.mark.parametrize("theme", ["day", "night"])
def test_screenshot_every_screen(make_ui, size, theme) -> None:  # noqa: ANN001
    ui = make_ui()
    ui.app.theme.apply(theme)
    ui.resize(*size)
    checked: list = []
    shoot(ui, "lock", checked)
    ui.pin(ADMIN_PIN)
    ui.burst(CODES["PAN-MIC"][0])
    ui.burst(CODES["GUA-NIT"][0])
    ui.burst(CODES["DET-LAV"][0])
    ui.until(lambda: ui.app.modal is not None, what="the calculator")
    calc = ui.app.modal
    ui.tap(ui.find_text("1 L", calc.ids.quick_box))
    shoot(ui, "calculator", checked)
    ui.tap(calc.ids.calc_add)
    ui.app.set_banner("printer", "Impresora: sin papel (1 recibo en espera)", "error")
    shoot(ui, "sell", checked)
    ui.app.clear_banner("printer")
    ui.burst(CODES["DET-LAV"][0])
    ui.until(lambda: ui.app.modal is not None, what="the calculator")
    calc = ui.app.modal
    ui.tap(ui.find_text("L", calc.ids.units_box))
    ui.keypad("500", calc.ids.keypad)
    ui.tap(calc.ids.calc_add)  # 500 L: far above the usual, asks first
    shoot(ui, "calculator-confirm", checked)
    ui.tap(calc.ids.calc_cancel)
    sell = ui.screen("sell")
    for sku in ["ESP-DOB", "ATO-500", "ESP-MET"]:
        ui.burst(CODES[sku][0])
    ui.until(lambda: len(ui.app.cart) == 6, what="six lines")
    ui.frames(3)
    assert whole_cart_lines(ui) >= MIN_CART_LINES or tuple(ui.window.size) != (800, 480), whole_cart_lines(ui)
    ui.tap(sell.ids.line_minus)  # the last sponge: the line goes, Deshacer is offered
    shoot(ui, "sell-undo", checked)
    ui.tap(sell.ids.message.ids.strip_action)
    ui.search("jab")
    ui.tap(ui.screen("sell").ids.search_field)
    shoot(ui, "search", checked)
    ui.tap(ui.screen("sell").ids.keyboard.children[0].children[0])  # Done
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.keypad("2", co.ids.keypad)
    shoot(ui, "checkout-short", checked)
    ui.tap(ui.find_text("$10,00", co.ids.notes))
    ui.tap(ui.find_text("$5,00", co.ids.notes))
    shoot(ui, "checkout", checked)
    ui.tap(co.ids.method_qr)
    shoot(ui, "checkout-qr", checked)
    ui.tap(co.ids.method_card)
    ui.keypad("004711", co.ids.keypad)
    shoot(ui, "checkout-card", checked)
    ui.tap(co.ids.method_split)
    ui.keypad("2", co.ids.keypad)
    ui.tap(co.ids.add_card)
    ui.keypad("1", co.ids.keypad)
    ui.tap(co.ids.add_qr)
    ui.keypad("20", co.ids.keypad)
    ui.tap(co.ids.add_cash)
    ui.tap(co.ids.split_list.children[-1].ids.tender_ref)
    ui.keypad("4711", ui.app.modal.ids.keypad)
    shoot(ui, "checkout-reference", checked)
    ui.tap(ui.app.modal.ids.ref_ok)
    shoot(ui, "checkout-split", checked)
    ui.tap(co.ids.method_cash)
    ui.tap(ui.find_text("$20,00", co.ids.notes))
    ui.confirm_sale()
    shoot(ui, "done", checked)
    ui.tap(ui.screen("done").ids.new_sale)
    ui.burst(CODES["ESP-DOB"][0])
    ui.tap(ui.screen("sell").ids.line_qty)
    shoot(ui, "quantity", checked)
    ui.tap(ui.app.modal.ids.qty_ok)
    ui.app.show_history()
    ui.frames(3)
    shoot(ui, "history", checked)
    ui.tap(ui.screen("history").ids.search)
    ui.tap(ui.app.modal.ids.by_date)
    ui.keypad("0112", ui.app.modal.ids.keypad)
    shoot(ui, "history-search", checked)
    ui.app.close_modal()
    ui.tap(ui.screen("history").ids.sales.children[0].children[0])
    shoot(ui, "history-detail", checked)
    if size == (800, 480):
        ui.resize(480, 800)
        ui.app.show("sell")
        for sku in ["PAN-MIC", "GUA-NIT", "ATO-500", "ESP-MET", "BOL-BAS"]:
            ui.burst(CODES[sku][0])
        ui.until(lambda: len(ui.app.cart) == 6, what="six lines")
        ui.frames(3)
        assert whole_cart_lines(ui) >= MIN_CART_LINES, whole_cart_lines(ui)
        shoot(ui, "sell", checked)
        ui.resize(1024, 600)
        shoot(ui, "sell", checked)
        ui.resize(1920, 1080)
        shoot(ui, "sell", checked)
    assert len(list(ARTIFACTS.glob(f"*-{size[0]}x{size[1]}-{theme}.png"))) >= 10
    problems = [(name, bad) for name, bad in checked if bad]
    assert not problems, f"touch targets under {MIN_TARGET} px: {problems}"


@pytest.mark.parametrize("size", [(800, 480), (1280, 800)], ids=["800x480", "1280x800"])
@pytest.mark.parametrize("theme", ["day", "night"])
def test_screenshot_hardware_screens(make_ui, sim_printer, size, theme) -> None:  # noqa: ANN001
    """The weight panel (with the demo control), the banners from real device states,
    the drawer's authorising PIN, the receipt preview and the Hardware screen."""
    from tests.ui.conftest import FAST_SCALE, fast_printer

    ui = make_ui(printer=fast_printer(sim_printer.url), drawer={"sensor": "printer"}, scale=FAST_SCALE,
                 gpio={"pin_factory": "mock", "led_pin": 23, "buzzer_pin": 24, "button_pin": 25},
                 scanner={"devices": [{"kind": "wedge"}]})
    ui.app.theme.apply(theme)
    ui.resize(*size)
    checked: list = []
    app = ui.app
    sim = app.scale.simulator
    ui.pin(ADMIN_PIN)
    sim.set_weight(85)
    # on a busy machine the scale may still be connecting after sign-in, and the
    # calculator would then (rightly) open for a typed weight
    ui.until(lambda: app.scale_reading is not None and app.scale_reading.state is not ScaleState.DISCONNECTED,
             timeout=DEVICE_WAIT, what="the scale connected")
    ui.burst(CODES["POL-DET"][0])
    ui.until(lambda: app.modal is not None and app.modal.mode == "scale" and app.modal.scale_panel.can_use,
             timeout=DEVICE_WAIT, what="the weight panel")
    panel = app.modal.scale_panel
    ui.tap(panel.ids.scale_tare)
    sim.set_weight(85 + 1234)
    ui.until(lambda: panel.net_text == "1,234 kg" and panel.can_use, timeout=DEVICE_WAIT, what="the net weight")
    shoot(ui, "calculator-scale", checked)
    sim.set_motion(True)
    ui.until(lambda: not panel.can_use, timeout=DEVICE_WAIT, what="motion")
    shoot(ui, "calculator-scale-motion", checked)
    sim.set_motion(False)
    ui.until(lambda: panel.can_use, timeout=DEVICE_WAIT, what="stable again")
    ui.tap(panel.ids.scale_use)

    sim_printer.set_mode("paper_out")
    sim.unplug()
    ui.until(lambda: "Balanza desconectada" in app.banner_text and "Impresora" in app.banner_text,
             timeout=DEVICE_WAIT, what="both banners")
    shoot(ui, "sell-banners", checked)
    ui.burst(CODES["POL-DET"][0])
    ui.until(lambda: app.modal is not None, timeout=DEVICE_WAIT, what="the calculator")
    ui.tap(app.modal.ids.mode_scale)
    shoot(ui, "calculator-scale-unplugged", checked)
    app.close_modal()
    sim.replug()
    sim_printer.set_mode("online")
    ui.until(lambda: not app.banner_text, timeout=DEVICE_WAIT, what="the banners gone")

    from kiosk.core.permissions import Act
    from kiosk.ui.pins import AuthorisePopup

    app.open_modal(AuthorisePopup(Act.OPEN_DRAWER, lambda actor: None))  # what a cashier's "Abrir cajón" asks
    ui.keypad("12", app.modal.ids.keypad)
    shoot(ui, "drawer-pin", checked)
    app.close_modal()

    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.tap(ui.find_text("Exacto", co.ids.notes))
    ui.confirm_sale()
    ui.until(lambda: sim_printer.jobs, timeout=DEVICE_WAIT, what="the receipt")
    ui.tap(ui.screen("done").ids.view_receipt)
    ui.until(lambda: app.modal.texture is not None, timeout=DEVICE_WAIT, what="the preview")
    shoot(ui, "receipt-preview", checked)
    app.close_modal()

    app.enter_staff(app.user)  # the Hardware screen is in the staff area
    app.show_hardware()
    hw = ui.screen("hardware")
    queue = app.services.printing
    job = queue.enqueue(b"\x1b@interrupted\n", "receipt")
    app.wait_printing()
    import sqlite3

    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    db.execute("UPDATE print_jobs SET status = 'interrupted' WHERE id = ?", (job,))
    db.commit()
    db.close()
    ui.until(lambda: hw.ids.job_list.children and len(hw.ids.devices.data) >= 7,
             timeout=DEVICE_WAIT, what="the hardware screen")
    shoot(ui, "hardware", checked)
    if size == (800, 480):
        ui.resize(480, 800)
        shoot(ui, "hardware", checked)
        app.leave_staff()  # Volver, Volver: back to selling
        ui.frames(3)
        lock = ui.find_text("Bloquear", ui.screen("sell"))
        assert lock.to_window(lock.right, lock.y)[0] <= 480  # the bar's buttons all fit a narrow screen
        # the scale was unplugged and plugged back above: on a busy machine it may still be
        # reconnecting, and the calculator would then (rightly) open for a typed weight
        ui.until(lambda: app.scale_reading is not None and app.scale_reading.state is not ScaleState.DISCONNECTED,
                 timeout=DEVICE_WAIT, what="the scale back")
        ui.burst(CODES["POL-DET"][0])
        ui.until(lambda: app.modal is not None and app.modal.mode == "scale",
                 timeout=DEVICE_WAIT, what="the weight panel")
        shoot(ui, "calculator-scale", checked)
        app.close_modal()
    problems = [(name, bad) for name, bad in checked if bad]
    assert not problems, f"touch targets under {MIN_TARGET} px: {problems}"
