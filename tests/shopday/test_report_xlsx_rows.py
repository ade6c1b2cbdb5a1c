"""The long tables of the daily report's XLSX (the stock of every product) are written
as sheet XML directly instead of cell by cell through xlsxwriter (report_files.FAST_ROWS):
the workbook read back with openpyxl is the same, cell for cell and format for format,
as the one xlsxwriter writes alone. And quantities in the CSV and PDF are plain numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kiosk.core.day_report import Cell, Column, DayReport, Table
from kiosk.services import report_files

NAMES = ["Arroz 500 g", "Aceite & vinagre <1 L>", " espacio delante", "espacio detrás ", "con _x0041_ escapado",
         "control \x01 char", "línea\nnueva", "Ñandú \"comillas\"", "", "x"]


def _report(rows: int) -> DayReport:
    rep = DayReport(date(2026, 3, 1), date(2026, 3, 1), "Tienda", datetime(2026, 3, 2, 8, 0), 2)
    rep.summary = {"sales_count": 1, "gross": 1000}
    stock = rep.add(Table("stock", "Stock at the end of the day", "inventory",
                          [Column("sku", "SKU"), Column("name", "Product"), Column("category", "Category"),
                           Column("uom", "Unit"), Column("stock", "Stock", Cell.QUANTITY),
                           Column("cost", "Cost", Cell.MONEY), Column("value", "Value at cost", Cell.MONEY)],
                          pdf=False))
    uoms = ["unit", "kg", "g", "l"]
    stock.rows = [(f"SKU{i:05d}", NAMES[i % len(NAMES)], "" if i % 3 else "Granos", uoms[i % len(uoms)],
                   (i * 137) % 50_000 - 100, i * 7 % 100_000, i * 1_234_567 % 10**9) for i in range(rows)]
    small = rep.add(Table("voids", "Voided sales", "sales",
                          [Column("number", "Number", Cell.INT), Column("time", "Time", Cell.DATETIME),
                           Column("total", "Total", Cell.MONEY)]))
    small.rows = [(7, datetime(2026, 3, 1, 10, 5), 12_345)]
    return rep


def _cells(path: Path) -> dict:
    wb = load_workbook(path)
    try:
        return {ws.title: [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()]
                for ws in wb.worksheets}
    finally:
        wb.close()


@pytest.mark.parametrize("rows", [1, 2, 3, 45])
def test_spliced_rows_equal_xlsxwriter_cell_by_cell(rows, tmp_path, monkeypatch):
    rep = _report(rows)
    monkeypatch.setattr(report_files, "FAST_ROWS", 10**9)
    report_files.write_xlsx(rep, tmp_path / "plain.xlsx")
    monkeypatch.setattr(report_files, "FAST_ROWS", 0)
    report_files.write_xlsx(rep, tmp_path / "fast.xlsx")
    plain, fast = _cells(tmp_path / "plain.xlsx"), _cells(tmp_path / "fast.xlsx")
    assert fast == plain
    stock = list(fast.values())[1]  # after the summary; titles are translated
    assert len(stock) == rows + 1
    assert stock[1][1][0] == "Arroz 500 g" and stock[1][5] == (0.0, "#,##0.00")
    assert not list(tmp_path.glob("*.base"))


def test_the_spliced_sheet_has_the_whole_dimension(tmp_path, monkeypatch):
    monkeypatch.setattr(report_files, "FAST_ROWS", 0)
    report_files.write_xlsx(_report(30), tmp_path / "fast.xlsx")
    wb = load_workbook(tmp_path / "fast.xlsx", read_only=True)
    try:
        ws = wb.worksheets[1]
        assert (ws.max_row, ws.max_column) == (31, 7)
        assert [r[0] for r in ws.iter_rows(min_row=2, max_row=4, max_col=1, values_only=True)] == \
            ["SKU00000", "SKU00001", "SKU00002"]
    finally:
        wb.close()


def test_quantities_in_the_csv_and_pdf_are_plain_numbers():
    from kiosk.core.day_report import Cell as C

    assert report_files._csv_value(C.QUANTITY, 1000, "unit", 2) == "1000"
    assert report_files._csv_value(C.QUANTITY, 2_000_000, "kg", 2) == "2000"
    assert report_files._csv_value(C.QUANTITY, 1500, "kg", 2) == "1.5"
    assert report_files._pdf_cell(C.QUANTITY, 30_000, "l") == "30 l"
    assert report_files._pdf_cell(C.QUANTITY, 250, "g") == "250 g"


def test_the_csv_numbers_in_integer_arithmetic_equal_the_decimal_ones():
    from decimal import Decimal

    from kiosk.core.units import FACTOR, Uom

    values = [0, 1, -1, 5, 9, 10, 99, 100, 101, 999, 1000, 1001, 1500, -1500, 12345, -12345, 10**12 + 7, 2_000_000]
    for v in values:
        for places in (0, 2, 3):
            assert report_files._fixed(v, places) == str(Decimal(v).scaleb(-places)), (v, places)
        for u in Uom:
            expected = format((Decimal(v) / FACTOR[u]).normalize(), "f")
            assert report_files._qty_text(v, u.value) == expected, (v, u)
