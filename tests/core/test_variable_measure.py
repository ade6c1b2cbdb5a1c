"""GS1 variable-measure codes (in-store EAN-13 printed by scales): layouts and the
price/weight check digit, checked against GS1's published examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.barcodes import (
    DEFAULT_LAYOUTS,
    MeasureKind,
    VariableLayout,
    gtin_check_digit,
    parse_variable_measure,
    price_check_digit,
)


def ean13(body: str) -> str:
    return body + str(gtin_check_digit(body))


def test_price_check_digit_matches_the_gs1_examples():
    # GS1 General Specifications, price/weight check digit: 2875 -> 9, 14685 -> 6.
    assert price_check_digit("2875") == 9
    assert price_check_digit("14685") == 6
    with pytest.raises(ValueError):
        price_check_digit("123")


@given(st.from_regex(r"\A\d{4,5}\Z"), st.integers(0, 4), st.integers(1, 9))
def test_price_check_digit_catches_any_single_digit_error(value, position, delta):
    position = min(position, len(value) - 1)
    changed = value[:position] + str((int(value[position]) + delta) % 10) + value[position + 1:]
    assert price_check_digit(changed) != price_check_digit(value)


def test_default_layouts_weight_and_price():
    weight = parse_variable_measure(ean13("201234501250"))
    assert (weight.prefix, weight.item_code, weight.kind, weight.value) == ("20", "12345", MeasureKind.WEIGHT, 1250)
    price = parse_variable_measure(ean13("231234500875"), DEFAULT_LAYOUTS)
    assert (price.kind, price.value, price.item_key) == (MeasureKind.PRICE, 875, "2312345")
    assert parse_variable_measure(ean13("770999000001")) is None  # not an in-store prefix
    assert parse_variable_measure("20123") is None


def test_layout_with_price_check_digit():
    layout = (VariableLayout(("28",), MeasureKind.PRICE, item_digits=4, price_check=True),)
    body = "281234" + str(price_check_digit("14685")) + "14685"
    m = parse_variable_measure(ean13(body), layout)
    assert (m.item_code, m.value, m.price_check_ok) == ("1234", 14685, True)
    wrong = "281234" + str((price_check_digit("14685") + 3) % 10) + "14685"
    assert parse_variable_measure(ean13(wrong), layout).price_check_ok is False
