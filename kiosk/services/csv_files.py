"""What every CSV import and export of the kiosk shares (products, customers): reading
a file of bounded size in whatever encoding a spreadsheet saved, the delimiter, the
data rows with their line numbers, the report's per-cell problems, and writing a file
so that a pulled USB stick never leaves half of it under the final name."""

from __future__ import annotations

import csv
import io
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


def open_csv(content: str, known: Sequence[str], required: Sequence[str]) -> tuple[object, dict[str, int],
                                                                                 list[RowProblem]]:
    """A CSV text's reader (past the header), the columns it has (name -> index) and
    the header's problems: an empty or broken file, an unknown or repeated column, a
    required one missing."""
    content = content.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=sniff_delimiter(content))
    try:
        header = next(reader, None)
        while header is not None and not any(c.strip() for c in header):
            header = next(reader, None)
    except csv.Error as exc:
        return reader, {}, [RowProblem(1, "", str(exc))]
    if header is None:
        return reader, {}, [RowProblem(1, "", translate(N_("the file is empty")))]
    line = reader.line_num
    columns: dict[str, int] = {}
    problems = []
    for i, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff").lower()
        if not name and i == len(header) - 1:
            continue  # a trailing delimiter
        if name not in known:
            problems.append(RowProblem(line, raw.strip(), translate(N_("unknown column (expected: {columns})"))
                                       .format(columns=", ".join(known))))
        elif name in columns:
            problems.append(RowProblem(line, name, translate(N_("the column appears twice"))))
        else:
            columns[name] = i
    for name in required:
        if name not in columns:
            problems.append(RowProblem(line, name, translate(N_("required column is missing"))))
    return reader, columns, problems


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
