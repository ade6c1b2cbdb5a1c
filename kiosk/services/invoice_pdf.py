"""A fiscal document (usually an electronic invoice) as a PDF on A4 or letter paper,
for e-mail or a USB stick: written with fpdf2 under ``<state>/invoices/`` as
``<prefix><number>.pdf``, through a temporary file renamed at the end.

It says what the paper document says (the legal block comes from the same
kiosk.core.fiscal ``print_block``): seller and its fiscal qualities, title and number,
buyer, resolution, the items with code, category, quantity and unit, price, tax and
total, the tax breakdown, payment, software, and the CUFE/CUDE with its QR once the
key can be computed. Text outside Latin-1 (the PDF core fonts) is transliterated.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections import defaultdict
from pathlib import Path

from anyascii import anyascii

from kiosk.core import fiscal as f
from kiosk.core.product_fields import uom_label
from kiosk.formatting import format_quantity, format_unit_price, to_local
from kiosk.i18n import _, format_datetime, format_money
from kiosk.services.fiscal_documents import FiscalDocuments, StoredDocument, key_of, tax_name

PAPERS = {"letter": "Letter", "A4": "A4"}


def latin1(text: str) -> str:
    """What Helvetica can draw: Latin-1 as is (Spanish letters, ¿ ¡ ·), the rest transliterated."""
    return "".join(ch if ord(ch) < 256 else anyascii(ch) for ch in text)


class InvoicePdf:
    def __init__(self, fiscal: FiscalDocuments, state_dir: Path, *, paper: str = "letter"):
        self.fiscal = fiscal
        self.folder = state_dir / "invoices"
        self.paper = paper

    def path_for(self, doc: StoredDocument) -> Path:
        return self.folder / f"{doc.prefix}{doc.number}.pdf"

    def write(self, doc: StoredDocument | int) -> Path:
        """Write the document's PDF (again, if it exists) and return its path."""
        if isinstance(doc, int):
            doc = self.fiscal.document(doc)
        data = self.render(doc)
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_for(doc)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".pdf-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def render(self, doc: StoredDocument) -> bytes:
        from fpdf import FPDF

        electronic = self.fiscal.electronic_document(doc)
        key = key_of(electronic)
        block = f.print_block(electronic, key)
        s = self.fiscal.settings
        pdf = FPDF(orientation="portrait", unit="mm", format=PAPERS[self.paper])
        pdf.set_title(latin1(f"{block.title} {doc.document_number}"))
        pdf.set_author(latin1(s.legal_name))
        pdf.set_creator(latin1(s.software_name))
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_page()
        width = pdf.epw

        def text(line: str, size: float = 9, style: str = "", align: str = "L", h: float = 4.6) -> None:
            pdf.set_font("Helvetica", style, size)
            pdf.multi_cell(width, h, latin1(line), align=align, new_x="LMARGIN", new_y="NEXT")

        # seller
        text(s.trade_name or s.legal_name, 15, "B")
        if s.trade_name and s.trade_name != s.legal_name:
            text(s.legal_name, 10)
        text(_("NIT {nit}-{dv}").format(nit=s.nit, dv=s.dv) + "  \u00b7  " +
             _("Fiscal responsibilities: {codes}").format(codes=", ".join(s.responsibilities)))
        text(" \u00b7 ".join(x for x in (s.address, s.city_name, s.department, s.phone, s.email) if x))
        pdf.ln(3)
        text(f"{block.title}  No. {doc.document_number}", 13, "B")
        text(_("Date: {date}").format(date=format_datetime(to_local(doc.issued_at))))
        pdf.ln(1)
        for line in block.lines[2:]:  # the number and time are above; the rest as printed
            text(line, 8.5)
        pdf.ln(3)
        # items
        columns = [(_("Code"), 0.13, "L"), (_("Description"), 0.33, "L"), (_("Quantity"), 0.13, "R"),
                   (_("Price"), 0.14, "R"), (_("Tax"), 0.11, "R"), (_("Total"), 0.16, "R")]
        pdf.set_font("Helvetica", "B", 8.5)
        pdf.set_fill_color(230, 230, 230)
        for title, share, align in columns:
            pdf.cell(width * share, 6, latin1(title), border=1, align=align, fill=True)
        pdf.ln()
        pdf.set_font("Helvetica", "", 8.5)
        names: dict[int, str] = {}
        for ln in doc.lines:
            names.setdefault(ln.tax_rate_bp, tax_name(ln.tax_rate_bp, s))
            cells = [ln.sku, f"{ln.name} ({ln.category}, {uom_label(ln.uom)})" if ln.category else ln.name,
                     format_quantity(ln.quantity, ln.uom), format_unit_price(ln.unit_price, ln.uom),
                     names[ln.tax_rate_bp], format_money(ln.line_total)]
            lines = [len(pdf.multi_cell(width * share, 5, latin1(value), dry_run=True, output="LINES"))
                     for (_title, share, _align), value in zip(columns, cells)]
            row_h = 5 * max(lines)
            if pdf.will_page_break(row_h):
                pdf.add_page()
            x, y = pdf.l_margin, pdf.get_y()
            for (_title, share, align), value in zip(columns, cells):
                pdf.rect(x, y, width * share, row_h)
                pdf.set_xy(x, y)
                pdf.multi_cell(width * share, 5, latin1(value), align=align)
                x += width * share
            pdf.set_xy(pdf.l_margin, y + row_h)
        pdf.ln(2)
        # taxes and totals
        by_rate: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for ln in doc.lines:
            by_rate[ln.tax_rate_bp][0] += ln.line_total - ln.tax_amount
            by_rate[ln.tax_rate_bp][1] += ln.tax_amount

        def total_row(label: str, amount: int, bold: bool = False) -> None:
            pdf.set_font("Helvetica", "B" if bold else "", 10 if bold else 9)
            pdf.cell(width * 0.75, 5.5, latin1(label), align="R")
            pdf.cell(width * 0.25, 5.5, latin1(format_money(amount)), align="R", new_x="LMARGIN", new_y="NEXT")

        total_row(_("Subtotal"), doc.total - doc.tax_total)
        for rate in sorted(by_rate):
            base, tax = by_rate[rate]
            total_row(_("{tax} (base {base})").format(tax=names[rate], base=format_money(base)), tax)
        total_row(_("TOTAL"), doc.total, bold=True)
        # key and QR
        if key:
            pdf.ln(4)
            text(f"{block.key_label}: {key}", 8)
            import qrcode

            img = qrcode.make(block.qr, border=1)
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            buf.seek(0)
            if pdf.will_page_break(32):
                pdf.add_page()
            pdf.image(buf, x=pdf.l_margin, w=30, h=30)
        return bytes(pdf.output())
