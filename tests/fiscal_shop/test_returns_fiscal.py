"""Issue 14's leftovers with the fiscal profile on: a return's and a void's credit note
get their own ticket (number and CUDE on paper, stored in the same transaction), and
a sale with line and sale discounts becomes an electronic document whose XML totals
equal the sale record."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from kiosk.core.cart import Cart
from kiosk.core.discounts import Discount
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.fiscal.ubl import NS_READ, build_xml
from tests.fiscal_shop.shop import sell
from tests.fiscal_shop.test_documents import flat


def jobs(app, kind: str) -> list[bytes]:  # noqa: ANN001
    conn = sqlite3.connect(app.settings.state_dir / "kiosk.db")
    try:
        return [r[0] for r in conn.execute("SELECT payload FROM print_jobs WHERE kind = ? ORDER BY id", (kind,))]
    finally:
        conn.close()


def test_a_return_prints_its_credit_note_with_number_and_cude(co_app, manager, cashier, ranges):
    sale = sell(co_app, cashier, [("CERA", 2), ("CAFE", 2)])
    result = co_app.returns.make_return(manager, sale.number, [(1, 1)], "changed_mind")
    assert result.credit_note
    tickets = jobs(co_app, "return")
    notes = jobs(co_app, "credit_note")
    assert len(tickets) == 1 and len(notes) == 1
    text = flat(notes[0])
    doc = co_app.fiscal.for_sale(sale.sale_id)[-1]
    assert doc.document_number == result.credit_note
    assert result.credit_note in text
    key = co_app.fiscal.document_key(doc.id)
    assert key and key[:20] in text.replace(" ", "")  # the CUDE, in full on paper (wrapped)


def test_a_void_prints_its_credit_note(co_app, manager, cashier, ranges):
    sale = sell(co_app, cashier, [("CERA", 1)])
    result = co_app.returns.void(manager, sale.number, "cobrado dos veces")
    assert result.credit_note
    assert len(jobs(co_app, "void")) == 1
    notes = jobs(co_app, "credit_note")
    assert len(notes) == 1 and result.credit_note in flat(notes[0])


def test_a_discounted_sale_is_an_electronic_document_with_the_sales_totals(co_app, cashier, ranges):
    cat = co_app.catalog
    cart = Cart()
    wax = cart.add(cat.by_sku("CERA"), 3)
    cart.add(cat.by_sku("CAFE"), 2)
    cart.add(cat.by_sku("AGUA"), 1)
    cart.set_line_discount(wax.id, Discount.percent(10, "cliente frecuente"))
    cart.set_sale_discount(Discount.amount(1_000, "promoción"))
    total = cart.total
    result = co_app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, total)], cashier)
    assert result.total == total
    conn = sqlite3.connect(co_app.settings.state_dir / "kiosk.db")
    try:
        sale_total, sale_tax = conn.execute("SELECT total, tax_total FROM sales WHERE id = ?",
                                            (result.sale_id,)).fetchone()
        line_sum = conn.execute("SELECT SUM(line_total), SUM(tax_amount) FROM sale_lines WHERE sale_id = ?",
                                (result.sale_id,)).fetchone()
    finally:
        conn.close()
    assert (sale_total, sale_tax) == line_sum
    doc = co_app.fiscal.sale_document(result.sale_id)
    assert (doc.total, doc.tax_total) == (sale_total, sale_tax)
    root = build_xml(co_app.fiscal.electronic_document(doc.id)).root
    decimals = co_app.settings.currency.decimals

    def amount(path: str) -> int:
        return int(Decimal(root.findtext(path, namespaces=NS_READ)) * 10 ** decimals)

    assert amount("cac:LegalMonetaryTotal/cbc:PayableAmount") == sale_total
    assert amount("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == sale_total
    taxes = sum(int(Decimal(t) * 10 ** decimals) for t in root.xpath("cac:TaxTotal/cbc:TaxAmount/text()",
                                                                     namespaces=NS_READ))
    assert taxes == sale_tax
    assert amount("cac:LegalMonetaryTotal/cbc:LineExtensionAmount") == sale_total - sale_tax
