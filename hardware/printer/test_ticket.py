"""The technician's test ticket: shop name, accented Spanish text through the
configured code page, a width ruler, a barcode and a QR code. Built on a Dummy like
every job, so the same bytes can be previewed, decoded in tests and sent anywhere."""

from __future__ import annotations

from datetime import datetime

from hardware.printer.receipt import ReceiptLayout, _wrap, print_barcode, print_logo
from hardware.printer.text import for_printer
from kiosk.core.barcodes import gtin_check_digit
from kiosk.formatting import local_now
from kiosk.i18n import _, format_datetime

# Every Spanish letter with an accent, in upper and lower case, plus ¿ ¡ ü.
SPANISH_SAMPLE = "¿Qué tal? ¡Sí! Ñandú, pingüino, acción, café. ÁÉÍÓÚ Ü Ñ áéíóú ü ñ"
TEST_EAN_BODY = "770999000001"
TEST_EAN = TEST_EAN_BODY + str(gtin_check_digit(TEST_EAN_BODY))


def ruler(columns: int) -> str:
    return "".join(str(i % 10) for i in range(1, columns + 1))


def render_test_ticket(shop_name: str, layout: ReceiptLayout = ReceiptLayout(), *, connection: str = "",
                       paper_width_mm: int | None = None, now: datetime | None = None) -> bytes:
    now = now or local_now()  # the shop's zone, like the receipts
    w = layout.columns
    printer_text = for_printer(layout.profile, layout.codepage)
    c = printer_text.clean
    p = printer_text.job()
    print_logo(p, layout)
    p.set(align="center", bold=True, double_height=True, double_width=True)
    p.text("\n".join(_wrap(c(shop_name), max(1, w // 2))) + "\n")
    p.set(align="center", normal_textsize=True, bold=True)
    p.text(_("Printer test") + "\n")
    p.set(align="center", normal_textsize=True)
    p.text(c(format_datetime(now)) + "\n\n")
    p.set(align="left", normal_textsize=True)
    lines = [_("Connection: {url}").format(url=connection)] if connection else []
    width = f"{paper_width_mm} mm, " if paper_width_mm else ""
    lines.append(_("Profile: {profile}, {width}{columns} columns").format(
        profile=layout.profile, width=width, columns=w))
    lines.append(_("Code page: {codepage}").format(codepage=printer_text.codepage or "ASCII"))
    for line in lines:
        p.text("\n".join(_wrap(c(line), w)) + "\n")
    p.text(ruler(w) + "\n\n")
    p.text("\n".join(_wrap(c(SPANISH_SAMPLE), w)) + "\n\n")
    p.set(align="left", bold=True)
    p.text(_("Bold text") + "\n")
    p.set(align="left", normal_textsize=True, double_height=True, double_width=True)
    p.text(_("Large") + "\n")
    p.set(align="center", normal_textsize=True)
    p.text("\n")
    print_barcode(p, TEST_EAN, "EAN13")
    p.text("\n")
    p.qr(f"{shop_name} {now:%Y-%m-%d %H:%M}", native=True, size=6)
    p.text("\n" + "\n".join(_wrap(c(_("If you can read the accents above, the code page is right.")), w)) + "\n")
    if layout.cut:
        p.cut()
    else:
        p.text("\n\n\n")
    return p.output
