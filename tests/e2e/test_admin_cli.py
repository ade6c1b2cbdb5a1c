"""kiosk-admin as a technician runs it: a real process, a real config file."""

import json
import os
import subprocess
import sys
from pathlib import Path

from db.migrate import head_revision

ROOT = Path(__file__).resolve().parents[2]


def admin(state_dir: Path, *args: str, config: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "STATE_DIRECTORY": str(state_dir), "PYTHONPATH": str(ROOT), "HOME": str(state_dir)}
    env.pop("KIOSK_CONFIG", None)
    cmd = [sys.executable, "-m", "kiosk.cli.main"] + (["--config", str(config)] if config else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_migrate_demo_data_and_sales_history(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[printer]\nurl = "file://{tmp_path}/lp0"\n', encoding="utf-8")
    r = admin(tmp_path, "migrate", config=cfg)
    assert r.returncode == 0 and f"new -> {head_revision()}" in r.stdout
    r = admin(tmp_path, "demo-data", "--json", config=cfg)
    assert json.loads(r.stdout)["added"] >= 60
    assert (tmp_path / "images" / "DET-LAV.png").exists()
    r = admin(tmp_path, "demo-data", config=cfg)
    assert "nothing loaded" in r.stdout
    # sell through the services, then read the history back through the CLI
    code = (
        "from kiosk.app_factory import build; from kiosk.config import load_settings;"
        "from kiosk.core.cart import Cart; from kiosk.core.payments import Tender, PaymentMethod;"
        "from kiosk.services.access import TECHNICIAN;"
        f"app = build(load_settings({str(cfg)!r})); u = app.users.authenticate('000000'); c = Cart();"
        "app.sessions.open(TECHNICIAN, amount=0);"  # Abrir caja: selling needs an open till
        "c.add_amount(app.catalog.by_sku('DET-LAV'), 500); c.add(app.catalog.by_sku('ESP-DOB'), 2);"
        "app.till.complete_sale(c, [Tender(PaymentMethod.CASH, 1000)], u); app.printing.flush()"
    )
    env = {**os.environ, "STATE_DIRECTORY": str(tmp_path), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
    r = admin(tmp_path, "sales", "list", "--json", config=cfg)
    [sale] = json.loads(r.stdout)
    assert sale["number"] == 1 and sale["total_minor"] == 620 and sale["methods"] == ["cash"]
    r = admin(tmp_path, "sales", "show", "1", "--json", config=cfg)
    detail = json.loads(r.stdout)
    assert [ln["name"] for ln in detail["lines"]] == ["Detergente líquido lavanda", "Esponja doble uso"]
    assert detail["payments"][0]["change_minor"] == 380
    r = admin(tmp_path, "sales", "show", "1", config=cfg)
    assert "Detergente líquido lavanda" in r.stdout and "1,562 L" in r.stdout
    assert "Venta V000001".encode("cp850") in (tmp_path / "lp0").read_bytes()
    r = admin(tmp_path, "sales", "show", "7", config=cfg)
    assert r.returncode == 1 and "La venta n.º 7 no existe" in r.stderr


def test_invalid_config_stops_with_the_key_named(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[currency]\ndecimals = 5\n[shopp]\nname = "x"\n', encoding="utf-8")
    r = admin(tmp_path, "config", "check", config=cfg)
    assert r.returncode == 2
    assert "[currency] decimals" in r.stderr and "shopp" in r.stderr and "¿quiso decir shop?" in r.stderr
    r = admin(tmp_path, "migrate", config=cfg)
    assert r.returncode == 2 and not (tmp_path / "kiosk.db").exists()  # nothing touched
    cfg.write_text("", encoding="utf-8")
    r = admin(tmp_path, "config", "check", config=cfg)
    assert r.returncode == 0 and "OK" in r.stdout
