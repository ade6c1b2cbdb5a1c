from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core import tax
from kiosk.core.errors import AmountTooSmall, InvalidAmount, InvalidQuantity
from kiosk.core.money import round_half_up
from kiosk.core.pricing import line_total, quantity_for_amount
from kiosk.core.units import FACTOR, Uom

rates = st.sampled_from([0, 500, 1900, 1600, 800])
grosses = st.integers(min_value=0, max_value=10**8)


def test_tax_included_examples():
    assert tax.tax_included(11900, 1900) == 1900
    assert tax.tax_included(100, 1900) == 16  # 15.97 -> 16
    assert tax.tax_included(5000, 0) == 0


@given(st.lists(st.tuples(rates, grosses), min_size=1, max_size=30))
def test_breakdown_and_line_taxes_agree(items):
    lines = tax.breakdown(items)
    per_line = tax.line_taxes(items)
    assert sum(t.gross for t in lines) == sum(g for _, g in items)
    assert sum(t.tax for t in lines) == sum(per_line)
    for t in lines:
        assert 0 <= t.tax <= t.gross
        assert t.net + t.tax == t.gross
        assert sum(per_line[i] for i, (r, _) in enumerate(items) if r == t.rate_bp) == t.tax


def test_line_total_examples():
    assert line_total(500, 400, Uom.L) == 200  # 500 ml at $4.00/L
    assert line_total(1, 1, Uom.L) == 0  # a millilitre of a 1-cent-per-litre product rounds to nothing
    assert line_total(5678, 1090, Uom.GAL) == 1635  # 1.5 gal at $10.90/gal
    with pytest.raises(InvalidQuantity):
        line_total(0, 100, Uom.L)


prices = st.integers(min_value=1, max_value=500_000)
uoms = st.sampled_from([Uom.L, Uom.ML, Uom.GAL, Uom.KG, Uom.G, Uom.LB])


@given(st.integers(min_value=1, max_value=10**7), prices, uoms)
def test_by_amount_never_charges_more_than_asked(amount, price, uom):
    try:
        q = quantity_for_amount(amount, price, uom)
    except AmountTooSmall:
        assert line_total(1, price, uom) > amount or Decimal(price) / FACTOR[uom] > amount
        return
    assert q >= 1
    assert line_total(q, price, uom) <= amount
    # one more base unit would cost more than the amount: q is the most it buys
    assert Decimal(q + 1) * price / FACTOR[uom] > amount


@given(st.integers(min_value=1, max_value=10**6), prices, uoms)
def test_by_quantity_charges_rounded_quantity_times_price(q, price, uom):
    assert line_total(q, price, uom) == round_half_up(Decimal(q) * price / FACTOR[uom])


def test_amount_below_resolution_is_refused_with_a_clear_message():
    # "$0.01 of a $40/L product": one millilitre costs 4 cents
    with pytest.raises(AmountTooSmall) as err:
        quantity_for_amount(1, 4000, Uom.L, name="Suavizante")
    assert "Suavizante" in str(err.value) and "$0,04" in str(err.value)
    with pytest.raises(InvalidAmount):
        quantity_for_amount(0, 4000, Uom.L)
