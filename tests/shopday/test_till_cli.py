"""kiosk-admin till ...: the commands of issue 17, their JSON, and bad input (clear
message, non-zero exit, nothing lost)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from kiosk.cli.main import main
from tests.conftest import CASHIER_PIN, MANAGER_PIN
from tests.shopday.helpers import sell


@pytest.fixture
def cli(day, state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[printer]\nurl = "file://{state_dir}/printer.bin"\n[till]\nnote_over = 5\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(cfg))
    monkeypatch.setenv("STATE_DIRECTORY", str(state_dir))

    def run(*argv: str, pin: str | None = None) -> int:
        if pin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
        return main(list(argv))
    return run


def test_the_whole_day_from_the_command_line(cli, day, cashier, capsys):
    assert cli("till", "status", "--json") == 0
    assert json.loads(capsys.readouterr().out)["open"] is False
    assert cli("till", "open", "--float", "100,00", "--user", "Carla", "--pin-stdin", pin=CASHIER_PIN) == 0
    assert "100,00" in capsys.readouterr().out
    sale = sell(day, cashier, ("ESP-DOB",), cash=1000)  # the running kiosk sells
    assert cli("till", "cash-in", "20", "--reason", "change", "--user", "Mario", "--pin-stdin",
               pin=MANAGER_PIN) == 0
    assert cli("till", "cash-out", "5", "--reason", "supplier", "--user", "Mario", "--pin-stdin", "--json",
               pin=MANAGER_PIN) == 0
    out = capsys.readouterr().out
    moved = json.loads(out[out.index("{"):])
    expected = 10000 + 1000 - sale.change + 2000 - 500
    assert moved["expected_cash_minor"] == expected
    assert cli("till", "status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["open"] and status["expected_cash_minor"] == expected and status["sales_count"] == 1
    assert cli("till", "x-report", "--json") == 0
    assert json.loads(capsys.readouterr().out)["figures"]["cash"]["expected"] == expected
    assert cli("till", "close", "--counted", f"{expected / 100:.2f}".replace(".", ","), "--user", "Mario",
               "--pin-stdin", "--json", pin=MANAGER_PIN) == 0
    z = json.loads(capsys.readouterr().out)
    assert (z["number"], z["expected_minor"], z["difference_minor"]) == (1, expected, 0)
    assert cli("till", "z-report", "1", "--json") == 0
    assert json.loads(capsys.readouterr().out)["figures"]["gross"] == sale.total
    assert cli("till", "z-report", "1") == 0
    assert "Efectivo esperado" in capsys.readouterr().out
    assert cli("till", "z-reports", "--json") == 0
    assert [r["number"] for r in json.loads(capsys.readouterr().out)] == [1]
    assert cli("till", "z-reports") == 0


def test_bad_input_is_refused_clearly_and_loses_nothing(cli, day, capsys):
    assert cli("till", "open", "--float", "-5", "--user", "Carla", "--pin-stdin", pin=CASHIER_PIN) == 1
    assert "negativ" in capsys.readouterr().err
    assert cli("till", "open", "--float", "10", "--user", "Carla", "--pin-stdin", pin=MANAGER_PIN) == 1
    assert "PIN" in capsys.readouterr().err
    assert day.sessions.current() is None
    assert cli("till", "x-report") == 1
    assert "Abrir caja" in capsys.readouterr().err
    assert cli("till", "open", "--float", "10", "--user", "Carla", "--pin-stdin", pin=CASHIER_PIN) == 0
    assert cli("till", "cash-in", "5", "--reason", "change", "--user", "Carla", "--pin-stdin",
               pin=CASHIER_PIN) == 1
    assert "Carla" in capsys.readouterr().err  # a cashier may not: says who may
    assert cli("till", "cash-out", "50", "--reason", "supplier", "--user", "Mario", "--pin-stdin",
               pin=MANAGER_PIN) == 1
    assert "Confirme" in capsys.readouterr().err and day.sessions.expected_cash() == 1000
    assert cli("till", "close", "--counted", "0", "--user", "Mario", "--pin-stdin", pin=MANAGER_PIN) == 1
    assert "nota" in capsys.readouterr().err
    assert cli("till", "close", "--counted", "0", "--note", "robo", "--user", "Mario", "--pin-stdin",
               pin=MANAGER_PIN) == 0
    capsys.readouterr()
    assert cli("till", "close", "--counted", "0", "--user", "Mario", "--pin-stdin", pin=MANAGER_PIN) == 1
    assert "cerrada" in capsys.readouterr().err
    assert cli("till", "z-report", "9") == 1
    assert "9" in capsys.readouterr().err
