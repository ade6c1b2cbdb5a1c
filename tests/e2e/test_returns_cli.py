"""kiosk-admin sales return | sales void | sales show | returns list/show (issue 14), run in-process."""

from __future__ import annotations

import io
import json

import pytest

from kiosk.app_factory import build
from kiosk.cli.main import main
from kiosk.config import load_settings
from kiosk.core.cart import Cart
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.demo import load_demo
from tests.conftest import CASHIER_PIN, MANAGER_PIN, open_till


@pytest.fixture
def shop(tmp_path, monkeypatch):
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[printer]\nurl = "file://{tmp_path}/lp0"\n', encoding="utf-8")
    app = build(load_settings(str(cfg)))
    load_demo(app.db, app.state_dir)
    admin = app.users.authenticate("000000")
    app.users.create_user("Mario", "manager", MANAGER_PIN, by=admin)
    app.users.create_user("Caro", "cashier", CASHIER_PIN, by=admin)
    open_till(app)  # Abrir caja: selling needs an open till ([till] without_session = "refuse")
    for method in (PaymentMethod.CASH, PaymentMethod.CARD):
        cart = Cart()
        cart.add(app.catalog.by_sku("DET-LAV"), 2000)  # line 1: 2 L, 6.40
        cart.add(app.catalog.by_sku("ESP-DOB"), 3)  # line 2: 3 sponges, 1.80
        app.till.complete_sale(cart, [Tender(method, cart.total)], admin)
    app.close()
    return cfg


def run(cfg, capsys, monkeypatch, *args, pin=None):
    monkeypatch.setattr("sys.stdin", io.StringIO((pin or "") + "\n"))
    code = main(["--config", str(cfg), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_partial_bulk_return_then_show_and_list(shop, capsys, monkeypatch):
    code, out, err = run(shop, capsys, monkeypatch, "sales", "return", "1", "--line", "1:0,5", "--line", "2:1",
                         "--reason", "changed_mind", "--refund", "cash", "--user", "Mario", "--pin-stdin", "--json",
                         pin=MANAGER_PIN)
    assert code == 0, err
    ret = json.loads(out)
    assert ret["reference"] == "D000001" and ret["total_minor"] == 160 + 60 and ret["authorised_by"] is None
    assert [(ln["position"], ln["quantity_base"]) for ln in ret["lines"]] == [(1, 500), (2, 1)]
    code, out, _ = run(shop, capsys, monkeypatch, "sales", "show", "1", "--json")
    sale = json.loads(out)
    assert sale["status"] == "completed"
    assert [ln["returned"] for ln in sale["lines"]] == [500, 1]
    assert [r["reference"] for r in sale["returns"]] == ["D000001"]
    code, out, _ = run(shop, capsys, monkeypatch, "returns", "list", "--json")
    assert [r["number"] for r in json.loads(out)] == [1]
    code, out, _ = run(shop, capsys, monkeypatch, "returns", "show", "D000001")
    assert code == 0 and "Detergente" in out and "0,5 L" in out or "500 ml" in out
    code, out, _ = run(shop, capsys, monkeypatch, "sales", "show", "1")
    assert "D000001" in out


def test_over_return_refused_with_nonzero_exit(shop, capsys, monkeypatch):
    code, _, err = run(shop, capsys, monkeypatch, "sales", "return", "1", "--line", "1:2.5", "--reason",
                       "changed_mind", "--user", "Mario", "--pin-stdin", pin=MANAGER_PIN)
    assert code == 1 and "1" in err and ("2,5 L" in err or "quedan" in err)
    code, _, err = run(shop, capsys, monkeypatch, "sales", "return", "1", "--line", "1:abc", "--reason",
                       "changed_mind", "--user", "Mario", "--pin-stdin", pin=MANAGER_PIN)
    assert code == 1 and "not a quantity" in err
    code, _, err = run(shop, capsys, monkeypatch, "sales", "return", "1", "--line", "1:1", "--reason",
                       "changed_mind", "--user", "Mario", "--pin-stdin", pin=CASHIER_PIN)
    assert code == 1 and "not Mario's" in err
    code, _, err = run(shop, capsys, monkeypatch, "sales", "return", "1", "--line", "1:1", "--reason",
                       "changed_mind", "--user", "Caro", "--pin-stdin", pin=CASHIER_PIN)
    assert code == 1 and "Caro" in err  # a cashier may not return
    code, out, _ = run(shop, capsys, monkeypatch, "returns", "list", "--json")
    assert json.loads(out) == []


def test_void_then_return_refused(shop, capsys, monkeypatch):
    code, out, err = run(shop, capsys, monkeypatch, "sales", "void", "2", "--reason", "rung twice", "--user",
                         "Mario", "--pin-stdin", pin=MANAGER_PIN)
    assert code == 0, err
    code, out, _ = run(shop, capsys, monkeypatch, "sales", "show", "2", "--json")
    assert json.loads(out)["status"] == "voided" and json.loads(out)["void_reason"] == "rung twice"
    code, _, err = run(shop, capsys, monkeypatch, "sales", "return", "2", "--line", "2:1", "--reason",
                       "changed_mind", "--user", "Mario", "--pin-stdin", pin=MANAGER_PIN)
    assert code == 1 and "anulada" in err
    # a sale with a return cannot be voided
    run(shop, capsys, monkeypatch, "sales", "return", "1", "--line", "2:1", "--reason", "changed_mind",
        "--user", "Mario", "--pin-stdin", pin=MANAGER_PIN)
    code, _, err = run(shop, capsys, monkeypatch, "sales", "void", "1", "--reason", "x", "--user", "Mario",
                       "--pin-stdin", pin=MANAGER_PIN)
    assert code == 1 and "devolución" in err


def test_demo_data_with_days_of_history(tmp_path, capsys, monkeypatch):
    from db.engine import Database
    from tests.invariants import check_invariants

    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[printer]\nurl = "file://{tmp_path}/lp0"\n', encoding="utf-8")
    code, out, err = run(cfg, capsys, monkeypatch, "demo-data", "--days", "2", "--json")
    assert code == 0, err
    history = json.loads(out)["history"]
    assert history["sales"] >= 2 * 18 and history["days"] == 2 and len(history["z"]) == 2
    code, out, _ = run(cfg, capsys, monkeypatch, "sales", "list", "--from",
                       (__import__("kiosk.formatting", fromlist=["x"]).local_today()
                        - __import__("datetime").timedelta(days=2)).isoformat(), "--json")
    sales = json.loads(out)
    assert len(sales) == history["sales"]
    assert {m for s in sales for m in s["methods"]} >= {"cash", "card"}
    code, out, _ = run(cfg, capsys, monkeypatch, "demo-data", "--days", "2")
    assert "already has sales" in out
    check_invariants(Database(tmp_path / "kiosk.db"))
    code, _, err = run(cfg, capsys, monkeypatch, "demo-data", "--days", "-1")
    assert code == 1 and "--days" in err
