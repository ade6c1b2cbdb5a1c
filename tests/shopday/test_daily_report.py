"""The daily report file reconciles: days of sales made with ``demo-data --days``, then
the PDF's text (extracted with pypdf), the XLSX cells (openpyxl) and the CSV all equal
the database's sums to the cent, and every Z's expected cash is the drawer arithmetic."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text

from db.raw_sql import stamp
from kiosk.cli.main import main
from kiosk.formatting import local_day_bounds, local_today
from kiosk.i18n import format_money


@pytest.fixture
def cli(day, state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[printer]\nurl = "file://{state_dir}/printer.bin"\n[till]\nreport_on_close = false\n',
                   encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(cfg))
    monkeypatch.setenv("STATE_DIRECTORY", str(state_dir))
    return lambda *argv: main(list(argv))


def db_sums(app, d) -> dict:  # noqa: ANN001
    start, end = (stamp(t) for t in local_day_bounds(d))
    p = {"a": start, "b": end}
    with app.db.read() as s:
        one = lambda sql: s.execute(text(sql), p).scalar() or 0  # noqa: E731
        return {
            "count": one("SELECT COUNT(*) FROM sales WHERE created_at >= :a AND created_at < :b AND status='completed'"),
            "gross": one("SELECT SUM(total) FROM sales WHERE created_at >= :a AND created_at < :b AND status='completed'"),
            "tax": one("SELECT SUM(tax_total) FROM sales WHERE created_at >= :a AND created_at < :b "
                       "AND status='completed'"),
            "methods": dict(s.execute(text(
                "SELECT p.method, SUM(p.amount) FROM payments p JOIN sales s ON s.id = p.sale_id "
                "WHERE s.created_at >= :a AND s.created_at < :b AND s.status = 'completed' GROUP BY p.method"), p).all()),
        }


def test_report_files_reconcile_with_the_database_to_the_cent(cli, day, capsys, tmp_path):
    assert cli("demo-data", "--days", "2", "--per-day", "12", "--json") == 0
    history = json.loads(capsys.readouterr().out)["history"]
    assert history["z"] == [1, 2] and history["sales"] > 0
    d = local_today() - timedelta(days=1)
    sums = db_sums(day, d)
    assert sums["count"] > 0
    out = tmp_path / "out"
    assert cli("report", "daily", "--date", d.isoformat(), "--to", str(out), "--json") == 0
    files = {Path(f).name.split(".", 1)[1]: Path(f) for f in json.loads(capsys.readouterr().out)["files"]}
    assert set(files) == {"pdf", "xlsx", "csv.zip"}

    # PDF: the extracted text shows the database's sums
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(files["pdf"]).pages)
    for amount in (sums["gross"], sums["tax"], *sums["methods"].values()):
        assert format_money(amount) in pdf_text, format_money(amount)

    # XLSX: real numbers, equal to the cent
    wb = load_workbook(files["xlsx"], read_only=True)
    summary = {r[0]: r[1] for r in wb["Resumen"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert round(Decimal(str(summary["Ventas brutas"])) * 100) == sums["gross"]
    assert summary["Ventas"] == sums["count"]
    pay = list(wb["Pagos por método"].iter_rows(min_row=2, values_only=True))
    assert isinstance(pay[0][2], float | int)
    assert sum(round(Decimal(str(r[2])) * 100) for r in pay) == sum(sums["methods"].values())
    sessions = list(wb["Sesiones de caja"].iter_rows(min_row=2, values_only=True))
    assert len(sessions) == 1 and sessions[0][1].date() == d  # a real date

    # CSV: one file per section, dot decimals
    with zipfile.ZipFile(files["csv.zip"]) as zf:
        names = set(zf.namelist())
        assert {"summary.csv", "sales_by_hour.csv", "stock.csv", "cash_sessions.csv", "low_stock.csv"} <= names
        summ = dict(csv.reader(io.StringIO(zf.read("summary.csv").decode())))
        assert Decimal(summ["gross"]) * 100 == sums["gross"] and Decimal(summ["tax"]) * 100 == sums["tax"]
        methods = {r["method"]: Decimal(r["amount"]) * 100
                   for r in csv.DictReader(io.StringIO(zf.read("sales_by_payment.csv").decode()))}
        assert methods == {m: Decimal(v) for m, v in sums["methods"].items()}
        hours = list(csv.DictReader(io.StringIO(zf.read("sales_by_hour.csv").decode())))
        assert sum(Decimal(h["total"]) * 100 for h in hours) == sums["gross"]


def test_z_expected_cash_is_the_drawer_arithmetic(cli, day, capsys):
    assert cli("demo-data", "--days", "2", "--per-day", "10") == 0
    with day.db.read() as s:
        for sid, opening in s.execute(text("SELECT id, opening_float FROM till_sessions WHERE status = 'closed'")):
            drawer = opening
            for tendered, change in s.execute(text(
                    "SELECT p.tendered, p.change FROM payments p JOIN sales x ON x.id = p.sale_id "
                    "WHERE x.session_id = :s AND p.method = 'cash'"), {"s": sid}):
                drawer += tendered - change
            for kind, amount in s.execute(text("SELECT kind, amount FROM cash_movements WHERE session_id = :s"),
                                          {"s": sid}):
                drawer += amount if kind == "in" else -amount
            z = json.loads(s.execute(text("SELECT figures FROM z_reports WHERE session_id = :s"), {"s": sid}).scalar())
            assert z["cash"]["expected"] == drawer and z["cash"]["counted"] == drawer


def test_a_day_without_sales_is_a_valid_report_that_says_so(cli, day, capsys, tmp_path):
    d = local_today() - timedelta(days=40)
    assert cli("report", "daily", "--date", d.isoformat(), "--to", str(tmp_path), "--format", "pdf",
               "--format", "xlsx", "--format", "csv") == 0
    pdf_text = PdfReader(tmp_path / f"report-{d}.pdf").pages[0].extract_text()
    assert "No hay ventas" in pdf_text
    wb = load_workbook(tmp_path / f"report-{d}.xlsx", read_only=True)
    assert any("No hay ventas" in str(r[0]) for r in wb["Resumen"].iter_rows(values_only=True) if r[0])


def test_bad_report_arguments(cli, capsys, tmp_path):
    assert cli("report", "daily", "--from", "2026-05-02", "--to", "2026-05-01") == 1
    assert "before" in capsys.readouterr().err
    assert cli("report", "daily", "--date", "2026-05-02", "--from", "2026-05-01", "--to", "2026-05-03") == 1
    assert cli("report", "daily", "--from", "2026-05-01") == 1
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli("report", "daily", "--date", "2026-05-02", "--to", str(blocker)) == 1
    assert "not a folder" in capsys.readouterr().err


def test_usb_copy_read_only_and_pulled_mid_copy(day, tmp_path, monkeypatch):
    import shutil

    d = local_today()
    paths = day.reports.make(d, formats=("csv",), folder=tmp_path / "made")
    stick = tmp_path / "media" / "STICK"
    stick.mkdir(parents=True)
    day.reports.mount_globs = (str(tmp_path / "media" / "*"),)
    day.reports.usb_require_mount = False
    where, why = day.reports.copy_to_usb(paths)
    assert where == stick / "kiosk-reports" and (where / paths[0].name).read_bytes() == paths[0].read_bytes()

    def pulled(src, dst):  # noqa: ANN001, ANN202 - the stick goes away half-way
        Path(dst).write_bytes(b"half")
        raise OSError(5, "Input/output error")

    shutil.rmtree(where)
    monkeypatch.setattr("kiosk.services.daily_report.shutil.copyfile", pulled)
    where, why = day.reports.copy_to_usb(paths)
    assert where is None and "Input/output error" in why
    assert not (stick / "kiosk-reports" / paths[0].name).exists()  # no half file under the real name
    monkeypatch.undo()
    stick.chmod(0o500)  # read-only
    try:
        shutil.rmtree(stick / "kiosk-reports")
        where, why = day.reports.copy_to_usb(paths)
        if where is None:  # root ignores the mode bits
            assert why
    finally:
        stick.chmod(0o700)


def test_the_report_is_made_by_the_worker_after_the_last_closing_and_at_the_configured_time(day, cashier, manager,
                                                                                               tmp_path):
    from datetime import datetime

    from kiosk.services.daily_report import ReportWorker

    worker = ReportWorker(day.reports, formats=("csv",), to_usb=False)
    jobs = []
    worker.listeners.append(jobs.append)
    day.sessions.on_closed.append(lambda z: worker.start(z.business_date))
    day.sessions.open(cashier, amount=0)
    z = day.sessions.close(manager, counted=0)
    worker.wait()
    assert jobs[-1].done and not jobs[-1].error and jobs[-1].percent == 100
    assert jobs[-1].paths == [day.reports.folder / f"report-{z.business_date}.csv.zip"]
    assert jobs[-1].paths[0].is_file()
    # [till] report_at: the timer starts the day's report once the time has come
    started = []
    worker.start = lambda first, last=None: started.append(first)  # type: ignore[method-assign]
    stop = worker.schedule_daily("07:30", clock=lambda: datetime(2026, 5, 4, 7, 31), every_s=0.01)
    try:
        import time
        deadline = time.monotonic() + 60
        while not started and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
    assert started[0].isoformat() == "2026-05-04" and len(set(started)) == 1
