"""The serviteca demo walked on the real screens (issue 21): unlock, sell a service and
a part to a fleet company as an electronic invoice, see the fake DIAN service accept
it, sell to the consumidor final (a POS document: its preview shows the CUDE and the
QR), close the till on the Caja screen (the blind count in pesos, the note, the Z
on screen and as the network printer simulator received it). Screenshots at
800x480: the selling screen, the invoice at checkout, the POS document preview, the Z."""

from __future__ import annotations

import pytest

from kiosk.app_factory import build
from kiosk.core import fiscal as f
from kiosk.demo_serviteca import load_serviteca, serviteca_barcodes, settings_overrides, start_demo_dian
from kiosk.i18n import _, format_money
from tests.conftest import ADMIN_PIN, make_settings
from tests.ui.conftest import fast_printer
from tests.ui.staff_support import type_on
from tests.ui.test_till_screens import tap_plus
from tests.ui.test_screenshots import shoot


@pytest.fixture(scope="module")
def serviteca_demo(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The demo as ``kiosk --demo serviteca`` loads it on a fresh machine, and its DIAN:
    a throw-away certificate and the fake service on 127.0.0.1."""
    state = tmp_path_factory.mktemp("serviteca-demo-ui")
    app = build(make_settings(state, **settings_overrides()))
    assert load_serviteca(app, state) > 0
    admin = app.users.get(name="Administrador")
    app.users.set_pin(admin.id, ADMIN_PIN)  # the first start's forced PIN change has its own tests
    app.close()
    dian = start_demo_dian(tmp_path_factory.mktemp("serviteca-dian"))
    yield state, dian
    dian.stop()


def _overrides(dian, printer=None) -> dict:  # noqa: ANN001
    o = settings_overrides()
    if printer is not None:
        o["printer"] = fast_printer(printer.url)
    o["dian"] = {**o["dian"], "url": dian.url, "certificate": str(dian.certificate),
                 "certificate_password_file": str(dian.password_file), "retry_first_s": 1, "retry_max_s": 5}
    return o


def _scroll_to_key(preview) -> None:  # noqa: ANN001
    """Scroll the receipt preview to the fiscal block at the document's end: the
    CUDE, the QR and DIAN's legends sit above the sale's barcode and the footer
    (about 300 px of the drawn ticket at 800x480)."""
    scroll = preview.ids.preview_scroll
    hidden = max(scroll.children[0].height - scroll.height, 1)
    scroll.scroll_y = min(1.0, 300 / hidden)


def _scroll_to_line(body, text: str) -> None:  # noqa: ANN001
    """Scroll a report on screen so that its first line holding ``text`` shows, with
    the six lines above it."""
    scroll = body.parent
    lines = body.text.splitlines()
    index = max(0, next(i for i, line in enumerate(lines) if text in line) - 6)
    hidden = max(scroll.children[0].height - scroll.height, 1)
    scroll.scroll_y = max(0.0, 1.0 - index * scroll.children[0].height / max(len(lines), 1) / hidden)


def test_the_serviteca_day_on_the_screens(make_ui, serviteca_demo, sim_printer) -> None:  # noqa: ANN001
    template, dian = serviteca_demo
    printer = sim_printer
    ui = make_ui(template=template, **_overrides(dian, printer))
    app = ui.app
    services = app.services
    checked: list = []
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    ui.frames(3)
    shoot(ui, "serviteca-sell", checked)

    # A service and a part, to a fleet company, as an electronic invoice.
    codes = serviteca_barcodes()
    ui.tap(ui.tile("Alineación y balanceo"))  # a service, tapped
    ui.burst(codes["FIL-AC1"][0])  # a part, scanned (its EAN-13)
    ui.until(lambda: len(app.cart.lines) == 2, what="the filter in the cart")
    ui.tap(ui.screen("sell").ids.charge)
    ui.until(lambda: ui.current == "checkout", what="the checkout")
    checkout = ui.screen("checkout")
    assert checkout.customer_text == _("Final consumer") and "SC1" in checkout.document_text
    ui.tap(checkout.ids.invoice_toggle)
    picker = app.modal
    assert picker is not None and not checkout.can_confirm  # an invoice needs the customer first
    type_on(ui, picker.ids.keyboard, "860069")
    ui.until(lambda: len(picker.ids.rows.data) == 1, what="the fleet company found")
    ui.tap(picker.ids.rows.children[0].children[0])
    ui.until(lambda: app.modal is None, what="the customer chosen")
    assert checkout.invoice and "SF1" in checkout.document_text
    ui.tap(checkout.ids.method_card)
    ui.until(lambda: checkout.can_confirm, what="Confirm enabled")
    shoot(ui, "serviteca-checkout-invoice", checked)
    ui.confirm_sale()
    sale = services.sales.detail(number=1)
    invoice = services.fiscal.sale_document(sale.summary.id)
    assert (invoice.kind, invoice.document_number, invoice.buyer.identification) == (
        f.DocumentKind.INVOICE, "SF11", "860069804-2")
    assert invoice.total == 80_000 + 22_000

    # The kiosk's DIAN worker signs and sends it; the fake service accepts it.
    ui.until(lambda: services.dian.entry("SF11").state == "accepted", timeout=120,
             what="the invoice accepted by the fake DIAN service")
    assert any(r.outcome == "accepted" for r in dian.fake.received)

    # The consumidor final: a POS document; its preview carries the CUDE and the QR.
    ui.tap(ui.screen("done").ids.new_sale)
    ui.until(lambda: ui.current == "sell", what="the selling screen again")
    ui.search("lavado")
    ui.tap(ui.tile("Lavado general"))
    ui.burst(codes["AMB-PIN"][0])
    ui.until(lambda: len(app.cart.lines) == 2, what="the air freshener in the cart")
    ui.tap(ui.screen("sell").ids.charge)
    ui.until(lambda: ui.current == "checkout", what="the checkout")
    ui.tap(ui.find_text(format_money(50_000), checkout.ids.notes))  # cash: a $50.000 note for $43.000
    ui.until(lambda: checkout.can_confirm, what="Confirm enabled")
    ui.confirm_sale()
    pos = services.fiscal.sale_document(services.sales.detail(number=2).summary.id)
    assert (pos.kind, pos.document_number) == (f.DocumentKind.POS, "SC11")
    ui.until(lambda: services.dian.entry("SC11").state == "accepted", timeout=120,
             what="the POS document accepted")
    key = services.dian.entry("SC11").document_key
    ui.tap(ui.find_text(_("View receipt")))
    ui.until(lambda: app.modal is not None, what="the receipt preview")
    preview = app.modal
    ui.until(lambda: preview.texture is not None, timeout=60, what="the preview drawn")
    text = "".join(str(line) for line in preview.lines).replace(" ", "")
    assert "CUDE" in text and key[:24] in text  # the key as printed (wrapped over lines)
    _scroll_to_key(preview)  # the document's end: CUDE, QR and DIAN's legends
    ui.frames(4)
    shoot(ui, "serviteca-pos-document", checked)
    preview.dismiss(animation=False)

    # Cerrar caja on the screens: Inventario -> Caja -> Cerrar caja, the blind count
    # note by note (a $2.000 note short), the required note, the Z stored and printed.
    z_before = services.sessions.last_z_number()
    expected = services.sessions.expected_cash()
    assert expected == 35_000 + 8_000  # the consumidor final paid cash; the fleet company by card
    ui.tap(ui.screen("done").ids.new_sale)
    ui.until(lambda: ui.current == "sell", what="the selling screen again")
    ui.tap(ui.screen("sell").ids.topbar.ids.admin_entry)
    ui.until(lambda: ui.current == "staff", what="the staff menu")
    ui.tap(ui.screen("staff").ids.menu_till)
    ui.until(lambda: ui.current == "till", what="the Caja screen")
    till = ui.screen("till")
    ui.tap(till.ids.till_close)
    if till.panel == "preclose":  # documents still on their way to DIAN: closing anyway is allowed
        ui.tap(till.ids.preclose_continue)
    assert till.panel == "count" and till.count_mode == "close"
    assert format_money(expected) not in " ".join(ui.visible_texts(till))  # blind
    counted = {20_000: 2, 1_000: 1}  # $41.000: two notes and a coin
    for value, times in counted.items():
        tap_plus(ui, till, value, times)
    assert till.counting.as_dict() == counted and till.total_text == format_money(41_000)
    ui.tap(till.ids.count_confirm)
    assert till.panel == "result" and till.note_required and till.difference_kind == "short"
    assert (till.expected_text, till.counted_text) == (format_money(43_000), format_money(41_000))
    assert format_money(2_000) in till.difference_text
    for ch in "VUELTO":
        ui.tap(ui.find_text(ch, till.ids.note_keyboard), settle=0)
    ui.frames(2)
    ui.tap(till.ids.result_close)
    ui.until(lambda: bool(till.closed_text), what="the Z stored")
    assert services.sessions.current() is None
    z = services.sessions.z_reports(1)[0]
    assert z.number == z_before + 1 and (z.expected, z.counted, z.difference) == (43_000, 41_000, -2_000)
    cash = z.figures["cash"]
    assert (cash["float"], cash["cash_sales"], cash["expected"]) == (0, 43_000, 43_000)
    assert z.figures["note"] == "vuelto"
    # the printer simulator on 127.0.0.1 received the Z: pesos with no decimals
    app.wait_printing()
    ui.until(lambda: any(b"41.000" in j and b"43.000" in j for j in printer.jobs), timeout=30, what="the printed Z")
    printed = next(j for j in printer.jobs if b"41.000" in j).decode("cp850", errors="replace")
    for amount in ("43.000", "41.000", "2.000", str(z.number)):
        assert amount in printed, (amount, printed)
    assert "43.000,00" not in printed and "41.000,00" not in printed  # COP: whole pesos
    till.home()  # as tests/ui/test_till_screens.py: the Caja panel, then the list of Z reports
    ui.frames(2)
    ui.tap(till.ids.till_z)
    ui.frames(2)
    ui.tap(next(v for v in till.ids.z_rows.children[0].children if v.number == z.number))
    assert till.panel == "report" and till.report_text == z.printed_text
    assert format_money(43_000) in till.report_text and "43.000,00" not in till.report_text
    _scroll_to_line(till.ids.report_body, format_money(41_000))  # the drawer: expected, counted, short
    ui.frames(4)
    shoot(ui, "serviteca-z-report", checked)
    small = [(name, bad) for name, bad in checked if bad]
    assert not small, f"touch targets under 48 px: {small}"


def test_kiosk_demo_serviteca_starts_its_fake_dian_and_stops_it(display, tmp_path) -> None:  # noqa: ANN001
    """``kiosk --demo serviteca --windowed`` on a fresh machine: the shop loaded in its
    own state directory, a throw-away certificate readable by the user only, the fake
    DIAN service listening on 127.0.0.1 while the kiosk runs and gone after it."""
    import os
    import re
    import socket
    import subprocess
    import sys
    import time

    ready = tmp_path / "ready"
    env = {**os.environ, "DISPLAY": display, "KIOSK_READY_FILE": str(ready), "XDG_DATA_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.main", "--demo", "serviteca", "--windowed", "--verbose"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    state = tmp_path / "kiosk-demo-serviteca"
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), proc.stdout.read().decode(errors="replace")[-3000:] if proc.poll() is not None else "timeout"
        url = (state / "demo-dian" / "service-url").read_text(encoding="utf-8").strip()
        found = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/WcfDianCustomerServices\.svc", url)
        assert found, url
        socket.create_connection(("127.0.0.1", int(found.group(1))), timeout=10).close()  # listening
    finally:
        proc.terminate()
        try:
            out = proc.communicate(timeout=90)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError("the kiosk did not stop on SIGTERM") from None
    assert proc.returncode == 0, out[-3000:]
    assert not (state / "demo-dian" / "service-url").exists()
    with pytest.raises(OSError):  # stopped with the demo
        socket.create_connection(("127.0.0.1", int(found.group(1))), timeout=2).close()
    assert (state / "kiosk.db").exists() and len(list((state / "images").glob("*.png"))) >= 39
    for name in ("firma.p12", "firma.pass"):
        assert (state / "demo-dian" / name).stat().st_mode & 0o077 == 0
