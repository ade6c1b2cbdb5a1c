"""Discount rounding and refund math (kiosk/core/discounts.py, kiosk/core/refunds.py)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kiosk.core import tax as taxes
from kiosk.core.discounts import Discount, DiscountKind, LineIn, discount_amount, percent_of, price
from kiosk.core.refunds import SoldLine, refund, split_refund
from kiosk.core.returns_errors import DiscountInvalid, DiscountTooLarge

RATES = st.sampled_from([0, 500, 1900, 800])


@st.composite
def discounts(draw, gross_hint: int = 0):
    if draw(st.booleans()):
        return None
    if draw(st.booleans()):
        return Discount(DiscountKind.PERCENT, draw(st.integers(1, 9_999)))
    return Discount(DiscountKind.AMOUNT, draw(st.integers(1, max(1, gross_hint - 1) if gross_hint else 50)))


@st.composite
def lines_in(draw):
    n = draw(st.integers(1, 8))
    out = []
    for _ in range(n):
        gross = draw(st.integers(2, 2_000_000))
        d = draw(discounts(gross))
        out.append(LineIn(gross, draw(RATES), d))
    return out


@settings(max_examples=300, deadline=None)
@given(lines_in(), st.one_of(st.none(), st.integers(1, 9_999).map(lambda v: Discount(DiscountKind.PERCENT, v))))
def test_lines_sum_to_total_and_tax_bases_add_up(lines, sale_discount):
    try:
        priced = price(lines, sale_discount)
    except DiscountTooLarge:  # rounding would take a tiny line's whole price: refused, tested below
        assume(False)
    assert sum(ln.net for ln in priced.lines) == priced.total
    assert priced.list_total - priced.discount == priced.total
    assert sum(t.gross for t in priced.taxes) == priced.total
    assert sum(ln.tax for ln in priced.lines) == priced.tax
    for rate in {ln.tax_rate_bp for ln in lines}:
        group = [p for p, ln in zip(priced.lines, lines) if ln.tax_rate_bp == rate]
        gross = sum(p.net for p in group)
        assert sum(p.tax for p in group) == taxes.tax_included(gross, rate)
    assert all(p.net >= 0 for p in priced.lines) and priced.total > 0
    assert sum(p.sale_discount for p in priced.lines) == priced.sale_discount


def test_worked_example_tax_on_discounted_amount():
    # 2 lines at 19 %: 10.00 and 5.00, 10 % off the first, 1.00 off the sale.
    priced = price([LineIn(1000, 1900, Discount.percent(10)), LineIn(500, 1900)], Discount.amount(100))
    assert [p.line_discount for p in priced.lines] == [100, 0]
    assert priced.sale_discount == 100
    assert [p.sale_discount for p in priced.lines] == [64, 36]  # 900:500 of 100
    assert priced.total == 1300
    assert priced.tax == taxes.tax_included(1300, 1900) == 208


@pytest.mark.parametrize("d", [Discount.percent(100), Discount.percent(150), Discount.amount(500),
                               Discount.amount(501)])
def test_a_discount_must_leave_something_to_pay(d):
    with pytest.raises(DiscountTooLarge) as err:
        discount_amount(500, d)
    assert "remove the line" in err.value.message("en")
    assert str(err.value)  # Spanish text exists


@pytest.mark.parametrize("d", [Discount.percent(0), Discount.amount(0), Discount.amount(-5)])
def test_zero_or_negative_discount_is_refused(d):
    with pytest.raises(DiscountInvalid):
        discount_amount(500, d)


def test_percent_rounds_half_up_and_percent_of():
    assert discount_amount(125, Discount.percent(10)) == 13  # 12.5 -> 13
    assert discount_amount(125, Discount.percent("10.5")) == 13  # 13.125 -> 13
    assert percent_of(250, 1000) == 25
    assert Discount.percent("12.5").text() == "12.5 %"


@st.composite
def sold_and_returns(draw):
    quantity = draw(st.integers(1, 5_000))
    net = draw(st.integers(1, 10_000_000))
    tax = draw(st.integers(0, net))
    pieces = []
    left = quantity
    while left:
        q = draw(st.integers(1, left))
        pieces.append(q)
        left -= q
    return quantity, net, tax, pieces


@settings(max_examples=400, deadline=None)
@given(sold_and_returns())
def test_returning_every_unit_in_any_number_of_returns_refunds_the_total(case):
    quantity, net, tax, pieces = case
    line = SoldLine(quantity, net, tax)
    for q in pieces:
        r = refund(line, q)
        assert 0 <= r.amount <= line.net - line.returned_net
        assert 0 <= r.tax <= line.tax - line.returned_tax
        line = SoldLine(quantity, net, tax, line.returned_quantity + q, line.returned_net + r.amount,
                        line.returned_tax + r.tax)
    assert line.returned_quantity == quantity
    assert line.returned_net == net
    assert line.returned_tax == tax


@settings(max_examples=200, deadline=None)
@given(lines_in(), st.data())
def test_a_whole_sale_returned_in_pieces_refunds_its_total_to_the_cent(lines, data):
    try:
        priced = price(lines)
    except DiscountTooLarge:
        assume(False)
    refunded = 0
    for ln, p in zip(lines, priced.lines):
        quantity = data.draw(st.integers(1, 3000))
        sold = SoldLine(quantity, p.net, p.tax)
        while sold.left:
            q = data.draw(st.integers(1, sold.left))
            r = refund(sold, q)
            refunded += r.amount
            sold = SoldLine(quantity, p.net, p.tax, sold.returned_quantity + q, sold.returned_net + r.amount,
                            sold.returned_tax + r.tax)
    assert refunded == priced.total


def test_partial_bulk_quantity_refund():
    # 2 L sold for 7.00: half a litre back is 1.75
    assert refund(SoldLine(2000, 700, 112), 500).amount == 175
    with pytest.raises(ValueError):
        refund(SoldLine(2000, 700, 112, returned_quantity=1800), 500)


def test_split_refund_goes_back_the_way_it_came():
    assert split_refund(300, {"cash": 500, "card": 200}, {}) == {"card": 200, "cash": 100}
    assert split_refund(300, {"cash": 500, "card": 200}, {"card": 200}) == {"cash": 300}
