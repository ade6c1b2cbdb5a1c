"""The hardware on the real screens, against simulators: the printer-problem banner
with its pending count and printing once when the printer is back, the Hardware
screen (devices, test ticket, drawer test, last scan, interrupted jobs), the manual
"Abrir cajón" with wrong, cashier and manager PINs (a manager's PIN is good for one
opening), the receipt preview, and a bad check digit refused with two beeps."""

from __future__ import annotations

import sqlite3

from kiosk.demo import demo_barcodes
from kiosk.i18n import _
from tests.conftest import CASHIER_PIN, MANAGER_PIN
from tests.ui.conftest import FAST_SCALE, fast_printer, sign_in
from tests.ui.staff_support import audit_rows

CODES = demo_barcodes()
MOCK_GPIO = {"pin_factory": "mock", "led_pin": 23, "buzzer_pin": 24, "button_pin": 25}


def cash_sale(ui, sku: str = "PAN-MIC") -> None:  # noqa: ANN001
    ui.burst(CODES[sku][0])
    ui.until(lambda: len(ui.app.cart) == 1, what="the line")
    ui.tap(ui.screen("sell").ids.charge)
    co = ui.screen("checkout")
    ui.tap(ui.find_text(_("Exact"), co.ids.notes))
    ui.confirm_sale()
    assert ui.current == "done"


def test_printer_offline_banner_then_printed_once(make_ui, sim_printer) -> None:
    ui = sign_in(make_ui(printer=fast_printer(sim_printer.url)))
    app = ui.app
    sim_printer.set_mode("paper_out")
    ui.until(lambda: "Impresora sin papel" in app.banner_text, what="the paper-out banner")
    cash_sale(ui)
    ui.tap(ui.screen("done").ids.new_sale)
    ui.until(lambda: app.banner_text == "Impresora sin papel — 1 ticket pendiente", what="the pending count")
    assert app.banner_level == "error"
    assert any("1 ticket pendiente" in t for t in ui.visible_texts(ui.screen("sell")))
    assert not sim_printer.jobs

    sim_printer.set_mode("online")
    ui.until(lambda: sim_printer.jobs and app.banner_text == "", what="the ticket printed, banner gone")
    ui.wait(0.8)  # a few more retry/poll rounds: nothing is printed a second time
    assert len(sim_printer.jobs) == 1 and b"V000001" in sim_printer.jobs[0]
    # The drawer opened at the sale through the real-time pulse (DLE DC4: it works without
    # paper); the ticket printed late carries no kick, so the drawer does not pop open now.
    assert len(sim_printer.realtime_kicks) == 1 and sim_printer.kicks == sim_printer.realtime_kicks

    sim_printer.set_mode("offline")  # switched off: the connection is refused
    cash_sale(ui, "ESP-DOB")
    ui.until(lambda: app.banner_text.startswith("Impresora desconectada") and "1 ticket pendiente" in app.banner_text,
             what="the offline banner")
    sim_printer.set_mode("online")
    ui.until(lambda: len(sim_printer.jobs) == 2 and app.banner_text == "", what="printed once more")
    assert b"V000002" in sim_printer.jobs[1]


def test_hardware_screen_shows_devices_and_runs_its_actions(make_ui, sim_printer) -> None:
    ui = sign_in(make_ui(printer=fast_printer(sim_printer.url), drawer={"sensor": "printer"}, gpio=MOCK_GPIO,
                         scale=FAST_SCALE, scanner={"devices": [{"kind": "wedge"}]}))
    app = ui.app
    app.scale.simulator.set_weight(1250)
    ui.burst(CODES["ESP-DOB"][0])  # the last scan, from the wedge
    sell = ui.screen("sell")
    ui.tap(sell.ids.topbar.ids.admin_entry)  # "Inventario": the staff area
    assert ui.current == "staff"
    ui.tap(ui.screen("staff").ids.menu_hardware)
    assert ui.current == "hardware"
    hw = ui.screen("hardware")
    ui.until(lambda: len(hw.ids.devices.data) >= 7, what="the device rows")
    rows = {d["label"]: d for d in hw.ids.devices.data}
    assert set(rows) >= {"Impresora de tickets", "Cajón de dinero", "Lector de códigos", "Balanza", "LED de estado",
                         "Zumbador", "Botón"}
    ui.until(lambda: {d["label"]: d for d in hw.ids.devices.data}["Balanza"]["ok"], what="the scale row ready")
    assert "7709990000429" in hw.scan_text and "EAN-13" in hw.scan_text and hw.scan_ok
    assert "dígito de control correcto" in hw.scan_text
    assert "1,250 kg" in hw.scale_text

    # Test ticket: printed directly on the (simulated) printer.
    ui.tap(hw.ids.hw_test_ticket)
    ui.until(lambda: not hw.busy, what="the test ticket")
    assert hw.ids.message.text == "Ticket de prueba impreso."
    assert sim_printer.jobs and "Tienda Demo" in sim_printer.jobs[-1].decode("cp850", errors="replace")

    # Drawer test: kicked through the printer, recorded, the sensor reads it open.
    ui.tap(hw.ids.hw_kick_drawer)
    ui.until(lambda: not hw.busy, what="the drawer kick")
    assert sim_printer.kicks and ("drawer_opened", "Administrador", None, "test") in audit_rows(ui.state_dir)
    ui.until(lambda: hw.drawer_text == "Cajón abierto", what="the drawer sensor")

    # A bad check digit scanned now is shown as such (and beeped twice).
    buzzer = app.services.hardware.manager.beeper
    before = buzzer.count
    ui.tap(hw.ids.hw_check_printer)
    ui.until(lambda: not hw.busy, what="the printer status")
    assert "Impresora: Listo" in hw.ids.message.text
    ui.burst("7709990000420")
    ui.until(lambda: "7709990000420" in hw.scan_text, what="the bad scan")
    assert not hw.scan_ok and "dígito de control" in hw.scan_text
    assert buzzer.count - before == 2

    # An interrupted job (the kiosk stopped while sending it) can be reprinted or discarded.
    queue = app.services.printing
    first = queue.enqueue(b"\x1b@interrupted one\n", "receipt")
    second = queue.enqueue(b"\x1b@interrupted two\n", "receipt")
    app.wait_printing()
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    db.execute("UPDATE print_jobs SET status = 'interrupted' WHERE id IN (?, ?)", (first, second))
    db.commit()
    db.close()
    printed = len(sim_printer.jobs)
    ui.until(lambda: len(hw.ids.job_list.children) == 2, what="the interrupted jobs")
    assert hw.queue_text == "2 tickets pueden no haberse impreso: reimprímalos o descártelos"
    row = next(r for r in hw.ids.job_list.children if r.job_id == first)
    ui.tap(ui.find_text("Reimprimir", row))
    ui.until(lambda: len(sim_printer.jobs) == printed + 1, what="the reprint")
    assert b"interrupted one" in sim_printer.jobs[-1]
    # the list is redrawn once the reprinted job is done: take the row from that list
    ui.until(lambda: [r.job_id for r in hw.ids.job_list.children] == [second], what="the reprinted job gone")
    row = next(r for r in hw.ids.job_list.children if r.job_id == second)
    ui.tap(ui.find_text("Descartar", row))
    ui.until(lambda: not hw.ids.job_list.children, what="the queue clean")
    assert hw.queue_text == "Nada pendiente de imprimir."
    assert queue.jobs(status="cancelled")[0].id == second
    ui.tap(hw.ids.hw_read_scale)
    assert "1,250 kg" in hw.ids.message.text

    # A cashier sees the devices; the drawer test is the open_drawer act: a PIN is asked for.
    app.services.users.create_user("Caja", "cashier", CASHIER_PIN)
    app.lock()
    sign_in(ui, CASHIER_PIN)
    assert not app.can_manage
    kicks = len(sim_printer.kicks)
    app.open_staff()
    app.show_hardware()
    assert ui.current == "hardware"
    ui.tap(hw.ids.hw_kick_drawer)
    assert app.modal is not None and app.modal.act == "open_drawer"
    assert len(sim_printer.kicks) == kicks


def test_open_drawer_needs_a_manager_pin_once(make_ui, sim_printer) -> None:
    ui = make_ui(printer=fast_printer(sim_printer.url))
    users = ui.app.services.users
    users.create_user("Caja", "cashier", CASHIER_PIN)
    users.create_user("Marta", "manager", MANAGER_PIN)
    sign_in(ui, CASHIER_PIN)
    sell = ui.screen("sell")
    ui.tap(ui.find_text("Abrir cajón", sell))
    popup = ui.app.modal
    assert popup is not None and popup.act_text == "Abrir el cajón sin venta"
    refusal = "PIN no aceptado: «Abrir el cajón sin venta» requiere el PIN de un encargado o administrador."

    ui.pin_on(popup, "999999")
    assert popup.error_text == refusal and not sim_printer.kicks
    ui.pin_on(popup, CASHIER_PIN)  # the cashier's own PIN is not enough, and says no more than a wrong one
    assert popup.error_text == refusal and not sim_printer.kicks

    ui.pin_on(popup, MANAGER_PIN)
    ui.until(lambda: ui.app.modal is None, what="the authorisation")
    ui.until(lambda: sell.ids.message.text == "Cajón abierto (autorizó Marta).", what="the drawer opened")
    ui.until(lambda: sim_printer.kicks, what="the kick on the printer")
    rows = audit_rows(ui.state_dir)
    assert [r[0] for r in rows].count("authorisation_refused") == 2
    assert rows[-2:] == [("authorised", "Caja", "Marta", "open_drawer"), ("drawer_opened", "Caja", "Marta", "manual")]

    # Once: the next opening asks again.
    ui.tap(ui.find_text("Abrir cajón", sell))
    assert ui.app.modal is not None and ui.app.modal.act == "open_drawer"
    ui.tap(ui.app.modal.ids.pin_cancel)
    assert len(sim_printer.kicks) == 1


def test_receipt_preview_from_the_printed_bytes(make_ui, sim_printer) -> None:
    ui = sign_in(make_ui(printer=fast_printer(sim_printer.url)))
    cash_sale(ui, "ESP-DOB")
    ui.until(lambda: sim_printer.jobs, what="the receipt printed")
    ui.tap(ui.screen("done").ids.view_receipt)
    popup = ui.app.modal
    ui.until(lambda: popup.texture is not None, what="the preview")
    assert any("Esponja doble uso" in line for line in popup.lines)
    assert popup.texture.width == 576 and popup.ids.preview_image.height > 300
    ui.tap(popup.ids.preview_close)

    # The same from the history detail (the reprint is the newest job: a copy).
    ui.tap(ui.screen("done").ids.new_sale)
    ui.app.show_history()
    hist = ui.screen("history")
    ui.frames(2)
    ui.tap(hist.ids.sales.children[0].children[0])
    ui.tap(hist.ids.detail_view)
    popup = ui.app.modal
    ui.until(lambda: popup.texture is not None, what="the history preview")
    assert any("Esponja doble uso" in line for line in popup.lines)


def test_bad_check_digit_is_refused_with_two_beeps(make_ui) -> None:
    ui = sign_in(make_ui(gpio={"pin_factory": "mock", "buzzer_pin": 24}))
    buzzer = ui.app.services.hardware.manager.beeper
    strip = ui.screen("sell").ids.message
    ui.burst("7709990000420")  # ESP-DOB with its last digit altered
    ui.until(lambda: strip.shown, what="the refusal")
    assert "7709990000420" in strip.text and strip.level == "error" and ui.app.cart.is_empty
    assert buzzer.count == 2  # the scanner's verdict only: not two more for the screen's error
    ui.burst("4006381333931")  # a valid EAN-13 the shop does not sell: one beep (read) + two (unknown)
    ui.until(lambda: "4006381333931" in strip.text, what="unknown code")
    assert buzzer.count == 5
    ui.burst(CODES["ESP-DOB"][0])
    ui.until(lambda: len(ui.app.cart) == 1, what="the line")
    assert buzzer.count == 6


def test_the_pole_display_shows_on_the_hardware_screen(make_ui, sim_printer, tmp_path) -> None:  # noqa: ANN001
    """A newcomer in the demo sees what the (simulated) customer pole display shows:
    the last line of its row on the Hardware screen, read back from the display."""
    from hardware.pole.simulator import SimPoleDisplay

    with SimPoleDisplay("epson", link_dir=tmp_path) as pole:
        ui = sign_in(make_ui(printer=fast_printer(sim_printer.url),
                             customer_display={"protocol": "epson", "port": pole.path}))
        assert pole.wait_until(lambda p: p.lines[0].strip() == "¡Bienvenido!", timeout=20), pole.lines  # idle
        ui.burst(CODES["ESP-DOB"][0])
        ui.until(lambda: len(ui.app.cart) == 1, what="the line")
        name = ui.app.cart.lines[0].product.name
        assert pole.wait_until(lambda p: p.lines[0].startswith(name[:10]), timeout=20)
        ui.tap(ui.screen("sell").ids.topbar.ids.admin_entry)
        ui.tap(ui.screen("staff").ids.menu_hardware)
        hw = ui.screen("hardware")

        def row():  # noqa: ANN202
            return {d["label"]: d for d in hw.ids.devices.data}.get("Visor del cliente")

        ui.until(lambda: row() is not None and row()["detail"].startswith("Muestra: «" + name[:10]),
                 what="the display's lines on its row")
        assert "TOTAL" in row()["detail"] and row()["ok"]
        ui.frames(3)
        ui.screenshot("hardware-pole-800x480")
