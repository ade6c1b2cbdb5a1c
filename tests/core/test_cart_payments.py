import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.cart import Cart, LineEntry
from kiosk.core.catalog import ProductRef, ScanMatch
from kiosk.core.errors import (
    AmountTooLarge,
    EmptyCart,
    InsufficientTender,
    InvalidPayment,
    InvalidQuantity,
    LineNotFound,
    Overpayment,
    PaymentMismatch,
    ProductInactive,
    QuantityRequired,
    QuantityTooLarge,
    QuantityTooSmall,
    UnknownBarcode,
)
from kiosk.core.payments import PaymentMethod, Tender, change_due, settle
from kiosk.core.units import SaleMode, Uom

SPONGE = ProductRef(1, "ESP", "Esponja", SaleMode.UNIT, Uom.UNIT, 150, 1900)
SOAP = ProductRef(2, "JAB", "Jabón líquido", SaleMode.VOLUME, Uom.L, 400, 0)
POWDER = ProductRef(3, "POL", "Detergente en polvo", SaleMode.WEIGHT, Uom.KG, 290, 0)
DELIVERY = ProductRef(4, "SRV", "Entrega", SaleMode.SERVICE, Uom.UNIT, 200, 0)


def test_unit_items_merge_and_bulk_lines_stay_separate():
    cart = Cart()
    cart.add(SPONGE)
    cart.add(SPONGE, 2)
    cart.add(SOAP, 500)
    cart.add(SOAP, 250)
    assert [ln.quantity for ln in cart.lines] == [3, 500, 250]
    assert cart.total == 450 + 200 + 100
    assert cart.tax == 72  # 19 % included in 450
    assert cart.subtotal == cart.total - cart.tax


def test_by_amount_line_charges_exactly_the_amount_and_edit_turns_it_into_quantity():
    cart = Cart()
    line = cart.add_amount(SOAP, 500)
    assert line.entry is LineEntry.AMOUNT and line.total == 500 and line.quantity == 1250
    edited = cart.set_quantity(line.id, 1000)
    assert edited.entry is LineEntry.QUANTITY and edited.total == 400


def test_increment_decrement_remove_clear():
    cart = Cart()
    line = cart.add(SPONGE)
    cart.increment(line.id)
    assert cart.line(line.id).quantity == 2
    assert cart.increment(line.id, -2) is None
    assert cart.is_empty
    line = cart.add(DELIVERY)
    cart.remove(line.id)
    with pytest.raises(LineNotFound):
        cart.remove(line.id)
    cart.add(SPONGE)
    cart.clear()
    with pytest.raises(EmptyCart):
        cart.require_items()


@pytest.mark.parametrize("quantity,error", [(0, InvalidQuantity), (-3, InvalidQuantity), (10_000, QuantityTooLarge)])
def test_bad_quantities_are_refused_and_cart_unchanged(quantity, error):
    cart = Cart()
    cart.add(SPONGE)
    with pytest.raises(error):
        cart.add(SPONGE, quantity)
    with pytest.raises(error):
        cart.set_quantity(cart.lines[0].id, quantity)
    assert [ln.quantity for ln in cart.lines] == [1]


def test_absurd_bulk_quantity_and_amount():
    cart = Cart()
    with pytest.raises(QuantityTooLarge) as err:
        cart.add(SOAP, 1_000_001)
    assert "Jabón líquido" in str(err.value)
    with pytest.raises(QuantityRequired):
        cart.add(SOAP)
    expensive = ProductRef(9, "X", "X", SaleMode.UNIT, Uom.UNIT, 10**10)
    with pytest.raises(AmountTooLarge):
        cart.add(expensive, 100)
    assert cart.is_empty


def test_bulk_quantity_whose_price_rounds_to_nothing_is_refused():
    cheap = ProductRef(6, "PIS", "Limpiapisos", SaleMode.VOLUME, Uom.L, 190)
    cart = Cart()
    with pytest.raises(QuantityTooSmall) as err:
        cart.add(cheap, 1)  # 1 ml at $1.90/L = $0.0019
    assert str(err.value) == "1 ml de Limpiapisos cuesta menos que la moneda más pequeña: venda al menos 4 ml."
    assert cart.add(cheap, 4).total == 1


def test_inactive_product_and_unknown_barcode():
    cart = Cart()
    with pytest.raises(ProductInactive) as err:
        cart.add(ProductRef(5, "OLD", "Cera vieja", SaleMode.UNIT, Uom.UNIT, 100, active=False))
    assert "Cera vieja" in str(err.value)
    with pytest.raises(UnknownBarcode) as err:
        cart.add_barcode("7701234567890", lambda code: None)
    assert "7701234567890" in str(err.value)


def test_weight_and_price_labels():
    cart = Cart()
    line = cart.add_match(ScanMatch(POWDER, quantity=1234))
    assert line.entry is LineEntry.LABEL and line.total == 358  # 1.234 kg x 2.90
    line = cart.add_match(ScanMatch(POWDER, amount=500))
    assert line.total == 500 and line.quantity == 1724


def test_refresh_drops_products_that_were_deactivated():
    cart = Cart()
    cart.add(SPONGE)
    cart.add(SOAP, 100)
    removed, repriced = cart.refresh_products(lambda pid: None if pid == 2 else SPONGE)
    assert removed == ["Jabón líquido"] and len(cart) == 1 and repriced == []


def test_refresh_reprices_lines_whose_price_or_tax_changed():
    from dataclasses import replace

    cart = Cart()
    unit = cart.add(SPONGE, 3)
    by_amount = cart.add_amount(SOAP, 500)
    dearer_sponge = replace(SPONGE, price=SPONGE.price + 50)
    taxed_soap = replace(SOAP, price=SOAP.price * 2, tax_rate_bp=1900)
    removed, repriced = cart.refresh_products(lambda pid: dearer_sponge if pid == SPONGE.id else taxed_soap)
    assert removed == []
    assert [(r.line_id, r.old_price, r.new_price) for r in repriced] == [
        (unit.id, SPONGE.price, SPONGE.price + 50), (by_amount.id, SOAP.price, SOAP.price * 2)]
    assert cart.line(unit.id).total == 3 * (SPONGE.price + 50)
    # "$5 of soap" still charges $5, and now buys half as much.
    assert cart.line(by_amount.id).total == 500
    assert cart.line(by_amount.id).quantity == by_amount.quantity // 2
    assert cart.line(by_amount.id).product.tax_rate_bp == 1900
    assert cart.refresh_products(lambda pid: dearer_sponge if pid == SPONGE.id else taxed_soap) == ([], [])


# --- payments ------------------------------------------------------------------------

def test_cash_change_and_exact_cash():
    [p] = settle(740, [Tender(PaymentMethod.CASH, 2000)])
    assert (p.amount, p.tendered, p.change) == (740, 2000, 1260)
    [p] = settle(740, [Tender(PaymentMethod.CASH, 740)])
    assert p.change == 0
    assert change_due(740, 1000) == 260


def test_cash_below_total_is_refused_with_amounts_in_the_message():
    with pytest.raises(InsufficientTender) as err:
        settle(740, [Tender(PaymentMethod.CASH, 500)])
    assert "$5,00" in str(err.value) and "$7,40" in str(err.value)


def test_split_card_then_cash():
    payments = settle(2500, [Tender(PaymentMethod.CARD, 1000, "AUTH123"), Tender(PaymentMethod.CASH, 2000)])
    assert [(p.method, p.amount, p.change) for p in payments] == [
        (PaymentMethod.CARD, 1000, 0), (PaymentMethod.CASH, 1500, 500)]
    assert payments[0].reference == "AUTH123"


def test_card_cannot_exceed_what_is_due_and_payments_must_cover_total():
    with pytest.raises(Overpayment):
        settle(1000, [Tender(PaymentMethod.CARD, 1200)])
    with pytest.raises(PaymentMismatch):
        settle(1000, [Tender(PaymentMethod.QR, 600)])
    with pytest.raises(InvalidPayment):
        settle(1000, [Tender(PaymentMethod.CARD, 0)])
    assert settle(0, []) == []  # free items: no payment
    with pytest.raises(Overpayment):
        settle(0, [Tender(PaymentMethod.CASH, 100)])


@given(total=st.integers(min_value=1, max_value=10**9),
       card=st.integers(min_value=0, max_value=10**9),
       cash=st.integers(min_value=0, max_value=10**9))
def test_split_payments_add_up_exactly(total, card, cash):
    tenders = [t for t in (Tender(PaymentMethod.CARD, card), Tender(PaymentMethod.CASH, cash)) if t.amount]
    try:
        payments = settle(total, tenders)
    except (InsufficientTender, Overpayment, PaymentMismatch, EmptyCart):
        assert card > total or card + cash < total or (card == total and cash) or not tenders
        return
    assert sum(p.amount for p in payments) == total
    assert all(p.change >= 0 for p in payments)
    assert sum(p.change for p in payments) == card + cash - total
