"""DIAN numbering resolutions: added checked, never overlapping, used in order with no
gap, refused before payment (and, should it run out meanwhile, inside the sale's
transaction with nothing written) when out of range or validity; warnings."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from kiosk.core.fiscal_shop_errors import NumberingUnavailable, OverlappingRange, ResolutionInvalid
from kiosk.core.errors import NotPermitted
from kiosk.core.numbering import NumberingKind, ResolutionDraft
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.cart import Cart
from kiosk.services.fiscal_documents import FiscalRequest
from tests.fiscal_shop.shop import sell
from tests.invariants import check_invariants


def draft(today, **overrides) -> ResolutionDraft:  # noqa: ANN001
    values = dict(kind=NumberingKind.POS, resolution="18764000000099", resolution_date=today - timedelta(days=1),
                  prefix="CJ9", range_from=1, range_to=100, valid_from=today - timedelta(days=1),
                  valid_to=today + timedelta(days=365))
    values.update(overrides)
    return ResolutionDraft(**values)


def counts(app) -> tuple[int, int, int]:  # noqa: ANN001
    conn = app.db.raw_connection()
    try:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in ("sales", "fiscal_documents", "print_jobs"))
    finally:
        conn.close()


def test_added_resolution_lists_next_and_remaining_and_sales_use_it_in_order(co_app, boss, serviteca):
    today = co_app.numbering.today()
    r = co_app.numbering.add(draft(today, prefix="cj9 "), boss)
    assert (r.prefix, r.next_number, r.remaining, r.state(today)) == ("CJ9", 1, 100, "active")
    numbers = [co_app.fiscal.sale_document(sell(co_app, boss, [("CAFE", 1)]).sale_id).document_number
               for _ in range(3)]
    assert numbers == ["CJ91", "CJ92", "CJ93"]
    listed = co_app.numbering.resolutions(NumberingKind.POS)
    assert [(x.next_number, x.remaining) for x in listed] == [(4, 97)]


def test_overlapping_ranges_with_the_same_prefix_are_refused(co_app, boss, manager):
    today = co_app.numbering.today()
    first = co_app.numbering.add(draft(today), boss)
    with pytest.raises(OverlappingRange) as err:
        co_app.numbering.add(draft(today, resolution="18764000000100", range_from=50, range_to=150), manager)
    assert "CJ950" in str(err.value) and "18764000000099" in str(err.value)
    # the same numbers for another kind would still be the same document number
    with pytest.raises(OverlappingRange):
        co_app.numbering.add(draft(today, kind=NumberingKind.CREDIT, range_from=100, range_to=100), boss)
    # a range that continues it, or another prefix, is fine
    co_app.numbering.add(draft(today, resolution="18764000000100", range_from=101, range_to=200), boss)
    co_app.numbering.add(draft(today, prefix="CJ8"), boss)
    # an unused resolution switched off no longer blocks; switching it on again is checked
    co_app.numbering.set_active(first.id, False, boss)
    replacement = co_app.numbering.add(draft(today, resolution="18764000000101", range_to=60), boss)
    with pytest.raises(OverlappingRange):
        co_app.numbering.set_active(first.id, True, boss)
    assert co_app.numbering.get(replacement.id).active and not co_app.numbering.get(first.id).active


def test_a_used_resolution_blocks_its_numbers_even_when_switched_off(co_app, boss, serviteca):
    today = co_app.numbering.today()
    used = co_app.numbering.add(draft(today, range_to=10), boss)
    sell(co_app, boss, [("CAFE", 1)])
    co_app.numbering.set_active(used.id, False, boss)
    with pytest.raises(OverlappingRange):
        co_app.numbering.add(draft(today, resolution="18764000000100", range_to=5), boss)


@pytest.mark.parametrize(("overrides", "key"), [
    ({"prefix": "CAJA1"}, "prefix"),
    ({"prefix": "C-1"}, "prefix"),
    ({"range_from": 10, "range_to": 9}, "range"),
    ({"resolution": ""}, "resolution"),
    ({"valid_to_days": -2}, "valid_to"),
    ({"kind": NumberingKind.INVOICE}, "technical_key"),
])
def test_a_wrong_field_is_refused_naming_it(co_app, boss, overrides, key):
    today = co_app.numbering.today()
    if "valid_to_days" in overrides:
        overrides = {"valid_to": today + timedelta(days=overrides["valid_to_days"])}
    with pytest.raises(ResolutionInvalid) as err:
        co_app.numbering.add(draft(today, **overrides), boss)
    assert err.value.params["key"] == key
    assert co_app.numbering.resolutions() == []


def test_only_managers_change_numbering(co_app, cashier):
    with pytest.raises(NotPermitted):
        co_app.numbering.add(draft(co_app.numbering.today()), cashier)


def test_an_exhausted_range_is_refused_before_payment_with_nothing_written(co_app, boss, serviteca):
    today = co_app.numbering.today()
    co_app.numbering.add(draft(today, range_from=1, range_to=2), boss)
    sell(co_app, boss, [("CAFE", 1)])
    sell(co_app, boss, [("CAFE", 1)])
    before = counts(co_app)
    with pytest.raises(NumberingUnavailable) as err:
        co_app.till.fiscal_plan(2_500)  # what the checkout asks before the payment screen
    assert "every range is used up" in err.value.message("en")
    cart = Cart()
    cart.add(co_app.catalog.by_sku("CAFE"))
    with pytest.raises(NumberingUnavailable):
        co_app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, 2_500)], boss)
    assert counts(co_app) == before and cart.lines  # nothing written, the cart kept
    check_invariants(co_app.db)


def test_a_range_used_up_after_the_check_refuses_inside_the_transaction(co_app, boss, serviteca):
    """The check before payment found one number left; another sale took it meanwhile:
    the sale's own transaction refuses, and neither the sale nor its receipt is written."""
    today = co_app.numbering.today()
    co_app.numbering.add(draft(today, range_from=7, range_to=7), boss)
    cart = Cart()
    cart.add(co_app.catalog.by_sku("CAFE"))
    prepared = co_app.sales.prepare(cart, [Tender(PaymentMethod.CASH, 2_500)], boss.id)
    plan = co_app.fiscal.plan(prepared.total)
    assert plan.expected_number == "CJ97"
    sell(co_app, boss, [("AGUA", 1)])  # takes CJ97
    before = counts(co_app)
    with pytest.raises(NumberingUnavailable):
        co_app.sales.store(prepared, lambda conn, sale_id, number: co_app.fiscal.issue_for_sale(
            conn, plan, sale_id, boss.id, prepared.created_at).id)
    assert counts(co_app) == before
    check_invariants(co_app.db)


def test_expired_and_future_resolutions_say_so(co_app, boss, serviteca):
    today = co_app.numbering.today()
    co_app.numbering.add(draft(today, resolution_date=today - timedelta(days=800),
                               valid_from=today - timedelta(days=800), valid_to=today - timedelta(days=1)), boss)
    with pytest.raises(NumberingUnavailable) as err:
        co_app.till.fiscal_plan(2_500)
    assert f"expired on {(today - timedelta(days=1)).isoformat()}" in err.value.message("en")
    assert "venció" in err.value.message("es")
    co_app.numbering.add(draft(today, prefix="CJ2", resolution_date=today, valid_from=today + timedelta(days=3)), boss)
    with pytest.raises(NumberingUnavailable) as err:
        co_app.till.fiscal_plan(2_500)
    assert f"only valid from {(today + timedelta(days=3)).isoformat()}" in err.value.message("en")


def test_a_new_resolution_takes_over_when_the_first_runs_out(co_app, boss, serviteca):
    today = co_app.numbering.today()
    co_app.numbering.add(draft(today, range_from=1, range_to=2), boss)
    co_app.numbering.add(draft(today, resolution="18764000000100", range_from=3, range_to=50,
                               resolution_date=today, valid_from=today), boss)
    numbers = [co_app.fiscal.sale_document(sell(co_app, boss, [("CAFE", 1)]).sale_id)
               for _ in range(4)]
    assert [(d.document_number, d.resolution.resolution) for d in numbers] == [
        ("CJ91", "18764000000099"), ("CJ92", "18764000000099"), ("CJ93", "18764000000100"),
        ("CJ94", "18764000000100")]


def test_warnings_for_managers_when_few_numbers_or_days_are_left(co_app, boss, serviteca):
    today = co_app.numbering.today()
    codes = {(w.kind, w.code) for w in co_app.numbering.warnings(language="en")}
    assert codes == {(NumberingKind.POS, "unavailable"), (NumberingKind.INVOICE, "unavailable"),
                     (NumberingKind.CREDIT, "unavailable")}
    co_app.numbering.add(draft(today, range_to=150, valid_to=today + timedelta(days=20)), boss)
    co_app.numbering.add(draft(today, kind=NumberingKind.INVOICE, prefix="FE9", technical_key="abc"), boss)
    co_app.numbering.add(draft(today, kind=NumberingKind.CREDIT, prefix="NC9"), boss)
    for _ in range(60):
        sell(co_app, boss, [("AGUA", 1)])
    found = {(w.kind, w.code): w for w in co_app.numbering.warnings(language="en")}
    assert set(found) == {(NumberingKind.POS, "few_numbers"), (NumberingKind.POS, "expiring")}
    assert "Only 90 numbers left" in found[(NumberingKind.POS, "few_numbers")].text
    assert "(20 days)" in found[(NumberingKind.POS, "expiring")].text
    assert "Quedan solo 90" in co_app.numbering.warnings(language="es")[0].text


def test_resolutions_and_documents_cannot_be_rewritten(co_app, boss, ranges):
    sell(co_app, boss, [("CAFE", 1)])
    conn = co_app.db.raw_connection()
    try:
        for stmt in ("UPDATE numbering_resolutions SET range_to = 9", "UPDATE numbering_resolutions SET prefix = 'X'",
                     "DELETE FROM numbering_resolutions", "UPDATE fiscal_documents SET number = 9",
                     "DELETE FROM fiscal_documents", "UPDATE fiscal_document_lines SET line_total = 0",
                     "DELETE FROM fiscal_document_lines"):
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute(stmt)
        conn.execute("UPDATE numbering_resolutions SET active = 0")  # switching off is allowed
    finally:
        conn.close()


def test_invoice_request_is_planned_as_an_invoice_with_its_range(co_app, boss, ranges):
    from tests.fiscal_shop.shop import fleet_customer

    customer = fleet_customer(co_app, boss)
    plan = co_app.till.fiscal_plan(10_000, FiscalRequest(customer.id, invoice=True))
    assert (plan.kind.value, plan.expected_number) == ("01", "FE11")
