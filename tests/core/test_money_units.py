from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.money import allocate, from_minor, round_half_up, to_minor
from kiosk.core.units import SaleMode, Uom, check_mode_uom, convert, from_base, parse_uom, to_base
from kiosk.i18n import parse_decimal


def test_round_half_up_is_the_one_rule():
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("2.4999")) == 2
    assert round_half_up(Decimal("-2.5")) == -3
    assert round_half_up(Fraction(5, 2)) == 3
    assert to_minor("5.255", 2) == 526
    assert to_minor("12345", 0) == 12345
    assert from_minor(526, 2) == Decimal("5.26")


@given(st.integers(min_value=0, max_value=10**9), st.lists(st.integers(min_value=0, max_value=10**6), min_size=1))
def test_allocate_adds_up_exactly(total, weights):
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    if sum(weights):
        assert sum(parts) == total
        assert all(p >= 0 for p in parts)


def test_exact_conversions():
    assert to_base(Decimal("1.5"), Uom.GAL) == 5678  # 5678.117676 ml
    assert to_base(1, Uom.LB) == 454  # 453.59237 g
    assert from_base(3785411784, Uom.GAL) == Decimal(1_000_000)
    assert convert(1, Uom.GAL, Uom.L) == Decimal("3.785411784")
    assert convert(1, Uom.LB, Uom.KG) == Decimal("0.45359237")
    with pytest.raises(ValueError):
        convert(1, Uom.L, Uom.KG)


@pytest.mark.parametrize("text,uom", [
    ("litro", Uom.L), ("Litros", Uom.L), ("Galón", Uom.GAL), ("galon", Uom.GAL), ("kilo", Uom.KG),
    ("Gramos", Uom.G), ("libra", Uom.LB), ("unidad", Uom.UNIT), ("ml", Uom.ML), ("mililitro", Uom.ML),
])
def test_spanish_unit_names(text, uom):
    assert parse_uom(text) is uom


def test_unknown_unit_and_mode_mismatch():
    with pytest.raises(ValueError):
        parse_uom("barril")
    with pytest.raises(ValueError):
        check_mode_uom(SaleMode.VOLUME, Uom.KG)
    check_mode_uom(SaleMode.WEIGHT, Uom.LB)


@pytest.mark.parametrize("text,value", [
    ("1,5", "1.5"), ("1.5", "1.5"), ("1.234,5", "1234.5"), ("1,234.5", "1234.5"), ("  7 ", "7"), ("-2,25", "-2.25"),
])
def test_parse_decimal_as_people_type_it(text, value):
    assert parse_decimal(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1.2.3", ".", "1e5"])
def test_parse_decimal_rejects_garbage(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


def test_plain_amount_is_the_one_unformatted_amount_text() -> None:
    from kiosk.core import payment_qr, product_fields
    from kiosk.core.money import plain_amount

    assert plain_amount(320, 2) == "3.20"
    assert plain_amount(-5, 2) == "-0.05"
    assert plain_amount(12500, 0) == "12500"
    assert plain_amount(123456789, 2) == "1234567.89"  # no grouping
    assert product_fields.amount_text is plain_amount  # the CSV/editor form is the same helper
    assert payment_qr.qr_values(150000, 2, "USD", 7)["amount_major"] == "1500.00"
