"""The calculator's quick buttons from ``[calculator]``: per product, per category and
per sale mode; bad entries stop start-up with the key and the expected form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.config import ConfigError
from kiosk.core.units import SaleMode, Uom
from kiosk.demo import demo_barcodes
from kiosk.services.quick_buttons import QuickButton, parse_button
from tests.conftest import make_settings
from tests.ui.conftest import sign_in

CODES = demo_barcodes()


def test_button_forms() -> None:
    assert parse_button("500 ml") == QuickButton(Decimal(500), Uom.ML)
    assert parse_button("1,5 L") == QuickButton(Decimal("1.5"), Uom.L)
    assert parse_button("2kg") == QuickButton(Decimal(2), Uom.KG)
    assert parse_button("$0.50") == QuickButton(Decimal("0.50"))
    assert parse_button("€5").minor(2) == 500
    for bad in ("5 kilos", "-1 kg", "0 g", "$", "abc", "1 L 2"):
        with pytest.raises(ValueError, match="is not a quick button"):
            parse_button(bad)


@pytest.mark.parametrize(("values", "message"), [
    ({"weight": ["1 L"]}, "[calculator] weight: '1 L': a weight list takes kg, g, lb or an amount"),
    ({"volume": ["1 kg"]}, "[calculator] volume: '1 kg': a volume list takes l, ml, gal or an amount"),
    ({"volume": ["1 L"] * 9}, "[calculator] volume: at most 8 buttons (got 9)"),
    ({"products": {"POL-DET": ["5 kilos"]}}, "[calculator] products: 'POL-DET': '5 kilos' is not a quick button: "
                                              'expected a quantity such as "500 ml"'),
    ({"categorys": {}}, "¿quiso decir categories?"),
])
def test_bad_lists_name_the_key_and_the_form(tmp_path, values, message) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError) as err:
        make_settings(tmp_path, calculator=values)
    assert message in err.value.message()


def test_most_specific_list_wins_and_fits_the_product(tmp_path) -> None:  # noqa: ANN001
    c = make_settings(tmp_path, calculator={
        "weight": ["1 kg"], "categories": {"Detergentes": ["1 L", "500 g", "$10"]},
        "products": {"POL-ENZ": ["3 kg"]}}).calculator
    assert c.buttons_for(SaleMode.WEIGHT, "POL-ENZ", "Detergentes") == [QuickButton(Decimal(3), Uom.KG)]
    assert c.buttons_for(SaleMode.WEIGHT, "POL-DET", "Detergentes") == [
        QuickButton(Decimal(500), Uom.G), QuickButton(Decimal(10))]
    assert c.buttons_for(SaleMode.VOLUME, "DET-LAV", "Detergentes") == [
        QuickButton(Decimal(1), Uom.L), QuickButton(Decimal(10))]
    assert c.buttons_for(SaleMode.WEIGHT, "BIC-SOD", "Polvos y químicos") == [QuickButton(Decimal(1), Uom.KG)]
    assert c.buttons_for(SaleMode.VOLUME, "SUA-PRI", "Suavizantes") is None  # built-in


def test_calculator_shows_the_configured_buttons(make_ui) -> None:  # noqa: ANN001
    ui = sign_in(make_ui(calculator={"categories": {"Detergentes": ["1 L", "2 L", "500 g", "2 kg", "$10"]},
                                     "products": {"POL-ENZ": ["3 kg"]}}))

    def buttons(sku: str) -> list[str]:
        ui.burst(CODES[sku][0])
        ui.until(lambda: ui.app.modal is not None, what="the calculator")
        texts = [b.text for b in reversed(ui.app.modal.ids.quick_box.children)]
        return texts

    assert buttons("DET-LAV") == ["1 L", "2 L", "$10,00"]
    calc = ui.app.modal
    ui.tap(ui.find_text("2 L", calc.ids.quick_box))
    assert calc.result_text == "2 L cuestan $6,40"
    ui.tap(calc.ids.calc_add)
    assert buttons("POL-DET") == ["500 g", "2 kg", "$10,00"]
    ui.app.close_modal()
    assert buttons("POL-ENZ") == ["3 kg"]
    ui.app.close_modal()
    assert buttons("SUA-PRI") == ["250 ml", "500 ml", "1 L", "1 gal", "$1,00", "$2,00", "$5,00"]
    ui.app.close_modal()
    assert ui.app.cart.lines[0].quantity == 2000
