"""The shop's logo on receipts: PNG -> monochrome GS v 0 raster (transparency on
white, scaled to the paper, dithered), converted once and cached, printed centred
at the top of receipts, their copies ("COPIA") and the test ticket."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from hardware.printer import logo as logo_module
from hardware.printer.decode import Raster, decode
from hardware.printer.logo import LogoError, load_logo
from hardware.printer.receipt import receipt_layout
from hardware.printer.test_ticket import render_test_ticket
from kiosk.app_factory import build
from kiosk.config import ConfigError
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.core.units import SaleMode, Uom
from kiosk.services.inventory import InventoryService, ProductDraft


@pytest.fixture(autouse=True)
def _fresh_memory():
    logo_module._memory.clear()
    yield
    logo_module._memory.clear()


def _png(path, size=(100, 40), box=(10, 5, 49, 34)):
    img = Image.new("RGBA", size, (0, 0, 0, 0))  # transparent
    ImageDraw.Draw(img).rectangle(box, fill=(0, 0, 0, 255))
    img.save(path)
    return path


def _raster(data: bytes) -> Raster:
    rasters = decode(data).of(Raster)
    assert len(rasters) == 1
    return rasters[0]


def test_transparent_png_becomes_a_black_and_white_raster(tmp_path):
    r = _raster(load_logo(_png(tmp_path / "logo.png")))
    assert (r.width, r.height) == (104, 40)  # padded to whole bytes, centred
    x = 2  # (104 - 100) // 2: centred in the padded rows
    assert r.pixel(x + 10, 5) and r.pixel(x + 49, 34) and r.pixel(x + 30, 20)  # the black box
    assert not r.pixel(x + 9, 20) and not r.pixel(x + 50, 20) and not r.pixel(x + 30, 35)  # transparent: white


def test_a_wide_picture_is_scaled_to_the_paper(tmp_path):
    path = _png(tmp_path / "wide.png", size=(1200, 120), box=(0, 0, 1199, 119))
    assert _raster(load_logo(path, 58)).width == 384
    assert _raster(load_logo(path, 80)).width == 512


def test_converted_once_and_cached_on_disk(tmp_path):
    path, cache = _png(tmp_path / "logo.png"), tmp_path / "cache"
    first = load_logo(path, 80, cache)
    stored = list(cache.glob("logo-*-512.bin"))
    assert len(stored) == 1 and stored[0].read_bytes() == first
    logo_module._memory.clear()  # a restart
    stored[0].write_bytes(b"\x1dv0\x00\x01\x00\x01\x00\xff")  # marker: proves the cache is read
    assert load_logo(path, 80, cache) == b"\x1dv0\x00\x01\x00\x01\x00\xff"
    _png(path, box=(0, 0, 99, 39))  # the shop changes its logo: converted again
    assert load_logo(path, 80, cache) != first and len(list(cache.glob("logo-*.bin"))) == 2


@pytest.mark.parametrize("content, message", [(b"not a png", "not a picture"), (None, "No such file")])
def test_unusable_logo_is_named(tmp_path, content, message):
    path = tmp_path / "logo.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(LogoError, match=message):
        load_logo(path)
    blank = tmp_path / "blank.png"
    Image.new("RGB", (50, 20), "white").save(blank)
    with pytest.raises(LogoError, match="blank"):
        load_logo(blank)


def test_config_refuses_a_relative_or_broken_logo(tmp_path, hw_settings):
    (tmp_path / "bad.png").write_bytes(b"nope")
    with pytest.raises(ConfigError, match=r"logo.*ruta absoluta|logo.*absolute"):
        hw_settings(printer={"logo": "logo.png"})
    with pytest.raises(ConfigError, match="not a picture"):
        hw_settings(printer={"logo": str(tmp_path / "bad.png")})


def test_receipts_their_copies_and_the_test_ticket_carry_the_logo(tmp_path, hw_settings):
    path = _png(tmp_path / "logo.png")
    app = build(hw_settings(printer={"logo": str(path)}))
    try:
        InventoryService(app.db).create_product(ProductDraft("ESP", "Esponja", SaleMode.UNIT, Uom.UNIT, 60))
        admin = app.users.authenticate(app.settings.security.default_admin_pin)
        cart = Cart()
        cart.add(app.catalog.by_sku("ESP"), 1)
        sale = app.till.complete_sale(cart, [Tender(PaymentMethod.CASH, 100)], admin)
        copy_job = app.till.reprint(sale.sale_id, admin)
        for job in (sale.print_job, copy_job):
            d = decode(app.printing.payload(job))
            raster = d.of(Raster)
            assert len(raster) == 1 and raster[0].align == "center"
            first_text = next(i for i, e in enumerate(d.elements) if type(e).__name__ == "Line")
            assert d.elements.index(raster[0]) < first_text  # on top, above the shop's name
        assert "COPIA" in decode(app.printing.payload(copy_job)).text
        assert list((app.settings.state_dir / "cache").glob("logo-*.bin"))
        ticket = decode(render_test_ticket("Tienda", receipt_layout(app.settings)))
        assert len(ticket.of(Raster)) == 1
    finally:
        app.close()
