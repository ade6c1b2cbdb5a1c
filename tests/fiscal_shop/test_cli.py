"""kiosk-admin customers / numbering / sales show / status on a serviteca, as a
technician runs them: a real process and a real configuration file."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk.app_factory import build
from kiosk.config import load_settings
from kiosk.services.fiscal_documents import FiscalRequest
from tests.e2e.test_admin_cli import admin
from tests.fiscal_shop.shop import FISCAL, TECHNICAL_KEY, load_serviteca, sell
from tests.conftest import open_till


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    fiscal = "\n".join(f"{k} = {_toml(v)}" for k, v in FISCAL.items())
    path.write_text(f'[paths]\nstate_dir = "{tmp_path}"\n[printer]\nurl = "file://{tmp_path}/lp0"\n'
                    '[currency]\ncode = "COP"\ndecimals = 0\n[locale]\ntimezone = "America/Bogota"\n'
                    f'[tax]\nrates = [0, 5, 8, 19]\n[fiscal]\n{fiscal}\n', encoding="utf-8")
    assert admin(tmp_path, "migrate", config=path).returncode == 0
    return path


def run(tmp_path: Path, cfg: Path, *args: str):  # noqa: ANN201
    return admin(tmp_path, *args, config=cfg)


def test_customers_add_list_show_import_export(tmp_path, cfg):
    r = run(tmp_path, cfg, "customers", "add", "--id-type", "31", "--id", "860.069.804", "--name",
            "Transportes Andinos S.A.", "--email", "compras@andinos.example", "--city", "11001", "--json")
    assert r.returncode == 0, r.stderr
    added = json.loads(r.stdout)
    assert (added["dv"], added["identification"], added["person"]) == ("2", "860069804-2", "legal")
    r = run(tmp_path, cfg, "customers", "add", "--id-type", "31", "--id", "900544472", "--dv", "7", "--name", "X")
    assert r.returncode == 1 and "el dígito de verificación es 2, no 7" in r.stderr.lower()
    r = run(tmp_path, cfg, "customers", "add", "--id-type", "77", "--id", "1", "--name", "X")
    assert r.returncode == 1 and "77 no es un tipo de documento" in r.stderr
    r = run(tmp_path, cfg, "customers", "add", "--id-type", "31", "--id", "860069804", "--name", "Otra")
    assert r.returncode == 1 and "ya es el cliente Transportes Andinos S.A." in r.stderr
    r = run(tmp_path, cfg, "customers", "add", "--id-type", "13", "--id", "52123456", "--name", "Ana Gómez")
    assert r.returncode == 0 and "CC 52123456" in r.stdout
    r = run(tmp_path, cfg, "customers", "list", "--json")
    assert [c["name"] for c in json.loads(r.stdout)] == ["Ana Gómez", "Transportes Andinos S.A."]
    r = run(tmp_path, cfg, "customers", "show", "860069804-2")
    assert r.returncode == 0 and "Transportes Andinos S.A." in r.stdout and "11001" in r.stdout
    out = tmp_path / "clientes.csv"
    r = run(tmp_path, cfg, "customers", "export", str(out), "--semicolon")
    assert r.returncode == 0 and out.read_text(encoding="utf-8-sig").startswith("id_type;id_number;dv;")
    bad = tmp_path / "bad.csv"
    bad.write_text("id_type,id_number,dv,name\n31,900544472,5,Flota\n13,222222222222,,Nadie\n", encoding="utf-8")
    r = run(tmp_path, cfg, "customers", "import", str(bad), "--json")
    report = json.loads(r.stdout)
    assert r.returncode == 1 and not report["applied"]
    assert [(p["line"], p["column"]) for p in report["problems"]] == [(2, "dv"), (3, "id_number")]
    good = tmp_path / "good.csv"
    good.write_text("id_type,id_number,name,active\nNIT,900544472,Flota del Sur,1\n13,52123456,Ana María Gómez,\n",
                    encoding="utf-8")
    r = run(tmp_path, cfg, "customers", "import", str(good))
    assert r.returncode == 0 and "1 nuevos, 1 modificados" in r.stdout
    r = run(tmp_path, cfg, "customers", "deactivate", "CC:52123456")
    assert r.returncode == 0
    r = run(tmp_path, cfg, "customers", "list", "--json")
    assert len(json.loads(r.stdout)) == 2


def test_numbering_add_list_show_status_and_the_sale_document(tmp_path, cfg):
    today = date.today()
    start, end = (today - timedelta(days=10)).isoformat(), (today + timedelta(days=20)).isoformat()
    common = ["--valid-from", start, "--valid-to", end]
    r = run(tmp_path, cfg, "status", "--json")
    kinds = {(w["kind"], w["code"]) for w in json.loads(r.stdout)["numbering"]}
    assert kinds == {("pos", "unavailable"), ("invoice", "unavailable"), ("credit", "unavailable")}
    r = run(tmp_path, cfg, "numbering", "add", "--kind", "pos", "--resolution", "18764000000010", "--prefix", "CJ1",
            "--from", "1", "--to", "100", *common, "--json")
    assert r.returncode == 0, r.stderr
    assert (json.loads(r.stdout)["next"], json.loads(r.stdout)["remaining"]) == (1, 100)
    r = run(tmp_path, cfg, "numbering", "add", "--kind", "pos", "--resolution", "18764000000011", "--prefix", "cj1",
            "--from", "100", "--to", "200", *common)
    assert r.returncode == 1 and "se cruzan con la resolución 18764000000010" in r.stderr
    r = run(tmp_path, cfg, "numbering", "add", "--kind", "invoice", "--resolution", "18764000000012", "--prefix",
            "FE1", "--from", "1", "--to", "5000", *common)
    assert r.returncode == 1 and "Clave técnica" in r.stderr
    r = run(tmp_path, cfg, "numbering", "add", "--kind", "invoice", "--resolution", "18764000000012", "--prefix",
            "FE1", "--from", "1", "--to", "5000", *common, "--technical-key", TECHNICAL_KEY)
    assert r.returncode == 0
    r = run(tmp_path, cfg, "numbering", "add", "--kind", "credit", "--resolution", "18764000000013", "--prefix",
            "NC1", "--from", "1", "--to", "5000", "--valid-from", start, "--valid-to", "2099-01-01")
    assert r.returncode == 0
    # sell through the services on the same database, then read it back
    app = build(load_settings(cfg, env={}))
    try:
        boss = app.users.authenticate("000000")
        load_serviteca(app, boss)
        open_till(app)  # Abrir caja: selling needs an open till ([till] without_session = "refuse")
        fleet = app.customers.quick_add("31", "860069804", "Transportes Andinos S.A.", "", boss)
        sell(app, boss, [("CAFE", 2)])
        sell(app, boss, [("CERA", 1)], request=FiscalRequest(fleet.id, invoice=True))
    finally:
        app.close()
    r = run(tmp_path, cfg, "numbering", "list", "--json")
    listed = {x["kind"]: (x["next"], x["remaining"], x["state"]) for x in json.loads(r.stdout)}
    assert listed == {"pos": (2, 99, "active"), "invoice": (2, 4999, "active"), "credit": (1, 5000, "active")}
    r = run(tmp_path, cfg, "numbering", "list")
    assert "CJ12" in r.stdout and "en uso" in r.stdout
    r = run(tmp_path, cfg, "numbering", "show", "CJ1")
    assert "18764000000010" in r.stdout and "CJ11 to CJ1100" in r.stdout
    r = run(tmp_path, cfg, "status", "--json")
    warned = {(w["kind"], w["code"]) for w in json.loads(r.stdout)["numbering"]}
    assert warned == {("pos", "few_numbers"), ("pos", "expiring"), ("invoice", "expiring")}
    r = run(tmp_path, cfg, "status")
    assert "numbering pos" in r.stdout and "Quedan solo 99 números" in r.stdout
    r = run(tmp_path, cfg, "sales", "show", "1", "--json")
    doc = json.loads(r.stdout)["document"]
    assert (doc["kind"], doc["prefix"], doc["number"], doc["customer"]) == ("pos", "CJ1", 1, None)
    r = run(tmp_path, cfg, "sales", "show", "2", "--json")
    doc = json.loads(r.stdout)["document"]
    assert (doc["kind"], doc["prefix"], doc["number"]) == ("invoice", "FE1", 1)
    assert (doc["customer"]["id_number"], doc["customer"]["dv"], doc["customer"]["name"]) == (
        "860069804", "2", "Transportes Andinos S.A.")
    r = run(tmp_path, cfg, "sales", "show", "2")
    assert "electronic invoice FE11  Transportes Andinos S.A. (860069804-2)" in r.stdout
    stick = tmp_path / "usb"
    stick.mkdir()
    r = run(tmp_path, cfg, "sales", "pdf", "2", "--to", str(stick), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["files"] == [str(tmp_path / "invoices" / "FE11.pdf")]
    assert (stick / "FE11.pdf").read_bytes().startswith(b"%PDF-")
    r = run(tmp_path, cfg, "sales", "pdf", "9")
    assert r.returncode == 1 and "no existe" in r.stderr


def test_a_bad_fiscal_profile_stops_with_the_key_named(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[currency]\ncode = "COP"\ndecimals = 0\n[fiscal]\ncountry = "CO"\nnit = "900373076"\n'
                    'dv = "7"\nlegal_name = "X"\naddress = "Calle 1"\ncity_code = "11001"\ntill_plate = "C1"\n'
                    'till_location = "Local"\n', encoding="utf-8")
    r = admin(tmp_path, "config", "check", config=path)
    assert r.returncode == 2 and "[fiscal]" in r.stderr and "check digit is 4, not 7" in r.stderr
    path.write_text('[fiscal]\ncountry = "CO"\n', encoding="utf-8")
    r = admin(tmp_path, "config", "check", config=path)
    assert r.returncode == 2 and "nit, legal_name, address, city_code, till_plate, till_location" in r.stderr
