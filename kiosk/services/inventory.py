"""Catalog editing: categories and products (create, edit, deactivate), with the one
validator the product editor and the CSV import share.

Stock changes live in kiosk.services.stock (every change is a ledger row), smart
clone in kiosk.services.product_clone, pictures in kiosk.services.product_images and
CSV in kiosk.services.product_csv. Products and categories that history refers to
are deactivated, never deleted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import exists, func, select

from db.engine import Database
from db.models import Barcode, Category, Product, StockMovement
# ADJUSTMENT_REASONS: re-exported, existing callers import it from this module.
from kiosk.core.adjustments import ADJUSTMENT_REASONS  # noqa: F401
from kiosk.core.barcodes import classify, normalize
from kiosk.core.errors import (
    DomainError,
    DuplicateBarcode,
    DuplicateSku,
    InvalidBarcode,
    InvalidProduct,
    NotFound,
    ServiceHasNoStock,
)
from kiosk.core.inventory_errors import (
    CategoryKindMismatch,
    DuplicateCategory,
    InvalidCategory,
    ServiceStockNotZero,
    UnitChangeNotAllowed,
)
from kiosk.core.margin import Margin, margin
from kiosk.core.product_fields import (
    MAX_AMOUNT_MINOR,
    MAX_QUANTITY_BASE,
    SALE_MODE_LABELS,
    UOM_LABELS,
    amount_text,
    field_error,
    is_safe_relative_path,
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
from kiosk.core.units import BASE_OF, UOMS_FOR_MODE, SaleMode, Uom, tracks_stock
from kiosk.formatting import format_quantity, format_rate
from kiosk.i18n import N_, decimal_mark, format_decimal, format_money, translate
from kiosk.core.permissions import Act
from kiosk.services import audit
from kiosk.services.access import Access, UserInfo
from kiosk.services.users import Role


CATEGORY_KINDS = ("goods", "services")
EDIT_ROLE = Role.MANAGER  # the rank that edits by default (acts: edit_catalog, adjust_stock, import_export)


@dataclass
class ProductDraft:
    """What staff type in the product editor (or a CSV row), before it is stored."""

    sku: str
    name: str
    sale_mode: SaleMode
    uom: Uom
    price: int
    cost: int = 0
    tax_rate_bp: int = 0
    brand: str = ""
    category_id: int | None = None
    low_stock: int = 0
    barcodes: list[str] = field(default_factory=list)
    image_path: str | None = None
    active: bool = True


# --- the validator ----------------------------------------------------------------

def problem_key(err: DomainError) -> str:
    """The field (CSV column) a validation problem belongs to, "" when none."""
    return str(err.params.get("key", ""))


def problem_reason(err: DomainError) -> str:
    """The problem without its field label (for a report that has a column column)."""
    if isinstance(err, InvalidProduct):
        return str(err.params["reason"])
    return str(err)


def draft_problems(d: ProductDraft, tax_rates_bp: Collection[int] | None = None,
                   state_dir: Path | None = None) -> list[DomainError]:
    """Every problem of a draft on its own (no database): empty when it can be saved.

    ``tax_rates_bp``: the configured rates the tax rate must be one of (any 0-100 %
    when None). ``state_dir``: when given, an image path must name an existing file
    under it."""
    out: list[DomainError] = []
    sku = d.sku.strip()
    if not sku:
        out.append(field_error("sku", N_("is required")))
    elif len(sku) > 32:
        out.append(field_error("sku", N_("at most 32 characters")))
    name = d.name.strip()
    if not name:
        out.append(field_error("name", N_("is required")))
    elif len(name) > 120:
        out.append(field_error("name", N_("at most {count} characters"), count=120))
    if len(d.brand.strip()) > 64:
        out.append(field_error("brand", N_("at most {count} characters"), count=64))
    mode = uom = None
    try:
        mode = SaleMode(d.sale_mode)
    except ValueError:
        out.append(field_error("sale_mode", N_('unknown sale mode "{value}" (use unidad, peso, volumen or servicio)'),
                               value=d.sale_mode))
    try:
        uom = Uom(d.uom)
    except ValueError:
        out.append(field_error("unit", N_('unknown unit "{value}" (use unidad, litro, mililitro, galón, kilo, '
                                          'gramo or libra)'), value=d.uom))
    if mode is not None and uom is not None and uom not in UOMS_FOR_MODE[mode]:
        allowed = ", ".join(translate(UOM_LABELS[u]) for u in UOMS_FOR_MODE[mode])
        out.append(field_error("unit", N_("{unit} does not fit {mode} (use {allowed})"),
                               unit=translate(UOM_LABELS[uom]), mode=translate(SALE_MODE_LABELS[mode]).lower(),
                               allowed=allowed))
    for key, value in (("price", d.price), ("cost", d.cost)):
        if value < 0:
            out.append(field_error(key, N_("cannot be negative")))
        elif value > MAX_AMOUNT_MINOR:
            out.append(field_error(key, N_("is too large")))
    if not 0 <= d.tax_rate_bp <= 10_000:
        out.append(field_error("tax_rate", N_("must be between 0 and 100 %")))
    elif tax_rates_bp is not None and d.tax_rate_bp not in tax_rates_bp:
        rates = ", ".join(rate_text(r) + " %" for r in sorted(tax_rates_bp))
        out.append(field_error("tax_rate", N_("{rate} % is not one of the configured rates ({rates})"),
                               rate=rate_text(d.tax_rate_bp), rates=rates))
    if d.low_stock < 0:
        out.append(field_error("low_stock", N_("cannot be negative")))
    elif d.low_stock > MAX_QUANTITY_BASE:
        out.append(field_error("low_stock", N_("is too large")))
    elif d.low_stock and mode is SaleMode.SERVICE:
        out.append(field_error("low_stock", N_("services do not keep stock")))
    for code in d.barcodes:
        code = code.strip()
        if not code or len(code) > 32:
            out.append(field_error("barcode", N_("{code}: at most {count} characters"), code=code, count=32))
        elif not (code.isascii() and code.isprintable()):
            out.append(field_error("barcode", N_("{code}: a barcode holds only digits, unaccented letters and "
                                                 "symbols (no \u201c²\u201d or accents)"), code=code))
        elif classify(code).check_ok is False:
            out.append(InvalidBarcode(code=code, reason=translate(N_("wrong check digit")), key="barcode"))
    if d.image_path:
        if not is_safe_relative_path(d.image_path):
            out.append(field_error("image", N_("must be a path inside the state directory, like images/photo.png")))
        elif state_dir is not None and not (state_dir / d.image_path).is_file():
            out.append(field_error("image", N_("{path} not found in the state directory"), path=d.image_path))
    return out


def validate_draft(d: ProductDraft, tax_rates_bp: Collection[int] | None = None,
                   state_dir: Path | None = None) -> None:
    """Raise the first problem of a draft (see draft_problems)."""
    problems = draft_problems(d, tax_rates_bp, state_dir)
    if problems:
        raise problems[0]


@dataclass(frozen=True)
class StoredFacts:
    """What an edit must respect about a product already stored."""

    name: str
    uom: Uom
    stock: int
    has_history: bool  # any stock movement


def change_problems(old: StoredFacts, d: ProductDraft) -> list[DomainError]:
    """An edit may not reinterpret the ledger: the base unit (count / ml / g) of a
    product with stock history is fixed, and a product only becomes a service once
    its stock is zero."""
    out: list[DomainError] = []
    try:
        new_uom, new_mode = Uom(d.uom), SaleMode(d.sale_mode)
    except ValueError:
        return out  # reported by draft_problems
    if old.has_history and BASE_OF[new_uom] != BASE_OF[old.uom]:
        err = UnitChangeNotAllowed(name=old.name, old=translate(UOM_LABELS[old.uom]),
                                   new=translate(UOM_LABELS[new_uom]), key="unit")
        out.append(err)
    if new_mode is SaleMode.SERVICE and old.stock != 0:
        out.append(ServiceStockNotZero(name=old.name, stock=format_quantity(old.stock, old.uom), key="sale_mode"))
    return out


def barcode_keys(codes: Sequence[str]) -> list[str]:
    """Normalised look-up keys, duplicates (the same code typed twice) dropped."""
    return list(dict.fromkeys(normalize(c) for c in codes if c.strip()))


# --- results for the editor ------------------------------------------------------

@dataclass(frozen=True)
class DraftCheck:
    """The editor's live feedback: problems block saving, warnings do not."""

    problems: tuple[DomainError, ...]
    warnings: tuple[str, ...]
    margin: Margin

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_field(self) -> dict[str, str]:
        """Field key -> first message, for marking fields in red."""
        out: dict[str, str] = {}
        for p in self.problems:
            out.setdefault(problem_key(p), str(p))
        return out


@dataclass(frozen=True)
class FormResult:
    draft: ProductDraft
    initial_stock: int  # base units, new products only
    check: DraftCheck


@dataclass(frozen=True)
class SavedProduct:
    product_id: int
    created: bool
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CategoryChoice:
    id: int
    name: str
    kind: str  # goods | services
    color: str


@dataclass(frozen=True)
class CategoryRow:
    """A category as the categories screen lists it (hidden ones too)."""

    id: int
    name: str
    kind: str  # goods | services
    color: str
    position: int
    active: bool
    products: int  # active products in it


@dataclass(frozen=True)
class EditorChoices:
    """Everything the product editor's pickers offer, with labels in the UI language."""

    sale_modes: tuple[tuple[SaleMode, str], ...]
    units: dict[SaleMode, tuple[tuple[Uom, str], ...]]
    tax_rates: tuple[tuple[int, str], ...]
    default_tax_rate_bp: int
    categories: tuple[CategoryChoice, ...]  # active ones, in menu order


def describe_margin(m: Margin) -> str:
    """"Margen $1,20 (37,5 %)": the margin line under the editor's price."""
    if m.percent is None:
        return translate(N_("Margin {profit}")).format(profit=format_money(m.profit))
    return translate(N_("Margin {profit} ({percent} %)")).format(
        profit=format_money(m.profit), percent=format_decimal(m.percent, max_decimals=1))


def margin_warnings(m: Margin) -> list[str]:
    if m.below_cost and m.price > 0:
        return [translate(N_("The price without tax ({net}) is below the cost ({cost}): every sale loses money."))
                .format(net=format_money(m.net_price), cost=format_money(m.cost))]
    if m.price == 0:
        return [translate(N_("The price is zero."))]
    return []


# --- the service -------------------------------------------------------------------

class InventoryService:
    def __init__(self, db: Database, *, tax_rates_bp: Sequence[int] | None = None,
                 default_tax_rate_bp: int = 0, state_dir: Path | None = None, decimals: int = 2,
                 access: Access | None = None):
        self.db = db
        self.access = access or Access()
        self.tax_rates_bp = tuple(tax_rates_bp) if tax_rates_bp is not None else None
        self.default_tax_rate_bp = default_tax_rate_bp
        self.state_dir = state_dir
        self.decimals = decimals  # the currency's, for prices typed in the editor

    # --- categories ---------------------------------------------------------------
    def _category_fields(self, s, name: str, kind: str, color: str, category_id: int | None) -> str:  # noqa: ANN001
        name = name.strip()
        if not name:
            raise InvalidCategory(reason=translate(N_("the name is required")))
        if len(name) > 64:
            raise InvalidCategory(reason=translate(N_("at most {count} characters")).format(count=64))
        if kind not in CATEGORY_KINDS:
            raise InvalidCategory(reason=translate(N_("the kind must be goods or services")))
        if not (len(color) == 7 and color[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in color[1:])):
            raise InvalidCategory(reason=translate(N_("the colour must look like #1E88E5")))
        key = fold(name)
        for cid, cname in s.execute(select(Category.id, Category.name)):
            if cid != category_id and fold(cname) == key:
                raise DuplicateCategory(name=cname)
        return name

    def create_category(self, name: str, kind: str = "goods", color: str = "#607D8B",
                        position: int = 0, by: UserInfo | None = None) -> int:
        """A new category; ``by`` (when given, else set-up code) must hold ``edit_catalog``."""
        if by is not None:
            self.access.precheck(by, Act.EDIT_CATALOG)
        with self.db.write() as s:
            if by is not None:
                self.access.check(s, by, Act.EDIT_CATALOG)
            name = self._category_fields(s, name, kind, color, None)
            cat = Category(name=name, kind=kind, color=color, position=position)
            s.add(cat)
            s.flush()
            return cat.id

    def update_category(self, category_id: int, by: UserInfo, *, name: str, kind: str, color: str,
                        position: int | None = None) -> None:
        self.access.precheck(by, Act.EDIT_CATALOG)
        with self.db.write() as s:
            self.access.check(s, by, Act.EDIT_CATALOG)
            cat = s.get(Category, category_id)
            if cat is None:
                raise NotFound(what=translate(N_("category {id}")).format(id=category_id))
            name = self._category_fields(s, name, kind, color, category_id)
            if kind == "services" and cat.kind != "services":
                goods = s.scalar(select(Product.name).where(Product.category_id == category_id,
                                                            Product.sale_mode != SaleMode.SERVICE.value).limit(1))
                if goods is not None:
                    raise CategoryKindMismatch(category=name)
            cat.name, cat.kind, cat.color = name, kind, color
            if position is not None:
                cat.position = position

    def set_category_active(self, category_id: int, active: bool, by: UserInfo) -> None:
        """Categories are hidden, never deleted: products and history refer to them."""
        self.access.precheck(by, Act.EDIT_CATALOG)
        with self.db.write() as s:
            self.access.check(s, by, Act.EDIT_CATALOG)
            cat = s.get(Category, category_id)
            if cat is None:
                raise NotFound(what=translate(N_("category {id}")).format(id=category_id))
            cat.active = active

    def categories(self, *, include_inactive: bool = True) -> list[CategoryRow]:
        """Every category in menu order (hidden ones last), with its active product count."""
        counts = (select(Product.category_id, func.count(Product.id).label("n"))
                  .where(Product.active.is_(True)).group_by(Product.category_id).subquery())
        stmt = (select(Category, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.category_id == Category.id)
                .order_by(Category.active.desc(), Category.position, Category.name))
        if not include_inactive:
            stmt = stmt.where(Category.active.is_(True))
        with self.db.read() as s:
            return [CategoryRow(c.id, c.name, c.kind, c.color, c.position, bool(c.active), n)
                    for c, n in s.execute(stmt)]

    def category_id(self, name: str) -> int | None:
        """The category called ``name`` (case and accents ignored)."""
        key = fold(name)
        with self.db.read() as s:
            for cid, cname in s.execute(select(Category.id, Category.name)):
                if fold(cname) == key:
                    return cid
        return None

    # --- checking a draft -------------------------------------------------------------
    def _stored_problems(self, s, d: ProductDraft, product_id: int | None) -> list[DomainError]:  # noqa: ANN001
        """Problems only the database can tell: duplicates, category, unit changes."""
        out: list[DomainError] = []
        sku = d.sku.strip()
        if sku:
            other = s.execute(select(Product.id, Product.name).where(Product.sku == sku)).first()
            if other and other.id != product_id:
                out.append(DuplicateSku(sku=sku, name=other.name, key="sku"))
        keys = barcode_keys(d.barcodes)
        if keys:
            owners = s.execute(select(Barcode.code, Product.id, Product.name)
                               .join(Product, Product.id == Barcode.product_id).where(Barcode.code.in_(keys)))
            for code, pid, pname in owners:
                if pid != product_id:
                    out.append(DuplicateBarcode(code=code, name=pname, key="barcode"))
        if d.category_id is not None:
            cat = s.get(Category, d.category_id)
            if cat is None:
                out.append(field_error("category", N_("does not exist")))
            elif cat.kind == "services" and d.sale_mode != SaleMode.SERVICE:
                out.append(CategoryKindMismatch(category=cat.name, key="category"))
        if product_id is not None:
            product = s.get(Product, product_id)
            if product is None:
                raise NotFound(what=translate(N_("product {id}")).format(id=product_id))
            history = s.scalar(select(exists().where(StockMovement.product_id == product_id)))
            out += change_problems(StoredFacts(product.name, Uom(product.uom), product.stock, bool(history)), d)
        return out

    def check_draft(self, d: ProductDraft, product_id: int | None = None) -> DraftCheck:
        """Live validation for the editor: every problem (field, message), warnings
        such as "price below cost", and the margin to show."""
        problems = draft_problems(d, self.tax_rates_bp, self.state_dir)
        with self.db.read() as s:
            problems += self._stored_problems(s, d, product_id)
        m = margin(max(d.price, 0), max(d.cost, 0), d.tax_rate_bp if 0 <= d.tax_rate_bp <= 10_000 else 0)
        return DraftCheck(tuple(problems), tuple(margin_warnings(m)), m)

    # --- saving -------------------------------------------------------------------
    def _store(self, d: ProductDraft, product_id: int | None, *, initial_stock: int = 0,
               user_id: int | None = None, by: UserInfo | None = None) -> int:
        validate_draft(d, self.tax_rates_bp, self.state_dir)
        if initial_stock and not tracks_stock(SaleMode(d.sale_mode)):
            raise ServiceHasNoStock(name=d.name.strip())
        if not -MAX_QUANTITY_BASE <= initial_stock <= MAX_QUANTITY_BASE:
            raise field_error("stock", N_("is too large"))
        with self.db.write() as s:
            who = self.access.check(s, by, Act.EDIT_CATALOG) if by is not None else None
            if who is not None:
                user_id = who.user_id
            problems = self._stored_problems(s, d, product_id)
            if problems:
                raise problems[0]
            values = dict(sku=d.sku.strip(), name=d.name.strip(), brand=d.brand.strip(),
                          category_id=d.category_id, sale_mode=SaleMode(d.sale_mode).value,
                          uom=Uom(d.uom).value, price=d.price, cost=d.cost, tax_rate_bp=d.tax_rate_bp,
                          low_stock=d.low_stock, image_path=d.image_path or None, active=d.active)
            keys = barcode_keys(d.barcodes)
            if product_id is None:
                product = Product(stock=0, **values)
                s.add(product)
                s.flush()
            else:
                product = s.get(Product, product_id)
                was = {"price": product.price, "cost": product.cost}
                for k, v in values.items():
                    if getattr(product, k) != v:
                        setattr(product, k, v)
                now = {"price": product.price, "cost": product.cost}
                if who is not None and was != now:
                    before, after = audit.changes(was, now)
                    audit.record(s, "price_changed", f"{product.sku} {product.name}", before=before, after=after,
                                 by=who)
            old = {b.code: b for b in product.barcodes}
            for code, barcode in old.items():
                if code not in keys:
                    product.barcodes.remove(barcode)
            for key in keys:
                if key not in old:
                    product.barcodes.append(Barcode(code=key))
            s.flush()
            if who is not None and product_id is None:
                audit.record(s, "product_created", f"{product.sku} {product.name}", by=who,
                             after={"price": product.price, "cost": product.cost})
            if initial_stock:
                s.add(StockMovement(product_id=product.id, quantity=initial_stock, reason="restock",
                                    detail="initial", user_id=user_id, unit_cost=d.cost))
            return product.id

    def save_product(self, d: ProductDraft, by: UserInfo, *, product_id: int | None = None,
                     initial_stock: int = 0) -> SavedProduct:
        """The editor's Save: create (``product_id`` None) or update a product.

        Raises the first problem as a DomainError (duplicate SKU or barcode, bad check
        digit, unit that does not fit the sale mode, ...); returns warnings such as
        "price below cost" that do not stop saving. ``initial_stock`` (base units, new
        products only) is recorded as a restock in the ledger."""
        self.access.precheck(by, Act.EDIT_CATALOG)
        if product_id is not None and initial_stock:
            raise field_error("stock", N_("change the stock of an existing product with a restock or an adjustment"))
        pid = self._store(d, product_id, initial_stock=initial_stock, by=by)
        m = margin(d.price, d.cost, d.tax_rate_bp)
        return SavedProduct(pid, product_id is None, tuple(margin_warnings(m)))

    def create_product(self, d: ProductDraft, *, initial_stock: int = 0, user_id: int | None = None) -> int:
        """Create without a role check (demo data, tests, set-up scripts); the editor
        uses save_product."""
        return self._store(d, None, initial_stock=initial_stock, user_id=user_id)

    def update_product(self, product_id: int, d: ProductDraft, by: UserInfo) -> SavedProduct:
        return self.save_product(d, by, product_id=product_id)

    def set_active(self, product_id: int, active: bool, by: UserInfo | None = None) -> None:
        """Deactivate (hide from sale) or reactivate; products are never deleted."""
        if by is not None:
            self.access.precheck(by, Act.EDIT_CATALOG)
        with self.db.write() as s:
            if by is not None:
                self.access.check(s, by, Act.EDIT_CATALOG)
            product = s.get(Product, product_id)
            if product is None:
                raise NotFound(what=translate(N_("product {id}")).format(id=product_id))
            product.active = active

    # --- reading back for the editor -----------------------------------------------------
    def product_draft(self, product_id: int) -> ProductDraft:
        """A stored product as a draft, to fill the editor."""
        with self.db.read() as s:
            p = s.get(Product, product_id)
            if p is None:
                raise NotFound(what=translate(N_("product {id}")).format(id=product_id))
            return ProductDraft(sku=p.sku, name=p.name, sale_mode=SaleMode(p.sale_mode), uom=Uom(p.uom),
                                price=p.price, cost=p.cost, tax_rate_bp=p.tax_rate_bp, brand=p.brand or "",
                                category_id=p.category_id, low_stock=p.low_stock,
                                barcodes=[b.code for b in p.barcodes], image_path=p.image_path, active=p.active)

    def new_draft(self, category_id: int | None = None) -> ProductDraft:
        """An empty editor: a unit item at the default tax rate."""
        return ProductDraft(sku="", name="", sale_mode=SaleMode.UNIT, uom=Uom.UNIT, price=0,
                            tax_rate_bp=self.default_tax_rate_bp, category_id=category_id)

    # --- the editor's text fields ----------------------------------------------------
    def form_texts(self, d: ProductDraft) -> dict[str, str]:
        """A draft as the editor's text fields ("3,20", "2,5"), in the locale's decimal mark."""
        mark = decimal_mark()
        uom = Uom(d.uom)
        return {
            "sku": d.sku, "name": d.name, "brand": d.brand, "sale_mode": SaleMode(d.sale_mode).value,
            "unit": uom.value, "price": amount_text(d.price, self.decimals).replace(".", mark),
            "cost": amount_text(d.cost, self.decimals).replace(".", mark),
            "tax_rate": rate_text(d.tax_rate_bp).replace(".", mark),
            "low_stock": quantity_text(d.low_stock, uom).replace(".", mark) if d.low_stock else "",
            "barcode": " ".join(d.barcodes), "stock": "",
        }

    def read_form(self, texts: Mapping[str, str], *, category_id: int | None = None,
                  image_path: str | None = None, active: bool = True,
                  product_id: int | None = None) -> FormResult:
        """The editor's text fields -> a draft, every problem (parse errors and the
        validator's, one per field) and the live margin. Call it as staff type; the
        keys are those of form_texts ("stock" is the initial stock of a new product)."""
        problems: list[DomainError] = []
        bad: set[str] = set()

        def parse(key: str, fn, *args, default, **kwargs):  # noqa: ANN001, ANN202
            text_ = (texts.get(key) or "").strip()
            if not text_:
                return default
            try:
                return fn(text_, *args, **kwargs)
            except InvalidProduct as err:
                problems.append(err)
                bad.add(key)
                return default

        mode = parse("sale_mode", parse_sale_mode, default=SaleMode.UNIT)
        uom = parse("unit", parse_unit, default=UOMS_FOR_MODE[mode][0])
        d = ProductDraft(
            sku=(texts.get("sku") or "").strip(), name=(texts.get("name") or "").strip(), sale_mode=mode, uom=uom,
            price=parse("price", parse_amount, self.decimals, "price", default=0),
            cost=parse("cost", parse_amount, self.decimals, "cost", default=0),
            tax_rate_bp=parse("tax_rate", parse_tax_rate, default=self.default_tax_rate_bp),
            brand=(texts.get("brand") or "").strip(), category_id=category_id,
            low_stock=parse("low_stock", parse_quantity, uom, "low_stock", default=0),
            barcodes=parse_barcodes(texts.get("barcode") or ""), image_path=image_path or None, active=active)
        stock = parse("stock", parse_quantity, uom, "stock", default=0) if product_id is None else 0
        if stock and not tracks_stock(mode):
            problems.append(field_error("stock", N_("services do not keep stock")))
        check = self.check_draft(d, product_id)
        for err in check.problems:
            if problem_key(err) not in bad:
                problems.append(err)
        return FormResult(d, stock, replace(check, problems=tuple(problems)))

    def save_form(self, texts: Mapping[str, str], by: UserInfo, *, category_id: int | None = None,
                  image_path: str | None = None, active: bool = True,
                  product_id: int | None = None) -> SavedProduct:
        """The editor's Save from its text fields: raises the first problem, else saves."""
        self.access.precheck(by, Act.EDIT_CATALOG)
        result = self.read_form(texts, category_id=category_id, image_path=image_path, active=active,
                                product_id=product_id)
        if result.check.problems:
            raise result.check.problems[0]
        return self.save_product(result.draft, by, product_id=product_id, initial_stock=result.initial_stock)

    def pictures_in_use(self, rels: Collection[str]) -> set[str]:
        """Which of these picture paths some product (active or not) still shows."""
        with self.db.read() as s:
            return set(s.scalars(select(Product.image_path).where(Product.image_path.in_(list(rels)))))

    def editor_choices(self) -> EditorChoices:
        rates = self.tax_rates_bp if self.tax_rates_bp is not None else (0,)
        with self.db.read() as s:
            cats = tuple(CategoryChoice(c.id, c.name, c.kind, c.color) for c in s.scalars(
                select(Category).where(Category.active.is_(True)).order_by(Category.position, Category.name)))
        return EditorChoices(
            sale_modes=tuple((m, translate(SALE_MODE_LABELS[m])) for m in SaleMode),
            units={m: tuple((u, translate(UOM_LABELS[u])) for u in UOMS_FOR_MODE[m]) for m in SaleMode},
            tax_rates=tuple((r, format_rate(r)) for r in rates),
            default_tax_rate_bp=self.default_tax_rate_bp, categories=cats)
