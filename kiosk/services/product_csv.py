"""Catalog import and export as CSV (kiosk-admin and the USB-stick screen).

Format (the export's header is the import's format)::

    sku,barcode,name,brand,category,sale_mode,unit,price,cost,tax_rate,stock,low_stock,image

* ``barcode``: several codes separated by "|"; ``category`` by name (created when new);
  ``sale_mode`` unit/weight/volume/service or unidad/peso/volumen/servicio; ``unit``
  a code or a Spanish/English name (l, litro, galón, kg, kilo, libra, unidad ...).
* ``price`` and ``cost`` per unit of measure in major units; ``stock`` and
  ``low_stock`` in the product's unit of measure (litres, kilos ...). Decimal comma
  or point (in a comma-separated file a decimal comma must be quoted: "6,10").
  ``tax_rate`` in percent, one of the configured rates.
* ``image``: a path relative to the state directory (images/abc.jpg) or empty.
* Comma or semicolon delimiters, UTF-8 with or without BOM (Windows-1252 as a fallback
  for spreadsheets that save "ANSI"). A row may not have more cells than the header.
* Cells the export protects from spreadsheets' formulas ('=..., '+..., '-..., '@...)
  lose the apostrophe on import.

Import rules: rows are matched to products by SKU (new SKU: new product). Only sku,
name and price columns are required; a missing column leaves that field as it is.
An empty ``stock`` leaves the stock alone; a given stock that differs from the
current one is reached with one ``count`` ledger movement. Re-importing an export
changes nothing.

How a file is imported (all or nothing for the user, without stopping the till):

1. **Check** (no write lock): the file is read as a stream, each batch of rows is
   checked with the product editor's validator against the products it names, and
   the checked rows go to a staging file (``<state>/imports/import-….sqlite``), so
   memory stays bounded however long the file is. Then SKUs and barcodes are checked
   across the whole file in SQL. If any row has a problem nothing is written and the
   report lists each one (line, column, reason); a dry run stops here too.
2. **Apply**: an ``import_jobs`` row records the staging file, then the rows are
   written in short transactions (about 80 ms each, see kiosk.services.pacing) so a
   sale is never kept waiting for long. Each transaction also advances the job's
   ``phase``/``position``, so a crash or power cut in between loses nothing: the next
   start (or the next ``kiosk-admin products import``, or opening the import screen)
   finishes the job from where it stopped, exactly once. Once this stage starts it
   cannot be cancelled; it finishes.
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from db.engine import BUSY_TIMEOUT_MS, Database
from db.models import SQL_TIME_UUID, utcnow
from kiosk.appliance.ownership import give_to, owner_of
from kiosk.core.barcodes import normalize
from kiosk.core.errors import DomainError, DuplicateBarcode, InvalidProduct, ServiceHasNoStock
from kiosk.core.inventory_errors import (
    CategoryKindMismatch,
    FileUnreadable,
    ImportBusy,
    ImportFailed,
    ImportInterrupted,
)
from kiosk.core.product_fields import (
    COLUMNS,
    amount_text,
    parse_amount,
    parse_barcodes,
    parse_quantity,
    parse_sale_mode,
    parse_tax_rate,
    parse_unit,
    quantity_text,
    rate_text,
)
from kiosk.core.permissions import Act
from kiosk.core.progress import Progress
from kiosk.core.text import fold
from kiosk.core.units import UOMS_FOR_MODE, SaleMode, Uom, mode_for_uom, tracks_stock
from kiosk.i18n import N_, translate
from kiosk.services import audit, csv_source, media_files
from kiosk.services.csv_source import (
    CsvRows,
    CsvSource,
    RowProblem,
    data_rows,
    first_row,
    header_columns,
    write_csv_file,
    write_rows,
)
from kiosk.services.inventory import (
    InventoryService,
    ProductDraft,
    StoredFacts,
    change_problems,
    draft_problems,
    problem_key,
    problem_reason,
)
from kiosk.services.access import UserInfo
from kiosk.services.pacing import HOLD_S, PAUSE_S, Pacer

log = logging.getLogger(__name__)

REQUIRED = ("sku", "name", "price")
NUMERIC = ("price", "cost", "tax_rate", "stock", "low_stock")
MAX_REFERENCE = 64
MAX_PROBLEMS = 500  # listed in a report; any more are counted
BATCH = 1000  # rows checked against the catalog per query
# The page cache of the connections that check and apply a file (KiB; SQLite's
# default is 2 MB). At 100,000 products the indexes the steps read and write (name,
# SKU, barcodes, the search index) no longer fit in 2 MB and every step re-read their
# pages; the cache is kept between the steps' transactions (WAL), so each page is read
# once. It counts in import_peak_rss_mb (budget 250 MB).
APPLY_CACHE_KB = 64 * 1024
STAGING_DIR = "imports"
SQL_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DateTime format
_DIGITS = re.compile(r"^\s*-?\d+\s*$")
_FRACTION = re.compile(r"^\d+\s*$")

# A catalog file repeats the same few units, modes and categories thousands of times.
_sale_mode = lru_cache(maxsize=64)(parse_sale_mode)
_unit = lru_cache(maxsize=64)(parse_unit)
_fold = lru_cache(maxsize=1024)(fold)

# Stages a Progress goes through (a progress bar names them).
STAGE_READ, STAGE_CHECK, STAGE_APPLY = "read", "check", "apply"


@dataclass(frozen=True)
class ImportReport:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stock_changes: int = 0
    new_categories: tuple[str, ...] = ()
    problems: tuple[RowProblem, ...] = ()  # the first MAX_PROBLEMS, by line
    applied: bool = False
    dry_run: bool = False
    problem_count: int = 0  # every problem found (problems lists the first ones)
    resumed: bool = False  # an interrupted import finished now
    steps: int = 0  # write transactions the import took

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            count = max(self.problem_count, len(self.problems))
            text_ = translate(N_("Nothing was imported: {count} problems in the file.")).format(count=count)
            if count > len(self.problems):
                text_ += " " + translate(N_("The first {shown} are listed.")).format(shown=len(self.problems))
            return text_
        text_ = translate(N_("{rows} rows: {created} new, {updated} changed, {unchanged} unchanged, "
                             "{stock} stock changes.")).format(
            rows=self.rows, created=self.created, updated=self.updated, unchanged=self.unchanged,
            stock=self.stock_changes)
        if self.new_categories:
            text_ += " " + translate(N_("New categories: {names}.")).format(names=", ".join(self.new_categories))
        if self.dry_run:
            text_ += " " + translate(N_("Check only: nothing was written."))
        if self.resumed:
            text_ = translate(N_("An interrupted import of {name} was finished:")).format(name=self.source) + \
                " " + text_
        return text_


@dataclass(frozen=True)
class ExportResult:
    path: Path | None
    products: int


@dataclass
class _Stored:
    """A product as the import found it."""

    id: int
    sku: str
    name: str
    brand: str
    category_id: int | None
    sale_mode: str
    uom: str
    price: int
    cost: int
    tax_rate_bp: int
    low_stock: int
    image_path: str | None
    stock: int
    barcodes: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    draft: ProductDraft
    category_key: str | None  # folded name of a category to create, None when not new
    category_name: str  # that category's name as first written
    stock: int | None  # target stock in base units, None: leave as is
    stored: _Stored | None
    set_barcodes: bool  # the barcode column is present: the row's codes replace the stored ones
    keys: list[str] = field(default_factory=list)  # the row's barcodes as look-up keys


class _Problems:
    """The problems found so far: every one counted, the first MAX_PROBLEMS kept."""

    def __init__(self, cap: int = MAX_PROBLEMS):
        self.cap = cap
        self.kept: list[RowProblem] = []
        self.count = 0

    def append(self, problem: RowProblem) -> None:
        self.count += 1
        if len(self.kept) < self.cap:
            self.kept.append(problem)

    def __len__(self) -> int:
        return self.count

    def merged(self, more: Iterable[RowProblem], more_count: int) -> tuple[tuple[RowProblem, ...], int]:
        order = {c: i for i, c in enumerate(COLUMNS)}
        every = sorted([*self.kept, *more], key=lambda p: (p.line, order.get(p.column, -1)))
        return tuple(every[:self.cap]), self.count + more_count


# --- the staging file ------------------------------------------------------------------
STAGING_SCHEMA = """
CREATE TABLE rows(line INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT, search_name TEXT, brand TEXT,
    category_id INTEGER, category_key TEXT, sale_mode TEXT, uom TEXT, price INTEGER, cost INTEGER,
    tax_rate_bp INTEGER, low_stock INTEGER, image_path TEXT, stock INTEGER, set_barcodes INTEGER,
    action TEXT, stock_change INTEGER);
CREATE INDEX rows_sku ON rows(sku);
CREATE TABLE codes(line INTEGER, pos INTEGER, code TEXT, key TEXT, PRIMARY KEY(line, pos));
CREATE INDEX codes_key ON codes(key, line);
CREATE TABLE cats(key TEXT PRIMARY KEY, name TEXT, services INTEGER);
"""
_ROW_COLUMNS = ("line", "sku", "name", "search_name", "brand", "category_id", "category_key", "sale_mode", "uom",
                "price", "cost", "tax_rate_bp", "low_stock", "image_path", "stock", "set_barcodes", "action",
                "stock_change")
_PRODUCT_COLUMNS = ("name", "search_name", "brand", "sale_mode", "uom", "price", "cost", "tax_rate_bp",
                    "low_stock", "image_path")


class _Staging:
    """A staging file and its lock: held by the process checking or applying it, so
    a clean-up or a resume elsewhere leaves it alone (the kernel drops the lock when
    the process dies, which is how an interrupted import is recognised)."""

    def __init__(self, path: Path, lock_fd: int, owner: tuple[int, int] | None = None):
        self.path = path
        self._lock_fd = lock_fd
        self.owner = owner  # the kiosk user, when kiosk-admin runs as root
        self.keep = False  # True: an import job owns the file, do not delete it on close

    @staticmethod
    def lock_path(path: Path) -> Path:
        return path.with_suffix(".lock")

    @classmethod
    def create(cls, directory: Path) -> _Staging:
        owner = owner_of(directory.parent)  # kiosk-admin run as root: leave it to the kiosk user
        directory.mkdir(parents=True, exist_ok=True)
        give_to(owner, directory)
        path = directory / f"import-{uuid.uuid4().hex[:16]}.sqlite"
        staging = cls.acquire(path)
        if staging is None:  # cannot happen for a fresh name
            raise ImportBusy()
        staging.owner = owner
        give_to(owner, cls.lock_path(path))
        return staging

    @classmethod
    def acquire(cls, path: Path) -> _Staging | None:
        """Lock an existing (or new) staging file; None when another process holds it."""
        fd = os.open(cls.lock_path(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return cls(path, fd)

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        give_to(self.owner, self.path)
        return conn

    def make_durable(self) -> None:
        """Before a job may point at it: on disk, not just in the page cache."""
        with open(self.path, "rb") as fh:
            os.fsync(fh.fileno())
        fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        if not self.keep:
            for p in (self.path, self.path.with_name(self.path.name + "-journal"), self.lock_path(self.path)):
                try:
                    p.unlink(missing_ok=True)
                except OSError as exc:  # the import itself is done; the next resume() retries
                    log.warning("could not delete %s: %s", p, exc)
        os.close(self._lock_fd)

    def __enter__(self) -> _Staging:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class ProductCsv:
    def __init__(self, db: Database, inventory: InventoryService, *, decimals: int = 2,
                 max_bytes: int = 50 * 2**20, mount_globs: tuple[str, ...] = (), folders: tuple[str, ...] = (),
                 hold_s: float = HOLD_S, pause_s: float = PAUSE_S):
        self.db = db
        self.inventory = inventory
        self.decimals = decimals
        self.max_bytes = max_bytes
        self.mount_globs = mount_globs
        self.folders = folders
        self.state_dir = Path(inventory.state_dir) if inventory.state_dir is not None else db.path.parent
        self.staging_dir = self.state_dir / STAGING_DIR
        self.hold_s = hold_s  # see kiosk.services.pacing
        self.pause_s = pause_s

    # --- USB stick -----------------------------------------------------------------
    def places(self, *, require_mount: bool = True) -> list[media_files.Place]:
        return media_files.places(self.mount_globs, self.folders, require_mount=require_mount)

    def browse(self, folder: Path | str, top: Path | str | None = None) -> media_files.Listing:
        return media_files.list_folder(folder, media_files.CSV_EXTENSIONS, top=top)

    # --- import --------------------------------------------------------------------
    def import_file(self, path: Path | str, by: UserInfo, *, dry_run: bool = False,
                    progress: Progress | None = None) -> ImportReport:
        """Check every row, then import all of them or none (see the module docstring).
        ``progress`` is reported to and may cancel the work until the apply stage.
        The check (``dry_run``) reads only; the import is the ``import_export`` act,
        checked (and audited) in the transaction that starts the import's job."""
        if not dry_run:
            self.inventory.access.precheck(by, Act.IMPORT_EXPORT)
        progress = progress or Progress()
        progress.stage(STAGE_READ)
        source = csv_source.inspect(path, self.max_bytes, progress)
        try:
            staging = _Staging.create(self.staging_dir)
        except OSError as exc:
            raise FileUnreadable(name=str(self.staging_dir), reason=exc.strerror or str(exc)) from None
        with staging:
            report = self._check(source, staging, dry_run, progress)
            if not report.ok or dry_run:
                return report
            progress.lock_in()  # from here the import finishes (it is resumed after a crash)
            staging.make_durable()
            job_id = self._start_job(source, staging, by, report)
            staging.keep = True
            return self._apply(job_id, staging, progress)

    def unfinished(self) -> int:
        """Imports interrupted half-way (a crash, a power cut) waiting to be finished."""
        conn = self.db.raw_connection()
        try:
            return conn.execute("SELECT COUNT(*) FROM import_jobs WHERE status = 'applying'").fetchone()[0]
        finally:
            conn.close()

    def resume(self, progress: Progress | None = None) -> list[ImportReport]:
        """Finish every import that was interrupted (idempotent: each of its rows is
        written exactly once), and delete staging files no import needs. Imports
        another process is writing right now are left to it."""
        progress = progress or Progress()
        reports = []
        conn = self.db.raw_connection()
        try:
            jobs = conn.execute("SELECT id, staging FROM import_jobs WHERE status = 'applying' ORDER BY id").fetchall()
        finally:
            conn.close()
        for job_id, rel in jobs:
            staging = _Staging.acquire(self.state_dir / rel)
            if staging is None:
                continue  # being written by another process
            staging.keep = True
            with staging:
                reports.append(self._apply(job_id, staging, progress, resumed=True))
        self._clean_staging()
        return reports

    def _clean_staging(self) -> None:
        if not self.staging_dir.is_dir():
            return
        conn = self.db.raw_connection()
        try:
            wanted = {Path(r[0]).name for r in conn.execute("SELECT staging FROM import_jobs WHERE status = 'applying'")}
        finally:
            conn.close()
        for path in self.staging_dir.glob("import-*.sqlite"):
            if path.name in wanted:
                continue
            staging = _Staging.acquire(path)
            if staging is not None:  # nobody is checking it: left by a process that died
                staging.close()
        for lock in self.staging_dir.glob("import-*.lock"):
            if not lock.with_suffix(".sqlite").exists():
                staging = _Staging.acquire(lock.with_suffix(".sqlite"))
                if staging is not None:
                    staging.close()

    # --- checking ---------------------------------------------------------------------
    def _check(self, source: CsvSource, staging: _Staging, dry_run: bool, progress: Progress) -> ImportReport:
        report = ImportReport(source=source.name, dry_run=dry_run)
        conn = staging.connect()
        try:
            conn.executescript(STAGING_SCHEMA)
            conn.execute("ATTACH DATABASE ? AS k", (str(self.db.path),))
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute(f"PRAGMA k.cache_size=-{APPLY_CACHE_KB}")  # the catalog's SKU and barcode indexes
            with CsvRows(source) as reader:
                progress.stage(STAGE_CHECK, source.size)
                return self._check_rows(conn, reader, report, progress)
        finally:
            conn.close()

    def _check_rows(self, conn: sqlite3.Connection, reader: CsvRows, report: ImportReport,
                    progress: Progress) -> ImportReport:
        rows = iter(reader)
        header, broken = first_row(rows)
        if header is None:
            return replace(report, problems=(broken,), problem_count=1)
        columns, problems_ = header_columns(header, reader.line_num, COLUMNS, REQUIRED)
        if problems_:
            return replace(report, problems=tuple(problems_), problem_count=len(problems_))
        width = len(header)
        categories = {fold(name): (cid, name, kind) for cid, name, kind in
                      conn.execute("SELECT id, name, kind FROM k.categories")}
        problems = _Problems()
        batch: list[tuple[int, dict[str, str]]] = []
        shape = lambda line, cells: self._shape_problem(line, cells, width, columns, reader.delimiter)  # noqa: E731
        for line, values in data_rows(reader, rows, columns, problems, width, shape):
            batch.append((line, values))
            if len(batch) >= BATCH:
                self._check_batch(conn, batch, categories, problems)
                batch = []
                progress.advance(reader.bytes_read)
        if batch:
            self._check_batch(conn, batch, categories, problems)
        reader.finish()
        progress.advance(reader.source.size)
        more, more_count = self._whole_file_problems(conn)
        kept, count = problems.merged(more, more_count)
        staged = conn.execute("SELECT COUNT(*), COALESCE(SUM(action = 'new'), 0), COALESCE(SUM(action = 'update'), 0),"
                              " COALESCE(SUM(stock_change), 0) FROM rows").fetchone()
        n, created, updated, stock_changes = staged
        new_categories = tuple(r[0] for r in conn.execute("SELECT name FROM cats ORDER BY rowid"))
        return replace(report, rows=n, created=created, updated=updated, unchanged=n - created - updated,
                       stock_changes=stock_changes, new_categories=new_categories, problems=kept,
                       problem_count=count)

    def _shape_problem(self, line: int, cells: list[str], width: int, columns: dict[str, int],
                       delimiter: str) -> RowProblem:
        """A row with more (or fewer) cells than the header. With commas between columns
        the usual cause is a decimal comma ("6,10" read as 6 and 10): say so."""
        if delimiter == "," and len(cells) > width:
            for col in sorted((c for c in NUMERIC if c in columns), key=columns.get):
                i = columns[col]
                if i + 1 < len(cells) and _DIGITS.match(cells[i]) and _FRACTION.match(cells[i + 1]):
                    whole, part = cells[i].strip(), cells[i + 1].strip()
                    return RowProblem(line, col, translate(N_(
                        '"{value}" looks like a number with a decimal comma, but this file separates its columns '
                        'with commas: write {point}, put the number in quotes ("{value}") or save the file with '
                        'semicolons')).format(value=f"{whole},{part}", point=f"{whole}.{part}"))
        return RowProblem(line, "", translate(N_("has {count} fields, the header has {expected}"))
                          .format(count=len(cells), expected=width))

    def _stored(self, conn: sqlite3.Connection, skus: list[str]) -> tuple[dict[str, _Stored], set[int]]:
        """The batch's products as stored now, with their barcodes, and which of them
        have stock history."""
        marks = ",".join("?" * len(skus))
        stored = {r[1]: _Stored(*r) for r in conn.execute(
            "SELECT id, sku, name, brand, category_id, sale_mode, uom, price, cost, tax_rate_bp, low_stock,"
            f" image_path, stock FROM k.products WHERE sku IN ({marks})", skus)}
        if not stored:
            return stored, set()
        by_id = {p.id: p for p in stored.values()}
        ids = list(by_id)
        marks = ",".join("?" * len(ids))
        for pid, code in conn.execute(f"SELECT product_id, code FROM k.barcodes WHERE product_id IN ({marks})"
                                      " ORDER BY id", ids):
            by_id[pid].barcodes.append(code)
        history = {r[0] for r in conn.execute(
            f"SELECT DISTINCT product_id FROM k.stock_movements WHERE product_id IN ({marks})", ids)}
        return stored, history

    def _check_batch(self, conn: sqlite3.Connection, batch: list[tuple[int, dict[str, str]]],
                     categories: dict[str, tuple], problems: _Problems) -> None:
        skus = list({values["sku"].strip() for _line, values in batch})
        conn.execute("BEGIN")  # one snapshot of the catalog for the batch, one write of the staging file
        try:
            stored, history = self._stored(conn, skus)
            rows, codes, cats = [], [], []
            for line, values in batch:
                r = self._parse_row(values, line, stored.get(values["sku"].strip()), categories, history, problems)
                rows.append(self._staged(r))
                if r.set_barcodes:
                    seen: dict[str, str] = {}
                    for code, key in zip(r.draft.barcodes, r.keys):
                        seen.setdefault(key, code)
                    codes.extend((line, pos, code, key) for pos, (key, code) in enumerate(seen.items()))
                if r.category_key is not None:
                    cats.append((r.category_key, r.category_name, SaleMode(r.draft.sale_mode) is SaleMode.SERVICE))
            conn.executemany(f"INSERT INTO rows VALUES ({','.join('?' * len(_ROW_COLUMNS))})", rows)
            conn.executemany("INSERT INTO codes VALUES (?, ?, ?, ?)", codes)
            # A new category is one of services when every row that names it is a service.
            conn.executemany("INSERT INTO cats VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE"
                             " SET services = services AND excluded.services", cats)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _staged(self, r: _Row) -> tuple:
        d = r.draft
        values = {"sku": d.sku.strip(), "name": d.name.strip(), "search_name": fold(d.name),
                  "brand": d.brand.strip(), "category_id": d.category_id,
                  "sale_mode": SaleMode(d.sale_mode).value, "uom": Uom(d.uom).value, "price": d.price,
                  "cost": d.cost, "tax_rate_bp": d.tax_rate_bp, "low_stock": d.low_stock,
                  "image_path": d.image_path or None}
        if r.stored is None:
            action = "new"
        elif r.category_key is not None or self._differs(r.stored, values, r.keys, r.set_barcodes):
            action = "update"
        else:
            action = "same"
        stock_change = r.stock is not None and r.stock != (r.stored.stock if r.stored else 0)
        return (r.line, values["sku"], values["name"], values["search_name"], values["brand"],
                None if r.category_key is not None else values["category_id"], r.category_key,
                values["sale_mode"], values["uom"], values["price"], values["cost"], values["tax_rate_bp"],
                values["low_stock"], values["image_path"], r.stock, int(r.set_barcodes), action, int(stock_change))

    def _whole_file_problems(self, conn: sqlite3.Connection) -> tuple[list[RowProblem], int]:
        """What only the whole file tells: a SKU twice, a barcode twice, a barcode that
        belongs to a product the file leaves with its codes. A code may belong to one
        product once the import is done."""
        first_line = "(SELECT MIN(o.line) FROM rows o WHERE o.sku = r.sku)"
        repeated_sku = f"FROM rows r WHERE r.sku != '' AND r.line > {first_line}"
        repeated_code = "FROM codes c JOIN codes o ON o.key = c.key AND o.line < c.line"
        claimed = ("FROM codes c JOIN k.barcodes b ON b.code = c.key JOIN k.products p ON p.id = b.product_id"
                   " WHERE NOT EXISTS (SELECT 1 FROM rows x WHERE x.sku = p.sku)"
                   " AND NOT EXISTS (SELECT 1 FROM codes o WHERE o.key = c.key AND o.line < c.line)")
        out: list[RowProblem] = []
        count = 0
        conn.execute("BEGIN")
        try:
            count += conn.execute(f"SELECT COUNT(*) {repeated_sku}").fetchone()[0]
            for line, sku, first in conn.execute(f"SELECT r.line, r.sku, {first_line} {repeated_sku}"
                                                 f" ORDER BY r.line LIMIT {MAX_PROBLEMS}"):
                out.append(RowProblem(line, "sku", translate(N_("SKU {sku} is repeated (also on line {line})"))
                                      .format(sku=sku, line=first)))
            count += conn.execute(f"SELECT COUNT(DISTINCT c.line || ' ' || c.pos) {repeated_code}").fetchone()[0]
            for line, code, first in conn.execute(f"SELECT c.line, c.code, MIN(o.line) {repeated_code}"
                                                  f" GROUP BY c.line, c.pos ORDER BY c.line LIMIT {MAX_PROBLEMS}"):
                out.append(RowProblem(line, "barcode", translate(
                    N_("barcode {code} is repeated (also on line {line})")).format(code=code, line=first)))
            count += conn.execute(f"SELECT COUNT(*) {claimed}").fetchone()[0]
            for line, code, name in conn.execute(f"SELECT c.line, c.code, p.name {claimed}"
                                                 f" ORDER BY c.line LIMIT {MAX_PROBLEMS}"):
                out.append(RowProblem(line, "barcode", str(DuplicateBarcode(code=code, name=name))))
        finally:
            conn.execute("COMMIT")
        return out, count

    # --- one row ---------------------------------------------------------------------
    def _parse_row(self, values: Mapping[str, str], line: int, stored: _Stored | None,
                   categories: dict[str, tuple], history: set[int], problems: list[RowProblem]) -> _Row:
        bad: set[str] = set()

        def get(col: str) -> str | None:
            return values.get(col)

        def attempt(col: str, fn, *args, **kwargs):  # noqa: ANN001, ANN202
            try:
                return fn(*args, **kwargs)
            except InvalidProduct as err:
                bad.add(col)
                problems.append(RowProblem(line, col, problem_reason(err)))
                return None

        sku = (get("sku") or "").strip()
        # Sale mode and unit: either may be left out when the other says it all.
        mode_text, unit_text = (get("sale_mode") or "").strip(), (get("unit") or "").strip()
        mode = attempt("sale_mode", _sale_mode, mode_text) if mode_text else None
        uom = attempt("unit", _unit, unit_text) if unit_text else None
        # After a parse error, carry on with the likeliest value so the rest of the row
        # is still checked without a second, derived complaint.
        if "sale_mode" in bad:
            mode = mode_for_uom(uom) if uom else SaleMode(stored.sale_mode) if stored else SaleMode.UNIT
        if "unit" in bad:
            fits = stored and Uom(stored.uom) in UOMS_FOR_MODE[mode or SaleMode(stored.sale_mode)]
            uom = Uom(stored.uom) if fits else UOMS_FOR_MODE[mode or SaleMode.UNIT][0]
        if mode is None:
            if uom is None:
                mode = SaleMode(stored.sale_mode) if stored else SaleMode.UNIT
            elif stored and uom in UOMS_FOR_MODE[SaleMode(stored.sale_mode)]:
                mode = SaleMode(stored.sale_mode)
            else:
                mode = mode_for_uom(uom)
        if uom is None:
            if stored and Uom(stored.uom) in UOMS_FOR_MODE[mode]:
                uom = Uom(stored.uom)
            elif mode in (SaleMode.UNIT, SaleMode.SERVICE):
                uom = Uom.UNIT
            else:
                bad.add("unit")
                problems.append(RowProblem(line, "unit", translate(N_("is required for products sold by weight "
                                                                     "or volume"))))
                uom = UOMS_FOR_MODE[mode][0]

        def amount(col: str, default: int) -> int:
            raw = (get(col) or "").strip()
            if not raw:
                return default
            value = attempt(col, parse_amount, raw, self.decimals, col)
            return default if value is None else value

        price_raw = (get("price") or "").strip()
        if not price_raw and stored is None:
            bad.add("price")
            problems.append(RowProblem(line, "price", translate(N_("is required"))))
        price = amount("price", stored.price if stored else 0)
        cost = amount("cost", stored.cost if stored else 0)
        tax_raw = (get("tax_rate") or "").strip()
        tax = stored.tax_rate_bp if stored else self.inventory.default_tax_rate_bp
        if tax_raw:
            parsed = attempt("tax_rate", parse_tax_rate, tax_raw)
            tax = tax if parsed is None else parsed
        low_raw = (get("low_stock") or "").strip()
        low = stored.low_stock if stored else 0
        if low_raw:
            parsed = attempt("low_stock", parse_quantity, low_raw, uom, "low_stock")
            low = low if parsed is None else parsed
        stock_raw = (get("stock") or "").strip()
        stock = None
        if stock_raw:
            stock = attempt("stock", parse_quantity, stock_raw, uom, "stock", allow_negative=True)
            if stock is not None and not tracks_stock(mode) and stock != 0:
                bad.add("stock")
                problems.append(RowProblem(line, "stock", str(ServiceHasNoStock(name=(get("name") or sku).strip()))))
                stock = None
            elif stock == 0 and not tracks_stock(mode):
                stock = None
        # Category by name, created when new.
        category_id = stored.category_id if stored else None
        category_key = None
        category_name = ""
        if "category" in values:
            name = (get("category") or "").strip()
            category_id = None
            if name:
                found = categories.get(_fold(name))
                if found is not None:
                    category_id = found[0]
                    if found[2] == "services" and mode is not SaleMode.SERVICE:
                        bad.add("category")
                        problems.append(RowProblem(line, "category", str(CategoryKindMismatch(category=found[1]))))
                elif len(name) > 64:
                    bad.add("category")
                    problems.append(RowProblem(line, "category", translate(N_("at most {count} characters"))
                                               .format(count=64)))
                else:
                    category_key, category_name = _fold(name), name
        set_barcodes = "barcode" in values
        if set_barcodes:
            codes = parse_barcodes(get("barcode") or "")
        else:
            codes = list(stored.barcodes) if stored else []
        if "image" in values:
            image = (get("image") or "").strip() or None
        else:
            image = stored.image_path if stored else None
        draft = ProductDraft(
            sku=sku, name=(get("name") or "").strip(), sale_mode=mode, uom=uom, price=price, cost=cost,
            tax_rate_bp=tax, brand=(get("brand") if "brand" in values else (stored.brand if stored else "")) or "",
            category_id=category_id, low_stock=low, barcodes=codes, image_path=image)
        for err in draft_problems(draft, self.inventory.tax_rates_bp, self.inventory.state_dir):
            self._add(problems, bad, line, err)
        if stored is not None:
            facts = StoredFacts(stored.name, Uom(stored.uom), stored.stock, stored.id in history)
            for err in change_problems(facts, draft):
                self._add(problems, bad, line, err)
        keys = [normalize(c) for c in codes] if set_barcodes else list(stored.barcodes) if stored else []
        return _Row(line, draft, category_key, category_name, stock, stored, set_barcodes, keys)

    @staticmethod
    def _add(problems: list[RowProblem], bad: set[str], line: int, err: DomainError) -> None:
        key = problem_key(err)
        if key in bad:
            return  # the column already has its problem (e.g. a parse error)
        bad.add(key)
        problems.append(RowProblem(line, key, problem_reason(err)))

    # --- applying ---------------------------------------------------------------------
    def _start_job(self, source: CsvSource, staging: _Staging, by: UserInfo, report: ImportReport) -> int:
        """The import's job, in the transaction that checks the ``import_export`` act
        (a one-time authorisation is spent when it commits) and writes the audit row:
        from this commit the import happens (it is resumed after a crash)."""
        with self.db.write() as s:
            who = self.inventory.access.check(s, by, Act.IMPORT_EXPORT)
            cur = s.connection().exec_driver_sql(
                "INSERT INTO import_jobs(uuid, kind, source, file_sha256, staging, user_id, rows, created, updated,"
                " unchanged, stock_changes, new_categories, phase, position, status, error, steps, started_at)"
                " VALUES (?, 'products', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 'categories', 0, 'applying', '', 0, ?)",
                (str(uuid.uuid4()), source.name[:255], source.sha256,
                 str(staging.path.relative_to(self.state_dir)), who.user_id or None, report.rows, report.created,
                 report.updated, report.unchanged, "\n".join(report.new_categories), utcnow().strftime(SQL_TIME)))
            audit.record(s, "import", source.name, by=who, after={
                "rows": report.rows, "created": report.created, "updated": report.updated,
                "unchanged": report.unchanged})
            return cur.lastrowid

    def _apply(self, job_id: int, staging: _Staging, progress: Progress, *, resumed: bool = False) -> ImportReport:
        """Write a job's staged rows in short transactions until it is done."""
        progress.lock_in()  # a job is finished once started (a cancel before this is still honoured)
        conn = self.db.raw_connection()
        try:
            job = self._job(conn, job_id)
            if not staging.path.is_file():
                reason = translate(N_("its checked rows were lost"))
                self._fail(conn, job_id, reason)
                raise ImportFailed(name=job["source"], done=0, rows=job["rows"], reason=reason)
            conn.execute("ATTACH DATABASE ? AS imp", (str(staging.path),))
            conn.execute("CREATE TEMP TABLE cat_map(key TEXT PRIMARY KEY, id INTEGER)")
            conn.execute("CREATE TEMP TABLE new_ids(line INTEGER PRIMARY KEY, id INTEGER)")
            pacer = Pacer(self.hold_s, self.pause_s)
            # The WAL is folded back into the database between steps, by this
            # connection and outside the lock, not by a sale's commit. Each step's commit
            # syncs its own frames (synchronous=FULL): with NORMAL the next sale's commit
            # would pay to sync the import's frames too, holding the lock meanwhile.
            conn.execute("PRAGMA wal_autocheckpoint=0")
            conn.execute(f"PRAGMA cache_size=-{APPLY_CACHE_KB}")
            rows = job["rows"]
            progress.stage(STAGE_APPLY, 2 * rows + 1)
            phase, position = job["phase"], job["position"]
            if phase in ("barcodes", "rows"):
                self._map_categories(conn)
            while phase != "done":
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    raise self._interrupted(job, position, exc) from None
                started = time.perf_counter()
                try:
                    now = conn.execute("SELECT phase, position, status FROM import_jobs WHERE id = ?",
                                       (job_id,)).fetchone()
                    if now != (phase, position, "applying"):  # another process moved it on
                        conn.execute("ROLLBACK")
                        if now[2] != "applying":
                            break
                        phase, position = now[0], now[1]
                        continue
                    size = pacer.size
                    next_phase, next_position, moves = self._step(conn, job, phase, position, size)
                    conn.execute("UPDATE import_jobs SET phase = ?, position = ?, stock_changes = stock_changes + ?,"
                                 " steps = steps + 1, status = CASE WHEN ? = 'done' THEN 'done' ELSE status END,"
                                 " finished_at = CASE WHEN ? = 'done' THEN ? ELSE finished_at END WHERE id = ?",
                                 (next_phase, next_position, moves, next_phase, next_phase,
                                  utcnow().strftime(SQL_TIME), job_id))
                    self.db.check_commit(conn)  # on a till with a shop server: the rows go there first
                    conn.execute("COMMIT")
                except sqlite3.IntegrityError as exc:  # the catalog changed under the import
                    conn.execute("ROLLBACK")
                    done = position if phase == "rows" else 0
                    self._fail(conn, job_id, str(exc))
                    staging.keep = False
                    raise ImportFailed(name=job["source"], done=self._rows_before(conn, done), rows=rows,
                                       reason=translate(N_("a product or barcode was changed meanwhile ({detail})"))
                                       .format(detail=exc)) from None
                except sqlite3.OperationalError as exc:  # locked too long, disk full, I/O error
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise self._interrupted(job, position, exc) from None
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                pacer.held(size, time.perf_counter() - started)
                if next_phase != phase:
                    pacer.restart()
                    if phase == "categories":
                        self._map_categories(conn)
                phase, position = next_phase, next_position
                done = {"categories": 0, "barcodes": position, "rows": rows + position}.get(phase, 2 * rows + 1)
                progress.advance(min(done, 2 * rows), None)
                if phase != "done":  # the lock is free: fold the WAL back meanwhile (no lock needed)
                    t0 = time.perf_counter()
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    pacer.pause(already=time.perf_counter() - t0)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            job = self._job(conn, job_id)
        finally:
            conn.close()
        staging.keep = False  # done: the staging file goes
        log.info("import %s of %s: %d rows in %d transactions (longest %.0f ms)", job_id, job["source"], rows,
                 job["steps"], pacer.longest_s * 1000)
        return ImportReport(source=job["source"], rows=rows, created=job["created"], updated=job["updated"],
                            unchanged=job["unchanged"], stock_changes=job["stock_changes"],
                            new_categories=tuple(n for n in job["new_categories"].split("\n") if n),
                            applied=True, resumed=resumed, steps=job["steps"])

    @staticmethod
    def _job(conn: sqlite3.Connection, job_id: int) -> dict:
        conn.row_factory = sqlite3.Row
        try:
            return dict(conn.execute("SELECT * FROM import_jobs WHERE id = ?", (job_id,)).fetchone())
        finally:
            conn.row_factory = None

    @staticmethod
    def _fail(conn: sqlite3.Connection, job_id: int, reason: str) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE import_jobs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?",
                     (reason[:255], utcnow().strftime(SQL_TIME), job_id))
        conn.execute("COMMIT")

    @staticmethod
    def _rows_before(conn: sqlite3.Connection, line: int) -> int:
        try:
            return conn.execute("SELECT COUNT(*) FROM imp.rows WHERE line <= ?", (line,)).fetchone()[0]
        except sqlite3.Error:
            return 0

    def _interrupted(self, job: dict, position: int, exc: Exception) -> ImportInterrupted:
        log.warning("import %s of %s interrupted: %s", job["id"], job["source"], exc)
        return ImportInterrupted(name=job["source"], done=position, rows=job["rows"], reason=str(exc))

    @staticmethod
    def _map_categories(conn: sqlite3.Connection) -> None:
        """The staged new categories' ids (created in the first phase, found by name)."""
        ids = {fold(name): cid for cid, name in conn.execute("SELECT id, name FROM categories")}
        conn.execute("DELETE FROM temp.cat_map")
        conn.executemany("INSERT INTO temp.cat_map VALUES (?, ?)",
                         [(key, ids.get(key)) for (key,) in conn.execute("SELECT key FROM imp.cats")])

    def _step(self, conn: sqlite3.Connection, job: dict, phase: str, position: int,
              size: int) -> tuple[str, int, int]:
        """One transaction's work: returns the phase and position after it and the
        stock movements it wrote."""
        if phase == "categories":
            chunk = conn.execute("SELECT rowid, key, name, services FROM imp.cats WHERE rowid > ? ORDER BY rowid"
                                 " LIMIT ?", (position, size)).fetchall()
            if not chunk:
                return "barcodes", 0, 0
            existing = {fold(name) for (name,) in conn.execute("SELECT name FROM categories")}
            top = conn.execute("SELECT COALESCE(MAX(position), 0) FROM categories").fetchone()[0]
            for _rowid, key, name, services in chunk:
                if key in existing:  # created meanwhile (or by an earlier attempt of this job)
                    continue
                top += 1
                conn.execute("INSERT INTO categories(name, kind, color, position, active) VALUES (?, ?, ?, ?, 1)",
                             (name, "services" if services else "goods", "#607D8B", top))
                existing.add(key)
            return "categories", chunk[-1][0], 0
        hi = conn.execute("SELECT MAX(line) FROM (SELECT line FROM imp.rows WHERE line > ? ORDER BY line LIMIT ?)",
                          (position, size)).fetchone()[0]
        if hi is None:
            return ("rows", 0, 0) if phase == "barcodes" else ("done", position, 0)
        span = (position, hi)
        if phase == "barcodes":
            # First every code a product loses, so a code moving to another product of
            # the file is free when that product's row is written.
            conn.execute(
                "DELETE FROM barcodes WHERE id IN (SELECT b.id FROM imp.rows r JOIN products p ON p.sku = r.sku"
                " JOIN barcodes b ON b.product_id = p.id WHERE r.line > ? AND r.line <= ? AND r.set_barcodes"
                " AND r.action != 'same' AND NOT EXISTS"
                " (SELECT 1 FROM imp.codes c WHERE c.line = r.line AND c.key = b.code))", span)
            return "barcodes", hi, 0
        return "rows", hi, self._write_rows(conn, job, span)

    def _write_rows(self, conn: sqlite3.Connection, job: dict, span: tuple[int, int]) -> int:
        stamp = job["started_at"]
        category = ("CASE WHEN r.category_key IS NULL THEN r.category_id"
                    " ELSE (SELECT id FROM temp.cat_map m WHERE m.key = r.category_key) END")
        changed = "r.line > ? AND r.line <= ? AND r.action != 'same'"
        # Products the file changes (matched by SKU now, so one created meanwhile is updated).
        assignments = ", ".join(f"{c} = r.{c}" for c in _PRODUCT_COLUMNS)
        conn.execute(f"UPDATE products SET {assignments}, category_id = {category}, updated_at = ?"
                     f" FROM imp.rows AS r WHERE products.sku = r.sku AND {changed}", (stamp, *span))
        conn.execute("INSERT INTO barcodes(product_id, code) SELECT p.id, c.key FROM imp.rows r"
                     " JOIN imp.codes c ON c.line = r.line JOIN products p ON p.sku = r.sku"
                     f" WHERE {changed} AND r.set_barcodes AND NOT EXISTS"
                     " (SELECT 1 FROM barcodes b WHERE b.code = c.key AND b.product_id = p.id)"
                     " ORDER BY r.line, c.pos", span)
        # New products: ids above the current maximum are ours while the lock is held.
        # Their barcodes go in first, so the search-index row each product's trigger
        # writes already has them (no second index update per barcode).
        new = [line for (line,) in conn.execute(
            f"SELECT r.line FROM imp.rows r WHERE {changed} AND NOT EXISTS"
            " (SELECT 1 FROM products p WHERE p.sku = r.sku) ORDER BY r.line", span)]
        if new:
            top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM products").fetchone()[0]
            conn.execute("DELETE FROM temp.new_ids")
            conn.executemany("INSERT INTO temp.new_ids VALUES (?, ?)",
                             [(line, top + 1 + i) for i, line in enumerate(new)])
            conn.execute("PRAGMA defer_foreign_keys = ON")  # checked at commit, then reset
            conn.execute("INSERT INTO barcodes(product_id, code) SELECT n.id, c.key FROM temp.new_ids n"
                         " JOIN imp.codes c ON c.line = n.line ORDER BY n.id, c.pos")
            listed = ", ".join(_PRODUCT_COLUMNS)
            picked = ", ".join(f"r.{c}" for c in _PRODUCT_COLUMNS)
            conn.execute(f"INSERT INTO products(id, sku, {listed}, category_id, stock, active, created_at, updated_at)"
                         f" SELECT n.id, r.sku, {picked}, {category}, 0, 1, ?, ? FROM temp.new_ids n"
                         " JOIN imp.rows r ON r.line = n.line ORDER BY n.id", (stamp, stamp))
        # Stock: the difference to the stock the product has now (sales since the check count).
        moved = conn.execute(
            "INSERT INTO stock_movements(uuid, product_id, quantity, reason, detail, reference, user_id, created_at)"
            f" SELECT {SQL_TIME_UUID}, p.id, r.stock - p.stock, 'count', 'csv_import', ?, ?, ? FROM imp.rows r"
            " JOIN products p ON p.sku = r.sku WHERE r.line > ? AND r.line <= ? AND r.stock IS NOT NULL"
            " AND r.stock != p.stock", ((job["source"] or "CSV")[:MAX_REFERENCE], job["user_id"], stamp, *span))
        return moved.rowcount

    @staticmethod
    def _differs(p: _Stored, values: dict, keys: list[str], set_barcodes: bool) -> bool:
        if (p.sku, p.name, p.brand or "", p.category_id, p.sale_mode, p.uom, p.price, p.cost, p.tax_rate_bp,
                p.low_stock, p.image_path or None) != (
                values["sku"], values["name"], values["brand"], values["category_id"], values["sale_mode"],
                values["uom"], values["price"], values["cost"], values["tax_rate_bp"], values["low_stock"],
                values["image_path"]):
            return True
        return set_barcodes and set(keys) != set(p.barcodes)

    # --- export ------------------------------------------------------------------
    def _export_query(self, include_inactive: bool) -> str:
        where = "" if include_inactive else " WHERE p.active = 1"
        return ("SELECT p.id, p.sku, p.name, p.brand, c.name, p.sale_mode, p.uom, p.price, p.cost, p.tax_rate_bp,"
                " p.stock, p.low_stock, p.image_path, (SELECT group_concat(code, '|') FROM"
                " (SELECT code FROM barcodes b WHERE b.product_id = p.id ORDER BY b.id))"
                f" FROM products p LEFT JOIN categories c ON c.id = p.category_id{where} ORDER BY p.sku")

    def _export_iter(self, include_inactive: bool) -> Iterator[list[str]]:
        """The header and one row per product, by SKU, read as a stream."""
        yield list(COLUMNS)
        conn = self.db.raw_connection()
        try:
            for (_pid, sku, name, brand, category, mode, uom_code, price, cost, tax, stock, low, image,
                 codes) in conn.execute(self._export_query(include_inactive)):
                uom = Uom(uom_code)
                tracked = tracks_stock(SaleMode(mode))
                yield [sku, codes or "", name, brand or "", category or "", mode, uom_code,
                       amount_text(price, self.decimals), amount_text(cost, self.decimals), rate_text(tax),
                       quantity_text(stock, uom) if tracked else "", quantity_text(low, uom) if tracked else "",
                       image or ""]
        finally:
            conn.close()

    def export_rows(self, *, include_inactive: bool = False) -> list[list[str]]:
        """The header and one row per product (active ones unless ``include_inactive``), by SKU."""
        return list(self._export_iter(include_inactive))

    def export_text(self, *, include_inactive: bool = False, delimiter: str = ",") -> str:
        buf = io.StringIO(newline="")
        write_rows(buf, self._export_iter(include_inactive), delimiter)
        return buf.getvalue()

    def export_file(self, path: Path | str, *, by: UserInfo, include_inactive: bool = False,
                    delimiter: str = ",") -> ExportResult:
        """Write the catalog to ``path`` (csv_source.write_csv_file: UTF-8 with BOM,
        through a temporary file renamed at the end), for a user allowed to export."""
        path = Path(path)
        self.inventory.access.precheck(by, Act.IMPORT_EXPORT)
        count = write_csv_file(path, self._export_iter(include_inactive), delimiter)
        try:
            with self.db.write() as s:
                who = self.inventory.access.check(s, by, Act.IMPORT_EXPORT)
                audit.record(s, "export", path.name, by=who, after={"products": count})
        except DomainError:  # refused meanwhile (user deactivated): the file does not stay
            path.unlink(missing_ok=True)
            raise
        return ExportResult(path, count)
