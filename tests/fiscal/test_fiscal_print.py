"""What the printed POS document adds: DIAN's lines, the CUDE in full and a native
QR code at least 2 cm wide, rendered by the receipt printer code and seen by the
on-screen preview (which decodes the very bytes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from hardware.printer.decode import decode, render_png
from hardware.printer.receipt import DOTS_PER_MM, ReceiptLayout, qr_modules, render_receipt
from kiosk import i18n
from kiosk.core import fiscal as f
from kiosk.core.receipt import Receipt, ReceiptLine, ShopInfo
from kiosk.core.units import Uom
from kiosk.fiscal.samples import sample_document


def _receipt(block: f.FiscalPrintBlock | None) -> Receipt:
    line = ReceiptLine(name="Detergente líquido a granel", sku="DET-GAL", quantity=1500, uom=Uom.L, unit_price=18900,
                       total=28350, tax_rate_bp=1900)
    return Receipt(shop=ShopInfo("Serviteca Demo", tax_id="900373076-4"), number=1001,
                   issued_at=datetime(2026, 3, 14, 10, 30), cashier="Ana Pérez", lines=(line,), taxes=(),
                   total=28350, fiscal=block)


@pytest.mark.parametrize("columns", [32, 48])
def test_pos_document_prints_cude_and_a_qr_of_at_least_2_cm(columns):
    i18n.configure(language="es")
    doc = sample_document()
    key = f.document_key(doc)
    data = render_receipt(_receipt(f.print_block(doc, key)), ReceiptLayout(columns=columns, sale_code="code128"))
    decoded = decode(data)
    text = " ".join(line.strip() for line in decoded.text_lines(columns))  # wrapped lines joined
    assert "Documento equivalente electrónico" in text
    assert "No. CJ11001" in text and "NIT 900373076-4" in text
    assert "Resolución DIAN 18764000000010" in text
    assert "Adquiriente: Consumidor final, CC 222222222222" in text
    assert "Caja CAJA-01" in text and "Código de venta V001001" in text
    assert "Software Kiosk POS elaborado por" in text
    lines = [ln.text for ln in decoded.lines]
    at = lines.index("CUDE:")
    assert "".join(lines[at + 1:at + 1 + -(-96 // columns)]) == key  # the whole key, wrapped at the width
    (qr,) = decoded.qr_codes
    assert qr.data == f"https://catalogo-vpfe-hab.dian.gov.co/document/searchqr?documentkey={key}"
    width_mm = qr_modules(qr.data, qr.ec) * qr.size / DOTS_PER_MM
    assert width_mm >= 20, width_mm
    assert width_mm * DOTS_PER_MM <= (384 if columns == 32 else 576)  # and it fits the paper
    assert decoded.barcodes  # the sale code is still printed
    assert render_png(data, columns=columns, width=384 if columns == 32 else 576).startswith(b"\x89PNG")


def test_invoice_contingency_and_note_blocks():
    i18n.configure(language="en")
    inv = sample_document(f.DocumentKind.INVOICE)
    block = f.print_block(inv, f.document_key(inv))
    assert block.title == "Electronic sales invoice" and block.key_label == "CUFE"
    assert "Buyer: Transportes Andinos S.A., NIT 860069804-2" in block.lines
    contingency = sample_document(f.DocumentKind.POS_CONTINGENCY)
    assert "Issued in contingency: DIAN could not be reached" in f.print_block(contingency, "k").lines
    note = sample_document(f.DocumentKind.POS_ADJUSTMENT_CREDIT)
    block = f.print_block(note, f.document_key(note))
    assert any(line.startswith("Corrects CJ11000 of 2026-03-14, CUDE ") for line in block.lines)
    credit = replace(inv, payments=(f.PaymentMeans(code=f.PaymentMeansCode.TRANSFER, form=f.PaymentForm.CREDIT),))
    assert "Payment: credit (transfer)" in f.print_block(credit, "k").lines


def test_a_receipt_without_fiscal_block_is_unchanged():
    data = render_receipt(_receipt(None), ReceiptLayout(columns=48))
    decoded = decode(data)
    assert decoded.qr_codes == [] and "CUDE" not in decoded.text
