"""Reading a CSV file from a USB stick or a folder as a stream, safely.

- Only regular files: a device (``/dev/zero``), a FIFO or a socket is refused from
  ``stat()`` before it is opened (reading one would never end, or block).
- The size limit is checked before reading and again while reading.
- One pass over the bytes hashes the file (the import job records which file it
  validated) and tells UTF-8 (with or without BOM) from Windows-1252 ("ANSI" CSV
  from spreadsheets); the rows are then read as a stream, never the whole file at
  once, and the hash is checked again at the end (a file changed in between is
  reported, not half-trusted).
- Comma or semicolon delimiter, from the header line.

Also what every import and export shares (products, customers): the report's per-cell
problems, the header's columns, the data rows, the cell escaping that keeps an
exported file from running as formulas in a spreadsheet and its inverse for the
import (so re-importing an export changes nothing), and the write through a renamed
temporary file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.errors import NotFound
from kiosk.core.inventory_errors import CsvChanged, CsvTooLarge, FileUnreadable, NotARegularFile
from kiosk.core.progress import Progress
from kiosk.i18n import N_, translate
from kiosk.services import media_files

BLOCK = 1 << 20


@dataclass(frozen=True)
class CsvSource:
    path: Path
    name: str
    size: int
    sha256: str
    encoding: str  # "utf-8-sig" or "cp1252"


def _unreadable(path: Path, exc: OSError) -> FileUnreadable:
    return FileUnreadable(name=path.name, reason=exc.strerror or str(exc))


def _open_regular(path: Path) -> io.FileIO:
    """Open ``path`` for reading only if it is a regular file (checked before opening,
    and again on the open file in case it was swapped in between)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise NotFound(what=str(path)) from None
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise NotARegularFile(name=path.name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise NotFound(what=str(path)) from None
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotARegularFile(name=path.name)
    return io.FileIO(fd, "rb", closefd=True)


def inspect(path: Path | str, max_bytes: int, progress: Progress | None = None) -> CsvSource:
    """Check, hash and sniff the encoding of a CSV file (one pass, block by block)."""
    path = Path(path)
    too_large = lambda size: CsvTooLarge(name=path.name, size_mb=media_files.mb_text(size),  # noqa: E731
                                         max_mb=media_files.mb_text(max_bytes))
    with _open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > max_bytes:
            raise too_large(size)
        digest = hashlib.sha256()
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8 = True
        read = 0
        while True:
            try:
                block = fh.read(BLOCK)
            except OSError as exc:
                raise _unreadable(path, exc) from None
            if not block:
                break
            read += len(block)
            if read > max_bytes:  # it grew while we read
                raise too_large(read)
            digest.update(block)
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
            if progress is not None:
                progress.advance(read, max(size, read))
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return CsvSource(path, path.name, read, digest.hexdigest(), "utf-8-sig" if utf8 else "cp1252")


class _Hashing(io.RawIOBase):
    """A raw reader that hashes and counts what passes through it."""

    def __init__(self, raw: io.FileIO):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001
        n = self.raw.readinto(buffer)
        if n:
            self.digest.update(memoryview(buffer)[:n])
            self.count += n
        return n or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


def sniff_delimiter(line: str) -> str:
    """Semicolon when the header has more semicolons than commas (Spanish-locale
    spreadsheets), else comma."""
    return ";" if line.count(";") > line.count(",") else ","


class CsvRows:
    """The rows of a checked file as a stream: ``for line, cells in rows``; ``line`` is
    the file line the row starts on. ``bytes_read`` follows the stream (progress).
    ``finish()`` raises CsvChanged when the bytes read were not the ones hashed."""

    def __init__(self, source: CsvSource):
        self.source = source
        try:
            self._raw = _Hashing(_open_regular(source.path))
        except NotFound:
            raise CsvChanged(name=source.name) from None
        self._text = io.TextIOWrapper(io.BufferedReader(self._raw, BLOCK), encoding=source.encoding,
                                      errors="replace", newline="")
        # The delimiter comes from the first line that is not blank.
        head: list[str] = []
        for line in self._text:
            head.append(line)
            if line.strip():
                break
        self.delimiter = sniff_delimiter(head[-1] if head else "")
        self._reader = csv.reader(itertools.chain(head, self._text), delimiter=self.delimiter)

    @property
    def bytes_read(self) -> int:
        return self._raw.count

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self) -> Iterator[list[str]]:
        return self._reader

    def finish(self) -> None:
        """Read to the end (the hash covers the whole file) and compare."""
        try:
            while self._text.read(BLOCK):
                pass
        except OSError:
            raise CsvChanged(name=self.source.name) from None
        if self._raw.digest.hexdigest() != self.source.sha256:
            raise CsvChanged(name=self.source.name)

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> CsvRows:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


# --- spreadsheet formulas ---------------------------------------------------------------
# A cell starting with = + - @ (or a tab or carriage return) is run as a formula by
# spreadsheets. The export writes such cells with a leading apostrophe, which the
# spreadsheet shows as text and the import takes off again; cells that already start
# with apostrophes before such a character get one more, so the round trip is exact.
# Plain numbers ("-5", a negative stock) are left alone.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def escape_formula(cell: str) -> str:
    if _FORMULA.match(cell) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def unescape_formula(cell: str) -> str:
    return cell[1:] if cell[:1] == "'" and _ESCAPED.match(cell) else cell


# --- rows, problems, writing -------------------------------------------------------------
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


def header_columns(header: list[str], line: int, known: Sequence[str],
                   required: Sequence[str]) -> tuple[dict[str, int], list[RowProblem]]:
    """The header's columns (name -> index) and its problems: an unknown or repeated
    column, a required one missing."""
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
    return columns, problems


def first_row(rows: Iterator[list[str]]) -> tuple[list[str] | None, RowProblem | None]:
    """The header: the first row that is not blank, or the problem (empty, broken)."""
    try:
        header = next(rows, None)
        while header is not None and not any(c.strip() for c in header):
            header = next(rows, None)
    except csv.Error as exc:
        return None, RowProblem(1, "", str(exc))
    if header is None:
        return None, RowProblem(1, "", translate(N_("the file is empty")))
    return header, None


def data_rows(reader: CsvRows, rows: Iterator[list[str]], columns: dict[str, int], problems,  # noqa: ANN001
              width: int, shape_problem: Callable[[int, list[str]], RowProblem] | None = None,
              ) -> Iterator[tuple[int, dict[str, str]]]:
    """After the header (``width`` cells): ``(line, {column: cell})`` for each row that
    is not blank, formula escapes taken off. A row with more cells than the header, or
    too few for its columns, is a problem instead (``shape_problem(line, cells)``, or
    "has N fields"), and so is a broken quote (the rest of the file is not read).
    ``problems``: anything with ``append(RowProblem)``."""
    named = max(columns.values()) + 1
    last_line = reader.line_num
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(RowProblem(last_line + 1, "", str(exc)))
            return
        line = last_line + 1
        last_line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > width or len(cells) < named or any(c.strip() for c in cells[named:]):
            problems.append(shape_problem(line, cells) if shape_problem is not None else RowProblem(
                line, "", translate(N_("has {count} fields, the header has {expected}"))
                .format(count=len(cells), expected=width)))
            continue
        yield line, {col: unescape_formula(cells[i]) for col, i in columns.items()}


def write_rows(fh, rows: Iterable[Sequence[str]], delimiter: str) -> int:  # noqa: ANN001
    """Rows to CSV, cells that a spreadsheet would run as formulas escaped. Returns the
    rows written after the header."""
    writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
    n = -1
    for row in rows:
        writer.writerow([escape_formula(cell) for cell in row])
        n += 1
    return n


def write_csv_file(path: Path | str, rows: Iterable[Sequence[str]], delimiter: str = ",") -> int:
    """Write the header and ``rows`` to ``path`` (UTF-8 with BOM so spreadsheets show
    accents) through a temporary file renamed at the end: a pulled USB stick never
    leaves a half-written file under the final name. Returns the rows after the header."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".export-", suffix=".csv")
    except OSError as exc:
        raise FileUnreadable(name=str(path.parent), reason=exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            count = write_rows(fh, rows, delimiter)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise FileUnreadable(name=path.name, reason=exc.strerror or str(exc)) from None
    return count
