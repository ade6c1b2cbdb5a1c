"""Plain text documents for the receipt printer (a Z or X report, a cash in/out
slip): a bold title and lines already laid out to the paper's width, built on a
``Dummy`` printer like a receipt (hardware/printer/receipt.py), so the job can be
stored in the print queue before it is sent."""

from __future__ import annotations

from collections.abc import Sequence

from hardware.printer.receipt import ReceiptLayout
from hardware.printer.text import for_printer
from hardware.printer.receipt_printer import kick_command


def render_text_document(title: str, lines: Sequence[str], layout: ReceiptLayout = ReceiptLayout(), *,
                         open_drawer: bool = False) -> bytes:
    printer_text = for_printer(layout.profile, layout.codepage)
    c = printer_text.clean
    p = printer_text.job()
    if open_drawer and layout.drawer_pin in (2, 5):
        p._raw(kick_command(layout.drawer_pin, layout.drawer_on_ms, layout.drawer_off_ms))
    p.set(align="center", bold=True, double_height=True)
    p.text(c(title)[: layout.columns] + "\n")
    p.set(align="left", normal_textsize=True)
    for line in lines:
        p.text(c(line)[: layout.columns] + "\n")
    if layout.cut:
        p.cut()
    else:
        p.text("\n\n\n")
    return p.output
