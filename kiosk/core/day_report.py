"""The daily report's content, independent of its file format: named tables of typed
cells (money as integer minor units, quantities as integer base sub-units, dates as
``date``/``datetime``), which kiosk/services/report_files.py writes as PDF, XLSX and
CSV. Pure: the rows come from kiosk/services/daily_report.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from kiosk.i18n import N_


class Cell(StrEnum):
    TEXT = "text"
    INT = "int"
    MONEY = "money"  # minor units
    QUANTITY = "quantity"  # base sub-units, shown in the row's unit
    DATE = "date"
    DATETIME = "datetime"
    RATE = "rate"  # basis points


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # N_() text
    kind: Cell = Cell.TEXT


@dataclass
class Table:
    key: str  # file and sheet name: "sales_by_hour"
    title: str  # N_() text
    section: str  # sales | cash | inventory
    columns: list[Column]
    rows: list[tuple] = field(default_factory=list)
    pdf: bool = True  # long tables (every product's stock) go to XLSX/CSV only
    pdf_rows: int | None = None  # the PDF shows the first rows only (the files have them all)

    def total(self, key: str) -> int:
        i = [c.key for c in self.columns].index(key)
        return sum(int(r[i] or 0) for r in self.rows)


@dataclass
class DayReport:
    first: date
    last: date
    shop: str
    generated_at: Any  # aware local datetime
    decimals: int = 2  # the currency's
    summary: dict[str, int] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    file_prefix: str = "report"  # the files' names: report-2026-12-02.pdf (report-all-tills-... for a shop)

    @property
    def empty(self) -> bool:
        return not self.summary.get("sales_count") and not self.summary.get("sessions")

    @property
    def title_dates(self) -> str:
        return self.first.isoformat() if self.first == self.last else f"{self.first.isoformat()} - {self.last.isoformat()}"

    def add(self, table: Table) -> Table:
        self.tables[table.key] = table
        return table


SUMMARY_LINES = (
    ("sales_count", N_("Sales"), Cell.INT),
    ("gross", N_("Gross sales"), Cell.MONEY),
    ("tax", N_("Tax"), Cell.MONEY),
    ("voids_count", N_("Voids"), Cell.INT),
    ("voids_total", N_("Voided amount"), Cell.MONEY),
    ("returns", N_("Returns"), Cell.MONEY),
    ("net", N_("Net sales"), Cell.MONEY),
    ("average_ticket", N_("Average ticket"), Cell.MONEY),
    ("sessions", N_("Till sessions"), Cell.INT),
    ("cash_difference", N_("Cash differences"), Cell.MONEY),
    ("stock_value", N_("Stock value at cost"), Cell.MONEY),
)

NO_SALES = N_("No sales on these dates.")
