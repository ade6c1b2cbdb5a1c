"""An invoice as a PDF (fpdf2) under the state directory, on letter or A4 paper, for
e-mail or a USB stick; kiosk-admin sales pdf."""

from __future__ import annotations

import re
import zlib

from kiosk.app_factory import build
from kiosk.services.fiscal_documents import CreditLine, FiscalRequest
from tests.fiscal_shop.shop import add_resolutions, fiscal_settings, fleet_customer, load_serviteca, sell


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages (fpdf2 compresses each page's content stream)."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        out += [m.decode("latin-1") for m in re.findall(rb"\((.*?)\) ?Tj", content, re.S)]
    return " ".join(" ".join(out).replace("\\(", "(").replace("\\)", ")").split())


def test_an_invoice_pdf_says_what_the_paper_says(co_app, boss, cashier, ranges):
    fleet = fleet_customer(co_app, boss)
    result = sell(co_app, cashier, [("CERA", 2), ("DET-LAV", 1500), ("CAFE", 1)],
                  request=FiscalRequest(fleet.id, invoice=True))
    doc = co_app.fiscal.sale_document(result.sale_id)
    path = co_app.invoice_pdf.write(doc)
    assert path == co_app.state_dir / "invoices" / "FE11.pdf"
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and b"/MediaBox [0 0 612.00 792.00]" in data  # letter
    text = pdf_text(data)
    key = co_app.fiscal.document_key(doc)
    for expected in ("Serviteca Andina", "NIT 900373076-4", "O-13", "Factura electrónica de venta No. FE11",
                     "Transportes Andinos S.A., NIT 860069804-2", "Resolución DIAN 18764000000011", "CERA",
                     "Cera para autos 250 ml (Autos, unidad)", "IVA 19 %", "INC 8 %", "$49.000", "TOTAL",
                     f"CUFE: {key}", "Software Kiosk POS"):
        assert expected in text, expected
    assert b"/Subtype /Image" in data  # the QR
    assert not list(path.parent.glob(".pdf-*"))  # written through a renamed temporary file


def test_a4_paper_and_credit_notes(state_dir):
    app = build(fiscal_settings(state_dir, pdf_paper="A4"))
    try:
        boss = app.users.authenticate("000000")
        load_serviteca(app, boss)
        add_resolutions(app, boss)
        fleet = fleet_customer(app, boss)
        result = sell(app, boss, [("CERA", 2)], request=FiscalRequest(fleet.id, invoice=True))
        line = app.fiscal.sale_document(result.sale_id).lines[0]
        with app.db.write_connection() as conn:
            app.fiscal.issue_credit_note(conn, sale_id=result.sale_id, lines=[CreditLine(line.sale_line_id, 1)],
                                         origin="return", user_id=boss.id)
        note = app.fiscal.for_sale(result.sale_id)[1]
        data = app.invoice_pdf.write(note).read_bytes()
        assert b"/MediaBox [0 0 595.28 841.89]" in data  # A4
        text = pdf_text(data)
        assert "Nota crédito de la factura electrónica de venta No. NC11" in text and "Corrige FE11" in text
    finally:
        app.close()
