"""Render the receipt model to ESC/POS bytes with python-escpos.

The job is built on a ``Dummy`` printer (nothing is sent here), so it can be stored in
the print queue before it goes to the real connection. Text is encoded in one code
page, selected once with ``ESC t``: the configured one (CP850 by default: it has every
Spanish letter, upper- and lower-case accents included) when the printer profile has
it, else the profile's best page for Spanish (hardware/printer/text.py). Every string
is cleaned before it is laid out: no control character from data ever reaches the
printer, and characters the code page lacks are transliterated.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hardware.printer.logo import configured_logo
from hardware.printer.text import CodepageReport, codepage_report, for_printer
from hardware.printer.receipt_printer import KICK_HEAD, kick_command, kick_in_job
from kiosk.core.cart import LineEntry
from kiosk.core.fiscal import FiscalPrintBlock
from kiosk.core.payments import method_label
from kiosk.core.product_fields import uom_label
from kiosk.core.receipt import Receipt
from kiosk.formatting import format_quantity, format_rate, format_unit_price
from kiosk.i18n import _, format_datetime, format_money

if TYPE_CHECKING:
    from escpos.printer import Dummy


@dataclass(frozen=True)
class ReceiptLayout:
    columns: int = 48
    codepage: str = "CP850"
    profile: str = "default"
    sale_code: str = "code128"  # qr | code128 | none
    cut: bool = True
    drawer_pin: int | None = None  # 2 or 5: kick the drawer at the start of the job
    drawer_on_ms: int = 100  # kick pulse ([drawer] pulse_ms, pulse_off_ms)
    drawer_off_ms: int = 100
    logo: bytes | None = None  # GS v 0 raster of [printer] logo (hardware.printer.logo), printed centred on top


def receipt_layout(settings: Any) -> ReceiptLayout:
    """The layout ``[printer]`` and ``[drawer]`` ask for. The kick pin is set whenever
    the drawer hangs on the printer; a job carries the kick only when the sale's
    drawer decision (kiosk.core.drawer) says so (PrintQueue.render)."""
    p, d = settings.printer, settings.drawer
    return ReceiptLayout(columns=p.line_columns, codepage=p.codepage.upper(), profile=p.profile,
                         sale_code=p.sale_code, cut=p.cut, drawer_pin=d.printer_pin if d.mode == "printer" else None,
                         drawer_on_ms=d.pulse_ms, drawer_off_ms=d.pulse_off_ms, logo=configured_logo(settings))


def print_logo(p: Dummy, layout: ReceiptLayout) -> None:
    if layout.logo:
        p.set(align="center")
        p._raw(layout.logo)


def _two_columns(left: str, right: str, width: int) -> list[str]:
    """Left text and right-aligned amount on one line, wrapping the left side."""
    room = width - len(right) - 1
    if room < 8:
        return [left[:width], right.rjust(width)]
    out = []
    while len(left) > room:
        cut = left.rfind(" ", 0, room + 1)
        cut = cut if cut > 0 else room
        out.append(left[:cut])
        left = left[cut:].lstrip()
    out.append(left.ljust(room) + " " + right)
    return out


def _wrap(text: str, width: int) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def _same(text: str) -> str:
    return text


def receipt_text_lines(receipt: Receipt, width: int, clean: Callable[[str], str] = _same) -> list[str]:
    """The body of the receipt as plain lines of ``width`` characters (also used by
    the history screen's preview). ``clean`` makes each piece printable before it is
    laid out (the printer's code page; the screen needs nothing)."""
    rule = "-" * width
    out = [rule]
    heading = _("Sale {reference}").format(reference=receipt.reference) if receipt.number else receipt.title
    out += _two_columns(clean(heading),
                        clean(format_datetime(receipt.issued_at)), width)
    out.append(clean(_("Cashier: {name}").format(name=receipt.cashier))[:width])
    out.append(rule)
    for line in receipt.lines:
        out += _wrap(clean(line.name), width)
        if receipt.fiscal is not None:  # a fiscal document names code, category, unit and tax of each item
            facts = [line.sku, line.category, uom_label(line.uom), receipt.tax_names.get(line.tax_rate_bp, "")]
            out += ["  " + text for text in _wrap(clean(" · ".join(x for x in facts if x)), width - 2)]
        detail = f"  {format_quantity(line.quantity, line.uom)}"
        if line.entry is LineEntry.AMOUNT:
            detail += f" ({format_unit_price(line.unit_price, line.uom)})"
        else:
            detail += f" x {format_unit_price(line.unit_price, line.uom)}"
        if line.entry is LineEntry.MANUAL_WEIGHT:
            detail += " " + _("(manual weight)")
        elif line.tare:
            detail += " " + _("(tare {weight})").format(weight=format_quantity(line.tare, line.uom))
        out += _two_columns(clean(detail), clean(format_money(line.list_total)), width)
        if line.discount:
            out += _two_columns(clean("  " + _("Discount")), clean(format_money(-line.discount)), width)
    out.append(rule)
    if receipt.discount:
        out += _two_columns(clean(_("Before discounts")), clean(format_money(receipt.total + receipt.discount)),
                            width)
        out += _two_columns(clean(_("Discounts")), clean(format_money(-receipt.discount)), width)
    out += _two_columns(clean(_("Subtotal")), clean(format_money(receipt.subtotal)), width)
    for t in receipt.taxes:
        named = receipt.tax_names.get(t.rate_bp)
        if named:  # a fiscal document lists every tax, excluded and exempt goods too
            label = _("{tax} (base {base})").format(tax=named, base=format_money(t.net))
            out += _two_columns(clean(label), clean(format_money(t.tax)), width)
        elif t.rate_bp:
            label = _("Tax {rate} (base {base})").format(rate=format_rate(t.rate_bp), base=format_money(t.net))
            out += _two_columns(clean(label), clean(format_money(t.tax)), width)
    return out


def print_barcode(p: Dummy, code: str, kind: str) -> None:
    """The printer's own barcode command (``GS k``). python-escpos 3.1 prints a notice
    to stdout here, which would corrupt ``kiosk-admin ... --json`` output: swallow it.
    For CODE128 the "{B" prefix selects code set B."""
    with contextlib.redirect_stdout(io.StringIO()):
        p.barcode(code, kind, height=64, width=2, pos="BELOW", function_type="B")


DOTS_PER_MM = 8  # 203 dpi thermal heads, 58 and 80 mm alike
FISCAL_QR_MIN_MM = 20  # DIAN: the printed QR is at least 2 cm wide
FISCAL_QR_EC = "M"


def qr_modules(data: str, ec: str = FISCAL_QR_EC) -> int:
    """Modules across the QR symbol the data needs (the printer's encoder picks the
    same smallest version). Only the version is worked out (``best_fit``): building the
    whole symbol tries eight masks and cost tens of milliseconds on every fiscal receipt."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

    level = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}[ec]
    qr = qrcode.QRCode(error_correction=level, border=0)
    qr.add_data(data)
    return qr.best_fit() * 4 + 17


def qr_module_size(data: str, min_mm: float = FISCAL_QR_MIN_MM, ec: str = FISCAL_QR_EC) -> int:
    """The ``GS ( k`` module size (dots, 1-16) that prints ``data`` at least ``min_mm`` wide."""
    modules = qr_modules(data, ec)
    return max(3, min(16, -(-int(min_mm * DOTS_PER_MM) // modules)))


def render_fiscal_block(p: Dummy, block: FiscalPrintBlock, width: int) -> None:
    """DIAN's part of an electronic POS document or invoice: title, legal lines, the
    CUDE/CUFE in full and its QR code (native ``GS ( k``, at least 2 cm)."""
    from escpos.constants import QR_ECLEVEL_M

    p.set(align="center", bold=True)
    for line in _wrap(block.title, width):
        p.text(line + "\n")
    p.set(align="left", normal_textsize=True)
    for text in block.lines:
        for line in _wrap(text, width):
            p.text(line + "\n")
    if not block.key:  # the software PIN (or an invoice range's technical key) is not configured yet
        return
    p.text(f"{block.key_label}:\n")
    key = block.key
    while key:
        p.text(key[:width] + "\n")
        key = key[width:]
    p.set(align="center")
    p.qr(block.qr, ec=QR_ECLEVEL_M, size=qr_module_size(block.qr), native=True)
    p.set(align="left")




def strip_drawer_kick(payload: bytes) -> bytes:
    """The job without the drawer kick that ``render_receipt`` puts at its start (for
    a receipt printed late: the drawer must not open long after the sale)."""
    if kick_in_job(payload) is None:
        return payload
    at = payload.find(b"\x1bp", 0, KICK_HEAD)
    return payload[:at] + payload[at + 5:]


def render_receipt(receipt: Receipt, layout: ReceiptLayout = ReceiptLayout()) -> bytes:
    """The receipt's ESC/POS bytes. Raises UnknownProfile for a profile python-escpos
    does not know (the configuration refuses those)."""
    printer_text = for_printer(layout.profile, layout.codepage)
    c = printer_text.clean
    p = printer_text.job()
    w = layout.columns
    if layout.drawer_pin in (2, 5):
        p._raw(kick_command(layout.drawer_pin, layout.drawer_on_ms, layout.drawer_off_ms))
    print_logo(p, layout)
    p.set(align="center", bold=True, double_height=True, double_width=True)
    for line in _wrap(c(receipt.shop.name), w // 2):
        p.text(line + "\n")
    p.set(align="center", normal_textsize=True)
    tax_id = receipt.shop.tax_id and _("Tax ID: {tax_id}").format(tax_id=receipt.shop.tax_id)
    phone = receipt.shop.phone and _("Tel. {phone}").format(phone=receipt.shop.phone)
    for extra in (receipt.shop.address, tax_id, phone):
        if extra:
            for line in _wrap(c(extra), w):
                p.text(line + "\n")
    if receipt.copy:
        p.set(align="center", bold=True, double_height=True)
        p.text("*** " + _("COPY") + " ***\n")
        p.set(align="center", normal_textsize=True)
    if receipt.status != "completed":
        p.set(align="center", bold=True)
        p.text("*** " + _("VOIDED") + " ***\n")
    if receipt.title:
        p.set(align="center", bold=True, double_height=True, double_width=True)
        for line in _wrap(c(receipt.title), w // 2):
            p.text(line + "\n")
    if receipt.extra:
        p.set(align="left", normal_textsize=True)
        for key, value in receipt.extra.items():
            for line in _two_columns(c(key), c(value), w):
                p.text(line + "\n")
    p.set(align="left", normal_textsize=True)
    p.text("\n".join(receipt_text_lines(receipt, w, c)) + "\n")
    p.set(align="left", bold=True, double_height=True)
    for line in _two_columns(c(_("TOTAL")), c(format_money(receipt.total)), w):
        p.text(line + "\n")
    p.set(align="left", normal_textsize=True)
    for pay in receipt.payments:
        label = method_label(pay.method)
        if pay.reference:
            label += f" ({pay.reference})"
        for line in _two_columns(c(label), c(format_money(pay.tendered)), w):
            p.text(line + "\n")
    if receipt.change:
        p.set(align="left", bold=True)
        for line in _two_columns(c(_("Change")), c(format_money(receipt.change)), w):
            p.text(line + "\n")
        p.set(align="left", normal_textsize=True)
    if receipt.fiscal is not None:
        p.text("-" * w + "\n")
        render_fiscal_block(p, receipt.fiscal, w)
    p.text("\n")
    p.set(align="center")
    code = receipt.reference if receipt.code is None else receipt.code
    if code and layout.sale_code == "code128":
        print_barcode(p, "{B" + code, "CODE128")
    elif code and layout.sale_code == "qr":
        p.qr(code, native=True, size=6)
        p.text(code + "\n")
    if receipt.shop.footer:
        p.text("\n")
        for line in _wrap(c(receipt.shop.footer), w):
            p.text(line + "\n")
    if layout.cut:
        p.cut()
    else:
        p.text("\n\n\n")
    return p.output


def check_layout(layout: ReceiptLayout) -> CodepageReport:
    """Render a Spanish sample receipt with this layout (``config check``): raises
    what a real receipt would raise, before any sale depends on it; says which code
    page is used and which Spanish letters lose their accent."""
    from datetime import datetime

    from kiosk.core.payments import Payment, PaymentMethod
    from kiosk.core.receipt import ReceiptLine, ShopInfo
    from kiosk.core.tax import TaxLine
    from kiosk.core.units import Uom

    sample = Receipt(
        shop=ShopInfo("Droguería Ñandú", "Calle 5 # 10-20", "900123456-7", "601 555 0100", "¡Gracias! ¿Factura?"),
        number=1, issued_at=datetime(2026, 1, 2, 20, 5), cashier="Ángela Núñez",
        lines=(ReceiptLine("Jabón líquido pingüino", "JAB", 1500, Uom.L, 4000, 6000, 1900),),
        taxes=(TaxLine(1900, 6000, 958),), total=6000,
        payments=(Payment(PaymentMethod.CASH, 6000, 10000, 4000),))
    render_receipt(sample, layout)
    return codepage_report(layout.profile, layout.codepage)
