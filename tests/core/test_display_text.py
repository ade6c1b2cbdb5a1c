"""Product names as the catalog tiles wrap them."""

import pytest

from kiosk.formatting import keep_units_together

NBSP = "\u00a0"


@pytest.mark.parametrize(("name", "shown"), [
    ("Alcohol antiséptico 70 %", f"Alcohol antiséptico 70{NBSP}%"),
    ("Atomizador 500 ml", f"Atomizador 500{NBSP}ml"),
    ("Balde reforzado 12 L", f"Balde reforzado 12{NBSP}L"),
    ("Cloro 1 gal (galón)", f"Cloro 1{NBSP}gal (galón)"),
    ("Bolsas de basura x10 (grandes)", "Bolsas de basura x10 (grandes)"),  # no unit: unchanged
    ("Guantes talla 8 largos", "Guantes talla 8 largos"),  # "largos" is not "l"
])
def test_a_unit_stays_with_its_number(name: str, shown: str) -> None:
    assert keep_units_together(name) == shown
