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
device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hardware.printer.simulator import SimPrinter


@dataclass
class DemoHardware:
    printer: SimPrinter
    settings: Any  # kiosk.config.Settings using the simulator

    def stop(self) -> None:
        self.printer.stop()


DEMO_TARE_PRESETS = ({"name": "Bolsa", "grams": 6}, {"name": "Tarro 1 kg", "grams": 85})
DEMO_PINS = {"led_pin": 23, "buzzer_pin": 24, "button_pin": 25}


def demo_settings(settings: Any, printer_url: str) -> Any:
    """``settings`` with the printer at ``printer_url``, the drawer kicked and sensed
    through it, a simulated scale, and GPIO on simulated pins."""
    from hardware.scale.config import TarePreset
    from hardware.settings import ScannerDevice

    scale = settings.scale.model_copy(update={
        "simulate": True,
        "tare_presets": settings.scale.tare_presets or [TarePreset(**p) for p in DEMO_TARE_PRESETS]})
    gpio = settings.gpio.model_copy(update={"pin_factory": "mock", **({} if settings.gpio.configured else DEMO_PINS)})
    scanner = settings.scanner
    if not scanner.devices:
        scanner = scanner.model_copy(update={"devices": [ScannerDevice(kind="wedge")]})
    return settings.model_copy(update={
        "printer": settings.printer.model_copy(update={"url": printer_url, "status_query": "on",
                                                       "retry_min_s": 1.0, "retry_max_s": 5.0}),
        "drawer": settings.drawer.model_copy(update={"mode": "printer", "sensor": "printer"}),
        "gpio": gpio, "scale": scale, "scanner": scanner,
    })


def start_demo_hardware(settings: Any) -> DemoHardware:
    sim = SimPrinter(spool_dir=settings.state_dir / "demo-printer", drawer_close_after_s=5.0).start()
    return DemoHardware(sim, demo_settings(settings, sim.url))
