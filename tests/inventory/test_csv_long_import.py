"""The CSV import as a long writer: bad input gives the row's error (never a
traceback), odd files are refused at once, exports cannot run as spreadsheet
formulas, the apply stage leaves the write lock free between short transactions, a
crash half-way is finished exactly once, and cancelling before the apply writes
nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk.app_factory import Services
from kiosk.bench.inventory import write_csv
from kiosk.core.inventory_errors import NotARegularFile
from kiosk.core.progress import Cancelled, Progress
from kiosk.demo import demo_ean13
from kiosk.services.product_csv import MAX_PROBLEMS
from kiosk.services.users import UserInfo
from tests.inventory.helpers import movement_count
from tests.inventory.test_product_csv import HEADER, catalog_dump, write
from tests.invariants import check_invariants
from tests.power_cut import kill_when

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "tests" / "inventory" / "import_worker.py"


def staging_files(app: Services) -> list[Path]:
    folder = app.state_dir / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def jobs(app: Services) -> list[tuple]:
    conn = app.db.raw_connection()
    try:
        return conn.execute("SELECT status, phase, rows, steps FROM import_jobs ORDER BY id").fetchall()
    finally:
        conn.close()


# --- bad input ------------------------------------------------------------------------
BAD_CELLS = [
    ("X-1,,Uno,,,unit,unit,123456789012345678901234567,,0,,,", "price", "demasiado grande"),
    ("X-1,,Uno,,,unit,unit,1,123456789012345678901234567.5,0,,,", "cost", "demasiado grande"),
    ("X-1,,Uno,,,unit,unit,1,,0,1234567890123456789012345678.5,,", "stock", "demasiado grande"),
    ("X-1,,Uno,,,volume,l,1,,0,,123456789012345678901234567,", "low_stock", "demasiado grande"),
    ("X-1,7702004003508²,Uno,,,unit,unit,1,,0,,,", "barcode", "²"),
    ("X-1,77²,Uno,,,unit,unit,1,,0,,,", "barcode", "²"),
    ("X-1,,Uno,,,unit,unit,6,10,0,5,,,", "price", "coma decimal"),
    ("X-1,,Uno,,,unit,unit,1,,0,,,,", "", "tiene 14 campos y el encabezado tiene 13"),
]


@pytest.mark.parametrize("row,column,reason", BAD_CELLS)
def test_bad_cells_are_the_rows_error(app: Services, admin: UserInfo, shop: dict, tmp_path: Path, row: str,
                                      column: str, reason: str) -> None:
    before, moves = catalog_dump(app), movement_count(app)
    report = app.product_csv.import_file(write(tmp_path, f"{HEADER}\n{row}\n"), admin)
    assert [(p.line, p.column) for p in report.problems] == [(2, column)], [p.text() for p in report.problems]
    assert reason in report.problems[0].reason
    assert not report.applied and catalog_dump(app) == before and movement_count(app) == moves


def test_decimal_comma_in_a_comma_separated_file_names_row_and_column(app: Services, admin: UserInfo,
                                                                     tmp_path: Path) -> None:
    # "6,10" was read as price 6.00 and the cost slid into the stock column.
    text = "sku,name,price,cost,stock\nA-1,Jabón,6,10,5,\n"
    report = app.product_csv.import_file(write(tmp_path, text), admin)
    assert not report.ok
    problem = report.problems[0]
    assert (problem.line, problem.column) == (2, "price")
    assert '"6,10"' in problem.reason and "6.10" in problem.reason
    assert app.catalog.count(include_inactive=True) == 0
    # Quoted, the same number is right.
    report = app.product_csv.import_file(write(tmp_path, 'sku,name,price,cost,stock\nA-1,Jabón,"6,10",5,\n'), admin)
    assert report.ok and report.applied and app.catalog.by_sku("A-1").price == 610


def test_the_editor_refuses_a_superscript_barcode_with_a_message(app: Services, admin: UserInfo) -> None:
    texts = {"sku": "S-1", "name": "Jabón", "sale_mode": "unit", "unit": "unit", "price": "1", "cost": "",
             "tax_rate": "0", "low_stock": "", "barcode": "7702004003508²", "brand": "", "stock": ""}
    errors = app.inventory.read_form(texts).check.by_field()
    assert "²" in errors["barcode"]


def test_devices_and_pipes_are_refused_at_once(app: Services, admin: UserInfo, tmp_path: Path) -> None:
    fifo = tmp_path / "productos.csv"
    os.mkfifo(fifo)
    outcomes: dict[str, object] = {}

    def attempt(name: str, path: Path) -> None:
        try:
            app.product_csv.import_file(path, admin, dry_run=True)
        except Exception as exc:  # noqa: BLE001 - the test looks at what came back
            outcomes[name] = exc

    threads = [threading.Thread(target=attempt, args=(name, path), daemon=True)
               for name, path in (("zero", Path("/dev/zero")), ("fifo", fifo), ("folder", tmp_path))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)  # reading /dev/zero or waiting on the pipe would never end
    assert not any(t.is_alive() for t in threads), "a non-regular file was read"
    for name in ("zero", "fifo", "folder"):
        assert isinstance(outcomes[name], NotARegularFile), outcomes
    assert "no es un archivo que se pueda leer" in str(outcomes["fifo"])


def test_problems_are_listed_up_to_a_limit_and_all_counted(app: Services, admin: UserInfo, tmp_path: Path) -> None:
    rows = "\n".join(f"B-{i},,Producto {i},,,unit,unit,abc,,0,,," for i in range(MAX_PROBLEMS + 300))
    report = app.product_csv.import_file(write(tmp_path, f"{HEADER}\n{rows}\n"), admin)
    assert len(report.problems) == MAX_PROBLEMS and report.problem_count == MAX_PROBLEMS + 300
    assert [p.line for p in report.problems[:3]] == [2, 3, 4]
    assert f"{MAX_PROBLEMS + 300} problemas" in report.summary() and f"primeros {MAX_PROBLEMS}" in report.summary()
    assert staging_files(app) == []


# --- export -------------------------------------------------------------------------------
def test_export_escapes_formulas_and_reimports_unchanged(app: Services, admin: UserInfo, shop: dict,
                                                         tmp_path: Path) -> None:
    text = (f"{HEADER}\n"
            "F-1,,=HYPERLINK(\"http://x\"),+Marca,@Categoria,unit,unit,1,,0,3,,\n"
            "F-2,,-Oferta-,''=ya con apóstrofo,,unit,unit,2,,0,,,\n")
    assert app.product_csv.import_file(write(tmp_path, text), admin).applied
    app.stock.adjust(shop["ESP"], -400, "theft", admin)  # a negative stock stays a number
    path = tmp_path / "export.csv"
    app.product_csv.export_file(path)
    exported = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in exported and "'+Marca" in exported and "'@Categoria" in exported
    assert "'-Oferta-" in exported and "''=ya con apóstrofo" in exported
    assert ",-250," in exported  # ESP: 150 - 400
    for row in csv.reader(io.StringIO(exported)):
        assert not any(cell[:1] in ("=", "+", "@") for cell in row), row
    before, moves = catalog_dump(app), movement_count(app)
    report = app.product_csv.import_file(path, admin)
    assert report.ok and report.updated == 0 and report.created == 0
    assert catalog_dump(app) == before and movement_count(app) == moves
    assert app.catalog.by_sku("F-1").name == '=HYPERLINK("http://x")'
    assert app.catalog.by_sku("F-1").brand == "+Marca"
    assert app.catalog.by_sku("F-2").brand == "'=ya con apóstrofo"


# --- cancelling --------------------------------------------------------------------------
class CancelAt(Progress):
    """A watcher that taps Cancelar when the work reaches ``stage``."""

    def __init__(self, stage: str):
        super().__init__()
        self.at = stage
        self.answers: list[bool] = []

    def stage(self, name: str, total: int = 0) -> None:
        if name == self.at:
            self.answers.append(self.cancel())
        super().stage(name, total)


@pytest.mark.parametrize("stage", ["read", "check"])
def test_cancelling_before_the_apply_writes_nothing(app: Services, admin: UserInfo, shop: dict, tmp_path: Path,
                                                    stage: str) -> None:
    path = tmp_path / "grande.csv"
    write_csv(path, 3000)
    before, moves = catalog_dump(app), movement_count(app)
    progress = CancelAt(stage)
    with pytest.raises(Cancelled):
        app.product_csv.import_file(path, admin, progress=progress)
    assert progress.answers == [True]
    assert catalog_dump(app) == before and movement_count(app) == moves
    assert jobs(app) == [] and staging_files(app) == []


def test_cancel_is_refused_once_the_apply_has_started(app: Services, admin: UserInfo, tmp_path: Path) -> None:
    path = tmp_path / "grande.csv"
    write_csv(path, 3000)
    progress = CancelAt("apply")
    report = app.product_csv.import_file(path, admin, progress=progress)
    assert progress.answers == [False]
    assert report.applied and report.created == 3000 and app.catalog.count() == 3000
    assert jobs(app) == [("done", "done", 3000, report.steps)] and staging_files(app) == []
    check_invariants(app.db)


# --- out of the till's way -----------------------------------------------------------------
def start_import(state_dir: Path, csv_path: Path, hold_s: str = "") -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, str(WORKER), str(state_dir), str(csv_path), hold_s],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout.readline().strip() == "ready"
    return child


def job_state(path: Path) -> tuple | None:
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute("SELECT status, phase, position FROM import_jobs ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()


def expected_stock(csv_path: Path) -> dict[str, int]:
    """SKU -> the stock the file asks for, in base units (bench file: units or litres/kilos/...)."""
    from kiosk.core.product_fields import parse_quantity, parse_unit

    out = {}
    for line in csv_path.read_text(encoding="utf-8-sig").splitlines()[1:]:
        cells = line.split(";")
        out[cells[0]] = parse_quantity(cells[10], parse_unit(cells[6]))
    return out


@pytest.mark.slow
def test_a_big_import_leaves_the_lock_free_between_short_transactions(app: Services, tmp_path: Path) -> None:
    """Small writes (what a sale does) keep getting in while a 60,000-row import is
    written; none waits anywhere near the length of the import."""
    path = tmp_path / "grande.csv"
    write_csv(path, 60_000)
    child = start_import(app.state_dir, path)
    started = time.perf_counter()
    conn = sqlite3.connect(app.db.path, timeout=60, isolation_level=None)
    waits, during_apply = [], 0
    try:
        while child.poll() is None:
            t0 = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            waits.append(time.perf_counter() - t0)
            conn.execute("INSERT INTO settings(key, value) VALUES ('probe', '0')"
                         " ON CONFLICT(key) DO UPDATE SET value = value + 1")
            applying = conn.execute("SELECT COUNT(*) FROM import_jobs WHERE status = 'applying'").fetchone()[0]
            conn.execute("COMMIT")
            during_apply += applying
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        out, _ = child.communicate(timeout=60)
    finally:
        conn.close()
        if child.poll() is None:
            child.kill()
    result = json.loads(out.strip().splitlines()[-1])
    assert result["applied"] and result["created"] == 60_000
    assert result["steps"] >= 20  # not one long transaction
    assert during_apply >= 10  # small writes got in while the import was being written
    # The point is "never the whole import": a write waits at most one short transaction.
    # Relative to the import's own duration, so a loaded machine slows both alike.
    assert max(waits) < max(2.0, elapsed / 5), f"a write waited {max(waits):.2f} s of {elapsed:.1f} s"
    assert app.catalog.count() == 60_000
    check_invariants(app.db)


@pytest.mark.slow
def test_an_import_killed_half_way_is_finished_exactly_once(app: Services, admin: UserInfo, tmp_path: Path) -> None:
    path = tmp_path / "grande.csv"
    write_csv(path, 4000)
    child = start_import(app.state_dir, path, hold_s="0.002")  # many short steps

    def cut_half_way() -> bool:
        state = job_state(app.db.path)
        return state is not None and state[1] == "rows" and state[2] > 0

    kill_when(child, cut_half_way, "the import was writing rows")
    status, phase, position = job_state(app.db.path)
    assert status == "applying" and 0 < position  # really cut half-way
    assert 0 < app.catalog.count(include_inactive=True) < 4000
    assert app.product_csv.unfinished() == 1
    reports = app.product_csv.resume()
    assert len(reports) == 1 and reports[0].resumed and reports[0].applied
    assert reports[0].summary().startswith("Se terminó una importación interrumpida de grande.csv:")
    assert app.product_csv.unfinished() == 0 and app.product_csv.resume() == []  # nothing left, nothing twice
    assert staging_files(app) == []
    conn = app.db.raw_connection()
    try:
        stocks = dict(conn.execute("SELECT sku, stock FROM products"))
        per_product = conn.execute("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM stock_movements"
                                   " GROUP BY product_id)").fetchone()[0]
    finally:
        conn.close()
    assert stocks == expected_stock(path)
    assert per_product == 1  # each product's stock movement written once
    check_invariants(app.db)


def test_left_over_staging_files_are_cleaned_up(app: Services, admin: UserInfo) -> None:
    folder = app.state_dir / "imports"
    folder.mkdir()
    (folder / "import-0123456789abcdef.sqlite").write_bytes(b"half-checked")
    assert app.product_csv.resume() == []
    assert staging_files(app) == []


def test_a_code_moving_between_products_in_one_file(app: Services, admin: UserInfo, shop: dict,
                                                    tmp_path: Path) -> None:
    """The lost code is freed before the row that takes it is written, even when that
    row comes first in the file and both rows are written in different steps."""
    text = f"sku,barcode,name,price\nESP,{demo_ean13(901)},Esponja doble uso,0.60\nDET,,Detergente líquido lavanda,3.20\n"
    app.product_csv.hold_s = 1e-6  # one row per step
    report = app.product_csv.import_file(write(tmp_path, text), admin)
    assert report.applied and report.steps >= 4
    assert app.catalog.lookup_barcode(demo_ean13(901)).product.sku == "ESP"
    assert app.catalog.barcodes_of(shop["DET"]) == []
    check_invariants(app.db)
