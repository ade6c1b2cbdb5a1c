"""What the weight panel shows for each reading, in Spanish (default) and English."""

from __future__ import annotations

from hardware.scale.display import format_reading, format_tare, format_weight
from hardware.scale.errors import ScaleDisconnected, WeightNotStable
from hardware.scale.reading import ScaleReading, ScaleState, WeightUnit
from kiosk import i18n


def test_spanish_panel_texts():
    assert format_reading(ScaleReading.weighed(1234, WeightUnit.KG)) == "1,234 kg · estable"
    moving = ScaleReading(ScaleState.MOTION, 450, 0, 450, WeightUnit.KG)
    assert format_reading(moving) == "0,450 kg · en movimiento"
    assert format_reading(ScaleReading.without_weight(ScaleState.MOTION)) == "En movimiento"
    assert format_reading(ScaleReading.without_weight(ScaleState.UNDER_ZERO)) == "Bajo cero"
    assert format_reading(ScaleReading.without_weight(ScaleState.OVER_CAPACITY)) == "Sobrecarga"
    assert format_reading(ScaleReading.disconnected("x")) == "Balanza desconectada"
    failed = ScaleReading.failed("unreadable data from the scale (check the protocol, baud rate and parity)")
    assert format_reading(failed) == ("Error de la balanza: datos ilegibles de la balanza "
                                      "(revise el protocolo, la velocidad y la paridad)")


def test_units_tare_and_negative_net():
    assert format_weight(1234, WeightUnit.LB) == "2,72 lb"
    assert format_weight(45, WeightUnit.G) == "45 g"
    assert format_weight(1500) == "1,500 kg"
    tared = ScaleReading(ScaleState.STABLE, 0, 45, -45, WeightUnit.KG)
    assert format_reading(tared) == "-0,045 kg · estable"
    assert format_tare(tared) == "Tara 0,045 kg"
    assert format_tare(ScaleReading.weighed(10, WeightUnit.KG)) == ""


def test_english_and_error_messages():
    i18n.configure(language="en", locale="en")
    assert format_reading(ScaleReading.weighed(1234, WeightUnit.KG)) == "1.234 kg · stable"
    assert format_reading(ScaleReading.disconnected()) == "Scale disconnected"
    assert str(WeightNotStable()) == "The weight is not stable yet: wait a moment."
    i18n.configure(language="es", locale="es")
    assert str(ScaleDisconnected()) == "Balanza desconectada: escriba el peso o revise el cable."
