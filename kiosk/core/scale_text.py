"""How a reading reads on screen: "1,234 kg · estable", "en movimiento", "sobrecarga",
"Balanza desconectada". Numbers follow the locale; the unit is the scale's own
(kilos by default, pounds for a scale that weighs in pounds)."""

from __future__ import annotations

from decimal import Decimal

from kiosk.core.scale import UOM_OF, ScaleReading, ScaleState, WeightUnit
from kiosk.core.units import FACTOR
from kiosk.i18n import N_, format_decimal, translate

STATE_LABELS = {
    ScaleState.STABLE: N_("stable"),
    ScaleState.MOTION: N_("in motion"),
    ScaleState.UNDER_ZERO: N_("below zero"),
    ScaleState.OVER_CAPACITY: N_("overload"),
    ScaleState.DISCONNECTED: N_("Scale disconnected"),
    ScaleState.ERROR: N_("Scale error"),
}
_PLACES = {WeightUnit.KG: 3, WeightUnit.LB: 2, WeightUnit.G: 0}


def state_label(state: ScaleState) -> str:
    return translate(STATE_LABELS[state])


def format_weight(grams: int, unit: WeightUnit | None = None) -> str:
    """Grams shown in ``unit`` with the scale's usual decimals: "1,234 kg", "2,72 lb", "45 g"."""
    unit = unit or WeightUnit.KG
    places = _PLACES[unit]
    value = Decimal(grams) / FACTOR[UOM_OF[unit]]
    return f"{format_decimal(value, max_decimals=places, min_decimals=places)} {unit.value}"


def format_reading(reading: ScaleReading) -> str:
    """One line for the weight panel."""
    if reading.state is ScaleState.DISCONNECTED:
        return state_label(reading.state)
    if reading.state is ScaleState.ERROR:
        return translate(N_("Scale error: {error}")).format(error=reading.error_message())
    label = state_label(reading.state)
    if not reading.weight_known or reading.state is ScaleState.OVER_CAPACITY:
        return label[:1].upper() + label[1:]
    return f"{format_weight(reading.net_g, reading.unit)} · {label}"


def format_tare(reading: ScaleReading) -> str:
    """ "Tara 0,045 kg", or "" without a tare."""
    if not reading.tare_g:
        return ""
    return translate(N_("Tare {weight}")).format(weight=format_weight(reading.tare_g, reading.unit))
