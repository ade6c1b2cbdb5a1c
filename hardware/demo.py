"""Demo mode hardware: a simulated network printer on 127.0.0.1 and simulated GPIO.

    demo = start_demo_hardware(settings)      # before building the services
    services = build(demo.settings)           # the queue prints to the simulator
    services.hardware.start(on_scan=...)      # printer thread, drawer, mock LED/buzzer
    ...
    services.close(); demo.stop()

Receipts go through the real print queue and print worker to ``SimPrinter`` (which
also keeps each job as ``<state_dir>/demo-printer/job-NNNNN.bin`` and "opens" its
drawer for 5 s on a kick, so drawer sensing works); the on-screen preview renders
the job's bytes: ``services.hardware.job_preview()``. The scale is a simulator on a
pseudo-terminal (``[scale] simulate``) that the calculator's demo control drives,
with two container presets; the LED, buzzer and button are simulated GPIO pins and
the keyboard counts as a wedge scanner, so the Hardware screen shows every kind of
device. Unless a real one is configured, the customer pole display is a simulated
2x20 Epson display on a pseudo-terminal (``SimPoleDisplay``): what it shows (each line
added, the total, the change, the greeting) is the last line of its row on the
Hardware screen ("Visor del cliente"), read back from what the display received.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hardware.pole.simulator import SimPoleDisplay
from hardware.printer.simulator import SimPrinter


@dataclass
class DemoHardware:
    printer: SimPrinter
    settings: Any  # kiosk.config.Settings using the simulator
    pole: SimPoleDisplay | None = None  # the simulated customer display (none when a real one is set)

    def stop(self) -> None:
        self.printer.stop()
        if self.pole is not None:
            self.pole.stop()


DEMO_TARE_PRESETS = ({"name": "Bolsa", "grams": 6}, {"name": "Tarro 1 kg", "grams": 85})
DEMO_PINS = {"led_pin": 23, "buzzer_pin": 24, "button_pin": 25}


def demo_settings(settings: Any, printer_url: str, pole_port: str | None = None) -> Any:
    """``settings`` with the printer at ``printer_url``, the drawer kicked and sensed
    through it, a simulated scale, GPIO on simulated pins and, with ``pole_port``, an
    Epson pole display there."""
    from hardware.scale.config import TarePreset
    from hardware.settings import ScannerDevice

    scale = settings.scale.model_copy(update={
        "simulate": True,
        "tare_presets": settings.scale.tare_presets or [TarePreset(**p) for p in DEMO_TARE_PRESETS]})
    gpio = settings.gpio.model_copy(update={"pin_factory": "mock", **({} if settings.gpio.configured else DEMO_PINS)})
    scanner = settings.scanner
    if not scanner.devices:
        scanner = scanner.model_copy(update={"devices": [ScannerDevice(kind="wedge")]})
    pole = {}
    if pole_port is not None:
        pole = {"customer_display": settings.customer_display.model_copy(
            update={"protocol": "epson", "port": pole_port})}
    return settings.model_copy(update={
        "printer": settings.printer.model_copy(update={"url": printer_url, "status_query": "on",
                                                       "retry_min_s": 1.0, "retry_max_s": 5.0}),
        "drawer": settings.drawer.model_copy(update={"mode": "printer", "sensor": "printer"}),
        "gpio": gpio, "scale": scale, "scanner": scanner, **pole,
    })


def start_demo_hardware(settings: Any) -> DemoHardware:
    sim = SimPrinter(spool_dir=settings.state_dir / "demo-printer", drawer_close_after_s=5.0).start()
    pole = None if settings.customer_display.configured else SimPoleDisplay("epson").start()
    return DemoHardware(sim, demo_settings(settings, sim.url, pole.path if pole is not None else None), pole)
