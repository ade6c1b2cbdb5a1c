"""kiosk --demo brings a simulated pole display (hardware/demo.py) unless a real one
is configured; its screens reach the registry, which the Hardware screen shows."""

from __future__ import annotations

from hardware.demo import start_demo_hardware
from hardware.manager import HardwareManager
from kiosk.services.hardware import HardwareService
from tests.conftest import make_settings
from tests.hardware.scale.helpers import wait_for


def test_the_demo_has_a_simulated_pole_display_whose_lines_are_on_the_device_list(state_dir) -> None:  # noqa: ANN001
    demo = start_demo_hardware(make_settings(state_dir))
    try:
        assert demo.pole is not None
        cd = demo.settings.customer_display
        assert cd.protocol == "epson" and cd.port == demo.pole.path
        manager = HardwareManager(demo.settings, gpio_factory=None, scale_factory=None)
        manager.start()
        try:
            manager.pole.show("Jabon azul      3,20", "TOTAL           3,20")
            assert demo.pole.wait_for("Jabon azul      3,20", "TOTAL           3,20", timeout=10)
            wait_for(lambda: manager.registry.get("customer_display").info.get("lines"), timeout=10,
                     what="the lines in the registry")
            service = HardwareService.__new__(HardwareService)  # only _view() is used here
            view = service._view(manager.registry.get("customer_display"))
            assert view.detail == "Muestra: «Jabon azul      3,20»  /  «TOTAL           3,20»"
        finally:
            manager.stop()
    finally:
        demo.stop()
    assert not demo.pole._thread.is_alive()


def test_a_configured_pole_display_is_left_alone_by_the_demo(state_dir) -> None:  # noqa: ANN001
    settings = make_settings(state_dir, customer_display={"protocol": "cd5220", "port": "/dev/ttyUSB7"})
    demo = start_demo_hardware(settings)
    try:
        assert demo.pole is None and demo.settings.customer_display.port == "/dev/ttyUSB7"
    finally:
        demo.stop()
