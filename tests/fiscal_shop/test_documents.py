"""Fiscal documents of sales, returns and voids: which document a sale is (POS
document, invoice on request or by amount), its number taken in the sale's
transaction, the buyer kept as it was, credit notes (nota de ajuste / nota crédito)
referring to the original, the mapping onto kiosk.core.fiscal's FiscalDocument (valid
as the electronic engine checks it) and the printed document (decoded bytes)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hardware.printer.decode import decode
from kiosk.app_factory import build
from kiosk.core import fiscal as f
from kiosk.core.cart import Cart
from kiosk.core.customers import CustomerDraft
from kiosk.core.fiscal_shop_errors import (
    CreditLineUnknown,
    CreditTooLarge,
    CustomerInactive,
    FiscalDocumentMissing,
    ForeignTillDocument,
    InvoiceNeedsCustomer,
    InvoiceRequiredByAmount,
    NothingToCredit,
    NumberingUnavailable,
)
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.services.fiscal_documents import CreditLine, FiscalRequest
from tests.conftest import make_settings
from tests.fiscal_shop.shop import TECHNICAL_KEY, add_resolutions, fiscal_settings, fleet_customer, load_serviteca, sell
from tests.invariants import check_invariants


def counts(app) -> tuple[int, int]:  # noqa: ANN001
    conn = app.db.raw_connection()
    try:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("sales", "fiscal_documents"))
    finally:
        conn.close()


def flat(payload: bytes) -> str:
    """The paper's text with its line breaks as spaces (a long line wraps anywhere)."""
    return " ".join(" ".join(decode(payload).text_lines(48)).split())


def printed(app, sale_id: int) -> str:  # noqa: ANN001
    return flat(app.printing.payload(app.printing.last_job_id(sale_id)))


def credit(app, user, sale_id, lines=None, origin="return"):  # noqa: ANN001, ANN201
    """What issue 14's return or void does: its own write transaction calls this."""
    with app.db.write_connection() as conn:
        return app.fiscal.issue_credit_note(conn, sale_id=sale_id, lines=lines, origin=origin, user_id=user.id)


def test_a_sale_without_customer_is_a_pos_document_to_the_final_consumer(co_app, cashier, ranges):
    result = sell(co_app, cashier, [("DET-LAV", 1500), ("CAFE", 2)])
    doc = co_app.fiscal.sale_document(result.sale_id)
    assert (doc.kind, doc.prefix, doc.number, doc.document_number) == (f.DocumentKind.POS, "CJ1", 1, "CJ11")
    assert (doc.buyer.id_number, doc.buyer.name, doc.buyer.customer_id) == ("222222222222", "Consumidor final", None)
    assert doc.total == result.total == 28_350 + 5_000
    assert [(ln.sku, ln.category, ln.quantity, ln.line_total) for ln in doc.lines] == [
        ("DET-LAV", "Detergentes", 1500, 28_350), ("CAFE", "Cafetería", 2, 5_000)]
    assert doc.tax_total == co_app.sales.detail(sale_id=result.sale_id).tax_total
    assert sell(co_app, cashier, [("AGUA", 1)]).number == 2
    assert co_app.fiscal.sale_document(2).document_number == "CJ12"
    check_invariants(co_app.db)


def test_an_invoice_needs_a_customer_before_payment(co_app, cashier, ranges):
    before = counts(co_app)
    with pytest.raises(InvoiceNeedsCustomer):
        co_app.till.fiscal_plan(24_500, FiscalRequest(invoice=True))
    with pytest.raises(InvoiceNeedsCustomer):
        sell(co_app, cashier, [("CERA", 1)], request=FiscalRequest(invoice=True))
    assert counts(co_app) == before


def test_an_invoice_to_a_company_keeps_the_buyer_as_it_was(co_app, boss, cashier, ranges):
    fleet = fleet_customer(co_app, boss)
    result = sell(co_app, cashier, [("CERA", 2), ("LAV-MOT", 1)], request=FiscalRequest(fleet.id, invoice=True))
    doc = co_app.fiscal.sale_document(result.sale_id)
    assert (doc.kind, doc.document_number) == (f.DocumentKind.INVOICE, "FE11")
    assert (doc.buyer.id_type, doc.buyer.identification, doc.buyer.customer_id) == (
        f.IdType.NIT, "860069804-2", fleet.id)
    assert doc.lines[0].gtin == "7702010123450"
    co_app.customers.update(fleet.id, CustomerDraft(f.IdType.NIT, "860069804", "Renamed S.A.S."), boss)
    assert co_app.fiscal.sale_document(result.sale_id).buyer.name == "Transportes Andinos S.A."
    # a POS document may name the customer too (it then supports the buyer's costs)
    pos = co_app.fiscal.sale_document(sell(co_app, cashier, [("CAFE", 1)], request=FiscalRequest(fleet.id)).sale_id)
    assert (pos.kind, pos.buyer.name, pos.document_number) == (f.DocumentKind.POS, "Renamed S.A.S.", "CJ11")


def test_the_counter_hands_the_customer_and_factura_to_the_sale(co_app, boss, cashier, ranges):
    """The selling flow (counter service): what stops the invoice is refused with the
    stored cart kept; the invoice, the sale and the cart's deletion share one commit."""
    fleet = fleet_customer(co_app, boss)
    counter = co_app.counter
    counter.add(cashier.id, co_app.catalog.by_sku("CERA"), 2)
    total = counter.cart(cashier.id).total
    pay = [Tender(PaymentMethod.CASH, total)]

    def stored_carts() -> int:
        assert co_app.carts.flush(30)  # the cart is stored by the store's writer thread
        conn = co_app.db.raw_connection()
        try:
            return conn.execute("SELECT COUNT(*) FROM cart_lines").fetchone()[0]
        finally:
            conn.close()

    assert stored_carts() == 1
    with pytest.raises(InvoiceNeedsCustomer):
        counter.checkout(cashier, pay, fiscal=FiscalRequest(invoice=True))
    assert (counts(co_app), stored_carts(), counter.cart(cashier.id).total) == ((0, 0), 1, total)
    result = counter.checkout(cashier, pay, fiscal=FiscalRequest(fleet.id, invoice=True))
    doc = co_app.fiscal.sale_document(result.sale_id)
    assert (doc.kind, doc.document_number, doc.buyer.customer_id, doc.total) == (
        f.DocumentKind.INVOICE, "FE11", fleet.id, total)
    assert (stored_carts(), counter.cart(cashier.id).is_empty) == (0, True)
    assert "Factura electrónica de venta No. FE11" in printed(co_app, result.sale_id)


def test_a_deactivated_customer_is_refused_before_payment(co_app, boss, cashier, ranges):
    fleet = fleet_customer(co_app, boss)
    co_app.customers.set_active(fleet.id, False, boss)
    with pytest.raises(CustomerInactive):
        sell(co_app, cashier, [("CAFE", 1)], request=FiscalRequest(fleet.id, invoice=True))
    assert counts(co_app) == (0, 0)


def test_the_invoice_threshold_in_uvt(state_dir):
    app = build(fiscal_settings(state_dir, invoice_threshold_uvt="1", uvt_value=52_374))
    try:
        boss = app.users.authenticate("000000")
        load_serviteca(app, boss)
        add_resolutions(app, boss)
        fleet = fleet_customer(app, boss)
        assert app.fiscal.invoice_threshold == 52_374
        assert app.till.fiscal_plan(52_373).kind is f.DocumentKind.POS
        with pytest.raises(InvoiceRequiredByAmount) as err:
            sell(app, boss, [("CERA", 3)])  # 73 500
        assert "$52.374" in str(err.value) or "52.374" in str(err.value)
        result = sell(app, boss, [("CERA", 3)], request=FiscalRequest(fleet.id))
        doc = app.fiscal.sale_document(result.sale_id)
        assert (doc.kind, doc.buyer.customer_id) == (f.DocumentKind.INVOICE, fleet.id)
    finally:
        app.close()


def test_returns_are_credit_notes_referring_to_the_invoice(co_app, boss, cashier, ranges):
    fleet = fleet_customer(co_app, boss)
    result = sell(co_app, cashier, [("CERA", 3), ("CAFE", 2)], request=FiscalRequest(fleet.id, invoice=True))
    invoice = co_app.fiscal.sale_document(result.sale_id)
    wax, coffee = invoice.lines
    before = co_app.fiscal.check_credit(result.sale_id, [CreditLine(wax.sale_line_id, 1)])
    assert before.id == invoice.id
    note = credit(co_app, cashier, result.sale_id, [CreditLine(wax.sale_line_id, 1)])
    assert (note.kind, note.document_number, note.total) == (f.DocumentKind.INVOICE_CREDIT_NOTE, "NC11", 24_500)
    stored = co_app.fiscal.document(note.id)
    assert (stored.corrects_id, stored.concept, stored.origin, stored.buyer.name) == (
        invoice.id, "1", "return", "Transportes Andinos S.A.")
    with pytest.raises(CreditTooLarge) as err:
        credit(co_app, cashier, result.sale_id, [CreditLine(wax.sale_line_id, 3)])
    assert "only 2 is left" in err.value.message("en")
    with pytest.raises(CreditLineUnknown):
        credit(co_app, cashier, result.sale_id, [CreditLine(999_999, 1)])
    # the void credits everything not credited yet
    void = credit(co_app, cashier, result.sale_id, origin="void")
    assert (void.document_number, void.total) == ("NC12", invoice.total - 24_500)
    assert co_app.fiscal.document(void.id).concept == "2"
    with pytest.raises(NothingToCredit):
        credit(co_app, cashier, result.sale_id, origin="void")
    docs = co_app.fiscal.for_sale(result.sale_id)
    assert [d.document_number for d in docs] == ["FE11", "NC11", "NC12"]
    assert sum(d.total for d in docs[1:]) == invoice.total
    assert sum(d.tax_total for d in docs[1:]) == invoice.tax_total


def test_a_pos_document_gets_a_nota_de_ajuste_and_shares_are_exact(co_app, cashier, ranges):
    result = sell(co_app, cashier, [("DET-LAV", 1000)])  # 18 900 of which IVA 3 018
    line = co_app.fiscal.sale_document(result.sale_id).lines[0]
    parts = [credit(co_app, cashier, result.sale_id, [CreditLine(line.sale_line_id, q)]) for q in (333, 333, 334)]
    assert {p.kind for p in parts} == {f.DocumentKind.POS_ADJUSTMENT_CREDIT}
    assert sum(p.total for p in parts) == 18_900 and sum(p.tax_total for p in parts) == line.tax_amount


def test_a_credit_note_on_another_tills_document_is_refused(co_app, cashier, ranges):
    result = sell(co_app, cashier, [("CAFE", 1)])
    conn = co_app.db.raw_connection()
    try:
        conn.execute("INSERT INTO tills (id, uuid, name, created_at) VALUES (2, 'b7d4', 'Caja 2', '2026-01-01')")
        conn.execute("DROP TRIGGER fiscal_documents_no_update")  # as if this document had come from till 2
        conn.execute("UPDATE fiscal_documents SET till_id = 2")
    finally:
        conn.close()
    before = counts(co_app)
    with pytest.raises(ForeignTillDocument) as err:
        co_app.fiscal.check_credit(result.sale_id)
    assert "Caja 2" in err.value.message("en")
    with pytest.raises(ForeignTillDocument):
        credit(co_app, cashier, result.sale_id, origin="void")
    assert counts(co_app) == before


def test_credit_needs_a_document_and_a_credit_range(co_app, boss, cashier, serviteca):
    from kiosk.core.numbering import NumberingKind

    add_resolutions(co_app, boss, kinds=(NumberingKind.POS,))
    result = sell(co_app, cashier, [("CAFE", 1)])
    with pytest.raises(NumberingUnavailable):
        co_app.fiscal.check_credit(result.sale_id)
    with pytest.raises(NumberingUnavailable):
        credit(co_app, cashier, result.sale_id, origin="void")
    with pytest.raises(FiscalDocumentMissing):
        co_app.fiscal.check_credit(999)
    assert counts(co_app) == (1, 1)


def test_documents_map_onto_the_electronic_document_and_pass_its_checks(co_app, boss, cashier, ranges):
    fleet = fleet_customer(co_app, boss)
    pos = sell(co_app, cashier, [("DET-LAV", 1500), ("CAFE", 2), ("AGUA", 1)], method=PaymentMethod.CARD)
    inv = sell(co_app, cashier, [("CERA", 2)], request=FiscalRequest(fleet.id, invoice=True))
    note = credit(co_app, cashier, inv.sale_id, origin="void")
    adjust = credit(co_app, cashier, pos.sale_id,
                    [CreditLine(co_app.fiscal.sale_document(pos.sale_id).lines[1].sale_line_id, 1)])
    for doc_id in (co_app.fiscal.sale_document(pos.sale_id).id, co_app.fiscal.sale_document(inv.sale_id).id,
                   note.id, adjust.id):
        electronic = co_app.fiscal.electronic_document(doc_id)
        totals = f.validate_document(electronic)
        assert totals.payable == co_app.fiscal.document(doc_id).total
    pos_fd = co_app.fiscal.electronic_document(co_app.fiscal.sale_document(pos.sale_id).id)
    assert (pos_fd.kind, pos_fd.document_number, pos_fd.buyer.is_consumidor_final) == (f.DocumentKind.POS, "CJ11", True)
    assert pos_fd.seller.nit == "900373076" and pos_fd.till.plate == "CAJA-01" and pos_fd.till.sale_code == "V000001"
    assert [p.code for p in pos_fd.payments] == ["48"]
    taxes = {ln.code: (ln.tax_kind, ln.rate_bp) for ln in pos_fd.lines}
    assert taxes == {"DET-LAV": (f.TaxKind.IVA, 1900), "CAFE": (f.TaxKind.INC, 800), "AGUA": (f.TaxKind.EXCLUDED, 0)}
    inv_fd = co_app.fiscal.electronic_document(co_app.fiscal.sale_document(inv.sale_id).id)
    assert inv_fd.resolution.technical_key == TECHNICAL_KEY and inv_fd.buyer.dv == "2"
    note_fd = co_app.fiscal.electronic_document(note.id)
    assert note_fd.kind is f.DocumentKind.INVOICE_CREDIT_NOTE
    assert note_fd.billing_reference.number == "FE11"
    assert note_fd.billing_reference.key == f.document_key(inv_fd)  # the invoice's CUFE
    assert note_fd.credit_note_concept is f.CreditNoteConcept.ANNULMENT
    adjust_fd = co_app.fiscal.electronic_document(adjust.id)
    assert adjust_fd.billing_reference.document_type is f.DocumentKind.POS
    assert len(co_app.fiscal.document_key(adjust.id)) == 96


def test_the_printed_pos_document_carries_what_dian_lists(co_app, cashier, ranges):
    result = sell(co_app, cashier, [("DET-LAV", 1500), ("CAFE", 2), ("AGUA", 1)])
    text = printed(co_app, result.sale_id)
    doc = co_app.fiscal.sale_document(result.sale_id)
    key = co_app.fiscal.document_key(doc)
    for expected in ("Documento equivalente electrónico tiquete", "No. CJ11", "NIT 900373076-4",
                     "Serviteca Andina - Serviteca Andina S.A.S.", "O-13", "Consumidor final", "222222222222",
                     "Resolución DIAN 18764000000010", "CJ11 a CJ15000000",
                     "DET-LAV · Detergentes · litro · IVA 19 %", "CAFE · Cafetería · unidad · INC 8 %",
                     "AGUA · Cafetería · unidad · Excluido", "IVA 19 % (base", "INC 8 % (base", "Excluido (base",
                     "contado (efectivo)", "Software Kiosk POS", "Kiosk POS S.A.S.", "Caja CAJA-01",
                     "Local 1, Bogotá", "cajero Camila", "Código de venta V000001", "CUDE:", key[:48]):
        assert expected in text, expected
    decoded = decode(co_app.printing.payload(co_app.printing.last_job_id(result.sale_id)))
    assert [q.data for q in decoded.qr_codes] == [f.qr_url(key, f.Environment.TESTING)]
    # a reprint is the same document, marked as a copy
    copy = decode(co_app.printing.payload(co_app.till.reprint(result.sale_id, cashier)))
    assert "No. CJ11" in copy.text and key[:48] in copy.text


def test_the_printed_invoice_and_no_key_without_a_software_pin(state_dir):
    app = build(fiscal_settings(state_dir, software_pin=""))
    try:
        boss = app.users.authenticate("000000")
        load_serviteca(app, boss)
        add_resolutions(app, boss)
        fleet = fleet_customer(app, boss)
        pos = sell(app, boss, [("CAFE", 1)])
        text = printed(app, pos.sale_id)
        assert "No. CJ11" in text and "CUDE" not in text
        assert decode(app.printing.payload(app.printing.last_job_id(pos.sale_id))).qr_codes == []
        inv = sell(app, boss, [("CERA", 1)], request=FiscalRequest(fleet.id, invoice=True))
        text = printed(app, inv.sale_id)
        # an invoice's CUFE takes the range's technical key, not the PIN
        for expected in ("Factura electrónica de venta", "No. FE11", "Transportes Andinos S.A.", "NIT 860069804-2",
                         "CUFE:"):
            assert expected in text, expected
    finally:
        app.close()


def test_credit_note_prints_referring_to_the_original(co_app, boss, cashier, ranges):
    fleet = fleet_customer(co_app, boss)
    inv = sell(co_app, cashier, [("CERA", 2)], request=FiscalRequest(fleet.id, invoice=True))
    note = credit(co_app, cashier, inv.sale_id, origin="void")
    receipt = co_app.fiscal.credit_note_receipt(note.id, co_app.receipts.shop)
    text = flat(co_app.printing.render(receipt))
    for expected in ("Nota crédito de la factura electrónica", "No. NC11", "Corrige FE11", "CUFE",
                     "Transportes Andinos S.A.", "CERA · Autos · unidad · IVA 19 %", "$49.000"):
        assert expected in text, expected


def test_with_the_profile_off_nothing_changes(state_dir):
    """The cleaning shop: no fiscal document, and the receipt is the same bytes as a
    receipt built without any of this."""
    app = build(make_settings(state_dir))
    try:
        from kiosk.demo import load_demo

        load_demo(app.db, app.state_dir)
        boss = app.users.authenticate("000000")
        assert not app.fiscal.on and app.till.fiscal is None and app.till.fiscal_plan(100) is None
        cart = Cart()
        cart.add(app.catalog.by_sku("ESP-DOB"), 2)
        prepared_receipt_lines = len(cart.lines)
        result = app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, 500)], boss)
        assert counts(app) == (1, 0) and prepared_receipt_lines == 1
        stored = app.printing.payload(app.printing.last_job_id(result.sale_id))
        plain = app.receipts.receipt(sale_id=result.sale_id)
        assert plain.fiscal is None and plain.tax_names == {}
        assert app.printing.render(plain, open_drawer=True) == stored
    finally:
        app.close()


def test_documents_survive_dates_at_the_end_of_validity(co_app, boss, cashier, serviteca):
    """A resolution whose last valid day is today still numbers today's sales."""
    from kiosk.core.numbering import NumberingKind, ResolutionDraft

    today = co_app.numbering.today()
    co_app.numbering.add(ResolutionDraft(NumberingKind.POS, "18764000000077", today - timedelta(days=700), "CJ5",
                                         1, 10, today - timedelta(days=700), today), boss)
    assert co_app.fiscal.sale_document(sell(co_app, cashier, [("CAFE", 1)]).sale_id).document_number == "CJ51"


def test_the_qr_size_comes_from_its_version_alone():
    """qr_modules works out only the QR version (the whole symbol was built on every
    fiscal receipt): the same module count as the full symbol, for every length."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    from hardware.printer.receipt import qr_modules

    for length in (1, 40, 120, 170, 171, 300, 600):
        data = f.qr_url("a" * 96, f.Environment.TESTING)[:length].ljust(length, "x")
        full = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
        full.add_data(data)
        full.make(fit=True)
        assert qr_modules(data) == full.modules_count, length
