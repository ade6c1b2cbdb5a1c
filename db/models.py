"""SQLAlchemy 2 typed models. Money columns are integer minor units; quantities are
integer base sub-units (ml, g, counts). Times are stored in UTC."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kiosk.core.text import fold

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- document identity ---------------------------------------------------------------
# Every document a till writes (sale, stock movement, audit row, and the returns, voids,
# cash movements and closings to come) carries a UUID, so a shop server can merge
# several tills' documents without ever agreeing on a number, and the id of the till
# that wrote it. In a till's own database that till is always row 1 of ``tills``.
LOCAL_TILL_ID = 1


def new_uuid() -> str:
    return str(uuid.uuid4())


# The same (a random version-4 UUID) in SQL, for statements that insert many rows.
SQL_NEW_UUID = ("(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || "
                "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
                "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))")


def new_time_uuid() -> str:
    """A time-ordered UUID (version 7: milliseconds since 1970, then random bits), for
    rows written in bulk (a count, a delivery, an import): consecutive rows land on
    the same pages of the uuid index instead of one random page each, which is most
    of what writing thousands of ledger rows costs."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | (0x7 << 76) | (((rand >> 62) & 0xFFF) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


# The same in SQL (every row of one statement shares the millisecond).
_SQL_MS = "printf('%012x', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))"
SQL_TIME_UUID = (f"(substr({_SQL_MS}, 1, 8) || '-' || substr({_SQL_MS}, 9, 4) || '-7' || "
                 "substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
                 "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))")


def document_uuid() -> Mapped[str]:
    """Set when the row is written; a trigger refuses a row without one."""
    return mapped_column(String(36), default=new_uuid, nullable=True, unique=True, index=True)


def document_till() -> Mapped[int]:
    return mapped_column(Integer, default=LOCAL_TILL_ID, server_default=str(LOCAL_TILL_ID))


class Till(Base):
    """Tills known to this database: row 1 is this till (created by the migration
    that introduced documents' identity; a shop server adds the others)."""

    __tablename__ = "tills"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Category(Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="goods")  # goods | services
    color: Mapped[str] = mapped_column(String(9), default="#607D8B")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (CheckConstraint("kind IN ('goods','services')", name="kind"),)


# "At or below its low-stock level" (an active product that keeps stock). The partial
# index ix_products_low_stock holds exactly these rows, so the badge's count after every
# sale reads a handful of index entries instead of the whole catalog. SQLite uses a
# partial index only when the query repeats its condition word for word: queries take
# this text with ``prefix="products."`` (kiosk/services/stock.py), never bound values.
LOW_STOCK_WHERE = ("{t}active = 1 AND {t}sale_mode != 'service' AND {t}low_stock > 0 "
                   "AND {t}stock <= {t}low_stock")


def low_stock_condition(prefix: str = "products.") -> str:
    return LOW_STOCK_WHERE.format(t=prefix)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # fold(name): lower-case, no accents; its index answers "name starts with ..." searches.
    search_name: Mapped[str] = mapped_column(String(120), index=True, default="")
    brand: Mapped[str] = mapped_column(String(64), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    sale_mode: Mapped[str] = mapped_column(String(8))  # unit | weight | volume | service
    uom: Mapped[str] = mapped_column(String(8))  # unit | ml | l | gal | g | kg | lb
    price: Mapped[int] = mapped_column(Integer)  # minor units per uom, tax included
    cost: Mapped[int] = mapped_column(Integer, default=0)  # minor units per uom
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    # base sub-units; = SUM(this till's ledger) + stock_others
    stock: Mapped[int] = mapped_column(Integer, default=0)
    # The other tills' movements of this product, as last pulled from the shop server
    # (0 on a till that works alone): kiosk/services/sync_pull.py.
    stock_others: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    low_stock: Mapped[int] = mapped_column(Integer, default=0)  # base sub-units
    image_path: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship(lazy="joined")
    barcodes: Mapped[list[Barcode]] = relationship(back_populates="product", cascade="all, delete-orphan",
                                                   order_by="Barcode.id")
    __table_args__ = (
        CheckConstraint("sale_mode IN ('unit','weight','volume','service')", name="sale_mode"),
        CheckConstraint("uom IN ('unit','ml','l','gal','g','kg','lb')", name="uom"),
        CheckConstraint("price >= 0", name="price"),
        CheckConstraint("cost >= 0", name="cost"),
        CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name="tax_rate"),
        CheckConstraint("low_stock >= 0", name="low_stock"),
        # The selling screen's grid (active products by name, all or one category) and the
        # category chips' counts, read from the index in order (migration 0014_perf).
        Index("ix_products_active_name", "active", "name"),
        Index("ix_products_active_category_name", "active", "category_id", "name"),
        Index("ix_products_low_stock", "active", "sale_mode", "low_stock", "stock",
              sqlite_where=text(low_stock_condition(""))),
    )


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _fold_name(_mapper, _connection, product: Product) -> None:  # noqa: ANN001
    product.search_name = fold(product.name or "")


class Barcode(Base):
    __tablename__ = "barcodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # normalised look-up key
    product: Mapped[Product] = relationship(back_populates="barcodes")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # cashier | manager | admin
    pin_hash: Mapped[str] = mapped_column(String(255))
    # "<key id>:<HMAC-SHA256 of the PIN>" with the till's PIN-lookup key (a file outside the
    # database): finds the user a PIN belongs to with one scrypt check instead of one per user.
    pin_lookup: Mapped[str | None] = mapped_column(String(80), index=True)
    must_change_pin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (CheckConstraint("role IN ('cashier','manager','admin')", name="role"),)


class AuditEntry(Base):
    """The append-only audit log of sensitive acts: sign-ins and failed PINs, drawer
    openings without a sale, price and stock changes, imports, user, permission and
    settings changes, backups, restores, upgrades. Each row carries the SHA-256 of its
    content and of the previous row's hash (kiosk/core/audit_chain.py); triggers refuse
    UPDATE and DELETE."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True, index=True)
    till_id: Mapped[int] = document_till()
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    act: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    authorised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    after: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    origin: Mapped[str] = mapped_column(String(32), default="")  # ui | kiosk-admin | system
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class Sale(Base):
    __tablename__ = "sales"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # consecutive, gap-free
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="completed")
    subtotal: Mapped[int] = mapped_column(Integer)
    tax_total: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    change_total: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    uuid: Mapped[str] = document_uuid()
    till_id: Mapped[int] = document_till()
    # The sale discount (minor units; its shares are in the lines' ``discount``) and why.
    discount: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    discount_reason: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # The till session (Abrir caja .. Cerrar caja) the sale was rung up in (0011_shop_day).
    session_id: Mapped[int | None] = mapped_column(ForeignKey("till_sessions.id"), index=True)

    user: Mapped[User] = relationship(lazy="joined")
    lines: Mapped[list[SaleLine]] = relationship(back_populates="sale", order_by="SaleLine.position")
    payments: Mapped[list[SalePayment]] = relationship(back_populates="sale", order_by="SalePayment.id")
    taxes: Mapped[list[SaleTax]] = relationship(order_by="SaleTax.rate_bp")
    __table_args__ = (
        CheckConstraint("number > 0", name="number"),
        CheckConstraint("status IN ('completed','voided')", name="status"),
    )


class SaleLine(Base):
    """A snapshot: later catalog edits never change a sold line."""

    __tablename__ = "sale_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    sale_mode: Mapped[str] = mapped_column(String(8))
    uom: Mapped[str] = mapped_column(String(8))
    unit_price: Mapped[int] = mapped_column(Integer)
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)  # base sub-units
    line_total: Mapped[int] = mapped_column(Integer)
    tax_amount: Mapped[int] = mapped_column(Integer)
    entry: Mapped[str] = mapped_column(String(12), default="count")
    tare: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # grams (scale lines)
    # Discounts (issue 14): ``line_total`` is what was paid (net); ``list_total`` what the
    # line cost before its discount and its share of the sale discount (``discount``).
    # ``catalog_price``: the catalog's price when the line's price was overridden.
    list_total: Mapped[int | None] = mapped_column(Integer)
    discount: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    discount_reason: Mapped[str] = mapped_column(String(64), default="", server_default="")
    catalog_price: Mapped[int | None] = mapped_column(Integer)
    sale: Mapped[Sale] = relationship(back_populates="lines")
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),)


class SaleTax(Base):
    __tablename__ = "sale_taxes"
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), primary_key=True)
    rate_bp: Mapped[int] = mapped_column(Integer, primary_key=True)
    gross: Mapped[int] = mapped_column(Integer)
    tax: Mapped[int] = mapped_column(Integer)


class SalePayment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(Integer)
    tendered: Mapped[int] = mapped_column(Integer)
    change: Mapped[int] = mapped_column(Integer, default=0)
    reference: Mapped[str] = mapped_column(String(64), default="")
    sale: Mapped[Sale] = relationship(back_populates="payments")
    __table_args__ = (
        CheckConstraint("method IN ('cash','card','qr')", name="method"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("change >= 0", name="change"),
    )


class StockMovement(Base):
    """The stock ledger. A trigger adds each row's quantity to products.stock, so a
    product's stock always equals the sum of its movements."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # signed base sub-units
    reason: Mapped[str] = mapped_column(String(12))  # sale | return | restock | adjustment | count
    detail: Mapped[str] = mapped_column(String(64), default="")  # e.g. breakage, expired
    reference: Mapped[str] = mapped_column(String(64), default="")  # sale number, delivery note
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), index=True)
    unit_cost: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    uuid: Mapped[str] = document_uuid()
    till_id: Mapped[int] = document_till()
    __table_args__ = (
        CheckConstraint("reason IN ('sale','return','restock','adjustment','count')", name="reason"),
        CheckConstraint("quantity <> 0", name="quantity"),
        Index("ix_stock_movements_product_time", "product_id", "created_at"),
    )


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PrintJob(Base):
    """Durable print queue: a job is stored before it is sent."""

    __tablename__ = "print_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # receipt | copy | test
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)  # pending | printed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    printed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The sale's drawer decision, stored with it (migration 0005_confirm): "" none |
    # kick (inside the payload) | relay (GPIO, right after the sale) | opened | failed | missed
    drawer: Mapped[str] = mapped_column(String(8), default="", server_default="")


class StockDraft(Base):
    """A stock count or a delivery being filled in: stored line by line as staff scan,
    so a restart or a power cut in the middle of an hour-long count loses nothing.
    One open draft of each kind; applying it deletes it in the same transaction."""

    __tablename__ = "stock_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), unique=True)  # count | delivery
    reference: Mapped[str] = mapped_column(String(64), default="")  # delivery note number
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Being applied (in short transactions, kiosk.services.stock): by whom and with
    # which time on its ledger rows. A draft being applied is not edited any more; one
    # interrupted by a crash is finished at the next start.
    applying_by: Mapped[int | None] = mapped_column(Integer)
    applying_at: Mapped[datetime | None] = mapped_column(DateTime)
    lines: Mapped[list[StockDraftLine]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="StockDraftLine.id")
    __table_args__ = (CheckConstraint("kind IN ('count','delivery')", name="kind"),)


class StockDraftLine(Base):
    __tablename__ = "stock_draft_lines"
    id: Mapped[int] = mapped_column(primary_key=True)  # the order products were first scanned
    draft_id: Mapped[int] = mapped_column(ForeignKey("stock_drafts.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)  # counted or received, base sub-units
    expected: Mapped[int | None] = mapped_column(Integer)  # count: stock when first counted
    unit_cost: Mapped[int | None] = mapped_column(Integer)  # delivery: minor units per unit of measure
    draft: Mapped[StockDraft] = relationship(back_populates="lines")
    __table_args__ = (
        Index("ux_stock_draft_lines_product", "draft_id", "product_id", unique=True),
        CheckConstraint("quantity >= 0", name="quantity"),
    )


# --- fiscal profile (Colombia): customers, numbering resolutions, fiscal documents ---
# Migration 0009_fiscal_documents. Customers are master data (a shop server may send them down);
# resolutions and documents are written by a till and never changed (triggers).

ID_TYPE_CODES = ("13", "31", "22", "41", "12", "42")  # DIAN's identification types
NUMBERING_KINDS = ("pos", "invoice", "credit", "contingency")
# DIAN document type codes: 20 POS document, 08 POS document in contingency, 01
# electronic invoice, 94 nota de ajuste crédito (to a POS document), 91 credit note.
FISCAL_TYPE_CODES = ("20", "08", "01", "94", "91")


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)
    id_type: Mapped[str] = mapped_column(String(2))
    id_number: Mapped[str] = mapped_column(String(20))  # without dots, dashes or check digit
    dv: Mapped[str] = mapped_column(String(1), default="")  # NIT check digit
    person: Mapped[str] = mapped_column(String(8), default="natural")  # legal | natural
    name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200), index=True, default="")  # fold(name)
    email: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    city_code: Mapped[str] = mapped_column(String(5), default="")  # DANE
    responsibilities: Mapped[str] = mapped_column(String(64), default="R-99-PN")  # ";"-separated
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    __table_args__ = (
        UniqueConstraint("id_type", "id_number", name="uq_customers_identification"),
        CheckConstraint("id_type IN ('13','31','22','41','12','42')", name="id_type"),
        CheckConstraint("person IN ('legal','natural')", name="person"),
        CheckConstraint("dv = '' OR id_type = '31'", name="dv"),
    )


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _fold_customer_name(_mapper, _connection, customer: Customer) -> None:  # noqa: ANN001
    customer.search_name = fold(customer.name or "")


class NumberingResolution(Base):
    """A range of numbers DIAN authorised for one till and one kind of document.
    Never changed or deleted once written (triggers): a wrong one is deactivated and
    the right one added."""

    __tablename__ = "numbering_resolutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"), default=LOCAL_TILL_ID,
                                         server_default=str(LOCAL_TILL_ID))
    kind: Mapped[str] = mapped_column(String(12))  # NUMBERING_KINDS
    resolution: Mapped[str] = mapped_column(String(32))  # DIAN's resolution number
    resolution_date: Mapped[date] = mapped_column(Date)
    prefix: Mapped[str] = mapped_column(String(4))
    range_from: Mapped[int] = mapped_column(Integer)
    range_to: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    technical_key: Mapped[str] = mapped_column(String(128), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (
        CheckConstraint("kind IN ('pos','invoice','credit','contingency')", name="kind"),
        CheckConstraint("range_from >= 0 AND range_to >= range_from", name="range"),
        CheckConstraint("valid_to >= valid_from", name="validity"),
        Index("ix_numbering_resolutions_till_kind", "till_id", "kind"),
    )


class FiscalDocument(Base):
    """A sale's POS document or electronic invoice, or a credit note (nota de ajuste
    or nota crédito) to one of them: its number from a resolution, taken in the same
    transaction as the sale, return or void it belongs to, and a snapshot of the buyer."""

    __tablename__ = "fiscal_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)
    till_id: Mapped[int] = document_till()
    type_code: Mapped[str] = mapped_column(String(2))  # FISCAL_TYPE_CODES
    numbering_id: Mapped[int] = mapped_column(ForeignKey("numbering_resolutions.id"))
    prefix: Mapped[str] = mapped_column(String(4))
    number: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)  # the sale, or the one corrected
    origin: Mapped[str] = mapped_column(String(8))  # sale | return | void
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("fiscal_documents.id"), index=True)
    concept: Mapped[str] = mapped_column(String(1), default="")  # credit notes: DIAN's concept 1-6
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    buyer_id_type: Mapped[str] = mapped_column(String(2))
    buyer_id_number: Mapped[str] = mapped_column(String(20))
    buyer_dv: Mapped[str] = mapped_column(String(1), default="")
    buyer_person: Mapped[str] = mapped_column(String(8), default="natural")
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_email: Mapped[str] = mapped_column(String(120), default="")
    total: Mapped[int] = mapped_column(Integer)  # tax included, minor units
    tax_total: Mapped[int] = mapped_column(Integer)
    lines: Mapped[list[FiscalDocumentLine]] = relationship(order_by="FiscalDocumentLine.position")
    __table_args__ = (
        UniqueConstraint("numbering_id", "number", name="uq_fiscal_documents_numbering_number"),
        CheckConstraint("type_code IN ('20','08','01','94','91')", name="type_code"),
        CheckConstraint("origin IN ('sale','return','void')", name="origin"),
        CheckConstraint("(corrects_id IS NULL) = (type_code IN ('20','08','01'))", name="corrects"),
    )


class FiscalDocumentLine(Base):
    """A document's line as printed and as the electronic document carries it: for
    a sale a copy of its line plus the category and GTIN at that time; for a credit
    note what it credits of one line of the corrected document."""

    __tablename__ = "fiscal_document_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("fiscal_documents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 ...
    sale_line_id: Mapped[int] = mapped_column(ForeignKey("sale_lines.id"), index=True)
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(64), default="")
    gtin: Mapped[str] = mapped_column(String(14), default="")
    uom: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[int] = mapped_column(Integer)  # base sub-units
    unit_price: Mapped[int] = mapped_column(Integer)  # per uom, tax included
    line_total: Mapped[int] = mapped_column(Integer)  # tax included
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    tax_amount: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("document_id", "position", name="uq_fiscal_document_lines_position"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("line_total >= 0 AND tax_amount >= 0", name="amounts"),
    )


# --- DIAN transmission (issue 16): migration 0012_dian_outbox ---------------------------

DIAN_STATES = ("built", "signed", "sent", "accepted", "rejected", "contingency")


class DianOutboxEntry(Base):
    """A fiscal document's place in the queue to DIAN, written in the same transaction
    as the document: its current state (built -> signed -> sent -> accepted | rejected
    | contingency), attempts and when to try again. What happened on the way is the
    append-only ``dian_exchanges`` log."""

    __tablename__ = "dian_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)
    till_id: Mapped[int] = document_till()
    document_id: Mapped[int] = mapped_column(ForeignKey("fiscal_documents.id"), unique=True)
    state: Mapped[str] = mapped_column(String(12), default="built", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    document_key: Mapped[str] = mapped_column(String(96), default="")  # CUDE / CUFE of the signed XML
    last_error: Mapped[str] = mapped_column(Text, default="")
    rule_codes: Mapped[str] = mapped_column(String(200), default="")  # DIAN's rules of the last rejection
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("state IN ('built','signed','sent','accepted','rejected','contingency')", name="state"),
    )


class DianExchange(Base):
    """One step of a document's way to DIAN, never changed or deleted: the signed XML
    (state ``signed``), each sending (``sent``) and DIAN's answer (``accepted``,
    ``rejected`` with rule codes and messages, ``contingency`` when DIAN could not be
    reached). XML and answers are zlib-compressed; they are kept with the database
    (and its backups) for as long as the database lives (DIAN: at least 5 years)."""

    __tablename__ = "dian_exchanges"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)
    till_id: Mapped[int] = document_till()
    document_id: Mapped[int] = mapped_column(ForeignKey("fiscal_documents.id"), index=True)
    state: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str] = mapped_column(String(64), default="")
    http_status: Mapped[int | None] = mapped_column(Integer)
    status_code: Mapped[str] = mapped_column(String(8), default="")
    rule_codes: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    document_key: Mapped[str] = mapped_column(String(96), default="")
    xml_z: Mapped[bytes | None] = mapped_column(LargeBinary)  # the signed XML (state signed)
    answer_z: Mapped[bytes | None] = mapped_column(LargeBinary)  # DIAN's whole answer
    __table_args__ = (
        CheckConstraint("state IN ('built','signed','sent','accepted','rejected','contingency')", name="state"),
    )


class DianLink(Base):
    """The one row saying whether this till is in contingency (DIAN unreachable after
    the configured failures) and since when."""

    __tablename__ = "dian_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    contingency: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[datetime | None] = mapped_column(DateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive, since the last answer
    last_failure: Mapped[str] = mapped_column(Text, default="")
    last_contact_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StoredCart(Base):
    """A cashier's cart as it is being rung up, stored line by line as it changes (by
    kiosk/services/cart_store.py), so a crash, a restart or a power cut loses no line
    and unlocking returns to it. The sale that takes it deletes it in the sale's own
    transaction. ``status`` leaves room for parked carts."""

    __tablename__ = "carts"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    till_id: Mapped[int] = document_till()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Parked carts (issue 14): the cashier's label and when it was parked.
    label: Mapped[str] = mapped_column(String(40), default="", server_default="")
    parked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The sale discount as asked: kind (percent | amount), value, reason.
    discount_kind: Mapped[str | None] = mapped_column(String(8))
    discount_value: Mapped[int | None] = mapped_column(Integer)
    discount_reason: Mapped[str] = mapped_column(String(64), default="", server_default="")
    lines: Mapped[list[StoredCartLine]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="StoredCartLine.line_no")
    __table_args__ = (CheckConstraint("status IN ('open','parked')", name="status"),)


class StoredCartLine(Base):
    """One cart line as the cashier last left it. ``unit_price``/``tax_rate_bp`` are
    what the line was rung up at: a restored cart whose product changed meanwhile is
    re-priced, with a notice."""

    __tablename__ = "cart_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)  # the line's id in the cart (its order)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # base sub-units
    entry: Mapped[str] = mapped_column(String(12))
    fixed_total: Mapped[int | None] = mapped_column(Integer)  # by-amount and price-label lines
    tare: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unit_price: Mapped[int] = mapped_column(Integer)
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    discount_kind: Mapped[str | None] = mapped_column(String(8))
    discount_value: Mapped[int | None] = mapped_column(Integer)
    discount_reason: Mapped[str] = mapped_column(String(64), default="", server_default="")
    override_price: Mapped[int | None] = mapped_column(Integer)
    override_reason: Mapped[str] = mapped_column(String(64), default="", server_default="")
    cart: Mapped[StoredCart] = relationship(back_populates="lines")
    __table_args__ = (
        Index("ux_cart_lines_line", "cart_id", "line_no", unique=True),
        CheckConstraint("quantity > 0", name="quantity"),
    )


RETURN_REASONS = ("damaged", "expired", "wrong_product", "changed_mind")


class SaleReturn(Base):
    """A return: its own document with a gap-free number (per database, as sales),
    against a sale (``sale_id``) or, with its own permission, without a receipt
    (``sale_id`` NULL, at the current price). Never changed or deleted (triggers)."""

    __tablename__ = "returns"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sales.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    authorised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    total: Mapped[int] = mapped_column(Integer)
    tax_total: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    uuid: Mapped[str] = document_uuid()
    till_id: Mapped[int] = document_till()
    lines: Mapped[list[ReturnLine]] = relationship(order_by="ReturnLine.position")
    payments: Mapped[list[ReturnPayment]] = relationship(order_by="ReturnPayment.id")
    __table_args__ = (
        CheckConstraint("number > 0", name="number"),
        CheckConstraint("reason IN ('damaged','expired','wrong_product','changed_mind')", name="reason"),
        CheckConstraint("total >= 0", name="total"),
    )


class ReturnLine(Base):
    __tablename__ = "return_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sale_line_id: Mapped[int | None] = mapped_column(ForeignKey("sale_lines.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    uom: Mapped[str] = mapped_column(String(8))
    unit_price: Mapped[int] = mapped_column(Integer)
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)  # base sub-units
    refund: Mapped[int] = mapped_column(Integer)
    tax_amount: Mapped[int] = mapped_column(Integer)
    restock: Mapped[bool] = mapped_column(Boolean)  # back to stock (else to waste)
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("refund >= 0 AND tax_amount >= 0", name="amounts"),
    )


class ReturnPayment(Base):
    __tablename__ = "return_payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        CheckConstraint("method IN ('cash','card','qr')", name="method"),
        CheckConstraint("amount > 0", name="amount"),
    )


class SaleVoid(Base):
    """A void: the document that cancels a whole sale (which keeps its number, with
    status 'voided'). At most one per sale; never changed or deleted."""

    __tablename__ = "sale_voids"
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    authorised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(200))
    uuid: Mapped[str] = document_uuid()
    till_id: Mapped[int] = document_till()


class ImportJob(Base):
    """A validated CSV import being written to the catalog in short transactions (so
    the till can sell in between). The validated rows wait in a staging file under
    the state directory; each transaction applies the next rows and advances
    ``phase``/``position`` in the same commit, so an import cut short by a crash or a
    power cut is finished from where it stopped, exactly once (kiosk.services.product_csv)."""

    __tablename__ = "import_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)
    till_id: Mapped[int] = document_till()
    kind: Mapped[str] = mapped_column(String(16), default="products")
    source: Mapped[str] = mapped_column(String(255))  # the file's name, for the report
    file_sha256: Mapped[str] = mapped_column(String(64))
    staging: Mapped[str] = mapped_column(String(255))  # the staging file, relative to the state directory
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    stock_changes: Mapped[int] = mapped_column(Integer, default=0)
    new_categories: Mapped[str] = mapped_column(Text, default="")  # one name a line
    phase: Mapped[str] = mapped_column(String(12), default="categories")
    position: Mapped[int] = mapped_column(Integer, default=0)  # last staged row applied in this phase
    steps: Mapped[int] = mapped_column(Integer, default=0)  # write transactions so far
    status: Mapped[str] = mapped_column(String(12), default="applying", index=True)
    error: Mapped[str] = mapped_column(String(255), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("phase IN ('categories','barcodes','rows','done')", name="phase"),
        CheckConstraint("status IN ('applying','done','failed')", name="status"),
    )


# --- the shop day (0011_shop_day): till sessions, cash movements, Z reports -------------

class TillSession(Base):
    """One till's day from *Abrir caja* to *Cerrar caja*: at most one open session per
    till (a partial unique index). Written once when opened and once when closed
    (a trigger refuses any change to a closed session)."""

    __tablename__ = "till_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"), default=LOCAL_TILL_ID,
                                         server_default=str(LOCAL_TILL_ID))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    business_date: Mapped[date] = mapped_column(Date)  # the shop's local date when opened
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opening_float: Mapped[int] = mapped_column(Integer, default=0)
    float_counts: Mapped[str] = mapped_column(Text, default="")  # JSON {value: count} when counted
    auto_opened: Mapped[bool] = mapped_column(Boolean, default=False)  # opened by a sale ([till] without_session)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    counted: Mapped[int | None] = mapped_column(Integer)
    counted_counts: Mapped[str] = mapped_column(Text, default="")  # JSON {value: count}
    expected: Mapped[int | None] = mapped_column(Integer)
    difference: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (
        CheckConstraint("status IN ('open','closed')", name="status"),
        CheckConstraint("opening_float >= 0", name="opening_float"),
        Index("ux_till_sessions_open", "till_id", unique=True, sqlite_where=text("status = 'open'")),
    )


class CashMovement(Base):
    """Cash put into or taken out of the drawer outside a sale (change top-up,
    paid-out to a supplier, safe drop). Never changed or deleted (triggers)."""

    __tablename__ = "cash_movements"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)
    till_id: Mapped[int] = document_till()
    session_id: Mapped[int] = mapped_column(ForeignKey("till_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(3))  # in | out
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    authorised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        CheckConstraint("kind IN ('in','out')", name="kind"),
        CheckConstraint("amount > 0", name="amount"),
    )


class ZReport(Base):
    """A session's closing report: numbered gap-free per till, never changed or
    deleted (triggers). ``figures`` is the JSON of kiosk.core.till_day.ReportFigures
    plus the session's header; ``printed_text`` is what was printed."""

    __tablename__ = "z_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), default=new_uuid, unique=True)
    till_id: Mapped[int] = document_till()
    number: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("till_sessions.id"), unique=True)
    business_date: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    figures: Mapped[str] = mapped_column(Text)
    printed_text: Mapped[str] = mapped_column(Text)
    __table_args__ = (
        UniqueConstraint("till_id", "number", name="uq_z_reports_till_number"),
        CheckConstraint("number > 0", name="number"),
    )


# --- the shop server (0019_sync): the outbox of documents waiting to go up ---------------

class SyncLink(Base):
    """This till's link to a shop server: one row once the till is registered
    (``kiosk-admin till register``), none on a till that works alone. While the row
    exists, triggers put every new document into ``sync_outbox`` in the transaction
    that writes it. The credentials are not here: they are in a file only the service
    can read (kiosk/services/sync_link.py)."""

    __tablename__ = "sync_link"
    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    server_till_id: Mapped[int] = mapped_column(Integer)  # this till's id on the server
    server: Mapped[str] = mapped_column(String(200))  # host:port/database, no password
    till_name: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_pull_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime)
    pulled_change: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # 1 only inside a pull's own transaction: the shared-rows journal's triggers skip it.
    applying: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SharedChange(Base):
    """A shared row (catalog, customers, users, shop settings) the current transaction
    changed on a registered till: written by triggers (migration 0020_sync_down), sent to
    the shop server and emptied before the transaction commits (kiosk/services/sync_edits.py)."""

    __tablename__ = "sync_shared_changes"
    tbl: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)


class SyncOutboxEntry(Base):
    """A document waiting to go up to the shop server (``sent_at`` NULL) or gone up.
    Written by triggers in the document's own transaction; pushed in ``id`` order;
    never deleted."""

    __tablename__ = "sync_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # sale | stock_movement | return | void | ...
    doc_uuid: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime)  # the document's own time
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        Index("ix_sync_outbox_waiting", "id", sqlite_where=text("sent_at IS NULL")),
    )
