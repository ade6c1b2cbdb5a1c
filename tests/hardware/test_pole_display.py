"""The customer pole display: both command sets byte by byte through the simulator's
state machine, the adapter over a pseudo-terminal (including an unplug), the counter's
events on the display, and ``kiosk-admin display test``."""

from __future__ import annotations

import json

import pytest

from hardware.pole.device import PoleDisplay
from hardware.pole.protocols import CD5220, EPSON, PROTOCOLS, encode
from hardware.pole.simulator import Screen, SimPoleDisplay
from hardware.registry import Registry
from kiosk.app_factory import build
from kiosk.cli.main import main
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.units import SaleMode, Uom
from kiosk.services.customer_display import fit
from kiosk.services.inventory import InventoryService, ProductDraft
from kiosk.services.users import Role
from tests.conftest import CASHIER_PIN
from tests.hardware.conftest import wait_until


@pytest.fixture(params=sorted(PROTOCOLS))
def protocol(request):
    return PROTOCOLS[request.param]


@pytest.fixture
def sim(protocol):
    with SimPoleDisplay(protocol.name) as display:
        yield display


def test_exact_bytes_of_both_command_sets():
    assert EPSON.init == b"\x1b\x40\x1f\x01\x1f\x43\x00\x0c"
    assert EPSON.screen("A", "B") == b"\x1f\x24\x01\x01A" + b" " * 19 + b"\x1f\x24\x01\x02B" + b" " * 19
    assert CD5220.init == b"\x1b\x40\x1b\x11\x1b\x5f\x00\x0c"
    assert CD5220.screen("A", "B") == b"\x1b\x6c\x01\x01A" + b" " * 19 + b"\x1b\x6c\x01\x02B" + b" " * 19
    with pytest.raises(ValueError):
        EPSON.goto(21, 1)


def test_screens_fed_byte_by_byte(protocol):
    screen = Screen(protocol.name)
    data = protocol.init + protocol.screen("Jabón de coco", "TOTAL $12.500") + protocol.screen("Café", "")
    for i in range(len(data)):
        screen.feed(data[i:i + 1])
    assert screen.lines == ("Café".ljust(20), " " * 20)
    assert screen.unknown == [] and not screen.cursor_visible and screen.mode == "overwrite"
    assert screen.commands[:2] == ["init", "mode overwrite"]


def test_the_other_command_set_is_not_understood():
    """Bytes of one command set sent to a display of the other are noticed, so a wrong
    protocol in the code or a test fails instead of passing by luck."""
    for name, other in (("epson", CD5220), ("cd5220", EPSON)):
        screen = Screen(name)
        screen.feed(other.init + other.screen("Hola", "Mundo"))
        assert screen.unknown, name


def test_text_for_the_display():
    assert encode("Ñandú ¿qué?") == "Ñandú ¿qué?".encode("cp437")
    assert encode("ÁRBOL €5") == b"ARBOL ?5"  # capital accents lose the accent; no euro in PC437
    assert encode("x" * 30) == b"x" * 20 and encode("a\tb") == b"a b"
    assert fit("Detergente líquido multiusos", "$12.500") == "Detergente l $12.500"
    assert fit("Sal", "$800") == "Sal" + " " * 13 + "$800"
    assert len(fit("", "$" + "9" * 30)) == 20


def test_adapter_shows_the_newest_screen_and_catches_up_after_an_unplug(sim, protocol):
    registry = Registry()
    display = PoleDisplay(sim.path, protocol.name, registry, reconnect_s=0.05)
    display.start()
    try:
        display.show("Hola", "Mundo")
        assert sim.wait_for("Hola", "Mundo")
        sim.unplug()
        wait_until(lambda: not registry.get("customer_display").connected)
        display.show("Leche", "TOTAL $4.200")
        assert "unplugged?" in registry.get("customer_display").last_error
        sim.replug()
        assert sim.wait_for("Leche", "TOTAL $4.200")
        wait_until(lambda: registry.get("customer_display").connected)
        assert sim.unknown == []
    finally:
        display.stop()


# --- the counter on the display ---------------------------------------------------------------

@pytest.fixture
def shop(hw_settings, sim, protocol):
    app = build(hw_settings(customer_display={"protocol": protocol.name, "port": sim.path, "hold_s": 60},
                            shop={"name": "Jabonería Ana"}))
    app.hardware.gpio_factory = None
    app.hardware.scale_factory = None
    cashier = app.users.create_user("Caja", Role.CASHIER, CASHIER_PIN)
    inventory = InventoryService(app.db)
    inventory.create_product(ProductDraft("JAB", "Jabón de coco artesanal", SaleMode.UNIT, Uom.UNIT, 4500))
    inventory.create_product(ProductDraft("ESP", "Esponja", SaleMode.UNIT, Uom.UNIT, 1200))
    app.hardware.start()
    yield app, cashier, sim
    app.close()


def test_each_line_the_total_the_change_and_the_greeting(shop):
    app, cashier, sim = shop
    assert sim.wait_for("¡Bienvenido!".center(20).rstrip(), "Jabonería Ana".center(20).rstrip())
    counter = app.counter
    counter.open(cashier.id)
    counter.add(cashier.id, app.catalog.by_sku("JAB"), 2)
    assert sim.wait_for("Jabón de coco $90,00", "TOTAL         $90,00")
    counter.add(cashier.id, app.catalog.by_sku("ESP"))
    assert sim.wait_for("Esponja       $12,00", "TOTAL        $102,00")
    counter.checkout(cashier, [Tender(PaymentMethod.CASH, 20000)])
    assert sim.wait_for("Recibido     $200,00", "Cambio        $98,00")
    # the new, empty cart does not wipe the change; the next customer's first line does
    counter.add(cashier.id, app.catalog.by_sku("ESP"))
    assert sim.wait_for("Esponja       $12,00", "TOTAL         $12,00")
    assert sim.unknown == []


def test_change_gives_way_to_the_greeting_after_the_hold(hw_settings, sim, protocol):
    app = build(hw_settings(customer_display={"protocol": protocol.name, "port": sim.path, "hold_s": 0.3,
                                              "greeting": "Hola, vecino"}))
    app.hardware.gpio_factory = None
    app.hardware.scale_factory = None
    try:
        cashier = app.users.create_user("Caja", Role.CASHIER, CASHIER_PIN)
        InventoryService(app.db).create_product(ProductDraft("ESP", "Esponja", SaleMode.UNIT, Uom.UNIT, 1200))
        app.hardware.start()
        app.counter.add(cashier.id, app.catalog.by_sku("ESP"))
        app.counter.checkout(cashier, [Tender(PaymentMethod.CARD, 1200)])
        assert sim.wait_for("TOTAL         $12,00", "¡Gracias!".center(20).rstrip())
        assert sim.wait_for("Hola, vecino".center(20).rstrip())
    finally:
        app.close()


# --- kiosk-admin display test -------------------------------------------------------------------

def _config(tmp_path, extra: str = "") -> str:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n' + extra, encoding="utf-8")
    return str(cfg)


def test_display_test_command(tmp_path, capsys, sim, protocol):
    code = main(["--config", _config(tmp_path), "display", "test", "--port", sim.path,
                 "--protocol", protocol.name, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["protocol"] == protocol.name
    assert sim.wait_for(fit(f"Visor {protocol.name}", "OK"), "áéíóú ñÑ ü ¿? ¡!  $")
    assert sim.unknown == [] and sim.screen.commands[0] == "init"


def test_display_test_uses_the_configured_display(tmp_path, capsys, sim, protocol):
    cfg = _config(tmp_path, f'[customer_display]\nprotocol = "{protocol.name}"\nport = "{sim.path}"\n')
    assert main(["--config", cfg, "display", "test", "--line1", "Caja 2", "--line2", "abierta"]) == 0
    assert sim.wait_for("Caja 2", "abierta")
    assert "Caja 2" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["display", "test"], "no customer display configured"),
    (["display", "test", "--port", "/nonexistent/ttyUSB9", "--protocol", "epson"], "no such device"),
])
def test_display_test_errors_are_clear(tmp_path, capsys, argv, message):
    code = main(["--config", _config(tmp_path), *argv])
    assert code != 0 and message in capsys.readouterr().err


def test_display_config_needs_a_port(tmp_path, capsys):
    code = main(["--config", _config(tmp_path, '[customer_display]\nprotocol = "cd5220"\n'), "display", "test"])
    assert code != 0 and "customer_display" in capsys.readouterr().err
