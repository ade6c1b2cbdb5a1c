"""What every CSV import and export of the kiosk shares (products, customers): reading
a file of bounded size in whatever encoding a spreadsheet saved, the delimiter, the
data rows with their line numbers, the report's per-cell problems, and writing a file
so that a pulled USB stick never leaves half of it under the final name."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.errors import DomainError, NotFound
from kiosk.core.inventory_errors import CsvTooLarge, FileUnreadable
from kiosk.i18n import N_, translate
from kiosk.services import media_files


@dataclass(frozen=True)
class RowProblem:
    line: int  # line number in the file (1 = header)
    column: str  # CSV column, "" for the whole row or file
    reason: str

    def text(self) -> str:
        if self.column:
            return translate(N_("line {line}, column {column}: {reason}")).format(
                line=self.line, column=self.column, reason=self.reason)
        return translate(N_("line {line}: {reason}")).format(line=self.line, reason=self.reason)


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not); Windows-1252 for spreadsheets that save "ANSI" CSV."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text_: str) -> str:
    """Semicolon when the header has more semicolons than commas (Spanish-locale
    spreadsheets), else comma."""
    first = next((ln for ln in text_.splitlines() if ln.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


def read_csv_text(path: Path | str, max_bytes: int, too_large: type[DomainError] = CsvTooLarge) -> str:
    """The file's text; raises NotFound, FileUnreadable, or ``too_large`` (judged from
    the size alone, before reading) for a file over ``max_bytes``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise NotFound(what=str(path)) from None
    except OSError as exc:
        raise FileUnreadable(name=path.name, reason=exc.strerror or str(exc)) from None
    if size > max_bytes:
        raise too_large(name=path.name, size_mb=media_files.mb_text(size), max_mb=media_files.mb_text(max_bytes))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileUnreadable(name=path.name, reason=exc.strerror or str(exc)) from None
    return decode(data)


def data_rows(reader, columns: dict[str, int], problems: list[RowProblem]) -> Iterator[tuple[int, dict[str, str]]]:  # noqa: ANN001
    """After the header: ``(line, {column: cell})`` for each row that is not blank;
    a row with the wrong number of fields, or a broken quote, is a problem instead."""
    width = max(columns.values()) + 1
    last_line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(RowProblem(last_line + 1, "", str(exc)))
            return
        line = last_line + 1
        last_line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < width or any(c.strip() for c in cells[width:]):
            problems.append(RowProblem(line, "", translate(N_("has {count} fields, the header has {expected}"))
                                       .format(count=len(cells), expected=width)))
            continue
        yield line, {col: cells[i] for col, i in columns.items()}


def write_csv_file(path: Path | str, rows: Sequence[Sequence[str]], delimiter: str = ",") -> None:
    """Write ``rows`` to ``path`` (UTF-8 with BOM so spreadsheets show accents) through
    a temporary file renamed at the end."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".export-", suffix=".csv")
    except OSError as exc:
        raise FileUnreadable(name=str(path.parent), reason=exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise FileUnreadable(name=path.name, reason=exc.strerror or str(exc)) from None
