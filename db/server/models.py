"""The shop server's schema (PostgreSQL), typed SQLAlchemy 2 models.

Up (tills -> server): every document a till writes arrives once, keyed by its UUID,
in ``documents`` (the whole document as JSON, lines and payments included) and, for
the stock ledger, in ``stock_movements`` too (the server's stock of a product is the
sum of every till's movements). Tills may only insert, and only their own rows (row
security, db/server/admin.py).

Down (server -> tills): categories and products carry ``change_no``, taken from one
sequence by a trigger on every insert and update, so a till asks "everything after
change N" and applies it in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ServerTill(ServerBase):
    """A till that joined the shop: its id here, its own UUID, name and login role."""

    __tablename__ = "tills"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(63), unique=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ServerDocument(ServerBase):
    __tablename__ = "documents"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"))
    kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[int | None] = mapped_column(Integer)  # the till's own number (sales, returns, Z)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, the till's clock
    payload: Mapped[dict] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (Index("ix_documents_till_kind_created", "till_id", "kind", "created_at"),
                      Index("ix_documents_kind_created", "kind", "created_at"))  # the whole shop's day (s0003)


class ServerStockMovement(ServerBase):
    __tablename__ = "stock_movements"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"))
    sku: Mapped[str] = mapped_column(String(32), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    change_no: Mapped[int] = mapped_column(BigInteger, index=True)  # other tills pull totals by it


class ServerCategory(ServerBase):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), server_default="goods")
    color: Mapped[str] = mapped_column(String(9), server_default="#607D8B")
    position: Mapped[int] = mapped_column(Integer, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    change_no: Mapped[int] = mapped_column(BigInteger, index=True)


class ServerProduct(ServerBase):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    brand: Mapped[str] = mapped_column(String(64), server_default="")
    category: Mapped[str | None] = mapped_column(String(64))  # the category's name
    sale_mode: Mapped[str] = mapped_column(String(8))
    uom: Mapped[str] = mapped_column(String(8))
    price: Mapped[int] = mapped_column(BigInteger)
    cost: Mapped[int] = mapped_column(BigInteger, server_default="0")
    tax_rate_bp: Mapped[int] = mapped_column(Integer, server_default="0")
    low_stock: Mapped[int] = mapped_column(BigInteger, server_default="0")
    barcodes: Mapped[list] = mapped_column(JSONB, server_default="[]")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    change_no: Mapped[int] = mapped_column(BigInteger, index=True)


class ServerCustomer(ServerBase):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_type: Mapped[str] = mapped_column(String(2))
    id_number: Mapped[str] = mapped_column(String(20))
    dv: Mapped[str] = mapped_column(String(1), server_default="")
    person: Mapped[str] = mapped_column(String(8), server_default="natural")
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(120), server_default="")
    phone: Mapped[str] = mapped_column(String(32), server_default="")
    address: Mapped[str] = mapped_column(String(200), server_default="")
    city_code: Mapped[str] = mapped_column(String(5), server_default="")
    responsibilities: Mapped[str] = mapped_column(String(64), server_default="R-99-PN")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    change_no: Mapped[int] = mapped_column(BigInteger, index=True)
    __table_args__ = (UniqueConstraint("id_type", "id_number", name="uq_customers_identification"),)


class ServerUser(ServerBase):
    """Staff: the PIN's scrypt hash travels, never the PIN."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(String(255))
    must_change_pin: Mapped[bool] = mapped_column(Boolean, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    change_no: Mapped[int] = mapped_column(BigInteger, index=True)


class ServerSetting(ServerBase):
    """Shop-wide settings only (kiosk/services/sync_shared.py names them)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    change_no: Mapped[int] = mapped_column(BigInteger, index=True)
