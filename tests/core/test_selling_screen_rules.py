"""The pure rules behind the selling screen's keypads: cash entry with notes, the
reference keypad, the calculator's typing unit and unit changes, "far above the
usual", the QR template, finding a sale by number or typed date, and undoing a
removed cart line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kiosk.core.cart import Cart, LineEntry
from kiosk.core.cash_entry import MAX_REFERENCE_DIGITS, AmountEntry, drop_typed, press_reference
from kiosk.core.catalog import ProductRef
from kiosk.core.history_search import FutureDate, InvalidDate, date_text, parse_sale_number, parse_typed_date
from kiosk.core.payment_qr import check_qr_template, render_qr
from kiosk.core.units import BaseUnit, SaleMode, Uom, convert_typed, typing_unit
from kiosk.core.usual import FLOOR, USUAL_FACTOR, is_unusual, usual_limit

SPONGE = ProductRef(1, "ESP", "Esponja", SaleMode.UNIT, Uom.UNIT, 150, 1900)
SOAP = ProductRef(2, "JAB", "Jabón líquido", SaleMode.VOLUME, Uom.L, 400, 0)
CLOTH = ProductRef(3, "PAN", "Paño", SaleMode.UNIT, Uom.UNIT, 120, 0)


def keys(entry: AmountEntry, *pressed: str) -> AmountEntry:
    for key in pressed:
        entry = entry.press(key)
    return entry


# --- cash keypad ---------------------------------------------------------------------------

def test_notes_add_up_and_typing_after_a_note_starts_a_new_amount():
    entry = AmountEntry(2).add_note(1000)
    assert entry.amount == 1000
    entry = entry.add_note(500)
    assert (entry.amount, entry.notes) == (1500, (1000, 500))
    typed = entry.press("2")  # the keypad corrects a guess: a new amount, not 15,002
    assert (typed.amount, typed.typed, typed.notes) == (200, "2", ())
    assert keys(typed, "dec", "5").amount == 250


def test_a_note_after_typing_starts_a_new_sum():
    entry = keys(AmountEntry(2), "3", "dec", "5").add_note(1000)
    assert (entry.amount, entry.notes, entry.typed) == (1000, (1000,), "")


def test_back_takes_back_the_last_note_and_clear_empties():
    entry = AmountEntry(2).add_note(2000).add_note(500)
    assert entry.press("back").amount == 2000
    assert entry.press("back").press("back").is_empty
    assert entry.press("clear").is_empty
    assert keys(AmountEntry(2), "1", "2", "back").amount == 100


def test_exact_replaces_whatever_was_entered():
    entry = AmountEntry(2).add_note(5000).exact(680)
    assert (entry.amount, entry.notes) == (680, (680,))
    assert AmountEntry(2).exact(0).is_empty


def test_typing_respects_the_currency_decimals_and_length():
    assert keys(AmountEntry(2), "1", "dec", "2", "3", "4").typed == "1.23"
    assert keys(AmountEntry(2), "dec", "5").typed_text(",") == "0,5"
    assert keys(AmountEntry(0), "dec", "1", "00").typed == "100"  # pesos: no decimal key, "00" is two zeros
    assert keys(AmountEntry(0), "5", "00").amount == 500
    assert len(keys(AmountEntry(2), *"1234567890123").typed) == 10
    huge = AmountEntry(0).add_note(999_999_999_999)
    assert huge.add_note(1) == huge  # a sum past 12 digits is not taken
    with pytest.raises(ValueError):
        AmountEntry(2).press("x")


def test_reference_keypad_takes_digits_only():
    ref = ""
    for key in ["1", "2", "dec", "3", "back", "4"]:
        ref = press_reference(ref, key)
    assert ref == "124"
    assert press_reference(ref, "clear") == ""
    assert len(press_reference("9" * MAX_REFERENCE_DIGITS, "1")) == MAX_REFERENCE_DIGITS


# --- calculator ----------------------------------------------------------------------------

def test_the_unit_a_person_types_for_a_product():
    assert typing_unit(Uom.L) is Uom.ML and typing_unit(Uom.KG) is Uom.G
    assert typing_unit(Uom.GAL) is Uom.GAL and typing_unit(Uom.LB) is Uom.LB and typing_unit(Uom.ML) is Uom.ML


def test_a_unit_change_converts_the_typed_quantity():
    assert convert_typed(Decimal("1.5"), Uom.L, Uom.ML) == Decimal(1500)
    assert convert_typed(Decimal(500), Uom.ML, Uom.L) == Decimal("0.5")
    assert convert_typed(1, Uom.GAL, Uom.ML) == Decimal(3785)
    assert convert_typed(1, Uom.L, Uom.GAL) == Decimal("0.264")
    assert convert_typed(250, Uom.G, Uom.KG) == Decimal("0.25")
    assert convert_typed(1, Uom.LB, Uom.G) == Decimal(454)
    assert str(convert_typed(2, Uom.KG, Uom.G)) == "2000"


def test_far_above_the_usual():
    assert usual_limit(BaseUnit.ML, 0) == FLOOR[BaseUnit.ML] == 20_000
    assert not is_unusual(20_000, BaseUnit.ML, 0)
    assert is_unusual(500_000, BaseUnit.ML, 0)  # "500" typed in litres
    assert usual_limit(BaseUnit.ML, 10_000) == USUAL_FACTOR * 10_000  # a shop selling 10 L at a time
    assert not is_unusual(40_000, BaseUnit.ML, 10_000)
    assert is_unusual(51, BaseUnit.COUNT, 3) and not is_unusual(50, BaseUnit.COUNT, 3)


# --- QR template ---------------------------------------------------------------------------

def test_qr_template_is_filled_for_the_amount_and_sale():
    link = "https://pagos.example.com/tienda?valor={amount_major}&ref={reference}&cur={currency}"
    assert render_qr(link, amount=1230, decimals=2, currency="USD", sale_number=42) == \
        "https://pagos.example.com/tienda?valor=12.30&ref=V000042&cur=USD"
    assert render_qr("{amount}|{amount_major}|{sale}", amount=12300, decimals=0, currency="COP",
                     sale_number=7) == "12300|12300|7"
    assert render_qr("{amount:012d}{{x}}", amount=5, decimals=2, currency="COP", sale_number=1) == "000000000005{x}"
    check_qr_template("")  # no template: no generated code


@pytest.mark.parametrize("template, says", [
    ("pay {amont}", "unknown placeholder {amont}"),
    ("pay {}", "unknown placeholder {}"),
    ("{amount.real}", "unknown placeholder {amount.real}"),
    ("{amount!r}", "conversions are not supported"),
    ("pay {amount", "for a brace"),
    ("{amount_major:d}", "cannot be filled in"),
    ("x" * 1001, "at most 1000 characters"),
])
def test_a_bad_qr_template_says_what_is_wrong(template: str, says: str):
    with pytest.raises(ValueError, match=None) as err:
        check_qr_template(template)
    assert says in str(err.value)
    assert "{amount}" in str(err.value) or "characters" in says


# --- history search ------------------------------------------------------------------------

def test_a_sale_is_found_by_number_or_receipt_reference():
    assert [parse_sale_number(t) for t in ["42", "#42", " V000042 ", "v42", "0", "abc", "", "V", "1" * 10]] == \
        [42, 42, 42, 42, None, None, None, None, None]


def test_a_typed_date_in_the_locale_order():
    today = date(2025, 12, 2)
    assert parse_typed_date("0112", "dmy", today) == date(2025, 12, 1)
    assert parse_typed_date("1201", "mdy", today) == date(2025, 12, 1)
    assert parse_typed_date("2412", "dmy", today) == date(2024, 12, 24)  # still to come this year: last year's
    assert parse_typed_date("150324", "dmy", today) == date(2024, 3, 15)
    assert parse_typed_date("15032024", "dmy", today) == date(2024, 3, 15)
    assert parse_typed_date("20240315", "ymd", today) == date(2024, 3, 15)
    assert date_text("0112", "dmy") == "01/12" and date_text("011", "dmy") == "01/1"
    assert date_text("01122025", "dmy") == "01/12/2025" and date_text("20251201", "ymd") == "2025/12/01"


@pytest.mark.parametrize("digits", ["3102", "013", "0113202", "x112", "3002", "31042025", "2902"])
def test_a_date_that_does_not_exist_is_explained(digits: str):
    with pytest.raises(InvalidDate) as err:
        parse_typed_date(digits, "dmy", date(2025, 12, 2))
    assert "no es una fecha" in str(err.value) and "01/12/2025" in str(err.value)


def test_a_date_still_to_come_is_explained():
    with pytest.raises(FutureDate) as err:
        parse_typed_date("05122025", "dmy", date(2025, 12, 2))
    assert str(err.value) == "05/12/2025 aún no ha llegado: no hay ventas ese día."


# --- undo ----------------------------------------------------------------------------------

def test_lines_taken_out_go_back_where_they_were():
    cart = Cart()
    a, b, c = cart.add(SPONGE, 2), cart.add(SOAP, 500), cart.add(CLOTH, 1)
    amount = cart.add_amount(SOAP, 500)
    taken = cart.take_out([b.id, amount.id])
    assert [ln.product.sku for ln in cart.lines] == ["ESP", "PAN"]
    cart.put_back(taken)
    assert [(ln.product.sku, ln.quantity, ln.entry, ln.total) for ln in cart.lines] == [
        ("ESP", 2, LineEntry.COUNT, 300), ("JAB", 500, LineEntry.QUANTITY, 200), ("PAN", 1, LineEntry.COUNT, 120),
        ("JAB", 1250, LineEntry.AMOUNT, 500)]
    assert len({ln.id for ln in cart.lines}) == 4


def test_a_unit_item_put_back_merges_with_its_new_line():
    cart = Cart()
    line = cart.add(SPONGE, 3)
    taken = cart.take_out([line.id])
    cart.add(SPONGE)  # scanned again meanwhile
    cart.put_back(taken)
    assert [(ln.product.sku, ln.quantity) for ln in cart.lines] == [("ESP", 4)]


def test_emptying_the_cart_can_be_undone():
    cart = Cart()
    for p in (SPONGE, CLOTH):
        cart.add(p)
    taken = cart.take_out([ln.id for ln in cart.lines])
    assert cart.is_empty
    cart.put_back(taken)
    assert [ln.product.sku for ln in cart.lines] == ["ESP", "PAN"]


def test_a_scan_typed_into_the_payment_keypad_is_taken_back():
    entry = AmountEntry(2)
    for key in "5" + "7702001234567":  # the keypad takes ten digits: the code's first nine after the 5
        entry = entry.press(key)
    assert entry.typed == "5770200123"
    assert entry.untype("7702001234567").typed == "5"
    assert entry.untype("999").typed == "5770200123"  # not what was typed: left alone
    with_note = AmountEntry(2).add_note(1000)
    assert with_note.untype("1000") == with_note
    assert drop_typed("12" + "7702001234567", "7702001234567") == "12"
