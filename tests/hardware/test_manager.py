"""The hardware manager and the service the UI uses: registry and its JSON snapshot
for kiosk-admin, the scale hook, keyboard-wedge scans, the Hardware screen rows and
the receipt preview rendered from the printed bytes."""

from __future__ import annotations

import io
import json
import os

from PIL import Image

from hardware.demo import start_demo_hardware
from hardware.events import ScanEvent
from hardware.manager import HardwareManager
from hardware.registry import Registry, read_snapshot, write_snapshot
from kiosk.app_factory import build
from kiosk.core.barcodes import Symbology
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.units import SaleMode, Uom
from kiosk.services.inventory import InventoryService, ProductDraft
from tests.hardware.conftest import wait_until


def test_snapshot_is_written_for_kiosk_admin_and_says_when_the_kiosk_stopped(hw_settings, sim_printer):
    app = build(hw_settings(printer={"url": sim_printer.url}))
    path = app.settings.state_dir / "hardware.json"
    app.hardware.start()
    try:
        wait_until(lambda: json.loads(path.read_text())["devices"][1]["connected"]
                   if path.exists() else False)
        snap = read_snapshot(path)
        assert snap["running"] is True and snap["pid"] == os.getpid()
        printer = next(d for d in snap["devices"] if d["name"] == "printer")
        assert printer["ok"] and printer["info"]["url"] == sim_printer.url
        assert not list(path.parent.glob(".hardware.json.*"))  # written by rename, no leftovers
    finally:
        app.close()
    assert read_snapshot(path)["running"] is False


def test_snapshot_of_a_dead_process_is_not_running(tmp_path):
    registry = Registry()
    registry.add("printer", "printer", connected=True)
    path = tmp_path / "hardware.json"
    write_snapshot(registry, path, running=True)
    data = json.loads(path.read_text())
    data["pid"] = 2**22 + 12345  # no such process
    path.write_text(json.dumps(data))
    assert read_snapshot(path)["running"] is False
    path.write_text("{not json")
    assert read_snapshot(path) is None


class FakeScale:
    """What hardware/scale's adapter looks like to the manager (a Magellan scanner-scale
    also hands over barcodes)."""

    def __init__(self, settings, *, on_scan, registry):
        self.name, self.on_scan, self.registry = "scale", on_scan, registry
        self.started = self.stopped = False

    def start(self):
        self.started = True
        self.registry.update("scale", kind="scale", connected=True, last_event="1.250 kg stable")
        self.on_scan(ScanEvent("01234565", "magellan", Symbology.UPCE))  # S08E: UPC-E

    def stop(self):
        self.stopped = True

    def selftest(self, timeout_s):
        return True, "1.250 kg stable"


def test_scale_hook_and_magellan_barcodes(hw_settings):
    got = []
    made = []
    manager = HardwareManager(hw_settings(printer={"url": "none"}), on_scan=got.append,
                              scale_factory=lambda s, **kw: made.append(FakeScale(s, **kw)) or made[-1])
    manager.start()
    manager.stop()
    scale = made[0]
    assert scale.started and scale.stopped
    assert [e.code for e in got] == ["01234565"]
    assert manager.registry.get("scale").info["symbology"] == "UPC-E"  # expanded and checked
    assert manager.last_scan[1].info.expanded == "012345000065" and manager.last_scan[1].ok


def test_wedge_scans_are_noted_without_being_sent_back(hw_settings):
    got = []
    manager = HardwareManager(hw_settings(printer={"url": "none"}, scanner={"devices": [{"kind": "wedge"}]}),
                              on_scan=got.append, scale_factory=None)
    manager.start()
    try:
        judged = manager.note_scan(ScanEvent("7701234567891", "wedge"))
        assert judged.info.check_ok is False and got == []
        assert manager.registry.get("scanner-1").info["check"] == "bad"
    finally:
        manager.stop()


def test_hardware_screen_rows_and_receipt_preview_in_demo_mode(settings):
    demo = start_demo_hardware(settings)
    app = build(demo.settings)
    app.hardware.scale_factory = None
    app.hardware.start()
    try:
        InventoryService(app.db).create_product(ProductDraft("ESP", "Esponja ñandú", SaleMode.UNIT, Uom.UNIT, 60))
        user = app.users.authenticate(app.settings.security.default_admin_pin)
        cart = Cart()
        cart.add(app.catalog.by_sku("ESP"), 3)
        app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, 200)], user)
        wait_until(lambda: demo.printer.jobs)
        preview = app.hardware.job_preview()
        assert any("Esponja ñandú" in line for line in preview.lines)
        assert preview.decoded.kicks  # the cash sale kicked the drawer through the printer
        assert Image.open(io.BytesIO(preview.png)).width == 576
        assert preview.decoded.text == __import__("hardware.printer.decode", fromlist=["decode"]).decode(
            demo.printer.jobs[0]).text  # what staff see is what the printer got
        assert (app.settings.state_dir / "demo-printer" / "job-00001.bin").read_bytes() == demo.printer.jobs[0]
        wait_until(lambda: app.hardware.drawer_is_open() is True)  # the simulated drawer opened
        rows = {r.name: r for r in app.hardware.devices()}
        assert rows["printer"].label == "Impresora de tickets" and rows["printer"].status == "Listo"
        assert rows["drawer"].label == "Cajón de dinero"
        app.hardware.print_test_ticket(user)
        wait_until(lambda: len(demo.printer.jobs) == 2)
        assert "Prueba de impresora" in app.hardware.preview(demo.printer.jobs[1]).decoded.text
    finally:
        app.close()
        demo.stop()
