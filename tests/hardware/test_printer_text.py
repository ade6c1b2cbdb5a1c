"""What reaches the printer: a code page the printer profile really has (a profile
without CP850 prints Spanish instead of failing after the sale), no control character
from data (a product called "Jabon<ESC>p0.." must not open the drawer), and
characters the code page lacks transliterated, never printed as '?'."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.printer.decode import Unknown, decode
from hardware.printer.receipt import ReceiptLayout, render_receipt
from hardware.printer.text import for_printer, profile_names
from hardware.printer.test_ticket import SPANISH_SAMPLE, render_test_ticket
from kiosk.app_factory import build
from kiosk.cli.main import main
from kiosk.config import ConfigError
from kiosk.core.cart import Cart
from kiosk.core.payments import Payment, PaymentMethod, Tender
from kiosk.core.receipt import Receipt, ReceiptLine, ShopInfo
from kiosk.core.tax import TaxLine
from kiosk.core.units import SaleMode, Uom
from kiosk.services.inventory import InventoryService, ProductDraft
from tests.conftest import make_settings
from tests.hardware.conftest import wait_until

ESC_P = "\x1bp\x00\x19\xfa"  # ESC p 0 25 250: a drawer kick typed into a name
SPANISH = "Ángela Núñez: jabón, pingüino, ¿sí? ¡acción! Íñigo Óscar Úrsula"


def _receipt(name: str = "Jabón líquido", cashier: str = "Ángela Núñez",
             shop: ShopInfo = ShopInfo("Droguería Ñandú", footer="¡Gracias!")) -> Receipt:
    return Receipt(shop=shop, number=7, issued_at=datetime(2026, 1, 2, 20, 5), cashier=cashier,
                   lines=(ReceiptLine(name, "JAB", 2, Uom.UNIT, 500, 1000, 1900),),
                   taxes=(TaxLine(1900, 1000, 160),), total=1000,
                   payments=(Payment(PaymentMethod.CARD, 1000, 1000),))


@pytest.mark.parametrize("profile", profile_names())
def test_every_escpos_profile_prints_spanish_without_question_marks(profile):
    """Before: 8 of the 35 profiles raised KeyError: 'CP850'."""
    layout = ReceiptLayout(profile=profile)
    try:
        make_settings(Path("/nonexistent"), printer={"profile": profile})
    except ConfigError as exc:  # customer displays: no barcode, so no receipt with the sale's code
        assert "cannot print a receipt" in exc.message()
        layout = ReceiptLayout(profile=profile, sale_code="none")
        make_settings(Path("/nonexistent"), printer={"profile": profile, "sale_code": "none"})
    data = render_receipt(_receipt(name=SPANISH), layout)
    chosen = for_printer(profile, "CP850")
    if chosen.codepage == "OXHOO-EUROPEAN":  # AF-240's only page; Python has no codec to read it back
        assert b"Droguer\x82a" not in data and b"\x1bt\x00" in data[:6]
        return
    text = decode(data, profile).text
    assert text.count("?") == SPANISH.count("?")  # only the one in "¿sí?"
    # Letters none of the profile's pages has lose only their accent.
    expected = "".join(unicodedata.normalize("NFKD", ch)[0] if ch in chosen.missing else ch for ch in SPANISH)
    assert all(word in text for word in expected.split()), (chosen.codepage, text)


def test_profiles_without_cp850_use_a_spanish_code_page():
    assert for_printer("TSP600", "CP850").codepage == "CP858"
    assert for_printer("TSP600", "CP850").missing == ""
    u220 = for_printer("TM-U220", "CP850")
    assert (u220.codepage, u220.missing) == ("CP437", "ÁÍÓÚ")
    assert for_printer("default", "CP850").codepage == "CP850"  # the configured page when the profile has it
    assert for_printer("default", "CP1252").codepage == "CP1252"


def test_config_check_says_which_code_page_a_profile_gets_and_refuses_unknown_ones(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n[printer]\nprofile = "TM-U220"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "config", "check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["printer"]["codepage"] == "CP437" and report["printer"]["missing_letters"] == "ÁÍÓÚ"
    assert "TM-U220 has no CP850" in report["printer"]["note"]
    assert main(["--config", str(cfg), "config", "check"]) == 0
    assert "receipts use CP437" in capsys.readouterr().out

    cfg.write_text('[printer]\nprofile = "TM-U22"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert "[printer] profile" in err and "TM-U220" in err  # names the key and the closest profile
    with pytest.raises(ConfigError):
        make_settings(tmp_path, printer={"codepage": "CP999"})


def _started(state_dir, sim_printer, **sections):
    app = build(make_settings(state_dir, printer={"url": sim_printer.url, "status_query": "on", "retry_min_s": 0.05,
                                                  "retry_max_s": 0.2, "status_poll_s": 0.2, "timeout_s": 2.0},
                              **sections))
    app.hardware.start()
    return app


def _sell(app, sku: str, method: PaymentMethod, user=None):  # noqa: ANN001, ANN201
    user = user or app.users.authenticate("000000")
    cart = Cart()
    cart.add(app.catalog.by_sku(sku), 1)
    tendered = 1000 if method is PaymentMethod.CASH else cart.total
    return app.till.complete_sale(cart, [Tender(method, tendered)], user)


def test_a_sale_on_a_profile_without_cp850_prints_spanish(state_dir, sim_printer):
    """Before: the sale was stored, then the receipt raised KeyError: 'CP850'."""
    app = build(make_settings(state_dir, printer={"url": sim_printer.url, "profile": "TM-U220"}))
    app.hardware.start()
    try:
        InventoryService(app.db).create_product(ProductDraft("JAB", "Jabón Ñandú ÁRBOL", SaleMode.UNIT, Uom.UNIT, 500))
        _sell(app, "JAB", PaymentMethod.CARD)
        job = wait_until(lambda: sim_printer.jobs)[0]
        text = decode(job, "TM-U220").text
        assert "Jabón Ñandú ARBOL" in text and "?" not in text
        assert b"\x1bt\x00" in job[:8]  # ESC t 0: CP437, the page TM-U220 has
    finally:
        app.close()


def test_control_characters_in_names_never_reach_the_printer(state_dir, sim_printer):
    """A product named with ESC p 0 opened the drawer on every card sale and on reprints."""
    app = _started(state_dir, sim_printer,
                   shop={"name": "Tienda\x1b@ Doña", "address": "Calle\x1bp\x01\x10\x10 5", "footer": "Gracias\x07"})
    try:
        InventoryService(app.db).create_product(ProductDraft("JAB", "Jabon" + ESC_P, SaleMode.UNIT, Uom.UNIT, 500))
        admin = app.users.authenticate("000000")
        cashier = app.users.create_user("Ana\x1bp\x00\x19\xfa\x1dV\x00", "cashier", "482916", by=admin)
        card = _sell(app, "JAB", PaymentMethod.CARD, cashier)
        app.till.reprint(card.sale_id, cashier)
        cash = _sell(app, "JAB", PaymentMethod.CASH, cashier)
        jobs = wait_until(lambda: len(sim_printer.jobs) == 3 and sim_printer.jobs)
        decoded = [decode(job) for job in jobs]
        assert [len(d.kicks) for d in decoded] == [0, 0, 1]  # only the cash sale opens the drawer
        assert sim_printer.kicks == [(2, 100, 100)]
        for job, d in zip(jobs, decoded):
            assert not d.of(Unknown) and len(d.cuts) == 1  # no stray command: one cut, at the end
            assert job.count(b"\x1bp") == len(d.kicks) and b"\x07" not in job
        text = decoded[0].text
        assert "Jabonp" in text and "Tienda@ Doña" in text and "Anap" in text
        assert cash.sale_id != card.sale_id
    finally:
        app.close()


def test_characters_the_code_page_lacks_are_transliterated(state_dir, sim_printer):
    """es_CO puts U+202F in "8:05 p. m."; a euro sign or curly quotes in a name."""
    app = _started(state_dir, sim_printer, locale={"formats": "es_CO"})
    try:
        InventoryService(app.db).create_product(
            ProductDraft("JAB", "Jabón “Suave” 2×1 €", SaleMode.UNIT, Uom.UNIT, 500))
        _sell(app, "JAB", PaymentMethod.CARD)
        job = wait_until(lambda: sim_printer.jobs)[0]
        text = decode(job).text
        assert "?" not in text
        assert 'Jabón "Suave" 2×1 EUR' in text  # CP850 has × but no € nor curly quotes
        assert " p. m." in text or " a. m." in text  # the narrow no-break spaces became spaces
        assert "\u202f".encode("utf-8") not in job
    finally:
        app.close()


def test_the_test_ticket_prints_on_a_profile_without_cp850():
    data = render_test_ticket("Droguería\x1bp0", ReceiptLayout(profile="TSP600"))
    text = decode(data, "TSP600").text
    assert SPANISH_SAMPLE in text.replace("\n", " ") or all(w in text for w in SPANISH_SAMPLE.split())
    assert "CP858" in text and not decode(data, "TSP600").kicks


@pytest.mark.parametrize("profile", ["default", "TM-T88V", "TM-P80", "TSP600", "TM-U220"])
def test_ascii_written_directly_is_the_bytes_python_escpos_writes(profile):
    """Text skips python-escpos' per-character encoder once the code page is set (ASCII
    as its bytes, the rest through one table per code page): the job's bytes must stay
    exactly python-escpos' own, accents, substitutions and all."""
    from escpos.printer import Dummy

    text = for_printer(profile, "CP850")
    sample = ["TOTAL      $12.345,00\n", "Jabón líquido x 2\n", "Gracias por su compra\n", "Ñandú 1/2 L\n",
              "ÁÉÍÓÚ ¿¡ü° ½ «€ “Suave”» 8:05\u202fp. m.\n", "Ángela\x1bp0 Núñez\n"]
    job = text.job()
    plain = Dummy(profile=text.profile)
    plain.hw("INIT")
    if text.codepage:
        plain.charcode(text.codepage)
    for line in sample:
        job.text(line)
        plain.text(text.clean_lines(line))
    assert job.output == plain.output


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=40))
def test_a_whole_string_clean_is_each_character_cleaned(text):
    """clean() lets a string through in one pass when every character prints as it is:
    the result is always the character-by-character one."""
    for profile, page in (("default", "CP850"), ("TM-U220", "CP850")):
        t = for_printer(profile, page)
        assert t.clean(text) == "".join(ch if " " <= ch <= "~" else t._one(ch) for ch in text)
