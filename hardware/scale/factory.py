"""Building the scale from ``[scale]``: the real port, or a simulator on a pty for the
demo mode and training (``simulate = true`` or ``kiosk --demo``).

The hardware manager owns the scale like every other device: ``build_adapter`` is
its ``SCALE_FACTORY`` hook, so the Hardware screen, the status LED, ``hardware.json``
and ``kiosk-admin status`` see the scale through the registry, and a Magellan's
barcodes go through the manager's scan path (check digit, beeps) to the UI. The UI
reads the rig the manager built (``services.hardware.scale``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hardware.events import ScanHandler
from hardware.scale.adapter import ScaleAdapter
from hardware.scale.config import ScaleSettings, TarePreset
from hardware.scale.reading import ScaleReading, ScaleState
from hardware.scale.simulator import ScaleSimulator
from kiosk.i18n import _

DEMO_PROTOCOL = "toledo8217"


def adapter_from_settings(scale: ScaleSettings, *, port: str | None = None, protocol: str | None = None,
                          on_scan: ScanHandler | None = None) -> ScaleAdapter:
    """An adapter (not started) with the section's serial settings and rules."""
    name = protocol or scale.protocol
    if name == "none":
        raise ValueError("no scale protocol configured ([scale] protocol)")
    return ScaleAdapter(
        scale.protocol_for(name), port or scale.port, serial=scale.serial_settings(name),
        options=scale.decoder_options(), poll_s=scale.poll_ms / 1000, silence_s=scale.silence_ms / 1000,
        hold_s=scale.hold_ms / 1000, request_gap_s=scale.request_ms / 1000,
        require_zero_between=scale.require_zero_between, hardware_tare=scale.hardware_tare,
        capacity_g=scale.capacity_g, on_scan=on_scan)


@dataclass
class ScaleRig:
    """The adapter the UI talks to and, in demo mode, the simulator behind it (the
    demo's on-screen weight control drives ``simulator``)."""

    adapter: ScaleAdapter
    simulator: ScaleSimulator | None
    presets: tuple[TarePreset, ...] = ()
    name: str = "scale"  # its entry in the hardware registry
    registry: Any = None  # hardware.registry.Registry, when the hardware manager owns the rig
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False)

    def start(self) -> ScaleRig:
        if self.simulator is not None and not self.simulator.plugged:
            self.simulator.start()
        if self.registry is not None and self._unsubscribe is None:
            self._report(self.adapter.latest())
            self._unsubscribe = self.adapter.subscribe(self._report)
        self.adapter.start()
        return self

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.adapter.stop()
        if self.simulator is not None:
            self.simulator.stop()

    def _report(self, reading: ScaleReading) -> None:
        """Registry entry from a reading (reader thread). Only whether the scale works is
        reported, not every weight or motion: a registry change rewrites hardware.json,
        and this runs before the UI hears of the reading."""
        status = self.adapter.state()
        failing = reading.state in (ScaleState.DISCONNECTED, ScaleState.ERROR)
        self.registry.update(self.name, kind="scale", connected=reading.connected,
                             last_error=reading.error_message("en") if failing else "",
                             last_event=status.last_event,
                             info={"protocol": status.protocol, "port": status.port,
                                   "state": reading.state.value if failing else "ready",
                                   "simulated": self.simulator is not None})

    def selftest(self, timeout_s: float) -> tuple[bool, str]:
        """For ``kiosk-admin selftest``: a settled reading within ``timeout_s`` (a new
        weight shows as "in motion" until a second frame confirms it)."""
        def settled() -> bool:
            r = self.adapter.latest()
            return r.connected and r.state is not ScaleState.MOTION

        changed = threading.Event()
        unsubscribe = self.adapter.subscribe(lambda r: changed.set())
        try:
            deadline = time.monotonic() + timeout_s
            while not settled() and time.monotonic() < deadline:
                changed.wait(0.1)
                changed.clear()
        finally:
            unsubscribe()
        from hardware.scale.display import format_reading

        reading = self.adapter.latest()
        ok = reading.connected and reading.state is not ScaleState.ERROR
        return ok, format_reading(reading) if ok else (reading.error_message("en") or "no reading")


def build_scale(scale: ScaleSettings, *, demo: bool = False, on_scan: ScanHandler | None = None,
                demo_weight_g: int = 0) -> ScaleRig | None:
    """None when no scale is configured (weights are typed by hand)."""
    presets = tuple(scale.tare_presets)
    if demo or scale.simulate:
        protocol = scale.protocol if scale.protocol != "none" else DEMO_PROTOCOL
        simulator = ScaleSimulator(protocol, weight_g=demo_weight_g, cas_decimals=scale.cas_decimals,
                                   adam_model=scale.adam_model)
        adapter = adapter_from_settings(scale, port=simulator.path, protocol=protocol, on_scan=on_scan)
        return ScaleRig(adapter, simulator, presets)
    if scale.protocol == "none":
        return None
    return ScaleRig(adapter_from_settings(scale, on_scan=on_scan), None, presets)


def build_adapter(settings: Any, *, on_scan: ScanHandler | None = None, registry: Any = None) -> ScaleRig | None:
    """The hardware manager's scale hook (``hardware.manager.SCALE_FACTORY``): the rig
    for ``[scale]`` reporting to ``registry``, or None when no scale is configured."""
    rig = build_scale(settings.scale, on_scan=on_scan)
    if rig is not None and registry is not None:
        rig.registry = registry
        registry.add(rig.name, "scale", connected=False, last_event=_("starting"),
                     info={"protocol": rig.adapter.protocol.name, "port": rig.adapter.port,
                           "simulated": rig.simulator is not None})
    return rig
