"""The ESC/POS decoder reads back what the kiosk prints: text through the code page,
alignment, bold and size, cuts, drawer kicks, barcodes, QR codes and raster images;
it survives garbage; the preview image follows the paper width."""

import contextlib
import io

from escpos.printer import Dummy
from PIL import Image

from hardware.printer.decode import Barcode, Cut, DrawerKick, QrCode, Raster, decode, render_image, render_png
from hardware.printer.receipt import ReceiptLayout, render_receipt, strip_drawer_kick
from hardware.printer.test_ticket import SPANISH_SAMPLE, TEST_EAN, render_test_ticket
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.units import SaleMode, Uom
from kiosk.services.inventory import InventoryService, ProductDraft


def _sale_receipt(app, admin, copy=False):
    inv = InventoryService(app.db)
    inv.create_product(ProductDraft("JAB", "Jabón de coco ñandú", SaleMode.WEIGHT, Uom.KG, 540))
    cart = Cart()
    cart.add(app.catalog.by_sku("JAB"), 1250)
    result = app.sales.checkout(cart, [Tender(PaymentMethod.CASH, 1000)], admin.id)
    return app.receipts.receipt(sale_id=result.sale_id, copy=copy)


def test_receipt_reads_back_through_the_code_page(app, admin):
    receipt = _sale_receipt(app, admin)
    data = render_receipt(receipt, ReceiptLayout(columns=42, drawer_pin=5, drawer_on_ms=200, drawer_off_ms=240))
    d = decode(data)
    assert d.warnings == []
    assert "Jabón de coco ñandú" in d.text and "Tienda Demo" in d.text
    assert "Tienda Demo" in d.bold_text()
    title = d.lines[0]
    assert title.align == "center" and title.runs[0].style.width == 2 and title.runs[0].style.height == 2
    assert d.kicks == [DrawerKick(5, 200, 240)]
    assert d.cuts == [Cut(partial=False)]
    assert d.barcodes == [Barcode("CODE128", "V000001", 64, 2, "below", "center")]
    lines = d.text_lines(42)
    assert all(len(line) <= 42 for line in lines)
    assert lines[0].startswith(" ") and lines[0].strip() == "Tienda Demo"  # centred
    assert any(line.startswith("TOTAL") and line.endswith("$6,75") for line in lines)
    # late printing drops the kick, nothing else
    stripped = strip_drawer_kick(data)
    assert decode(stripped).kicks == [] and decode(stripped).text == d.text
    assert len(stripped) == len(data) - 5


def test_copy_and_qr_code(app, admin):
    data = render_receipt(_sale_receipt(app, admin, copy=True), ReceiptLayout(sale_code="qr"))
    d = decode(data)
    assert "*** COPIA ***" in d.text
    assert d.qr_codes == [QrCode("V000001", 6, "L", "center")]
    assert "[QR V000001]" in "\n".join(d.text_lines())


def test_raster_and_column_images_decode_to_pixels():
    img = Image.new("1", (16, 8), 1)
    img.putpixel((0, 0), 0)
    img.putpixel((15, 7), 0)
    for impl in ("bitImageRaster", "bitImageColumn"):
        p = Dummy()
        with contextlib.redirect_stdout(io.StringIO()):
            p.image(img, impl=impl)
        raster = [e for e in decode(p.output).elements if isinstance(e, Raster)]
        assert raster, impl
        r = raster[0]
        assert r.width >= 16 and r.pixel(0, 0) and not r.pixel(1, 0), impl


def test_garbage_never_stops_the_decoder():
    junk = bytes(range(256)) * 3 + b"\x1b" + b"\x1d(k\xff\xff" + b"\x1dk"
    d = decode(junk)
    assert d.warnings  # reported, not raised
    assert decode(b"").elements == []
    assert decode(b"\x1bt\x63Hola\n").text == "Hola"  # unknown code page: shown as CP437


def test_test_ticket_has_shop_accents_barcode_and_qr():
    data = render_test_ticket("Jabonería Doña Ana", ReceiptLayout(columns=32, codepage="CP858"),
                              connection="tcp://10.0.0.5:9100", paper_width_mm=58)
    d = decode(data)
    assert "Jabonería Doña Ana" in d.text.replace("\n", " ") or "Jabonería" in d.text
    assert SPANISH_SAMPLE.split()[0] in d.text and "pingüino" in d.text and "ÁÉÍÓÚ" in d.text
    assert "tcp://10.0.0.5:9100" in d.text
    assert d.barcodes[0].kind == "EAN13" and d.barcodes[0].data == TEST_EAN
    assert d.qr_codes and d.qr_codes[0].data.startswith("Jabonería Doña Ana")
    assert "12345678901234567890123456789012" in d.text  # the width ruler: 32 columns
    assert all(len(line) <= 32 for line in d.text_lines(32) if not line.startswith("[QR"))
    assert d.cuts


def test_preview_png_follows_the_paper_width(app, admin):
    data = render_receipt(_sale_receipt(app, admin), ReceiptLayout(columns=32, sale_code="qr"))
    png = render_png(data, width=384, columns=32)
    img = Image.open(io.BytesIO(png))
    assert img.width == 384 and img.height > 300
    assert img.convert("L").getextrema()[0] == 0  # something black was drawn
    wide = render_image(data, width=576, columns=48)
    assert wide.width == 576
