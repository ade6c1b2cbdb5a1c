"""The [scale] and [barcodes] sections (bad values name the key and the expected form)
and building the scale the UI and the demo mode use."""

from __future__ import annotations

import pytest

from hardware.scale.factory import adapter_from_settings, build_scale
from hardware.scale.protocol import SerialSettings
from kiosk.config import ConfigError, load_settings
from kiosk.core.barcodes import MeasureKind
from tests.conftest import make_settings
from tests.hardware.scale.helpers import wait_for


def config_problems(state_dir, **sections) -> str:
    with pytest.raises(ConfigError) as exc:
        load_settings(env={"STATE_DIRECTORY": str(state_dir), "HOME": str(state_dir)}, overrides=sections,
                      language="en")
    return str(exc.value)


def test_defaults_mean_no_scale_and_the_standard_label_layouts(state_dir):
    s = make_settings(state_dir)
    assert s.scale.protocol == "none" and not s.scale.enabled and build_scale(s.scale) is None
    kinds = {lay.kind for lay in s.barcodes.layouts()}
    assert kinds == {MeasureKind.WEIGHT, MeasureKind.PRICE}


def test_serial_overrides_keep_the_protocol_defaults_for_the_rest(state_dir):
    s = make_settings(state_dir, scale={"protocol": "toledo8217", "port": "/dev/ttyUSB0", "baudrate": 4800,
                                        "poll_ms": 100, "tare_presets": [{"name": "Botella 1 L", "grams": 45}]})
    assert s.scale.serial_settings() == SerialSettings(4800, 7, "E", 1)
    adapter = adapter_from_settings(s.scale)
    assert (adapter.poll_s, adapter.serial.baudrate, adapter.port) == (0.1, 4800, "/dev/ttyUSB0")
    assert s.scale.tare_presets[0].grams == 45


@pytest.mark.parametrize(("section", "values", "expected"), [
    ("scale", {"protocol": "cas", "port": ""}, "port is required"),
    ("scale", {"protocol": "ohaus", "port": "/dev/ttyUSB0"}, "[scale] protocol: expected one of"),
    ("scale", {"poll_ms": 500}, "[scale] poll_ms: expected a number less than or equal to 200"),
    ("scale", {"parity": "X"}, "[scale] parity: expected one of"),
    ("scale", {"tare_presets": [{"name": "Botella", "grams": 0}]}, "grams: expected a number greater than 0"),
    ("scale", {"pol_ms": 100}, "did you mean poll_ms?"),
    ("barcodes", {"variable": [{"prefixes": ["30"], "kind": "weight"}]}, 'two digits from "20" to "29"'),
    ("barcodes", {"variable": [{"prefixes": ["20"], "kind": "price", "item_digits": 6, "price_check": True}]},
     "needs 4 or 5 digits"),
    ("barcodes", {"variable": [{"prefixes": ["20"], "kind": "weight"}, {"prefixes": ["20"], "kind": "price"}]},
     'prefix "20" is in more than one'),
])
def test_bad_values_name_the_key_and_the_form(state_dir, section, values, expected):
    assert expected in config_problems(state_dir, **{section: values})


def test_demo_scale_runs_a_simulator_the_screen_can_drive(state_dir):
    s = make_settings(state_dir, scale={"simulate": True, "poll_ms": 50})
    rig = build_scale(s.scale, demo_weight_g=250)
    assert rig.simulator is not None and rig.adapter.protocol.name == "toledo8217"
    rig.start()
    try:
        wait_for(lambda: (r := rig.adapter.latest()).stable and r.net_g == 250, what="demo weight")
        rig.simulator.set_weight(1250)  # the demo's on-screen weight control
        wait_for(lambda: (r := rig.adapter.latest()).stable and r.net_g == 1250)
    finally:
        rig.stop()
    assert not rig.simulator.plugged and not rig.simulator.link.exists()


def test_configured_protocol_is_simulated_when_asked(state_dir):
    s = make_settings(state_dir, scale={"protocol": "magellan", "simulate": True})
    rig = build_scale(s.scale)
    assert rig.simulator.protocol == "magellan" and rig.adapter.port == rig.simulator.path
