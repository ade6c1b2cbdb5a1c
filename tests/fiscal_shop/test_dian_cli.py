"""kiosk-admin dian documents list|show, xml, send [--all], test-set, status and the
certificate in config check / selftest, as a technician runs them: a real process, a
real configuration naming a PKCS#12 certificate and the fake DIAN service."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from kiosk.app_factory import build
from kiosk.config import load_settings
from kiosk.fiscal.demo_certificate import throwaway_identity, write_pkcs12
from kiosk.fiscal.schemas import UblValidator
from kiosk.services.fiscal_documents import FiscalRequest
from tests.e2e.test_admin_cli import admin
from tests.fiscal_shop.dian_fixtures import make_fake
from tests.fiscal_shop.shop import FISCAL, add_resolutions, load_serviteca, sell
from tests.fiscal_shop.test_cli import _toml


@pytest.fixture
def fake():
    fake = make_fake(UblValidator.find())
    fake.start()
    yield fake
    fake.stop()


def _config(tmp_path: Path, url: str, identity=None) -> Path:  # noqa: ANN001
    identity = identity or throwaway_identity()
    p12, password = tmp_path / "firma.p12", tmp_path / "firma.pass"
    write_pkcs12(identity, p12, password, "clave-de-prueba")
    path = tmp_path / "kiosk.toml"
    fiscal = "\n".join(f"{k} = {_toml(v)}" for k, v in FISCAL.items())
    path.write_text(f'[paths]\nstate_dir = "{tmp_path}"\n[printer]\nurl = "file://{tmp_path}/lp0"\n'
                    '[currency]\ncode = "COP"\ndecimals = 0\n[locale]\ntimezone = "America/Bogota"\n'
                    f'[tax]\nrates = [0, 5, 8, 19]\n[fiscal]\n{fiscal}\n'
                    f'[dian]\ncertificate = "{p12}"\ncertificate_password_file = "{password}"\nurl = "{url}"\n'
                    'timeout_s = 20\n', encoding="utf-8")
    assert admin(tmp_path, "migrate", config=path).returncode == 0
    return path


def _shop(cfg: Path) -> list[str]:
    app = build(load_settings(cfg, env={}))
    try:
        boss = app.users.authenticate("000000")
        load_serviteca(app, boss)
        add_resolutions(app, boss)
        fleet = app.customers.quick_add("31", "860069804", "Transportes <Andinos> & Cía", "", boss)
        sales = [sell(app, boss, [("CAFE", 2)]),
                 sell(app, boss, [("CERA", 1)], request=FiscalRequest(fleet.id, invoice=True))]
        return [app.fiscal.sale_document(s.sale_id).document_number for s in sales]
    finally:
        app.close()


def test_list_send_show_xml_and_status(tmp_path, fake):
    cfg = _config(tmp_path, fake.url)
    pos, invoice = _shop(cfg)
    r = admin(tmp_path, "dian", "documents", "list", "--json", config=cfg)
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)
    assert [(d["document"], d["state"]) for d in listed["documents"]] == [(pos, "built"), (invoice, "built")]
    assert listed["summary"]["waiting"] == 2
    r = admin(tmp_path, "status", config=cfg)
    assert "2 waiting" in r.stdout

    fake.set_mode("reject", rule="FAD06", message="Rechazo forzado")
    r = admin(tmp_path, "dian", "send", config=cfg)
    assert r.returncode == 1 and f"rejected: {pos} {invoice}" in r.stdout
    r = admin(tmp_path, "dian", "documents", "list", "--state", "rejected", config=cfg)
    assert pos in r.stdout and "FAD06" in r.stdout
    r = admin(tmp_path, "dian", "documents", "show", pos, config=cfg)
    assert "rejected" in r.stdout and "FAD06" in r.stdout and "signed" in r.stdout

    fake.behave()
    r = admin(tmp_path, "dian", "send", config=cfg)
    assert r.returncode == 0 and "nothing to send" in r.stdout  # rejected ones wait for --all or their number
    r = admin(tmp_path, "dian", "send", "--all", "--json", config=cfg)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["accepted"] == [pos, invoice]
    r = admin(tmp_path, "dian", "documents", "show", invoice, "--json", config=cfg)
    shown = json.loads(r.stdout)
    assert shown["state"] == "accepted" and [x["state"] for x in shown["exchanges"]] == [
        "signed", "sent", "rejected", "signed", "sent", "accepted"]

    out = tmp_path / "factura.xml"
    r = admin(tmp_path, "dian", "xml", invoice, "--out", str(out), config=cfg)
    assert r.returncode == 0, r.stderr
    root = etree.parse(str(out)).getroot()  # the hostile customer name is escaped, not markup
    assert "Transportes <Andinos> & Cía" in out.read_text(encoding="utf-8").replace("&lt;", "<").replace(
        "&gt;", ">").replace("&amp;", "&")
    assert root.findtext("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID") == invoice
    assert not UblValidator.find().errors(root)

    r = admin(tmp_path, "status", "--json", config=cfg)
    assert json.loads(r.stdout)["dian"]["waiting"] == 0
    r = admin(tmp_path, "dian", "xml", "XX99", "--out", str(out), config=cfg)
    assert r.returncode == 1 and "XX99" in r.stderr

    r = admin(tmp_path, "dian", "test-set", "--test-set-id", "8b7d5a2c-test", pos, "--json", config=cfg)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)[0]["outcome"] == "pending"


def test_dian_down_shows_in_status_and_send_fails_clearly(tmp_path, fake):
    cfg = _config(tmp_path, fake.url)
    pos, _invoice = _shop(cfg)
    fake.set_mode("http", status=503)
    r = admin(tmp_path, "dian", "send", config=cfg)
    assert r.returncode == 1 and f"no answer: {pos}" in r.stdout and "2 waiting" in r.stdout
    r = admin(tmp_path, "dian", "documents", "show", pos, config=cfg)
    assert "HTTP 503" in r.stdout and "contingency" in r.stdout


def test_an_expired_certificate_fails_config_check_selftest_and_send(tmp_path, fake):
    old = throwaway_identity(valid_from=datetime.now(UTC) - timedelta(days=400), valid_days=30)
    cfg = _config(tmp_path, fake.url, old)
    _shop(cfg)
    r = admin(tmp_path, "config", "check", "--json", config=cfg)
    assert r.returncode == 1
    assert json.loads(r.stdout)["dian_certificate"]["result"] == "fail"
    r = admin(tmp_path, "config", "check", config=cfg)
    assert "[dian] certificate" in r.stdout and "venció" in r.stdout
    r = admin(tmp_path, "selftest", "--simulated", "--scan-wait", "0", "--led-seconds", "0", "--json", config=cfg)
    checks = {c["device"]: c for c in json.loads(r.stdout)["checks"]}
    assert r.returncode == 1 and checks["dian certificate"]["result"] == "fail"
    r = admin(tmp_path, "dian", "send", config=cfg)
    assert r.returncode == 1 and "venció" in r.stdout
    assert fake.received == []
    r = admin(tmp_path, "dian", "documents", "list", "--json", config=cfg)
    assert {d["state"] for d in json.loads(r.stdout)["documents"]} == {"built"}  # they wait


def test_a_good_certificate_passes_config_check(tmp_path, fake):
    cfg = _config(tmp_path, fake.url)
    r = admin(tmp_path, "config", "check", "--json", config=cfg)
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["dian_certificate"]["result"] == "pass"
