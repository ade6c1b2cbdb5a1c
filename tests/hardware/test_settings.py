"""Hardware configuration: a bad value stops start-up with the key and the expected form."""

import pytest

from kiosk.config import ConfigError, parse_settings


@pytest.mark.parametrize("data, expected", [
    ({"scanner": {"devices": [{"kind": "serial"}]}}, 'kind = "serial" needs url = "/dev/ttyACM0"'),
    ({"scanner": {"devices": [{"kind": "evdev", "device": "scanner"}]}},
     '[scanner.devices.0] device: expected a path such as "/dev/input/by-id/usb-...-event-kbd"'),
    ({"scanner": {"devices": [{"kind": "evdev", "device": "05f9:2206", "layout": "fr"}]}},
     "[scanner.devices.0] layout: se espera uno de 'us', 'es', 'latam'"),
    ({"scanner": {"devices": [{"kind": "serial", "url": "/dev/ttyACM0", "suffix": "semicolon"}]}},
     "[scanner.devices.0] suffix"),
    ({"drawer": {"mode": "gpio"}}, '[drawer]: mode = "gpio" needs gpio_pin'),
    ({"drawer": {"printer_pin": 3}}, "[drawer] printer_pin: se espera uno de 2, 5"),
    ({"drawer": {"pulse_ms": 600}}, "[drawer] pulse_ms: se espera un número menor o igual que 510"),
    ({"drawer": {"mode": "gpio", "gpio_pin": 17, "sensor": "printer"}}, 'sensor = "printer" only works with mode = "printer"'),
    ({"gpio": {"led_pin": 40}}, "[gpio] led_pin: se espera un número menor o igual que 27"),
    ({"gpio": {"led_pin": 4, "buzzer_pin": 4}}, "buzzer_pin and led_pin both use GPIO 4"),
    ({"gpio": {"led": 4}}, "[gpio] led: no es un ajuste conocido"),
    ({"printer": {"status_query": "yes"}}, "[printer] status_query: se espera uno de 'auto', 'on', 'off'"),
])
def test_bad_hardware_settings_name_the_key(data, expected):
    with pytest.raises(ConfigError) as err:
        parse_settings(data, "kiosk.toml")
    assert expected in str(err.value)


def test_defaults_need_no_hardware():
    s = parse_settings({})
    assert s.scanner.devices == [] and s.drawer.mode == "printer" and not s.gpio.configured
