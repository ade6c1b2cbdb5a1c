import pytest

from kiosk.core.barcodes import (
    MeasureKind,
    Symbology,
    VariableLayout,
    classify,
    gtin_check_digit,
    gtin_valid,
    lookup_keys,
    normalize,
    parse_variable_measure,
    price_check_digit,
    upce_to_upca,
)


def test_check_digits():
    assert gtin_check_digit("400638133393") == 1  # EAN-13 4006381333931
    assert gtin_valid("4006381333931")
    assert not gtin_valid("4006381333932")
    assert gtin_valid("036000291452")  # UPC-A
    assert gtin_valid("96385074")  # EAN-8


def test_upc_a_and_ean13_forms_share_one_key():
    assert normalize("036000291452") == normalize("0036000291452") == "0036000291452"
    assert classify("036000291452").symbology is Symbology.UPCA


@pytest.mark.parametrize("upce,upca", [
    ("04252614", "042100005264"),
    ("01234558", "012345000058"),
    ("06543217", "065100004327"),
])
def test_upce_expansion(upce, upca):
    assert upce_to_upca(upce) == upca
    info = classify(upce, hint=Symbology.UPCE)
    assert info.symbology is Symbology.UPCE and info.check_ok and info.key == "0" + upca
    assert "0" + upca in lookup_keys(upce)


def test_bad_check_digit_is_detected_and_other_codes_pass_through():
    assert classify("4006381333932").check_ok is False
    assert classify("ABC-123").symbology is Symbology.OTHER
    assert classify("ABC-123").check_ok is None


def test_gs1_price_check_digit_published_example():
    # GS1 General Specifications, 4-digit price check digit example: 2875 -> 9
    assert price_check_digit("2875") == 9


def test_variable_measure_weight_and_price():
    weight_body = "21" + "00042" + "01234"
    code = weight_body + str(gtin_check_digit(weight_body))
    m = parse_variable_measure(code)
    assert m.kind is MeasureKind.WEIGHT and m.value == 1234 and m.item_key == "2100042"
    price_body = "23" + "00042" + "00500"
    m = parse_variable_measure(price_body + str(gtin_check_digit(price_body)))
    assert m.kind is MeasureKind.PRICE and m.value == 500
    layout = (VariableLayout(("28",), MeasureKind.PRICE, item_digits=5, price_check=True),)
    body = "28" + "00042" + "9" + "2875"
    m = parse_variable_measure(body + str(gtin_check_digit(body)), layout)
    assert m.value == 2875 and m.price_check_ok is True
    bad = "28" + "00042" + "3" + "2875"
    assert parse_variable_measure(bad + str(gtin_check_digit(bad)), layout).price_check_ok is False
    assert parse_variable_measure("4006381333931") is None
