"""Building the scale from ``[scale]``: the real port, or a simulator on a pty for the
demo mode and training (``simulate = true`` or ``kiosk --demo``)."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.events import ScanHandler
from hardware.scale.adapter import ScaleAdapter
from hardware.scale.config import ScaleSettings, TarePreset
from hardware.scale.simulator import ScaleSimulator

DEMO_PROTOCOL = "toledo8217"


def adapter_from_settings(scale: ScaleSettings, *, port: str | None = None, protocol: str | None = None,
                          on_scan: ScanHandler | None = None) -> ScaleAdapter:
    """An adapter (not started) with the section's serial settings and rules."""
    name = protocol or scale.protocol
    if name == "none":
        raise ValueError("no scale protocol configured ([scale] protocol)")
    return ScaleAdapter(
        name, port or scale.port, serial=scale.serial_settings(name), options=scale.decoder_options(),
        poll_s=scale.poll_ms / 1000, silence_s=scale.silence_ms / 1000, hold_s=scale.hold_ms / 1000,
        require_zero_between=scale.require_zero_between, hardware_tare=scale.hardware_tare,
        capacity_g=scale.capacity_g, on_scan=on_scan)


@dataclass
class ScaleRig:
    """The adapter the UI talks to and, in demo mode, the simulator behind it (the
    demo's on-screen weight control drives ``simulator``)."""

    adapter: ScaleAdapter
    simulator: ScaleSimulator | None
    presets: tuple[TarePreset, ...] = ()

    def start(self) -> ScaleRig:
        if self.simulator is not None and not self.simulator.plugged:
            self.simulator.start()
        self.adapter.start()
        return self

    def stop(self) -> None:
        self.adapter.stop()
        if self.simulator is not None:
            self.simulator.stop()


def build_scale(scale: ScaleSettings, *, demo: bool = False, on_scan: ScanHandler | None = None,
                demo_weight_g: int = 0) -> ScaleRig | None:
    """None when no scale is configured (weights are typed by hand)."""
    presets = tuple(scale.tare_presets)
    if demo or scale.simulate:
        protocol = scale.protocol if scale.protocol != "none" else DEMO_PROTOCOL
        simulator = ScaleSimulator(protocol, weight_g=demo_weight_g, cas_decimals=scale.cas_decimals)
        adapter = adapter_from_settings(scale, port=simulator.path, protocol=protocol, on_scan=on_scan)
        return ScaleRig(adapter, simulator, presets)
    if scale.protocol == "none":
        return None
    return ScaleRig(adapter_from_settings(scale, on_scan=on_scan), None, presets)
