"""The shop day's arithmetic (kiosk/core/till_day.py): counts by denomination,
expected cash, the difference and its note, and report figures from rows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.till_day import (
    CashFigures,
    LineRow,
    MovementRow,
    NegativeAmount,
    NegativeCount,
    NoteRequired,
    PaymentRow,
    RefundRow,
    SaleRow,
    UnknownDenomination,
    check_note,
    count_total,
    denominations,
    difference,
    report_figures,
)


def test_count_by_denomination_adds_up():
    assert count_total({10000: 3, 5000: 1, 200: 4}) == 35800
    assert count_total({}) == 0


def test_negative_count_is_refused_with_the_denomination_named():
    with pytest.raises(NegativeCount) as err:
        count_total({5000: -1})
    assert "50" in str(err.value) and "negativ" in str(err.value)


def test_unknown_denomination_is_refused():
    with pytest.raises(UnknownDenomination):
        count_total({700: 1}, allowed=[500, 1000])


def test_denominations_largest_first_without_repeats():
    assert denominations([1000, 500], [500, 100]) == [1000, 500, 100]


def test_expected_cash_formula():
    f = CashFigures(opening_float=10000, cash_received=50000, change_given=3000, cash_refunds=2000,
                    cash_in=5000, cash_out=7000)
    assert f.expected == 10000 + 50000 - 3000 - 2000 + 5000 - 7000
    assert f.cash_sales == 47000


@given(st.lists(st.tuples(st.integers(1, 10**6), st.integers(0, 10**5)), max_size=30),
       st.integers(0, 10**6), st.lists(st.integers(1, 10**5), max_size=5), st.lists(st.integers(1, 10**5), max_size=5))
def test_expected_cash_is_the_drawer_arithmetic(sales, opening, ins, outs):
    """Simulate a drawer: each cash sale puts the tendered notes in and takes the change out."""
    drawer = opening
    payments = []
    for amount, change in sales:
        drawer += amount + change  # handed over
        drawer -= change  # given back
        payments.append(PaymentRow("completed", "cash", amount, amount + change, change))
    drawer += sum(ins) - sum(outs)
    movements = [MovementRow("in", a, "change") for a in ins] + [MovementRow("out", a, "safe_drop") for a in outs]
    f = report_figures([], [], payments, [], movements, opening)
    assert f.cash["expected"] == drawer


def test_difference_and_note_threshold():
    d = difference(counted=9500, expected=10000, threshold=200)
    assert d.amount == -500 and d.kind == "short" and d.note_required
    with pytest.raises(NoteRequired):
        check_note(d, "  ")
    assert check_note(d, " billete falso ") == "billete falso"
    small = difference(10100, 10000, 200)
    assert small.kind == "over" and not small.note_required and check_note(small, "") == ""
    assert difference(10000, 10000).kind == "exact"
    with pytest.raises(NegativeAmount):
        difference(-1, 0)


def test_report_figures_from_rows():
    sales = [SaleRow(1, "completed", "ana", 11900, 1900), SaleRow(2, "completed", "luis", 5000, 0),
             SaleRow(3, "voided", "ana", 2000, 0)]
    lines = [LineRow("completed", "Aseo", 1900, 11900, 1900), LineRow("completed", "Pan", 0, 5000, 0),
             LineRow("voided", "Pan", 0, 2000, 0)]
    payments = [PaymentRow("completed", "cash", 11900, 20000, 8100), PaymentRow("completed", "card", 5000, 5000, 0),
                PaymentRow("voided", "cash", 2000, 2000, 0)]
    refunds = [RefundRow("void", "cash", 2000, 3), RefundRow("return", "card", 1000, 1)]
    movements = [MovementRow("in", 1000, "change"), MovementRow("out", 500, "supplier")]
    f = report_figures(sales, lines, payments, refunds, movements, opening_float=10000, counted=20000)
    assert (f.sales_count, f.first_number, f.last_number, f.voids_count, f.voids_total) == (2, 1, 3, 1, 2000)
    assert (f.gross, f.returns, f.net, f.tax_total, f.returns_count) == (16900, 1000, 15900, 1900, 1)
    assert f.by_rate == [{"rate_bp": 0, "gross": 5000, "base": 5000, "tax": 0},
                         {"rate_bp": 1900, "gross": 11900, "base": 10000, "tax": 1900}]
    assert f.by_category[0] == {"category": "Aseo", "total": 11900}
    assert f.by_cashier == [{"cashier": "ana", "count": 1, "total": 11900},
                            {"cashier": "luis", "count": 1, "total": 5000}]
    assert {"method": "card", "amount": 5000, "refunds": 1000, "net": 4000} in f.payments
    expected = 10000 + 20000 - 8100 - 2000 + 1000 - 500
    assert f.cash["expected"] == expected
    assert f.cash["difference"] == 20000 - expected
    assert f.as_dict()["cash"]["cash_sales"] == 11900
