"""Customers: search, add, edit, deactivate, the checkout's quick creation, and CSV
import and export (``kiosk-admin customers``, the *Clientes* screen and the checkout's
picker all call this).

A customer is identified by DIAN's id type and number (unique together); a NIT's
check digit is computed when it is left out and refused, with the right one shown,
when it is wrong. Customers that documents refer to are deactivated, never deleted,
and a document keeps a copy of the buyer as it was (kiosk/services/fiscal_documents.py).

The CSV format (the export's header is the import's)::

    id_type,id_number,dv,person,name,email,phone,address,city_code,responsibilities,active

``id_type``: DIAN's code (13, 31, 22, 41, 12, 42) or CC, NIT, CE, pasaporte, TI;
``dv`` empty: computed; ``person`` legal/natural (empty: legal for a NIT);
``responsibilities`` DIAN's codes separated by "|"; ``active`` 1/0, sí/no, true/false
(empty: active). Rows are matched by id type and number. Every row is checked first;
if any is wrong nothing is imported and each problem is listed by line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import and_, func, or_, select

from db.engine import Database
from db.models import Customer
from kiosk.core.customers import (
    COLUMNS,
    REQUIRED_COLUMNS,
    CustomerDraft,
    CustomerInfo,
    clean_number,
    completed,
    customer_problems,
    id_type_label,
    normalized,
    parse_id_type,
    validate,
)
from kiosk.core.errors import DomainError
from kiosk.core.fiscal import IdType
from kiosk.core.fiscal_shop_errors import (
    CustomerFieldInvalid,
    CustomerInactive,
    CustomerNotFound,
    DuplicateCustomer,
    UnknownIdType,
)
from kiosk.core.text import fold
from kiosk.i18n import N_, translate
from kiosk.services.csv_source import CsvRows, RowProblem, data_rows, first_row, header_columns, inspect, write_csv_file
from kiosk.services.users import Role, UserInfo, UserService

MANAGE_ROLE = Role.MANAGER  # the Clientes screen, edits, imports: a manager or admin
SEARCH_LIMIT = 50

_TRUE = {"1", "si", "sí", "s", "yes", "y", "true", "verdadero", "x", ""}
_FALSE = {"0", "no", "n", "false", "falso"}


@dataclass(frozen=True)
class CustomerImportReport:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
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
        text_ = translate(N_("{rows} customers: {created} new, {updated} changed, {unchanged} unchanged.")).format(
            rows=self.rows, created=self.created, updated=self.updated, unchanged=self.unchanged)
        if self.dry_run:
            text_ += " " + translate(N_("Check only: nothing was written."))
        return text_


def _info(c: Customer) -> CustomerInfo:
    return CustomerInfo(id=c.id, uuid=c.uuid, id_type=IdType(c.id_type), id_number=c.id_number, dv=c.dv,
                        person=c.person, name=c.name, email=c.email, phone=c.phone, address=c.address,
                        city_code=c.city_code, responsibilities=tuple(r for r in c.responsibilities.split(";") if r),
                        active=bool(c.active))


def _values(d: CustomerDraft) -> dict:
    return {"id_type": d.id_type.value, "id_number": d.id_number, "dv": d.dv, "person": d.person, "name": d.name,
            "email": d.email, "phone": d.phone, "address": d.address, "city_code": d.city_code,
            "responsibilities": ";".join(d.responsibilities), "active": d.active}


class CustomerService:
    def __init__(self, db: Database, *, max_csv_bytes: int = 50 * 2**20):
        self.db = db
        self.max_csv_bytes = max_csv_bytes

    # --- reading -----------------------------------------------------------------
    def get(self, customer_id: int) -> CustomerInfo:
        with self.db.read() as s:
            c = s.get(Customer, customer_id)
            if c is None:
                raise CustomerNotFound(what=f"#{customer_id}")
            return _info(c)

    def by_identification(self, id_type: IdType | str, number: str) -> CustomerInfo | None:
        id_type = IdType(id_type)
        clean, _dv = clean_number(id_type, number)
        with self.db.read() as s:
            c = s.scalars(select(Customer).where(Customer.id_type == id_type.value,
                                                 Customer.id_number == clean)).first()
            return _info(c) if c else None

    def find(self, text: str) -> CustomerInfo:
        """One customer by what a person types: an id number (with or without dots or
        the NIT's check digit), "TYPE:NUMBER" (CC:123, 31:900373076) or "#id"."""
        text = text.strip()
        if text.startswith("#") and text[1:].isdigit():
            return self.get(int(text[1:]))
        id_type: IdType | None = None
        if ":" in text:
            kind, text = text.split(":", 1)
            id_type = parse_id_type(kind)
        matches = [c for c in self.search(text, include_inactive=True, limit=SEARCH_LIMIT)
                   if c.id_number == clean_number(c.id_type, text)[0] and (id_type is None or c.id_type == id_type)]
        if len(matches) != 1:
            raise CustomerNotFound(what=text if not matches else
                                   translate(N_("{number} alone: it belongs to {count} customers, "
                                                "write TYPE:NUMBER")).format(number=text, count=len(matches)))
        return matches[0]

    def search(self, text: str = "", *, include_inactive: bool = False, limit: int = SEARCH_LIMIT) -> list[CustomerInfo]:
        """Customers whose id number starts with the typed digits (dots, dashes and a
        NIT's check digit ignored), or whose name has every typed word (accents and
        case ignored); exact id matches first, then by name."""
        text = text.strip()
        stmt = select(Customer)
        if not include_inactive:
            stmt = stmt.where(Customer.active.is_(True))
        if text:
            number, _dv = clean_number(IdType.NIT, text)
            plain = "".join(ch for ch in text if ch.isalnum()).upper()
            words = fold(text).split()
            by_name = [Customer.search_name.like(f"%{w}%") for w in words]
            conditions = [Customer.id_number.like(f"{number}%"), Customer.id_number.like(f"{plain}%")]
            stmt = stmt.where(or_(*conditions, *([and_(*by_name)] if by_name else [])))
        with self.db.read() as s:
            found = [_info(c) for c in s.scalars(stmt.order_by(Customer.search_name).limit(max(limit * 4, limit)))]
        if text:
            number = clean_number(IdType.NIT, text)[0]
            found.sort(key=lambda c: (c.id_number != number, not c.id_number.startswith(number), fold(c.name)))
        return found[:limit]

    def count(self, *, include_inactive: bool = False) -> int:
        stmt = select(func.count(Customer.id))
        if not include_inactive:
            stmt = stmt.where(Customer.active.is_(True))
        with self.db.read() as s:
            return s.scalar(stmt) or 0

    # --- checks ------------------------------------------------------------------
    def problems(self, draft: CustomerDraft, customer_id: int | None = None) -> list[DomainError]:
        """Every problem of a draft (for a form): its own, and a duplicate id."""
        d = normalized(draft)
        out = customer_problems(d)
        if not any(str(p.params.get("key", "")) == "id_number" for p in out):
            with self.db.read() as s:
                dup = self._duplicate(s, d, customer_id)
            if dup is not None:
                out.append(dup)
        return out

    @staticmethod
    def _duplicate(s, d: CustomerDraft, customer_id: int | None) -> DuplicateCustomer | None:  # noqa: ANN001
        other = s.scalars(select(Customer).where(Customer.id_type == d.id_type.value,
                                                 Customer.id_number == d.id_number)).first()
        if other is not None and other.id != customer_id:
            return DuplicateCustomer(id_type=id_type_label(d.id_type), number=other.id_number, name=other.name,
                                     key="id_number")
        return None

    # --- changes -----------------------------------------------------------------
    def _store(self, draft: CustomerDraft, customer_id: int | None) -> CustomerInfo:
        d = validate(draft)
        with self.db.write() as s:
            dup = self._duplicate(s, d, customer_id)
            if dup is not None:
                raise dup
            if customer_id is None:
                c = Customer(**_values(d))
                s.add(c)
            else:
                c = s.get(Customer, customer_id)
                if c is None:
                    raise CustomerNotFound(what=f"#{customer_id}")
                for key, value in _values(d).items():
                    if getattr(c, key) != value:
                        setattr(c, key, value)
            s.flush()
            return _info(c)

    def add(self, draft: CustomerDraft, by: UserInfo) -> CustomerInfo:
        """A new customer (Clientes screen, kiosk-admin): a manager or admin."""
        UserService.require(by, MANAGE_ROLE)
        return self._store(draft, None)

    def quick_add(self, id_type: IdType | str, number: str, name: str, email: str, by: UserInfo) -> CustomerInfo:
        """At checkout, any cashier: only what Res. 000202/2025 lets the shop ask (name,
        id type and number, e-mail). An existing customer with that id is returned
        as is (never overwritten at the till), unless it is deactivated."""
        del by  # selling is enough; recorded with the sale's document
        id_type = IdType(id_type)
        existing = self.by_identification(id_type, number)
        if existing is not None:
            if not existing.active:
                raise CustomerInactive(name=existing.name)
            return existing
        return self._store(CustomerDraft(id_type=id_type, id_number=number, name=name, email=email), None)

    def update(self, customer_id: int, draft: CustomerDraft, by: UserInfo) -> CustomerInfo:
        UserService.require(by, MANAGE_ROLE)
        return self._store(draft, customer_id)

    def set_active(self, customer_id: int, active: bool, by: UserInfo) -> CustomerInfo:
        """Customers are deactivated, never deleted: their documents refer to them."""
        UserService.require(by, MANAGE_ROLE)
        with self.db.write() as s:
            c = s.get(Customer, customer_id)
            if c is None:
                raise CustomerNotFound(what=f"#{customer_id}")
            c.active = active
            s.flush()
            return _info(c)

    def require_usable(self, customer_id: int) -> CustomerInfo:
        """The customer a sale is about to name: it must exist and be active."""
        c = self.get(customer_id)
        if not c.active:
            raise CustomerInactive(name=c.name)
        return c

    # --- CSV ---------------------------------------------------------------------
    def import_file(self, path: Path | str, by: UserInfo, *, dry_run: bool = False) -> CustomerImportReport:
        """Check every row, then import all of them in one transaction, or none. The
        file is read as csv_source reads the catalog (a regular file, size limit,
        UTF-8 or Windows-1252, comma or semicolon, formula escapes taken off)."""
        UserService.require(by, MANAGE_ROLE)
        source = inspect(path, self.max_csv_bytes)
        report = CustomerImportReport(source=source.name, dry_run=dry_run)
        with CsvRows(source) as reader:
            rows_ = iter(reader)
            header, broken = first_row(rows_)
            if header is None:
                return replace(report, problems=(broken,))
            columns, problems = header_columns(header, reader.line_num, COLUMNS, REQUIRED_COLUMNS)
            if problems:
                return replace(report, problems=tuple(problems))
            return self._import_rows(data_rows(reader, rows_, columns, problems, len(header)), reader.finish, problems, report,
                                     dry_run)

    def _import_rows(self, data, finish, problems: list[RowProblem], report: CustomerImportReport,  # noqa: ANN001
                     dry_run: bool) -> CustomerImportReport:
        """``data``: the checked rows; ``finish()`` raises CsvChanged when the file
        changed while it was read (before anything is written)."""
        with (self.db.read() if dry_run else self.db.write()) as s:
            stored = {(c.id_type, c.id_number): c for c in s.scalars(select(Customer))}
            rows: list[tuple[int, CustomerDraft, Customer | None]] = []
            seen: dict[tuple[str, str], int] = {}
            for line, values in data:
                draft = self._row(values, line, problems)
                if draft is None:
                    continue
                key = (draft.id_type.value, draft.id_number)
                if key in seen:
                    problems.append(RowProblem(line, "id_number", translate(
                        N_("{number} is repeated (also on line {line})")).format(number=draft.id_number,
                                                                                 line=seen[key])))
                    continue
                seen[key] = line
                rows.append((line, draft, stored.get(key)))
            finish()
            problems.sort(key=lambda p: (p.line, COLUMNS.index(p.column) if p.column in COLUMNS else -1))
            if problems:
                return replace(report, rows=len(rows), problems=tuple(problems))
            created = updated = 0
            for _line, d, existing in rows:
                values_ = _values(d)
                if existing is None:
                    created += 1
                    if not dry_run:
                        s.add(Customer(**values_))
                elif any(getattr(existing, k) != v for k, v in values_.items()):
                    updated += 1
                    if not dry_run:
                        for k, v in values_.items():
                            setattr(existing, k, v)
            return replace(report, rows=len(rows), created=created, updated=updated,
                           unchanged=len(rows) - created - updated, applied=not dry_run)

    @staticmethod
    def _row(values: dict[str, str], line: int, problems: list[RowProblem]) -> CustomerDraft | None:
        def cell(name: str) -> str:
            return (values.get(name) or "").strip()

        try:
            id_type = parse_id_type(cell("id_type"))
        except UnknownIdType as err:
            problems.append(RowProblem(line, "id_type", str(err)))
            return None
        active_text = fold(cell("active"))
        active = True
        if active_text in _FALSE:
            active = False
        elif active_text not in _TRUE:
            problems.append(RowProblem(line, "active", translate(N_("expected 1 or 0 (sí or no)"))))
        codes = tuple(c for c in cell("responsibilities").replace(";", "|").split("|") if c.strip())
        draft = normalized(CustomerDraft(
            id_type=id_type, id_number=cell("id_number"), dv=cell("dv"), person=cell("person").lower(),
            name=cell("name"), email=cell("email"), phone=cell("phone"), address=cell("address"),
            city_code=cell("city_code"), responsibilities=codes or ("R-99-PN",), active=active))
        bad = False
        for err in customer_problems(draft):
            reason = err.part("reason") if isinstance(err, CustomerFieldInvalid) else str(err)
            problems.append(RowProblem(line, str(err.params.get("key", "")), reason))
            bad = True
        return None if bad else completed(draft)

    def export_rows(self, *, include_inactive: bool = False) -> list[list[str]]:
        stmt = select(Customer).order_by(Customer.search_name, Customer.id)
        if not include_inactive:
            stmt = stmt.where(Customer.active.is_(True))
        with self.db.read() as s:
            rows = [_info(c) for c in s.scalars(stmt)]
        out = [list(COLUMNS)]
        for c in rows:
            out.append([c.id_type.value, c.id_number, c.dv, c.person, c.name, c.email, c.phone, c.address,
                        c.city_code, "|".join(c.responsibilities), "1" if c.active else "0"])
        return out

    def export_file(self, path: Path | str, *, include_inactive: bool = False, delimiter: str = ",") -> int:
        """Write the customers to ``path``; returns how many."""
        return write_csv_file(path, self.export_rows(include_inactive=include_inactive), delimiter)
