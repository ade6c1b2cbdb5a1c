"""The hardware manager owns the scale (SCALE_FACTORY -> factory.build_adapter): its
state reaches the registry, hardware.json and the status LED; a Magellan's barcodes
go through the manager's scan path; selftest reads it. Real simulator on a pty."""

from __future__ import annotations

import json

from hardware.manager import HardwareManager
from hardware.registry import read_snapshot
from hardware.scale.factory import ScaleRig, build_adapter
from hardware.scale.reading import ScaleState
from hardware.selftest import run_selftest
from tests.hardware.scale.helpers import wait_for

FAST = {"simulate": True, "poll_ms": 50, "silence_ms": 400}


def test_no_scale_configured_means_no_rig(hw_settings) -> None:  # noqa: ANN001
    assert build_adapter(hw_settings(), registry=None) is None


def test_manager_reports_the_scale_and_follows_an_unplug(hw_settings, mock_pins, state_dir) -> None:  # noqa: ANN001
    settings = hw_settings(printer={"url": "none"}, scale=FAST, gpio={"led_pin": 23})
    manager = HardwareManager(settings, gpio_factory=mock_pins, state_dir=state_dir)
    rig = manager.scale
    assert isinstance(rig, ScaleRig) and rig.simulator is not None
    assert manager.registry.get("scale").info["simulated"] is True
    manager.start()
    try:
        rig.simulator.set_weight(640)
        wait_for(lambda: manager.registry.get("scale").connected and rig.adapter.latest().stable, timeout=5,
                 what="connected")
        assert manager.registry.get("scale").info["state"] == "ready" and manager.led.mode == "ready"
        snapshot = read_snapshot(state_dir / "hardware.json")
        scale = next(d for d in snapshot["devices"] if d["name"] == "scale")
        assert scale["ok"] and scale["info"]["protocol"] == "toledo8217"

        rig.simulator.unplug()
        wait_for(lambda: not manager.registry.get("scale").connected, timeout=5, what="the unplug seen")
        state = manager.registry.get("scale")
        assert state.last_error and not state.ok
        assert manager.led.mode == "fault"  # the LED blinks while the scale is gone
        wait_for(lambda: not next(d for d in json.loads((state_dir / "hardware.json").read_text())["devices"]
                                  if d["name"] == "scale")["connected"], timeout=5, what="hardware.json updated")

        rig.simulator.replug()
        wait_for(lambda: manager.registry.get("scale").ok and rig.adapter.latest().state is ScaleState.STABLE,
                 timeout=5, what="back")
        assert rig.adapter.latest().net_g == 640 and manager.led.mode == "ready"
    finally:
        manager.stop()
    assert not rig.simulator.plugged  # the manager stopped the simulator with the scale


def test_magellan_barcodes_go_through_the_manager(hw_settings) -> None:  # noqa: ANN001
    got = []
    manager = HardwareManager(hw_settings(printer={"url": "none"}, scale={**FAST, "protocol": "magellan"}),
                              on_scan=got.append)
    manager.start()
    try:
        wait_for(lambda: manager.registry.get("scale").connected, timeout=5, what="connected")
        manager.scale.simulator.scan("7709990000429")
        wait_for(lambda: got, timeout=5, what="the scan")
    finally:
        manager.stop()
    assert got[0].code == "7709990000429" and got[0].source == "magellan"
    assert manager.last_scan[1].ok and manager.last_scan[1].symbology.value == "EAN-13"


def test_selftest_reads_the_simulated_scale(hw_settings) -> None:  # noqa: ANN001
    checks = run_selftest(hw_settings(printer={"url": "none"}, scale=FAST), scan_wait_s=0, led_s=0)
    scale = next(c for c in checks if c.device == "scale")
    assert scale.result == "pass" and scale.detail == "0,000 kg · estable"
