"""GPIO through gpiozero's MockFactory: the status LED (steady when all is well,
blinking on a fault), the buzzer (one beep for a good scan, two for a bad one), the
drawer relay's pulse length, the drawer switch, the button; a machine without GPIO;
the manual "Abrir cajón" with a manager PIN, recorded."""

from __future__ import annotations

import time

import pytest

from hardware.sim_scanner import SimSerialScanner
from hardware.printer.test_ticket import TEST_EAN
from kiosk.app_factory import build
from kiosk.core.cart import Cart
from kiosk.core.errors import NotPermitted
from kiosk.core.permissions import Act
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.units import SaleMode, Uom
from kiosk.services.hardware import DrawerNotOpened
from kiosk.services.inventory import InventoryService, ProductDraft
from kiosk.core.staff_errors import AuthorisationRefused
from kiosk.services.users import Role
from tests.conftest import CASHIER_PIN, MANAGER_PIN
from tests.hardware.conftest import wait_until


def rising_edges(pin) -> int:
    s = pin.states
    return sum(1 for a, b in zip(s, s[1:]) if not a.state and b.state)


def pulses(pin) -> list[float]:
    """Lengths (s) of the high pulses recorded on a mock pin (MockPin stamps each
    state with the time since the previous change)."""
    s = pin.states
    return [b.timestamp for a, b in zip(s, s[1:]) if a.state and not b.state]


@pytest.fixture
def started(hw_settings, mock_pins):
    apps = []

    def start(**sections):
        app = build(hw_settings(**sections))
        app.hardware.gpio_factory = mock_pins
        app.hardware.scale_factory = None
        app.hardware.start()
        apps.append(app)
        return app
    yield start
    for app in apps:
        app.close()


def test_led_steady_when_ready_and_blinking_on_a_fault(started, sim_printer, mock_pins):
    app = started(printer={"url": sim_printer.url}, gpio={"led_pin": 17, "blink_ms": 50})
    led = mock_pins.pin(17)
    wait_until(lambda: app.hardware.manager.led.mode == "ready" and led.state)
    sim_printer.set_mode("paper_out")
    wait_until(lambda: app.hardware.manager.led.mode == "fault")
    before = rising_edges(led)
    time.sleep(0.35)
    assert rising_edges(led) >= before + 2  # blinking
    sim_printer.set_mode("online")
    wait_until(lambda: app.hardware.manager.led.mode == "ready")
    time.sleep(0.15)
    assert led.state is True or led.state == 1  # steady on


def test_buzzer_beeps_once_for_a_good_scan_twice_for_a_bad_one(started, mock_pins):
    with SimSerialScanner() as sim:
        app = started(gpio={"buzzer_pin": 18, "beep_ms": 10},
                      scanner={"devices": [{"kind": "serial", "url": sim.path}]})
        seen = []
        app.hardware.manager.on_scan = seen.append
        buzzer = mock_pins.pin(18)
        wait_until(lambda: app.hardware.registry.get("scanner-1").connected)
        sim.scan(TEST_EAN)
        wait_until(lambda: rising_edges(buzzer) == 1)
        bad = TEST_EAN[:-1] + str((int(TEST_EAN[-1]) + 1) % 10)
        sim.scan(bad)
        wait_until(lambda: rising_edges(buzzer) == 3)
        sim.send(b"\x07\x00garbage\xff\r")
        wait_until(lambda: rising_edges(buzzer) == 5)
        time.sleep(0.1)
        assert rising_edges(buzzer) == 5
        # both codes reach the selling screen, which refuses the bad one with a clear message
        assert [e.code for e in seen] == [TEST_EAN, bad]
        event, verdict = app.hardware.last_scan()
        assert not verdict.ok and verdict.message() == (
            f"Código {bad} rechazado: dígito de control incorrecto (EAN-13).")
        state = app.hardware.registry.get("scanner-1")
        assert "datos ilegibles" in state.last_event and state.connected


def _users(app):
    users = app.users
    cashier = users.create_user("Caja", Role.CASHIER, CASHIER_PIN)
    manager = users.create_user("Gerente", Role.MANAGER, MANAGER_PIN)
    return cashier, manager


def _events(app) -> list[tuple[str, str, str, str]]:
    return [(r.act, r.user, r.authorised_by, r.subject) for r in app.audit.entries()]


def test_manual_open_needs_the_act_and_is_recorded(started, sim_printer):
    app = started(printer={"url": sim_printer.url}, drawer={"mode": "printer", "printer_pin": 5, "pulse_ms": 200})
    cashier, manager = _users(app)
    with pytest.raises(NotPermitted, match="PIN de un encargado"):
        app.hardware.open_drawer(cashier)
    with pytest.raises(AuthorisationRefused):
        app.users.authorize(CASHIER_PIN, Act.OPEN_DRAWER, cashier)  # her own PIN does not authorise it
    assert sim_printer.kicks == []
    grant = app.users.authorize(MANAGER_PIN, Act.OPEN_DRAWER, cashier)
    who = app.hardware.open_drawer(cashier.with_grant(grant))
    assert who.authorised_by.name == "Gerente"
    assert sim_printer.wait_for_jobs(1) and sim_printer.kicks == [(5, 200, 100)]
    events = _events(app)
    assert ("drawer_opened", "Caja", "Gerente", "manual") in events
    assert any(e[0] == "authorisation_refused" and e[1] == "Caja" for e in events)

    sim_printer.set_mode("offline")
    with pytest.raises(DrawerNotOpened, match="El cajón no se abrió: Impresora desconectada"):
        app.hardware.open_drawer(manager)
    assert ("drawer_open_failed", "Gerente", "", "manual") in _events(app)


@pytest.mark.parametrize("mode", ["paper_out", "cover_open"])
def test_drawer_opens_with_the_real_time_pulse_while_the_printer_cannot_print(started, sim_printer, mode):
    """Out of paper or with the cover open the printer is offline and keeps ESC p for
    later; Epson's DLE DC4 1 m t opens the drawer at once."""
    app = started(printer={"url": sim_printer.url, "status_query": "on"},
                  drawer={"mode": "printer", "printer_pin": 5, "pulse_ms": 200})
    _, manager = _users(app)
    sim_printer.set_mode(mode)
    app.hardware.open_drawer(manager)
    assert sim_printer.realtime_kicks == [(5, 200, 200)] and sim_printer.drawer_open
    assert sim_printer.jobs == [] and sim_printer.discarded == []  # nothing to print later
    assert ("drawer_opened", "Gerente", "", "manual") in _events(app)


def test_cash_sale_out_of_paper_opens_the_drawer_and_prints_the_receipt_later(started, sim_printer):
    app = started(printer={"url": sim_printer.url, "status_query": "on", "retry_min_s": 0.05,
                           "retry_max_s": 0.2})
    _, manager = _users(app)
    InventoryService(app.db).create_product(ProductDraft("ESP", "Esponja", SaleMode.UNIT, Uom.UNIT, 60))
    sim_printer.set_mode("paper_out")
    cart = Cart()
    cart.add(app.catalog.by_sku("ESP"), 1)
    app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, 100)], manager)
    wait_until(lambda: sim_printer.realtime_kicks == [(2, 100, 100)])
    wait_until(lambda: app.printing.jobs()[0].attempts >= 2)  # retried, still waiting for paper
    assert sim_printer.jobs == [] and sim_printer.realtime_kicks == [(2, 100, 100)]
    sim_printer.set_mode("online")  # paper loaded
    app.hardware.manager.worker.wake()
    jobs = sim_printer.wait_for_jobs(1)
    assert len(jobs) == 1 and b"Esponja" in jobs[0]
    from hardware.printer.decode import decode
    assert decode(jobs[0]).kicks == []  # late receipt: no second opening
    assert sim_printer.kicks == [(2, 100, 100)]


def test_drawer_is_not_kicked_while_the_printer_reports_another_fault(sim_printer):
    """An error other than paper or cover (here an autocutter jam) refuses the kick."""
    from hardware.printer.receipt_printer import PrinterNotReady, ReceiptPrinter
    printer = ReceiptPrinter(sim_printer.url, status_query="on")
    sim_printer.error = "autocutter"
    with pytest.raises(PrinterNotReady, match="drawer not opened"):
        printer.kick()
    assert sim_printer.kicks == []


def test_gpio_relay_pulse_length_manual_and_on_cash_sales(started, mock_pins):
    app = started(drawer={"mode": "gpio", "gpio_pin": 22, "gpio_pulse_ms": 150})
    _, manager = _users(app)
    relay = mock_pins.pin(22)
    app.hardware.open_drawer(manager)
    wait_until(lambda: len(pulses(relay)) == 1)
    assert pulses(relay)[0] == pytest.approx(0.15, abs=0.06)

    InventoryService(app.db).create_product(ProductDraft("ESP", "Esponja", SaleMode.UNIT, Uom.UNIT, 60))
    for method, amount in ((PaymentMethod.CARD, 60), (PaymentMethod.CASH, 100)):
        cart = Cart()
        cart.add(app.catalog.by_sku("ESP"), 1)
        app.till.complete_sale(cart, [Tender(method, amount)], manager)
    wait_until(lambda: len(pulses(relay)) == 2)
    time.sleep(0.2)
    assert len(pulses(relay)) == 2  # the card sale did not open it
    from hardware.printer.decode import decode
    assert not any(decode(app.printing.payload(j.id)).kicks for j in app.printing.jobs())


def test_drawer_switch_on_gpio(started, mock_pins):
    app = started(drawer={"mode": "gpio", "gpio_pin": 22, "sensor": "gpio", "sensor_pin": 27,
                          "sensor_open_level": "low"})
    switch = mock_pins.pin(27)
    assert app.hardware.drawer_is_open() is False
    switch.drive_low()  # the switch closes to ground: drawer open
    wait_until(lambda: app.hardware.registry.get("drawer").info.get("open") is True)
    assert app.hardware.drawer_is_open() is True
    assert app.hardware.registry.get("drawer").last_event == "cajón abierto"
    switch.drive_high()
    wait_until(lambda: app.hardware.registry.get("drawer").info.get("open") is False)


def test_drawer_switch_through_the_printer_status(started, sim_printer):
    app = started(printer={"url": sim_printer.url}, drawer={"sensor": "printer"})
    _, manager = _users(app)
    assert app.hardware.drawer_is_open() is False
    app.hardware.open_drawer(manager)
    wait_until(lambda: app.hardware.drawer_is_open() is True)
    sim_printer.close_drawer()
    assert app.hardware.drawer_is_open() is False


def test_button_press_reaches_the_handler(hw_settings, mock_pins):
    app = build(hw_settings(gpio={"button_pin": 5}))
    app.hardware.gpio_factory = mock_pins
    pressed = []
    app.hardware.start(on_button=lambda: pressed.append(True))
    try:
        mock_pins.pin(5).drive_low()
        wait_until(lambda: pressed)
        assert "pulsado (lock)" in app.hardware.registry.get("button").last_event
    finally:
        app.close()


def test_machine_without_gpio_reports_not_available_and_runs(hw_settings, sim_printer):
    app = build(hw_settings(printer={"url": sim_printer.url}, gpio={"led_pin": 17, "buzzer_pin": 18},
                            drawer={"mode": "gpio", "gpio_pin": 22}))
    app.hardware.start()  # pin_factory "auto" on a machine with no /dev/gpiochip*
    try:
        wait_until(lambda: app.hardware.registry.get("printer").connected)
        views = {v.name: v for v in app.hardware.devices()}
        for name in ("led", "buzzer", "drawer"):
            assert views[name].status == "No disponible", name
        assert "no GPIO on this machine" in app.hardware.registry.get("led").last_error
        assert app.hardware.manager.faults() == []  # not a fault of the shop
        with pytest.raises(DrawerNotOpened, match="el relé del cajón"):
            app.hardware.open_drawer(app.users.get(name="Administrador"))
    finally:
        app.close()


def test_gpio_pin_used_twice_is_a_fault(started):
    app = started(gpio={"led_pin": 22}, drawer={"mode": "gpio", "gpio_pin": 22})
    state = app.hardware.registry.get("gpio")
    assert "GPIO 22 is used by both drawer gpio_pin and gpio led_pin" in state.last_error
    assert state in app.hardware.manager.faults()


# --- choosing the pin factory ----------------------------------------------------------

def test_auto_tries_lgpio_first_and_keeps_the_first_factory_that_opens() -> None:
    """lgpio (the Pi 5's) and RPi.GPIO are not installed on this x86 machine: "auto"
    goes on in its order and keeps the next factory that opens (here the mock one,
    standing in for a factory that works)."""
    from hardware.gpio import FACTORIES, factory_name, make_factory

    factory = make_factory("auto", order=("lgpio", "rpigpio", "mock"), has_gpio=lambda: True)
    try:
        assert factory_name(factory) == "mock"
    finally:
        factory.close()
    assert list(FACTORIES)[:2] == ["lgpio", "rpigpio"]


def test_no_factory_opens_the_reason_names_each_one_tried() -> None:
    from hardware.gpio import AUTO_ORDER, Gpio, GpioUnavailable, make_factory

    assert AUTO_ORDER[0] == "lgpio"
    with pytest.raises(GpioUnavailable) as exc:
        make_factory("auto", order=("lgpio", "rpigpio"), has_gpio=lambda: True)
    text = str(exc.value)
    assert text.index("lgpio: not installed") < text.index("rpigpio: not installed")
    gpio = Gpio(factory="auto")  # this machine has no GPIO at all
    assert not gpio.available and gpio.factory_name == "" and "no GPIO" in gpio.reason


def test_the_factory_in_use_is_on_the_hardware_registry(hw_settings, mock_pins) -> None:
    from hardware.manager import HardwareManager

    settings = hw_settings(gpio={"led_pin": 23}, drawer={"mode": "none"}, printer={"url": "none"})
    manager = HardwareManager(settings, gpio_factory=mock_pins, scale_factory=None).start()
    try:
        state = manager.registry.get("gpio")
        assert state.info["pin_factory"] == "mock" and state.last_event == "controlador de pines: mock"
        assert state.ok and manager.registry.get("led").info["pin_factory"] == "mock"
    finally:
        manager.stop()
