"""Properties of bulk selling: a by-amount line never charges more than asked (and
gives the most goods the amount pays for), a by-quantity line charges
round_half_up(quantity x price), and absurd or too-small requests are refused."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kiosk.core.cart import Cart, LineEntry
from kiosk.core.catalog import ProductRef
from kiosk.core.errors import AmountTooLarge, AmountTooSmall, QuantityTooLarge, QuantityTooSmall
from kiosk.core.pricing import MAX_LINE_AMOUNT, line_total, quantity_for_amount
from kiosk.core.units import BASE_OF, FACTOR, MAX_LINE_QUANTITY, SaleMode, Uom, mode_for_uom

BULK_UOMS = [Uom.L, Uom.ML, Uom.GAL, Uom.KG, Uom.G, Uom.LB]
uoms = st.sampled_from(BULK_UOMS)
prices = st.integers(1, 5_000_000)  # minor units per unit of measure
amounts = st.integers(1, 100_000_000)


def product(price: int, uom: Uom) -> ProductRef:
    return ProductRef(id=1, sku="BULK", name="Granel", sale_mode=mode_for_uom(uom), uom=uom, price=price)


def exact_cost(quantity: int, price: int, uom: Uom) -> Fraction:
    return Fraction(quantity * price) / Fraction(FACTOR[uom])


def half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)) // 1)


@given(amount=amounts, price=prices, uom=uoms, resolution=st.sampled_from([1, 5, 10, 50]))
def test_by_amount_never_charges_more_than_asked(amount, price, uom, resolution):
    try:
        q = quantity_for_amount(amount, price, uom, resolution=resolution)
    except AmountTooSmall:
        assert exact_cost(resolution, price, uom) > amount  # not even one step is affordable
        return
    assert q > 0 and q % resolution == 0
    assert exact_cost(q, price, uom) <= amount  # the goods are worth at most what is paid
    assert exact_cost(q + resolution, price, uom) > amount  # and one more step would cost more
    assert line_total(q, price, uom) <= amount


@given(amount=amounts, price=prices, uom=uoms)
def test_by_amount_cart_line_charges_exactly_the_amount(amount, price, uom):
    cart = Cart()
    try:
        line = cart.add_amount(product(price, uom), amount)
    except (AmountTooSmall, QuantityTooLarge):
        assume(False)
    assert line.total == amount and line.entry is LineEntry.AMOUNT
    assert exact_cost(line.quantity, price, uom) <= amount


@given(quantity=st.integers(1, 1_000_000), price=prices, uom=uoms)
def test_by_quantity_charges_rounded_quantity_times_price(quantity, price, uom):
    expected = half_up(exact_cost(quantity, price, uom))
    assert line_total(quantity, price, uom) == expected
    if quantity > MAX_LINE_QUANTITY[BASE_OF[uom]]:
        with pytest.raises(QuantityTooLarge):
            Cart().add(product(price, uom), quantity)
    elif expected > MAX_LINE_AMOUNT:
        with pytest.raises(AmountTooLarge):
            Cart().add(product(price, uom), quantity)
    elif expected == 0:
        with pytest.raises(QuantityTooSmall):  # it would give the goods away
            Cart().add(product(price, uom), quantity)
    else:
        line = Cart().add(product(price, uom), quantity)
        assert line.total == expected and line.entry is LineEntry.QUANTITY


def test_one_cent_of_a_40_per_litre_product_is_refused_with_the_minimum():
    p = product(4000, Uom.L)  # $40.00/L: 1 ml costs $0.04
    with pytest.raises(AmountTooSmall) as exc:
        Cart().add_amount(p, 1)
    assert exc.value.params["minimum_minor"] == 4
    assert "$0,04" in str(exc.value)


def test_absurd_quantities_are_refused():
    with pytest.raises(QuantityTooLarge):
        Cart().add(product(320, Uom.L), 2_000_000)  # 2,000 L typed for 2 L
    with pytest.raises(QuantityTooLarge):
        Cart().add_amount(product(1, Uom.KG), 10_000_000)  # $100,000 of a 1-cent/kg good


def test_a_scale_weight_in_pounds_prices_exactly():
    # 2.72 lb read from a scale = 1234 g; at $8.99/lb that is 1234/453.59237 x 8.99.
    assert line_total(1234, 899, Uom.LB) == half_up(exact_cost(1234, 899, Uom.LB)) == 2446
    assert SaleMode.WEIGHT is mode_for_uom(Uom.LB)
