"""Pure parsing of what staff type (or a CSV cell holds), margins, and the count and
delivery sheets: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.core.catalog import ProductRef
from kiosk.core.errors import InvalidProduct, InvalidQuantity, ServiceHasNoStock
from kiosk.core.margin import margin
from kiosk.core.product_fields import (
    amount_text,
    is_safe_relative_path,
    parse_amount,
    parse_barcodes,
    parse_quantity,
    parse_sale_mode,
    parse_tax_rate,
    parse_unit,
    quantity_text,
    rate_text,
    whole_uom_ceiling,
)
from kiosk.core.stock_sheets import CountSheet, DeliverySheet
from kiosk.core.units import SaleMode, Uom, to_base


@pytest.mark.parametrize("text,decimals,minor", [
    ("3,20", 2, 320), ("3.20", 2, 320), ("$ 1.234,50", 2, 123450), ("1,234.50", 2, 123450), ("0", 2, 0),
    ("12.500", 0, 12500), ("12,500", 0, 12500), ("12500", 0, 12500), ("7", 2, 700),
])
def test_amounts_accept_decimal_comma_or_point(text: str, decimals: int, minor: int) -> None:
    assert parse_amount(text, decimals) == minor


@pytest.mark.parametrize("text,message", [
    ("-1", "no puede ser negativo"), ("abc", '"abc" no es un número'), ("3,205", "como máximo 2 decimales"),
    ("1.2.3", "no es un número"), ("", "no es un número"), ("NaN", "no es un número"),
])
def test_bad_amounts_say_why_in_spanish(text: str, message: str) -> None:
    with pytest.raises(InvalidProduct) as exc:
        parse_amount(text, 2, "price")
    assert message in str(exc.value)
    assert str(exc.value).startswith("Precio:")
    assert exc.value.params["key"] == "price"


def test_quantities_in_the_unit_of_measure() -> None:
    assert parse_quantity("2,5", Uom.L) == 2500
    assert parse_quantity("1,5", Uom.GAL) == 5678
    assert parse_quantity("3", Uom.UNIT) == 3
    assert parse_quantity("-0,5", Uom.KG, allow_negative=True) == -500
    with pytest.raises(InvalidProduct, match="número entero"):
        parse_quantity("2,5", Uom.UNIT)
    with pytest.raises(InvalidProduct, match="no puede ser negativ"):
        parse_quantity("-1", Uom.L)
    with pytest.raises(InvalidProduct, match="demasiado grande"):
        parse_quantity("99999999", Uom.KG)


def test_spanish_and_english_names_of_units_and_modes() -> None:
    assert parse_unit("Galón") is Uom.GAL
    assert parse_unit("litros") is Uom.L
    assert parse_unit("kilo") is Uom.KG
    assert parse_unit("unidad") is Uom.UNIT
    assert parse_sale_mode("Peso") is SaleMode.WEIGHT
    assert parse_sale_mode("volumen") is SaleMode.VOLUME
    assert parse_sale_mode("servicio") is SaleMode.SERVICE
    with pytest.raises(InvalidProduct, match='unidad desconocida "barril"'):
        parse_unit("barril")
    with pytest.raises(InvalidProduct, match='modo de venta desconocido "granel"'):
        parse_sale_mode("granel")


def test_tax_rates_in_percent() -> None:
    assert parse_tax_rate("19") == 1900
    assert parse_tax_rate("19 %") == 1900
    assert parse_tax_rate("12,5") == 1250
    with pytest.raises(InvalidProduct, match="entre 0 y 100"):
        parse_tax_rate("119")
    with pytest.raises(InvalidProduct, match="decimales"):
        parse_tax_rate("12,345")


def test_barcodes_cell_holds_several_codes() -> None:
    assert parse_barcodes("7709990000016|7709990000023") == ["7709990000016", "7709990000023"]
    assert parse_barcodes(" 123  456 ") == ["123", "456"]
    assert parse_barcodes("") == []


@pytest.mark.parametrize("base,uom", [(113562, Uom.GAL), (2500, Uom.L), (453, Uom.LB), (7, Uom.UNIT),
                                      (-1500, Uom.KG), (0, Uom.L), (1, Uom.GAL), (3785, Uom.GAL)])
def test_quantity_text_reads_back_exactly(base: int, uom: Uom) -> None:
    text = quantity_text(base, uom)
    assert to_base(Decimal(text), uom) == base
    assert "e" not in text.lower()


def test_texts_for_export() -> None:
    assert quantity_text(113562, Uom.GAL) == "30"
    assert quantity_text(2500, Uom.L) == "2.5"
    assert amount_text(320, 2) == "3.20"
    assert amount_text(12500, 0) == "12500"
    assert rate_text(1900) == "19" and rate_text(1250) == "12.5"


def test_whole_uom_ceiling() -> None:
    assert whole_uom_ceiling(2300, Uom.L) == 3000
    assert whole_uom_ceiling(3000, Uom.L) == 3000
    assert whole_uom_ceiling(4000, Uom.GAL) == to_base(2, Uom.GAL)
    assert whole_uom_ceiling(-5, Uom.L) == 0


def test_safe_relative_image_paths() -> None:
    assert is_safe_relative_path("images/abc.jpg")
    for bad in ("/etc/passwd", "../kiosk.db", "images/../../x.png", "C:\\x.png", "", "images/"):
        assert not is_safe_relative_path(bad), bad


def test_margin_is_on_the_price_without_tax() -> None:
    m = margin(price=1190, cost=500, tax_rate_bp=1900)
    assert m.net_price == 1000 and m.profit == 500
    assert m.percent == Decimal("50.0") and m.markup == Decimal("100.0")
    assert not m.below_cost
    loss = margin(price=100, cost=90, tax_rate_bp=1900)  # 84 without tax: below the cost of 90
    assert loss.below_cost and loss.profit == -6
    assert margin(0, 0).percent is None


def _ref(pid: int, stock: int, mode: SaleMode = SaleMode.VOLUME, uom: Uom = Uom.L, cost: int = 100) -> ProductRef:
    return ProductRef(id=pid, sku=f"P{pid}", name=f"Producto {pid}", sale_mode=mode, uom=uom, price=200,
                      stock=stock, cost=cost)


def test_count_sheet_keeps_the_stock_when_first_counted() -> None:
    sheet = CountSheet()
    sheet.record(_ref(1, 10_000), 4_000, add=True)
    sheet.record(_ref(1, 9_000), 1_000, add=True)  # a sale happened meanwhile: expected stays 10 L
    sheet.record(_ref(2, 5, SaleMode.UNIT, Uom.UNIT), 5)
    assert [ln.counted for ln in sheet.lines] == [5_000, 5]
    assert sheet.line(1).expected == 10_000 and sheet.line(1).difference == -5_000
    assert [ln.product.id for ln in sheet.differences()] == [1]
    sheet.record(_ref(1, 9_000), 10_000)  # typed over: replaces
    assert sheet.differences() == []
    with pytest.raises(ServiceHasNoStock):
        sheet.record(_ref(3, 0, SaleMode.SERVICE, Uom.UNIT), 1)
    with pytest.raises(InvalidQuantity):
        sheet.record(_ref(1, 0), -1)


def test_delivery_sheet_merges_scans_and_totals_cost() -> None:
    sheet = DeliverySheet("F-100")
    sheet.add(_ref(1, 0, cost=150), 2_000)
    sheet.add(_ref(1, 0, cost=150), 1_000, unit_cost=160)
    sheet.add(_ref(2, 0, SaleMode.UNIT, Uom.UNIT, cost=25), 12)
    assert [(ln.quantity, ln.unit_cost) for ln in sheet.lines] == [(3_000, 160), (12, None)]
    assert sheet.cost_total == 3 * 160 + 12 * 25
    with pytest.raises(InvalidQuantity):
        sheet.add(_ref(1, 0), 0)
    with pytest.raises(InvalidProduct, match="Costo"):
        sheet.add(_ref(1, 0), 1, unit_cost=-1)



def test_plain_numbers_parse_exactly_as_the_decimal_path() -> None:
    """The integer fast path for plain numbers gives the same values and the same
    errors as the Decimal path it stands in for."""
    import random

    from kiosk.core import product_fields as pf
    from kiosk.core.errors import InvalidProduct
    from kiosk.core.units import Uom

    def outcome(fn, *args):  # noqa: ANN001, ANN202
        try:
            return fn(*args)
        except InvalidProduct as err:
            return ("error", err.params["key"], err.params["reason"])

    rng = random.Random(7)
    texts = ["0", "1", "100", "100.0", "100,01", "1000000000", "1000000000.1", "999999999.9995", "10000000000",
             "9999999999.99", "10000000000.00", "10000000000.01", "4,50", "4,500", "4,505", "0.0005", "1.0005",
             "2.5", "12,345678901", "007", "100.001"]
    for _ in range(3000):
        whole = str(rng.randint(0, 10 ** rng.randint(1, 12)))
        frac = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 9)))
        texts.append(whole + (rng.choice(".,") + frac if frac else ""))
    for text in texts:
        assert pf._plain(text) is not None, text
        for decimals in (0, 2, 3):
            grouped = decimals == 0 and pf._GROUPED.match(text)  # "12.500" pesos: parse_amount's own rule
            cleaned = text.replace(".", "").replace(",", "") if grouped else text
            assert outcome(pf.parse_amount, text, decimals, "price") == \
                outcome(pf._decimal_amount, cleaned, decimals, "price"), (text, decimals)
        for uom in (Uom.UNIT, Uom.ML, Uom.L, Uom.G, Uom.KG):
            assert outcome(pf.parse_quantity, text, uom, "stock") == \
                outcome(pf._decimal_quantity, text, uom, "stock", False), (text, uom)
        assert outcome(pf.parse_tax_rate, text) == outcome(pf._decimal_tax_rate, text, "tax_rate"), text
