"""Catalog import and export as CSV (kiosk-admin and the USB-stick screen).

Format (the export's header is the import's format)::

    sku,barcode,name,brand,category,sale_mode,unit,price,cost,tax_rate,stock,low_stock,image

* ``barcode``: several codes separated by "|"; ``category`` by name (created when new);
  ``sale_mode`` unit/weight/volume/service or unidad/peso/volumen/servicio; ``unit``
  a code or a Spanish/English name (l, litro, galón, kg, kilo, libra, unidad ...).
* ``price`` and ``cost`` per unit of measure in major units; ``stock`` and
  ``low_stock`` in the product's unit of measure (litres, kilos ...). Decimal comma
  or point. ``tax_rate`` in percent, one of the configured rates.
* ``image``: a path relative to the state directory (images/abc.jpg) or empty.
* Comma or semicolon delimiters, UTF-8 with or without BOM (Windows-1252 as a fallback
  for spreadsheets that save "ANSI").

Import rules: rows are matched to products by SKU (new SKU: new product). Only sku,
name and price columns are required; a missing column leaves that field as it is.
An empty ``stock`` leaves the stock alone; a given stock that differs from the
current one is reached with one ``count`` ledger movement. Every row is validated
first with the product editor's validator; if any row has a problem nothing is
written and the report lists each one (line, column, reason). Otherwise everything
is written in one transaction. Re-importing an export changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from sqlalchemy import insert, select, text

from db.engine import Database
from db.models import SQL_NEW_UUID, Barcode, Category, Product, utcnow
from kiosk.core.barcodes import normalize
from kiosk.core.errors import DomainError, DuplicateBarcode, InvalidProduct, ServiceHasNoStock
from kiosk.core.inventory_errors import CategoryKindMismatch
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
from kiosk.core.text import fold
from kiosk.core.units import UOMS_FOR_MODE, SaleMode, Uom, mode_for_uom, tracks_stock
from kiosk.i18n import N_, translate
from kiosk.services import media_files
from kiosk.services.csv_files import RowProblem, data_rows, open_csv, read_csv_text, write_csv_file
from kiosk.services.inventory import (
    EDIT_ROLE,
    InventoryService,
    ProductDraft,
    StoredFacts,
    change_problems,
    draft_problems,
    problem_key,
    problem_reason,
)
from kiosk.services.users import UserInfo, UserService

REQUIRED = ("sku", "name", "price")
MAX_REFERENCE = 64

# A catalog file repeats the same few units, modes and categories thousands of times.
_sale_mode = lru_cache(maxsize=64)(parse_sale_mode)
_unit = lru_cache(maxsize=64)(parse_unit)
_fold = lru_cache(maxsize=1024)(fold)


@dataclass(frozen=True)
class ImportReport:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stock_changes: int = 0
    new_categories: tuple[str, ...] = ()
    problems: tuple[RowProblem, ...] = ()
    applied: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return translate(N_("Nothing was imported: {count} problems in the file.")).format(
                count=len(self.problems))
        text_ = translate(N_("{rows} rows: {created} new, {updated} changed, {unchanged} unchanged, "
                             "{stock} stock changes.")).format(
            rows=self.rows, created=self.created, updated=self.updated, unchanged=self.unchanged,
            stock=self.stock_changes)
        if self.new_categories:
            text_ += " " + translate(N_("New categories: {names}.")).format(names=", ".join(self.new_categories))
        if self.dry_run:
            text_ += " " + translate(N_("Check only: nothing was written."))
        return text_


@dataclass(frozen=True)
class ExportResult:
    path: Path | None
    products: int


@dataclass
class _Stored:
    """A product as the import found it (one row of the snapshot)."""

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


def _stage(conn, name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:  # noqa: ANN001
    """Fill a temporary table (private to this connection, gone with the transaction's
    end or the DROP after use)."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {name}({', '.join(columns)})")
    conn.exec_driver_sql(f"INSERT INTO temp.{name} VALUES ({', '.join('?' * len(columns))})", rows)


class ProductCsv:
    def __init__(self, db: Database, inventory: InventoryService, *, decimals: int = 2,
                 max_bytes: int = 50 * 2**20, mount_globs: tuple[str, ...] = (), folders: tuple[str, ...] = ()):
        self.db = db
        self.inventory = inventory
        self.decimals = decimals
        self.max_bytes = max_bytes
        self.mount_globs = mount_globs
        self.folders = folders

    # --- USB stick -----------------------------------------------------------------
    def places(self, *, require_mount: bool = True) -> list[media_files.Place]:
        return media_files.places(self.mount_globs, self.folders, require_mount=require_mount)

    def browse(self, folder: Path | str, top: Path | str | None = None) -> media_files.Listing:
        return media_files.list_folder(folder, media_files.CSV_EXTENSIONS, top=top)

    # --- import --------------------------------------------------------------------
    def import_file(self, path: Path | str, by: UserInfo, *, dry_run: bool = False) -> ImportReport:
        """Validate every row, then import all of them or none (see the module docstring)."""
        path = Path(path)
        return self.import_text(read_csv_text(path, self.max_bytes), by, dry_run=dry_run, source=path.name)

    def import_text(self, content: str, by: UserInfo, *, dry_run: bool = False, source: str = "") -> ImportReport:
        UserService.require(by, EDIT_ROLE)
        reader, columns, problems = open_csv(content, COLUMNS, REQUIRED)
        report = ImportReport(source=source, dry_run=dry_run)
        if problems:
            return replace(report, problems=tuple(problems))
        if dry_run:
            with self.db.read() as s:
                return self._run(s, reader, columns, by, report)
        with self.db.write() as s:
            return self._run(s, reader, columns, by, report)

    # --- the snapshot the rows are checked against ----------------------------------
    def _snapshot(self, s) -> tuple[dict[str, _Stored], dict[str, int], dict[str, tuple], set[int]]:  # noqa: ANN001
        stored: dict[str, _Stored] = {}
        by_id: dict[int, _Stored] = {}
        for r in s.execute(select(Product.id, Product.sku, Product.name, Product.brand, Product.category_id,
                                  Product.sale_mode, Product.uom, Product.price, Product.cost, Product.tax_rate_bp,
                                  Product.low_stock, Product.image_path, Product.stock)):
            p = _Stored(*r)
            stored[p.sku] = p
            by_id[p.id] = p
        owners: dict[str, int] = {}
        for pid, code in s.execute(select(Barcode.product_id, Barcode.code).order_by(Barcode.id)):
            owners[code] = pid
            by_id[pid].barcodes.append(code)
        categories = {fold(c.name): (c.id, c.name, c.kind) for c in s.execute(
            select(Category.id, Category.name, Category.kind))}
        history = set(s.scalars(text("SELECT DISTINCT product_id FROM stock_movements")))
        return stored, owners, categories, history

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

    # --- the whole file ------------------------------------------------------------------
    def _run(self, s, reader, columns: dict[str, int], by: UserInfo,  # noqa: ANN001
             report: ImportReport) -> ImportReport:
        stored, owners, categories, history = self._snapshot(s)
        problems: list[RowProblem] = []
        rows: list[_Row] = []
        sku_lines: dict[str, int] = {}
        for line, values in data_rows(reader, columns, problems):
            sku = values["sku"].strip()
            if sku in sku_lines:
                problems.append(RowProblem(line, "sku", translate(N_("SKU {sku} is repeated (also on line {line})"))
                                           .format(sku=sku, line=sku_lines[sku])))
                continue
            if sku:
                sku_lines[sku] = line
            rows.append(self._parse_row(values, line, stored.get(sku), categories, history, problems))
        self._check_barcodes(rows, stored, owners, problems)
        problems.sort(key=lambda p: (p.line, COLUMNS.index(p.column) if p.column in COLUMNS else -1))
        if problems:
            return replace(report, rows=len(rows), problems=tuple(problems))
        return self._apply(s, rows, by, report, categories)

    def _check_barcodes(self, rows: list[_Row], stored: dict[str, _Stored], owners: dict[str, int],
                        problems: list[RowProblem]) -> None:
        """A code may belong to one product once the import is done: not twice in the
        file, and not to a product the file leaves with its codes."""
        names = {p.id: (p.sku, p.name) for p in stored.values()}
        file_skus = {r.draft.sku.strip() for r in rows}
        claimed: dict[str, int] = {}
        for r in rows:
            if not r.set_barcodes:
                continue
            for code, key in zip(r.draft.barcodes, r.keys):
                if key in claimed and claimed[key] != r.line:
                    problems.append(RowProblem(r.line, "barcode", translate(
                        N_("barcode {code} is repeated (also on line {line})")).format(code=code, line=claimed[key])))
                    continue
                claimed[key] = r.line
                owner = owners.get(key)
                if owner is None:
                    continue
                owner_sku, owner_name = names[owner]
                if owner_sku != r.draft.sku.strip() and owner_sku not in file_skus:
                    problems.append(RowProblem(r.line, "barcode", str(DuplicateBarcode(code=code, name=owner_name))))

    # --- writing ----------------------------------------------------------------------
    def _apply(self, s, rows: list[_Row], by: UserInfo, report: ImportReport,  # noqa: ANN001
               categories: dict[str, tuple]) -> ImportReport:
        now = utcnow()
        # New categories: a category of services when every row that names it is a service.
        wanted: dict[str, list[_Row]] = {}
        for r in rows:
            if r.category_key is not None:
                wanted.setdefault(r.category_key, []).append(r)
        new_categories: list[str] = []
        cat_ids: dict[str, int] = {}
        position = (s.scalar(text("SELECT COALESCE(MAX(position), 0) FROM categories")) or 0) + 1
        for key, members in wanted.items():
            services = all(SaleMode(m.draft.sale_mode) is SaleMode.SERVICE for m in members)
            display = members[0].category_name
            new_categories.append(display)
            if not report.dry_run:
                cat_ids[key] = s.execute(insert(Category).values(
                    name=display, kind="services" if services else "goods", color="#607D8B",
                    position=position, active=True).returning(Category.id)).scalar_one()
                position += 1
        inserts, updates, changed_rows = [], [], 0
        for r in rows:
            d = r.draft
            if r.category_key is not None:
                d.category_id = cat_ids.get(r.category_key)
            values = {"sku": d.sku.strip(), "name": d.name.strip(), "search_name": fold(d.name),
                      "brand": d.brand.strip(), "category_id": d.category_id,
                      "sale_mode": SaleMode(d.sale_mode).value, "uom": Uom(d.uom).value, "price": d.price,
                      "cost": d.cost, "tax_rate_bp": d.tax_rate_bp, "low_stock": d.low_stock,
                      "image_path": d.image_path or None}
            if r.stored is None:
                inserts.append(values)
            elif self._differs(r.stored, values, r.keys, r.set_barcodes) or r.category_key is not None:
                updates.append(values | {"id": r.stored.id})
        created, updated = len(inserts), len(updates)
        moves = []
        if report.dry_run:
            stock_changes = sum(1 for r in rows if r.stock is not None
                                and r.stock != (r.stored.stock if r.stored else 0))
            return replace(report, rows=len(rows), created=created, updated=updated,
                           unchanged=len(rows) - created - updated, stock_changes=stock_changes,
                           new_categories=tuple(new_categories))
        # Rows go to temporary tables with plain executemany, then into the catalog with
        # one INSERT ... SELECT / UPDATE ... FROM each: the search index (FTS5, kept by
        # triggers) pays a fixed cost per statement, so 10,000 one-row statements cost
        # ten times more than one statement of 10,000 rows (import_10k_s budget).
        conn = s.connection()
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DateTime format
        columns = ("sku", "name", "search_name", "brand", "category_id", "sale_mode", "uom", "price", "cost",
                   "tax_rate_bp", "low_stock", "image_path")
        listed = ", ".join(columns)
        # Barcodes: first drop the codes products lose (a code may move to another product).
        drop = [(c,) for r in rows if r.set_barcodes and r.stored
                for c in r.stored.barcodes if c not in r.keys]
        if drop:
            conn.exec_driver_sql("DELETE FROM barcodes WHERE code = ?", drop)
        ids: dict[str, int] = {}
        if inserts:
            # The write lock is held: ids above the current maximum are ours to give. New
            # products' barcodes go in first, so the search-index row each product's
            # trigger writes already has them (no second index update per barcode).
            top = conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM products").scalar()
            ids = {v["sku"]: top + 1 + i for i, v in enumerate(inserts)}
            new_codes = [(ids[r.draft.sku.strip()], c) for r in rows if r.stored is None and r.set_barcodes
                         for c in dict.fromkeys(r.keys)]
            if new_codes:
                conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # checked at commit, then reset
                _stage(conn, "csv_new_codes", ("product_id", "code"), new_codes)
                conn.exec_driver_sql("INSERT INTO barcodes(product_id, code)"
                                     " SELECT product_id, code FROM temp.csv_new_codes")
            _stage(conn, "csv_new", ("id",) + columns, [(ids[v["sku"]],) + tuple(v[c] for c in columns)
                                                         for v in inserts])
            conn.exec_driver_sql(
                f"INSERT INTO products(id, {listed}, stock, active, created_at, updated_at)"
                f" SELECT id, {listed}, 0, 1, ?, ? FROM temp.csv_new ORDER BY id", (stamp, stamp))
        if updates:
            _stage(conn, "csv_changed", ("id",) + columns, [(u["id"],) + tuple(u[c] for c in columns)
                                                             for u in updates])
            assignments = ", ".join(f"{c} = u.{c}" for c in columns)
            conn.exec_driver_sql(f"UPDATE products SET {assignments}, updated_at = ? FROM temp.csv_changed AS u"
                                 " WHERE products.id = u.id", (stamp,))
        codes = [(r.stored.id, c) for r in rows if r.set_barcodes and r.stored
                 for c in dict.fromkeys(r.keys) if c not in r.stored.barcodes]
        if codes:
            _stage(conn, "csv_codes", ("product_id", "code"), codes)
            conn.exec_driver_sql("INSERT INTO barcodes(product_id, code) SELECT product_id, code FROM temp.csv_codes")
        reference = (report.source or "CSV")[:MAX_REFERENCE]
        for r in rows:
            if r.stock is None:
                continue
            current = r.stored.stock if r.stored else 0
            if r.stock != current:
                pid = r.stored.id if r.stored else ids[r.draft.sku.strip()]
                moves.append((pid, r.stock - current))
        if moves:
            _stage(conn, "csv_moves", ("product_id", "quantity"), moves)
            conn.exec_driver_sql(
                "INSERT INTO stock_movements(uuid, product_id, quantity, reason, detail, reference, user_id, created_at)"
                f" SELECT {SQL_NEW_UUID}, product_id, quantity, 'count', 'csv_import', ?, ?, ? FROM temp.csv_moves",
                (reference, by.id, stamp))
        for name in ("csv_new_codes", "csv_new", "csv_changed", "csv_codes", "csv_moves"):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
        changed_rows = created + updated
        return replace(report, rows=len(rows), created=created, updated=updated,
                       unchanged=len(rows) - changed_rows, stock_changes=len(moves),
                       new_categories=tuple(new_categories), applied=True)

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
    def export_rows(self, *, include_inactive: bool = False) -> list[list[str]]:
        """The header and one row per product (active ones unless ``include_inactive``), by SKU."""
        stmt = (select(Product.id, Product.sku, Product.name, Product.brand, Category.name.label("category"),
                       Product.sale_mode, Product.uom, Product.price, Product.cost, Product.tax_rate_bp,
                       Product.stock, Product.low_stock, Product.image_path)
                .outerjoin(Category, Category.id == Product.category_id).order_by(Product.sku))
        if not include_inactive:
            stmt = stmt.where(Product.active.is_(True))
        with self.db.read() as s:
            codes: dict[int, list[str]] = {}
            for pid, code in s.execute(select(Barcode.product_id, Barcode.code).order_by(Barcode.id)):
                codes.setdefault(pid, []).append(code)
            products = s.execute(stmt).all()
        out = [list(COLUMNS)]
        for p in products:
            uom = Uom(p.uom)
            tracked = tracks_stock(SaleMode(p.sale_mode))
            out.append([p.sku, "|".join(codes.get(p.id, [])), p.name, p.brand or "", p.category or "",
                        p.sale_mode, p.uom, amount_text(p.price, self.decimals), amount_text(p.cost, self.decimals),
                        rate_text(p.tax_rate_bp), quantity_text(p.stock, uom) if tracked else "",
                        quantity_text(p.low_stock, uom) if tracked else "", p.image_path or ""])
        return out

    def export_text(self, *, include_inactive: bool = False, delimiter: str = ",") -> str:
        buf = io.StringIO(newline="")
        csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(
            self.export_rows(include_inactive=include_inactive))
        return buf.getvalue()

    def export_file(self, path: Path | str, *, include_inactive: bool = False, delimiter: str = ",") -> ExportResult:
        """Write the catalog to ``path`` (UTF-8 with BOM so spreadsheets show accents),
        through a temporary file renamed at the end: a pulled USB stick never leaves a
        half-written file under the final name."""
        path = Path(path)
        rows = self.export_rows(include_inactive=include_inactive)
        write_csv_file(path, rows, delimiter)
        return ExportResult(path, len(rows) - 1)
