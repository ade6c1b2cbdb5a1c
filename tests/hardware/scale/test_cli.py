"""kiosk-admin scale read | detect | simulate and kiosk-admin barcode, run as the
technician would (the simulate command as a real subprocess driven on stdin)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.app_factory import build
from kiosk.cli.main import main
from kiosk.config import load_settings
from kiosk.core.barcodes import gtin_check_digit, price_check_digit
from kiosk.core.units import SaleMode, Uom
from kiosk.services.inventory import InventoryService, ProductDraft

ROOT = Path(__file__).resolve().parents[3]


def ean13(body: str) -> str:
    return body + str(gtin_check_digit(body))


@pytest.fixture
def config(tmp_path: Path):
    def write(extra: str = "") -> str:
        path = tmp_path / "kiosk.toml"
        path.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n'
                        f'[printer]\nurl = "file://{tmp_path / "printer.bin"}"\n{extra}')
        return str(path)
    return write


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- scale read / detect ------------------------------------------------------------------

def test_read_json_from_a_simulated_scale(make_sim, config, capsys):
    sim = make_sim("cas", weight_g=1450)
    code, out, _ = run(capsys, "--config", config(), "scale", "read", "--port", sim.path,
                       "--protocol", "cas", "--json")
    data = json.loads(out)
    assert code == 0
    assert {k: data[k] for k in ("gross_g", "tare_g", "net_g", "stable", "state")} == {
        "gross_g": 1450, "tare_g": 0, "net_g": 1450, "stable": True, "state": "stable"}
    assert data["protocol"] == "cas" and data["unit"] == "kg"


def test_read_uses_the_scale_section_and_prints_text(make_sim, config, capsys):
    sim = make_sim("mtsics", weight_g=250)
    cfg = config(f'[scale]\nprotocol = "mtsics"\nport = "{sim.path}"\n[locale]\nlanguage = "en"\n')
    code, out, _ = run(capsys, "--config", cfg, "scale", "read")
    assert code == 0
    assert "250 g · stable" in out and "(250 g)" in out


def test_read_a_missing_port_fails_clearly(tmp_path, config, capsys):
    code, out, _ = run(capsys, "--config", config(), "scale", "read", "--port", str(tmp_path / "ttyUSB7"),
                       "--protocol", "adam", "--json", "--timeout", "1")
    data = json.loads(out)
    assert code == 1 and data["state"] == "disconnected" and data["net_g"] is None
    assert "ttyUSB7" in data["error"]


def test_read_refuses_the_console_port(config, capsys):
    code, _, err = run(capsys, "--config", config(), "scale", "read", "--port", "/dev/ttyAMA10",
                       "--protocol", "cas")
    assert code == 1 and "console" in err


def test_read_without_protocol_says_what_to_do(config, capsys):
    code, _, err = run(capsys, "--config", config(), "scale", "read", "--port", "/dev/ttyUSB0")
    assert code == 1 and "--protocol" in err


def test_detect_json(make_sim, config, capsys):
    sim = make_sim("magellan", weight_g=100)
    code, out, _ = run(capsys, "--config", config(), "scale", "detect", "--port", sim.path,
                       "--port", "/dev/ttyAMA0", "--json")
    found = json.loads(out)
    assert code == 0
    assert [(d["port"], d["protocol"]) for d in found] == [(sim.path, "magellan"), ("/dev/ttyAMA0", None)]


# --- scale simulate -------------------------------------------------------------------------

def test_simulate_prints_its_port_and_obeys_stdin(tmp_path, config, capsys):
    link = tmp_path / "ttySIM"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli.main", "scale", "simulate", "--protocol",
                             "toledo8217", "--weight", "0,5", "--link", str(link)],
                            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == str(link)
        cfg = config()
        code, out, _ = run(capsys, "--config", cfg, "scale", "read", "--port", str(link),
                           "--protocol", "toledo8217", "--json")
        assert json.loads(out)["net_g"] == 500
        proc.stdin.write("w 2.5\n")
        proc.stdin.flush()
        assert "net_g=2500" in proc.stdout.readline()
        code, out, _ = run(capsys, "--config", cfg, "scale", "read", "--port", str(link),
                           "--protocol", "toledo8217", "--json")
        assert json.loads(out)["net_g"] == 2500
        proc.stdin.write("motion on\n")
        proc.stdin.flush()
        proc.stdout.readline()
        code, out, _ = run(capsys, "--config", cfg, "scale", "read", "--port", str(link),
                           "--protocol", "toledo8217", "--json", "--timeout", "0.6")
        assert json.loads(out)["state"] == "motion" and code == 0
        proc.stdin.write("bogus\nquit\n")
        proc.stdin.flush()
        assert "unknown command" in proc.stdout.readline()
        assert proc.wait(5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not link.exists()


def test_simulate_rejects_a_bad_weight(config, capsys):
    code, _, err = run(capsys, "scale", "simulate", "--protocol", "cas", "--weight", "lots")
    assert code == 1 and "--weight" in err


# --- barcode --------------------------------------------------------------------------------

@pytest.fixture
def shop(config, tmp_path):
    cfg = config('[locale]\nlanguage = "en"\n[barcodes]\nvariable = [\n'
                 '  { prefixes = ["20", "21"], kind = "weight", item_digits = 5 },\n'
                 '  { prefixes = ["28"], kind = "price", item_digits = 4, price_check = true },\n]\n')
    app = build(load_settings(cfg, env={"HOME": str(tmp_path)}))
    inv = InventoryService(app.db)
    inv.create_product(ProductDraft("JAB-POL", "Jabón en polvo", SaleMode.WEIGHT, Uom.KG, 400,
                                    barcodes=["2012345", ean13("770999000001")]))
    inv.create_product(ProductDraft("DET-LAV", "Detergente lavanda", SaleMode.VOLUME, Uom.L, 320,
                                    barcodes=["2054321"]))
    inv.create_product(ProductDraft("ESP-01", "Esponja", SaleMode.UNIT, Uom.UNIT, 150, barcodes=["2800777"]))
    inv.create_product(ProductDraft("QUE-01", "Queso", SaleMode.WEIGHT, Uom.KG, 2000, barcodes=["1234"]))
    app.close()
    return cfg


def test_barcode_explains_a_weight_label(shop, capsys):
    code = ean13("20123450" + "1250")  # 1250 g of item 12345
    status, out, _ = run(capsys, "--config", shop, "barcode", code)
    assert status == 0
    assert "EAN-13" in out and "check digit: valid" in out
    assert "prefix 20, item 12345, weight 1250 g" in out
    assert "JAB-POL" in out and "1,25 kg for $5,00" in out


def test_barcode_json_for_a_price_label_with_price_check_digit(shop, capsys):
    body = "28" + "1234" + str(price_check_digit("01550")) + "01550"
    status, out, _ = run(capsys, "--config", shop, "barcode", ean13(body), "--json")
    data = json.loads(out)
    assert status == 0
    assert data["variable"] == {"prefix": "28", "item_code": "1234", "kind": "price", "value": 1550,
                                "price_check_valid": True}
    assert data["product"]["sku"] == "QUE-01" and data["amount_minor"] == 1550
    assert data["line_total_minor"] == 1550


def test_barcode_with_a_wrong_check_digit(shop, capsys):
    good = ean13("770999000001")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    status, out, _ = run(capsys, "--config", shop, "barcode", bad)
    assert status == 1
    assert f"WRONG (should be {good[-1]})" in out and "wrong check digit" in out


def test_barcode_with_a_wrong_price_check_digit(shop, capsys):
    body = "28" + "1234" + str((price_check_digit("01550") + 1) % 10) + "01550"
    status, out, _ = run(capsys, "--config", shop, "barcode", ean13(body), "--json")
    data = json.loads(out)
    assert status == 1 and data["variable"]["price_check_valid"] is False
    assert "price check digit" in data["error"] and data["product"] is None


def test_barcode_weight_label_on_a_volume_product_is_refused(shop, capsys):
    status, out, _ = run(capsys, "--config", shop, "barcode", ean13("205432100500"))
    assert status == 1 and "not sold by weight" in out


def test_barcode_plain_product_and_unknown_codes(shop, capsys):
    status, out, _ = run(capsys, "--config", shop, "barcode", ean13("770999000001"))
    assert status == 0 and "JAB-POL" in out and "label:" not in out
    status, out, _ = run(capsys, "--config", shop, "barcode", "ABC-999")
    assert status == 1 and "symbology:   other" in out and "none has this code" in out


def test_simulate_stops_cleanly_on_sigterm(tmp_path):
    import signal

    link = tmp_path / "ttyTERM"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli.main", "scale", "simulate", "--protocol", "adam",
                             "--link", str(link)], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == str(link) and link.is_symlink()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not link.exists()


def test_simulate_plays_an_adam_model_family(tmp_path):
    """`scale simulate --protocol adam --adam-model cpwplus` answers G (not P), and
    `status` counts the requests and beeps."""
    import serial

    link = tmp_path / "ttyCPW"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli.main", "scale", "simulate", "--protocol", "adam",
                             "--adam-model", "cpwplus", "--weight", "1.25", "--link", str(link)], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == str(link)
        with serial.Serial(str(link), 4800, timeout=5) as port:
            port.write(b"P\r\n")  # not a CPWplus command: ignored (and not counted)
            port.write(b"G\r\n")
            assert port.readline().strip() == b"G + 1.250 kg"
        proc.stdin.write("status\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        assert "requests=1" in line.split() and "beeps=0" in line.split()
    finally:
        proc.terminate()
        proc.wait(10)
