"""``kiosk-admin demo-data --shop serviteca --days 3``: the serviteca loaded and three
days rung up through the real services with the fiscal profile on; every document
signed and sent to the fake DIAN service. Its XML validates against the UBL 2.1
XSDs, its CUDE/CUFE recomputes from what the XML holds, all are accepted but the one
rejected on purpose; Z reports, daily report files, credit notes, a void, cash in/out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from stdnum import ean
from stdnum.co import nit as co_nit

from kiosk.app_factory import build
from kiosk.cli.main import main
from kiosk.core import fiscal as f
from kiosk.demo_serviteca import CUSTOMERS, PRODUCTS, SOFTWARE_PIN, TECHNICAL_KEY, serviteca_barcodes, settings_overrides
from kiosk.demo_serviteca_history import REJECTION
from kiosk.fiscal.schemas import UblValidator
from kiosk.fiscal.ubl import read_hash_fields
from tests.conftest import make_settings
from tests.invariants import check_invariants

NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


def _cli(monkeypatch, capsys, state: Path, *argv: str) -> tuple[int, str, str]:  # noqa: ANN001
    cfg = state / "kiosk.toml"
    cfg.write_text(f'[printer]\nurl = "file://{state}/lp0"\n', encoding="utf-8")
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    monkeypatch.setenv("HOME", str(state))
    monkeypatch.setenv("KIOSK_CONFIG", str(cfg))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    state = tmp_path_factory.mktemp("serviteca-demo")
    mp = pytest.MonkeyPatch()
    try:
        cfg = state / "kiosk.toml"
        cfg.write_text(f'[printer]\nurl = "file://{state}/lp0"\n', encoding="utf-8")
        mp.setenv("STATE_DIRECTORY", str(state))
        mp.setenv("HOME", str(state))
        mp.setenv("KIOSK_CONFIG", str(cfg))
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["demo-data", "--shop", "serviteca", "--days", "3", "--json"])
        assert code == 0
    finally:
        mp.undo()
    app = build(make_settings(state, **settings_overrides()))
    yield state, json.loads(out.getvalue()), app
    app.close()


def test_three_days_of_history_through_the_services(history) -> None:  # noqa: ANN001
    state, result, app = history
    h = result["history"]
    assert result["added"] == len(PRODUCTS)
    assert h["days"] == 3 and len(h["z"]) == 3 and h["sales"] >= 3 * 8
    assert h["invoices"] >= 1 and h["pos_documents"] >= 1
    assert h["returns"] >= 3 and h["voids"] == 1 and h["credit_notes"] == h["returns"] + h["voids"]
    assert h["cash_movements"] == 6
    # every day's report files are written, and the Z reports are stored
    assert h["reports"] and all((app.reports.folder / name).is_file() for name in h["reports"])
    check_invariants(app.db)


def test_every_document_validates_and_its_key_recomputes(history) -> None:  # noqa: ANN001
    _state, result, app = history
    h = result["history"]
    validator = UblValidator.find()
    entries = app.dian.entries()
    kinds = {e.kind for e in entries}
    assert {f.DocumentKind.POS, f.DocumentKind.INVOICE} <= kinds
    assert kinds & {f.DocumentKind.POS_ADJUSTMENT_CREDIT, f.DocumentKind.INVOICE_CREDIT_NOTE}
    assert len(entries) == h["sales"] + h["credit_notes"]
    for e in entries:
        xml = app.dian.signed_xml(e.document_id)
        assert xml is not None, e.document_number
        assert validator.errors(xml) == [], e.document_number
        root = etree.fromstring(xml)
        uuid = root.find("cbc:UUID", NS)
        key = TECHNICAL_KEY if e.kind is f.DocumentKind.INVOICE else SOFTWARE_PIN
        assert uuid.get("schemeName") == ("CUFE-SHA384" if e.kind is f.DocumentKind.INVOICE else "CUDE-SHA384")
        assert read_hash_fields(root, key).hash() == uuid.text == e.document_key, e.document_number
        assert root.findtext("cbc:ProfileExecutionID", namespaces=NS) == "2"  # testing environment


def test_all_accepted_by_the_fake_dian_but_one_rejected_on_purpose(history) -> None:  # noqa: ANN001
    _state, result, app = history
    h = result["history"]
    assert len(h["rejected"]) == 1 and h["waiting"] == []
    assert len(h["accepted"]) == len(app.dian.entries()) - 1
    rejected = app.dian.entry(h["rejected"][0])
    assert rejected.state == "rejected" and rejected.kind is f.DocumentKind.INVOICE
    assert REJECTION[0] in rejected.rule_codes and "RUT" in rejected.last_error
    # what staff see: the manager's banner names the rejection
    banner = app.dian.banner()
    assert banner is not None and "rechaz" in banner[0].lower() + banner[1].lower()


def test_the_shop_is_colombian(history) -> None:  # noqa: ANN001
    _state, _result, app = history
    s = app.settings
    assert (s.currency.code, s.currency.decimals, s.fiscal.country, s.dian.environment) == ("COP", 0, "CO", 2)
    assert co_nit.is_valid(f"{s.fiscal.nit}{s.fiscal.dv}")
    for code in (c for codes in serviteca_barcodes().values() for c in codes):
        assert ean.is_valid(code) and len(code) == 13 and code.startswith("770")
    rates = {p.tax for p in PRODUCTS}
    assert rates == {0, 19}
    for c in CUSTOMERS:
        stored = app.customers.by_identification(c.id_type, c.number)
        assert stored is not None and stored.name == c.name
        if c.id_type == "31":
            assert co_nit.is_valid(c.number + stored.dv)
    services = [p for p in app.catalog.browse(limit=500) if not p.tracks_stock]
    assert any("(hora)" in p.name for p in services) and len(services) >= 8
    assert app.numbering.resolutions() and all(r.prefix.endswith(str(r.till_id)) for r in app.numbering.resolutions())
    assert app.stock.low_stock()  # a few shelves start low (the R16 tyre, the fuel filter, the 22" blade)


def test_bad_input_and_a_second_run(history, monkeypatch, capsys) -> None:  # noqa: ANN001
    state, _result, _app = history
    code, out, _err = _cli(monkeypatch, capsys, state, "demo-data", "--shop", "serviteca", "--days", "2")
    assert code == 0 and "already has products" in out and "already has sales" in out
    with pytest.raises(SystemExit) as exc:
        _cli(monkeypatch, capsys, state, "demo-data", "--shop", "panaderia")
    assert exc.value.code == 2
    code, _out, err = _cli(monkeypatch, capsys, state, "demo-data", "--shop", "serviteca", "--days", "-3")
    assert code == 1 and "--days" in err
