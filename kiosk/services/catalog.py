"""Catalog look-up: by barcode (EAN/UPC normalised, GS1 weight/price labels), by SKU,
and search-as-you-type over name, SKU, barcode, brand and category."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Row, func, select, text

from db.engine import Database
from db.models import Barcode, Category, Product
from kiosk.core.barcodes import (
    DEFAULT_LAYOUTS,
    BarcodeInfo,
    MeasureKind,
    Symbology,
    VariableLayout,
    VariableMeasure,
    classify,
    lookup_keys,
    parse_variable_measure,
)
from kiosk.core.catalog import ProductRef, ScanMatch
from kiosk.core.errors import InvalidBarcode, UnknownProduct
from kiosk.core.text import fold
from kiosk.core.units import BaseUnit, SaleMode, Uom
from kiosk.i18n import N_, translate

PRODUCT_COLUMNS = (
    Product.id, Product.sku, Product.name, Product.sale_mode, Product.uom, Product.price,
    Product.tax_rate_bp, Product.stock, Product.low_stock, Product.active, Product.brand,
    Category.name.label("category"), Product.category_id, Product.image_path, Product.cost,
)


# PRODUCT_COLUMNS as plain SQL, for the reads that skip SQLAlchemy (a scanned barcode).
PRODUCT_SQL = ("SELECT p.id, p.sku, p.name, p.sale_mode, p.uom, p.price, p.tax_rate_bp, p.stock, p.low_stock,"
               " p.active, p.brand, c.name, p.category_id, p.image_path, p.cost")
_BARCODE_SQL = (PRODUCT_SQL + ", b.code FROM barcodes b JOIN products p ON p.id = b.product_id"
                " LEFT JOIN categories c ON c.id = p.category_id WHERE b.code IN ({marks})")

_PRODUCTS_SQL = (PRODUCT_SQL + " FROM products p LEFT JOIN categories c ON c.id = p.category_id"
                 " WHERE p.id IN ({marks})")


def to_ref(row: Row | tuple) -> ProductRef:
    """A product from a row of PRODUCT_COLUMNS (a SQLAlchemy row or a PRODUCT_SQL tuple)."""
    (id_, sku, name, sale_mode, uom, price, tax_rate_bp, stock, low_stock, active, brand, category,
     category_id, image_path, cost) = row[:15]
    return ProductRef(
        id=id_, sku=sku, name=name, sale_mode=SaleMode(sale_mode), uom=Uom(uom),
        price=price, tax_rate_bp=tax_rate_bp, stock=stock, low_stock=low_stock,
        active=bool(active), brand=brand or "", category=category or "",
        category_id=category_id, image=image_path, cost=cost,
    )


def product_select():
    return select(*PRODUCT_COLUMNS).outerjoin(Category, Category.id == Product.category_id)


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    name: str
    kind: str
    color: str
    product_count: int


_TOKEN = re.compile(r"\w+", re.UNICODE)
_PREFIX_END = "\U0010ffff"  # sorts after any character: [lo, lo + END) = "starts with lo"

def fts_query(query: str) -> str | None:
    """User text -> FTS5 query: every word must match as a prefix, accents ignored."""
    tokens = _TOKEN.findall(fold(query))
    if not tokens:
        return None
    return " ".join(f'"{t}"*' for t in tokens)


_FILTERS = "(:all OR p.active = 1) AND (:category_id IS NULL OR p.category_id = :category_id)"

# Tier 1: the name starts with what was typed (index range scan on search_name), A-Z.
_STARTS_SQL = f"""
SELECT p.id FROM products p
WHERE p.search_name >= :lo AND p.search_name < :hi AND {_FILTERS}
ORDER BY p.search_name, p.id LIMIT :limit OFFSET :offset
"""
# Tiers 2 and 3: every typed word is a word prefix in the name (tier 2), or only across
# name, SKU, brand, category and barcodes (tier 3); tier-1 products are left out. Each
# tier is read in the search index's own order and stops at the page (a SELECT with the
# same LIMIT as a bare FTS5 query: issue 18's search_ratio); ranking every match with
# bm25 had cost 13 ms at 100,000 products. A page's products of one tier are shown A-Z.
_NAME_MATCH = "{{name}} : ({q})"
_OTHER_MATCH = "({q}) NOT {{name}} : ({q})"
_WORDS_SQL = f"""
SELECT p.id, p.search_name FROM product_search JOIN products p ON p.id = product_search.rowid
WHERE product_search MATCH :q AND {_FILTERS} AND NOT (p.search_name >= :lo AND p.search_name < :hi)
ORDER BY product_search.rowid LIMIT :limit OFFSET :offset
"""


def _count_sql(sql: str) -> str:
    """A tier's SELECT as the count of all its products (pages past its end)."""
    return f"SELECT COUNT(*) FROM ({sql.split(' LIMIT ')[0]})"


class CatalogService:
    def __init__(self, db: Database, layouts: tuple[VariableLayout, ...] = DEFAULT_LAYOUTS,
                 validate_check_digits: bool = True):
        self.db = db
        self.layouts = layouts
        self.validate_check_digits = validate_check_digits

    # --- single products ----------------------------------------------------------
    def product(self, product_id: int) -> ProductRef | None:
        with self.db.read() as s:
            row = s.execute(product_select().where(Product.id == product_id)).first()
        return to_ref(row) if row else None

    def products(self, ids: set[int] | list[int]) -> dict[int, ProductRef]:
        """Several products at once (the counter compares a cart with the catalog)."""
        if not ids:
            return {}
        ids = list(ids)
        # Plain SQL on the reader: a session would cost more than the read (Confirmar
        # re-prices its cart with this on every sale).
        sql = _PRODUCTS_SQL.format(marks=",".join("?" * len(ids)))
        refs = [to_ref(row) for row in self.db.reader().execute(sql, ids).fetchall()]
        return {ref.id: ref for ref in refs}

    def is_code(self, code: str) -> bool:
        """Whether ``code`` is a barcode as a scanner would send it: a retail code with a
        right check digit (EAN/UPC, a GS1 weight/price label) or a code some product
        has (a PLU, an in-house label). The keyboard wedge asks this of typed input
        that ended with Enter, so a scan slowed down by a busy machine still counts."""
        code = code.strip()
        if not code or len(code) > 48 or any(c.isspace() for c in code):
            return False
        info = classify(code)
        if info.check_ok:  # a retail code with its right check digit
            return True
        with self.db.read() as s:
            return s.scalar(select(Barcode.id).where(Barcode.code.in_(lookup_keys(code, info))).limit(1)) is not None

    def could_start_code(self, text: str) -> bool:
        """Whether a scanned code could begin with ``text``: digits (a retail code, a
        PLU, a PIN), or the start of a code some product has (one indexed range read on
        this thread's reader connection). Text with a space never starts a code."""
        if not text or text.isdigit():
            return True
        if any(c.isspace() for c in text) or len(text) > 48:
            return False
        start = text.upper()  # other than digits, codes are kept upper-case (core.barcodes)
        row = self.db.reader().execute("SELECT 1 FROM barcodes WHERE code >= ? AND code < ? LIMIT 1",
                                       (start, start + _PREFIX_END)).fetchone()
        return row is not None

    def by_sku(self, sku: str) -> ProductRef:
        with self.db.read() as s:
            row = s.execute(product_select().where(Product.sku == sku.strip())).first()
        if row is None:
            raise UnknownProduct(sku=sku)
        return to_ref(row)

    def _by_barcode_keys(self, keys: list[str]) -> ProductRef | None:
        """The product of the first of ``keys`` some product has (one indexed SELECT on
        this thread's reader connection: the till's hottest read)."""
        sql = _BARCODE_SQL.format(marks=",".join("?" * len(keys)))
        rows = self.db.reader().execute(sql, keys).fetchall()
        if not rows:
            return None
        best = min(rows, key=lambda r: keys.index(r[15]))
        return to_ref(best)

    def lookup_barcode(self, code: str, info: BarcodeInfo | None = None) -> ScanMatch | None:
        """Resolve a scanned code; None when no product has it. ``info``: the code's
        classification when the caller has it (a scan's verdict is worked out once).

        Raises InvalidBarcode for a retail code whose check digit is wrong (a misread
        must never ring up a different product), and for a weight/price label that
        does not fit its product: a weight label only sells goods sold by weight, a
        price label only bulk goods, and neither may carry zero.
        """
        code = code.strip()
        info = info if info is not None else classify(code)
        if self.validate_check_digits and info.check_ok is False:
            raise InvalidBarcode(code=code, reason=translate(N_("wrong check digit")))
        product = self._by_barcode_keys(lookup_keys(code, info))
        if product is not None:
            return ScanMatch(product)
        measure = self.variable_measure(code, info)
        if measure is None:
            return None
        if measure.price_check_ok is False:
            raise InvalidBarcode(code=code, reason=translate(N_("wrong price check digit")))
        # The PLU may be stored with its prefix ("2012345") or as the bare item code.
        product = self._by_barcode_keys([measure.item_key, measure.item_code])
        if product is None:
            return None
        if measure.value <= 0:
            raise InvalidBarcode(code=code, reason=translate(N_("the label carries no weight or price")))
        if measure.kind is MeasureKind.WEIGHT:
            if product.base_unit is not BaseUnit.G:
                raise InvalidBarcode(code=code, reason=translate(
                    N_("it is a weight label but {name} is not sold by weight")).format(name=product.name))
            return ScanMatch(product, quantity=measure.value)
        if not product.bulk:
            raise InvalidBarcode(code=code, reason=translate(
                N_("it is a price label but {name} is sold by the unit")).format(name=product.name))
        return ScanMatch(product, amount=measure.value)

    def variable_measure(self, code: str, info: BarcodeInfo | None = None) -> VariableMeasure | None:
        """The weight or price a scale-printed label carries (EAN-13, or UPC-A read as
        its EAN-13 form), when its check digit is valid and a layout matches."""
        info = info if info is not None else classify(code.strip())
        if not info.check_ok or info.symbology not in (Symbology.EAN13, Symbology.UPCA):
            return None
        return parse_variable_measure(info.key, self.layouts)

    # --- lists --------------------------------------------------------------------
    def search(self, query: str, *, limit: int = 40, offset: int = 0,
               category_id: int | None = None, include_inactive: bool = False) -> list[ProductRef]:
        """Search as you type: names starting with the text first (A-Z), then products
        with every typed word as a word prefix anywhere, best match first. Case and
        accents are ignored ("jabon liq" finds "Jabón Líquido"). An empty query
        browses the catalog by name."""
        q = fts_query(query)
        if q is None:
            return self.browse(category_id=category_id, limit=limit, offset=offset,
                               include_inactive=include_inactive)
        lo = fold(query)
        params = {"lo": lo, "hi": lo + _PREFIX_END, "all": include_inactive, "category_id": category_id}
        tiers = [(_STARTS_SQL, None), (_WORDS_SQL, _NAME_MATCH.format(q=q)), (_WORDS_SQL, _OTHER_MATCH.format(q=q))]
        conn = self.db.reader()  # no session: see Database.reader
        conn.execute("BEGIN")  # one snapshot for the tiers and the products
        try:
            ids: list[int] = []
            skip = offset  # of the products still to come, how many earlier pages showed
            for sql, match in tiers:
                args = {**params, "q": match, "limit": limit - len(ids), "offset": skip}
                rows = conn.execute(sql, args).fetchall()
                ids += [r[0] for r in (rows if match is None else sorted(rows, key=lambda r: (r[1], r[0])))]
                if len(ids) >= limit:
                    break
                total = skip + len(rows) if rows or not skip else conn.execute(_count_sql(sql), args).fetchone()[0]
                skip = max(0, skip - total)
            if not ids:
                return []
            found = conn.execute(PRODUCT_SQL + " FROM products p LEFT JOIN categories c ON c.id = p.category_id"
                                 f" WHERE p.id IN ({','.join('?' * len(ids))})", ids).fetchall()
        finally:
            conn.execute("COMMIT")
        rows_by_id = {r[0]: r for r in found}
        return [to_ref(rows_by_id[i]) for i in ids]

    def browse(self, *, category_id: int | None = None, limit: int = 40, offset: int = 0,
               include_inactive: bool = False) -> list[ProductRef]:
        stmt = product_select()
        if not include_inactive:
            stmt = stmt.where(Product.active.is_(True))
        if category_id is not None:
            stmt = stmt.where(Product.category_id == category_id)
        stmt = stmt.order_by(Product.name, Product.id).limit(limit).offset(offset)
        with self.db.read() as s:
            return [to_ref(r) for r in s.execute(stmt)]

    def count(self, *, category_id: int | None = None, include_inactive: bool = False) -> int:
        stmt = select(func.count(Product.id))
        if not include_inactive:
            stmt = stmt.where(Product.active.is_(True))
        if category_id is not None:
            stmt = stmt.where(Product.category_id == category_id)
        with self.db.read() as s:
            return s.scalar(stmt) or 0

    def categories(self, include_empty: bool = False) -> list[CategoryInfo]:
        counts = (select(Product.category_id, func.count(Product.id).label("n"))
                  .where(Product.active.is_(True)).group_by(Product.category_id).subquery())
        stmt = (select(Category, func.coalesce(counts.c.n, 0))
                .outerjoin(counts, counts.c.category_id == Category.id)
                .where(Category.active.is_(True)).order_by(Category.position, Category.name))
        with self.db.read() as s:
            out = [CategoryInfo(c.id, c.name, c.kind, c.color, n) for c, n in s.execute(stmt)]
        return out if include_empty else [c for c in out if c.product_count]

    def barcodes_of(self, product_id: int) -> list[str]:
        with self.db.read() as s:
            return list(s.scalars(select(Barcode.code).where(Barcode.product_id == product_id)
                                  .order_by(Barcode.id)))
