"""kiosk-admin products import|export and stock ledger|low|restock|adjust, run in
process on a real state directory (as the technician would on the box)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli.main import main


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> Path:
    state = tmp_path / "state"
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    assert main(["demo-data"]) == 0
    capsys.readouterr()
    return tmp_path


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_export_then_dry_run_and_import(box: Path, capsys: pytest.CaptureFixture) -> None:
    path = box / "catalogo.csv"
    code, out, _ = run(capsys, "products", "export", str(path))
    assert code == 0 and "66 products written" in out
    code, out, _ = run(capsys, "products", "import", str(path), "--dry-run")
    assert code == 0 and "66 filas: 0 nuevos, 0 modificados, 66 sin cambios" in out and "Solo comprobación" in out
    code, out, _ = run(capsys, "products", "import", str(path), "--json")
    data = json.loads(out)
    assert code == 0 and data["applied"] and data["unchanged"] == 66 and data["problems"] == []


def test_import_with_problems_exits_1_with_a_report(box: Path, capsys: pytest.CaptureFixture) -> None:
    path = box / "malo.csv"
    path.write_text("sku;name;price;unit\nA;Uno;1,00;litro\nB;Dos;-3;unidad\nC;Tres;2;barril\n", encoding="utf-8")
    code, out, _ = run(capsys, "products", "import", str(path))
    assert code == 1
    assert out.splitlines() == [
        "línea 3, columna price: no puede ser negativo",
        'línea 4, columna unit: unidad desconocida "barril" (use unidad, litro, mililitro, galón, kilo, gramo o '
        "libra)",
        "No se importó nada: el archivo tiene 2 problemas.",
    ]
    code, out, _ = run(capsys, "products", "import", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and not data["applied"]
    assert [(p["line"], p["column"]) for p in data["problems"]] == [(3, "price"), (4, "unit")]
    code, _, err = run(capsys, "products", "import", str(box / "nada.csv"))
    assert code == 1 and "nada.csv" in err


def test_stock_commands(box: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "stock", "restock", "DET-LAV", "2,5", "--cost", "1,70", "--reference", "F-12")
    assert code == 0 and "Detergente líquido lavanda: +2,5 L, existencias ahora 82,5 L" in out
    code, out, _ = run(capsys, "stock", "adjust", "DET-LAV", "--reason", "breakage", "--json", "--", "-0,25")
    assert code == 0 and json.loads(out)["stock_base"] == 82_250
    code, out, _ = run(capsys, "stock", "adjust", "DET-LAV", "-0.25", "--reason", "breakage", "--json")
    assert code == 0 and json.loads(out)["stock_base"] == 82_000
    code, out, _ = run(capsys, "stock", "ledger", "DET-LAV", "--json")
    data = json.loads(out)
    assert data["stock_base"] == data["ledger_sum_base"] == 82_000
    assert [(m["reason"], m["quantity_base"], m["balance_base"]) for m in data["movements"]] == [
        ("adjustment", -250, 82_000), ("adjustment", -250, 82_250), ("restock", 2_500, 82_500),
        ("restock", 80_000, 80_000)]
    assert data["movements"][2]["reference"] == "F-12" and data["movements"][2]["unit_cost_minor"] == 170
    code, out, _ = run(capsys, "stock", "ledger", "DET-LAV")
    assert code == 0 and "Ajuste: Rotura" in out and "82 L" in out
    code, out, _ = run(capsys, "stock", "low", "--json")
    low = json.loads(out)
    assert code == 0 and "DET-ECO" in [i["sku"] for i in low]
    assert all(i["stock_base"] <= i["low_stock_base"] and i["suggested_base"] > 0 for i in low)
    code, out, _ = run(capsys, "stock", "low")
    assert code == 0 and f"{len(low)} products at or below" in out


def test_stock_command_errors(box: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "stock", "ledger", "NOPE")
    assert code == 1 and "NOPE" in err
    code, _, err = run(capsys, "stock", "restock", "SRV-DOM", "1")
    assert code == 1 and "es un servicio" in err
    code, _, err = run(capsys, "stock", "restock", "DET-LAV", "dos")
    assert code == 1 and "no es un número" in err
    code, _, err = run(capsys, "stock", "restock", "DET-LAV", "1", "--user", "Nadie")
    assert code == 1 and "Nadie" in err


def test_import_refuses_a_device_or_pipe_at_once_and_reports_row_errors(box: Path,
                                                                        capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "products", "import", "/dev/zero")
    assert code == 1 and err.startswith("error: zero no es un archivo que se pueda leer")
    path = box / "raro.csv"
    path.write_text("sku,barcode,name,price\nA,7702004003508²,Uno,1\nB,,Dos,123456789012345678901234567\n"
                    "C,,Tres,6,10\n", encoding="utf-8")
    code, out, err = run(capsys, "products", "import", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and not data["applied"] and err == ""
    assert [(p["line"], p["column"]) for p in data["problems"]] == [(2, "barcode"), (3, "price"), (4, "price")]
    assert "coma decimal" in data["problems"][2]["reason"]


def test_resume_with_nothing_interrupted(box: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "products", "resume")
    assert code == 0 and out.strip() == "no interrupted import"
    code, out, _ = run(capsys, "products", "resume", "--json")
    assert code == 0 and json.loads(out) == {"resumed": []}
