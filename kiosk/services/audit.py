"""The audit log: one small API for every sensitive act, and reading, filtering and
verifying the log.

    audit.record(session, "price_changed", "DET-LAV Detergente", before={...}, after={...}, by=authority)

``record`` writes the row inside the caller's transaction, so the row and the act
commit together or not at all. Each row carries the hash of its content and of the
previous row of the same till (kiosk/core/audit_chain.py); triggers refuse UPDATE and
DELETE. ``AuditService.verify`` walks the chain and names the first broken row.

Rows never hold a PIN or a PIN hash.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, aliased

from db.engine import Database
from db.models import LOCAL_TILL_ID, AuditEntry, Setting, User, new_uuid, utcnow
from kiosk.core.audit_chain import GENESIS, Break, canonical_json, row_hash, verify
from kiosk.core.permissions import Act
from kiosk.i18n import N_, translate
from kiosk.services.access import Access, Authority, UserInfo
from kiosk.services import audit_origin
from kiosk.services.audit_origin import cli_origin, origin  # noqa: F401 - re-exported

log = logging.getLogger(__name__)

# What the rows' acts are called on screen and in kiosk-admin.
ACT_LABELS = {
    "sign_in": N_("Sign-in"),
    "unlock": N_("Unlock"),
    "lock": N_("Lock"),
    "auto_lock": N_("Automatic lock"),
    "logout": N_("Sign-out"),
    "pin_failed": N_("Wrong PIN"),
    "authorised": N_("Authorisation"),
    "authorisation_refused": N_("Authorisation refused"),
    "pin_changed": N_("PIN changed"),
    "user_created": N_("User created"),
    "user_renamed": N_("User renamed"),
    "role_changed": N_("Role changed"),
    "user_deactivated": N_("User deactivated"),
    "user_activated": N_("User reactivated"),
    "lockout_cleared": N_("PIN wait cleared"),
    "drawer_opened": N_("Drawer opened without a sale"),
    "drawer_open_failed": N_("Drawer did not open"),
    "product_created": N_("Product created"),
    "price_changed": N_("Price or cost changed"),
    "stock_adjusted": N_("Stock adjusted"),
    "stock_counted": N_("Stock count applied"),
    "import": N_("Catalog import"),
    "export": N_("Catalog export"),
    "settings_changed": N_("Settings changed"),
    "permissions_changed": N_("Permissions changed"),
    "backup": N_("Backup"),
    "restore": N_("Restore"),
    "upgrade": N_("Upgrade"),
    "audit_viewed": N_("Audit log viewed"),
    "till_opened": N_("Till opened"),
    "cash_in": N_("Cash in"),
    "cash_out": N_("Cash out"),
    "till_closed": N_("Till closed (Z)"),
}

# Who writes the rows (kiosk/services/audit_origin.py: light, kiosk-admin sets it at start).
_origin = audit_origin.current


def act_text(act: str) -> str:
    label = ACT_LABELS.get(act)
    return translate(label) if label else act


def _ids(by: Authority | UserInfo | None, authorised_by: UserInfo | None) -> tuple[int | None, int | None]:
    if isinstance(by, Authority):
        user, authoriser = by.user, by.authorised_by
    else:
        user, authoriser = by, authorised_by
    return (user.id if user and user.id > 0 else None,
            authoriser.id if authoriser and authoriser.id > 0 else None)


def record(s: Session, act: str, subject: str = "", *, before: Any = None, after: Any = None,
           by: Authority | UserInfo | None = None, authorised_by: UserInfo | None = None,
           origin: str | None = None, till_id: int = LOCAL_TILL_ID) -> AuditEntry:
    """Append one row in ``s``'s transaction (a write transaction: it holds SQLite's
    write lock, so no other row can slip in between reading the last hash and
    writing this one). ``by``: who acted (an Authority also gives who authorised)."""
    user_id, authoriser_id = _ids(by, authorised_by)
    prev = s.execute(text("SELECT row_hash FROM audit_log WHERE till_id = :t ORDER BY id DESC LIMIT 1"),
                     {"t": till_id}).scalar() or GENESIS
    content = {"uuid": new_uuid(), "till_id": till_id, "created_at": utcnow(), "act": act[:32],
               "user_id": user_id, "authorised_by": authoriser_id, "subject": (subject or "")[:200],
               "before": canonical_json(before), "after": canonical_json(after),
               "origin": (origin or _origin["text"])[:32]}
    entry = AuditEntry(**content, prev_hash=prev, row_hash=row_hash(content, prev))
    s.add(entry)
    s.flush()
    return entry


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


# How the keys of before/after read on screen; money keys are shown as amounts.
KEY_LABELS = {
    "price": N_("price"), "cost": N_("cost"), "stock": N_("stock"), "quantity": N_("quantity"),
    "reason": N_("reason"), "reference": N_("reference"), "name": N_("name"), "role": N_("role"),
    "active": N_("active"), "attempt": N_("attempt"), "pin_of": N_("PIN of"), "inactive": N_("deactivated"),
    "failures": N_("failures"), "products": N_("products"), "rows": N_("rows"), "created": N_("created"),
    "updated": N_("updated"), "stock_changes": N_("stock changes"), "error": N_("error"),
    "unchanged": N_("unchanged"), "differences": N_("differences"), "sku": N_("SKU"), "expected": N_("expected"),
    "counted": N_("counted"), "difference": N_("difference"), "kind": N_("kind"), "size_bytes": N_("bytes"),
    "folder": N_("folder"), "schema": N_("schema"), "version": N_("version"), "release": N_("release"),
    "sales": N_("sales"), "kept_aside": N_("previous kept as"),
}
MONEY_KEYS = {"price", "cost"}
ORIGIN_LABELS = {"kiosk": N_("the till's screen"), "system": N_("the kiosk itself"),
                 "migrated": N_("the earlier security log")}


def describe(value: Any, key: str = "") -> str:
    """A before/after value in words: "precio: $3,20, costo: $1,60", "activo: sí"."""
    from kiosk.i18n import format_money

    if isinstance(value, dict):
        return ", ".join(f"{translate(KEY_LABELS[k]) if k in KEY_LABELS else k}: {describe(v, k)}"
                         for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(describe(v) for v in value)
    if isinstance(value, bool):
        return translate(N_("yes")) if value else translate(N_("no"))
    if key in MONEY_KEYS and isinstance(value, int):
        return format_money(value)
    if key == "role" and isinstance(value, str):
        from kiosk.core.permissions import Role, role_label

        return role_label(value) if value in set(Role) else value
    return "" if value is None else str(value)


@dataclass(frozen=True)
class AuditRow:
    id: int
    uuid: str
    created_at: datetime  # UTC
    till_id: int
    act: str
    user: str  # "" when nobody signed in (kiosk-admin, a failed PIN)
    authorised_by: str
    subject: str
    before: Any
    after: Any
    origin: str

    @property
    def act_text(self) -> str:
        return act_text(self.act)

    def change(self, arrow: str = " -> ") -> str:
        """before -> after in one short line (the screen's and the CLI's)."""
        b, a = describe(self.before), describe(self.after)
        if b and a:
            return f"{b}{arrow}{a}"
        return a or b

    @property
    def change_text(self) -> str:
        return self.change()

    @property
    def origin_text(self) -> str:
        return translate(ORIGIN_LABELS[self.origin]) if self.origin in ORIGIN_LABELS else self.origin


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None  # UTC
    until: datetime | None = None  # UTC, exclusive
    user: str | None = None  # user name (case-insensitive)
    act: str | None = None
    limit: int = 200
    offset: int = 0


@dataclass(frozen=True)
class VerifyReport:
    rows: int
    broken: Break | None
    head: str  # the newest row's hash (note it: a later rewrite of the whole tail changes it)
    till_id: int = LOCAL_TILL_ID

    @property
    def ok(self) -> bool:
        return self.broken is None


class AuditView:
    """The audit log opened by someone allowed to see it (AuditService.open_view):
    the screen reads and filters through this for as long as it stays open."""

    def __init__(self, service: AuditService, viewer: UserInfo):
        self._service = service
        self.viewer = viewer

    def entries(self, flt: AuditFilter = AuditFilter()) -> list[AuditRow]:
        return self._service.entries(flt)

    def acts(self) -> list[str]:
        return self._service.acts_in_use()


class AuditService:
    def __init__(self, db: Database, access: Access):
        self.db = db
        self.access = access

    # --- reading ------------------------------------------------------------------------
    def open_view(self, by: UserInfo) -> AuditView:
        """Seeing the log is the ``view_audit`` act; opening it is recorded."""
        with self.db.write() as s:
            who = self.access.check(s, by, Act.VIEW_AUDIT)
            record(s, "audit_viewed", by=who)
        return AuditView(self, who.user)

    def entries(self, flt: AuditFilter = AuditFilter()) -> list[AuditRow]:
        actor, authoriser = aliased(User), aliased(User)
        stmt = (select(AuditEntry, actor.name, authoriser.name)
                .outerjoin(actor, actor.id == AuditEntry.user_id)
                .outerjoin(authoriser, authoriser.id == AuditEntry.authorised_by)
                .order_by(AuditEntry.id.desc()).limit(flt.limit).offset(flt.offset))
        if flt.since is not None:
            stmt = stmt.where(AuditEntry.created_at >= flt.since)
        if flt.until is not None:
            stmt = stmt.where(AuditEntry.created_at < flt.until)
        if flt.act:
            stmt = stmt.where(AuditEntry.act == flt.act)
        if flt.user:
            ids = select(User.id).where(User.name.ilike(flt.user.strip()))
            stmt = stmt.where(AuditEntry.user_id.in_(ids) | AuditEntry.authorised_by.in_(ids))
        with self.db.read() as s:
            return [AuditRow(e.id, e.uuid, e.created_at, e.till_id, e.act, name or "", auth or "", e.subject,
                             _load(e.before), _load(e.after), e.origin)
                    for e, name, auth in s.execute(stmt)]

    def acts_in_use(self) -> list[str]:
        with self.db.read() as s:
            return list(s.scalars(select(AuditEntry.act).distinct().order_by(AuditEntry.act)))

    def count(self) -> int:
        with self.db.read() as s:
            return s.execute(text("SELECT count(*) FROM audit_log")).scalar() or 0

    # --- the chain ----------------------------------------------------------------------
    def verify(self) -> list[VerifyReport]:
        """Every till's chain; reads the stored text of each column (hashes cover the
        text as written)."""
        cols = "id, uuid, till_id, created_at, act, user_id, authorised_by, subject, before, after, origin, " \
               "prev_hash, row_hash"
        conn = self.db.raw_connection()
        conn.row_factory = sqlite3.Row
        try:
            tills = [r[0] for r in conn.execute("SELECT DISTINCT till_id FROM audit_log ORDER BY till_id")]
            reports = []
            for till in tills or [LOCAL_TILL_ID]:
                rows = conn.execute(f"SELECT {cols} FROM audit_log WHERE till_id = ? ORDER BY id", (till,))
                count, broken, head = verify(dict(r) for r in rows)
                reports.append(VerifyReport(count, broken, head, till))
            return reports
        finally:
            conn.close()

    # --- acts outside any other service ---------------------------------------------------
    def note(self, act: str, subject: str = "", *, before: Any = None, after: Any = None,
             by: Authority | UserInfo | None = None) -> None:
        """A row in a transaction of its own (locks, backups, upgrades...)."""
        with self.db.write() as s:
            record(s, act, subject, before=before, after=after, by=by)

    def record_settings(self, settings: Any) -> list[str]:
        """At the kiosk's start: when the settings in effect differ from the last start's,
        one row with what changed (``permissions_changed`` for the [permissions] table,
        ``settings_changed`` for the rest). Returns the acts written."""
        now = settings_snapshot(settings)
        key = "audit.settings"
        written = []
        with self.db.write() as s:
            row = s.get(Setting, key)
            old = json.loads(row.value) if row else {}
            if old == now:
                return []
            for act, prefix in (("permissions_changed", True), ("settings_changed", False)):
                b = {k: v for k, v in old.items() if k.startswith("permissions.") == prefix}
                a = {k: v for k, v in now.items() if k.startswith("permissions.") == prefix}
                if b != a:
                    before, after = changes(b, a)
                    record(s, act, translate(N_("{count} settings")).format(count=len(after)),
                           before=before if row else None, after=after, origin="system")
                    written.append(act)
            s.merge(Setting(key=key, value=json.dumps(now, sort_keys=True)))
        return written


def settings_snapshot(settings: Any) -> dict[str, Any]:
    """The settings in effect, flattened to ``section.key`` (the default admin PIN is
    shown as changed or not, never as digits)."""
    data = settings.model_dump(mode="json")
    flat: dict[str, Any] = {}
    for section, values in data.items():
        if isinstance(values, dict):
            for key, value in values.items():
                flat[f"{section}.{key}"] = value
        else:
            flat[section] = values
    if "security.default_admin_pin" in flat:
        flat["security.default_admin_pin"] = "******"
    return flat


def _load(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def note_in_file(path: Path, act: str, subject: str = "", *, before: Any = None, after: Any = None) -> bool:
    """A row in the database file at ``path`` (backups, restores, upgrades done by
    kiosk-admin on the files). False, with a log line, when that database has no
    audit log yet (a schema older than the log) or cannot be written."""
    from kiosk.appliance.ownership import give_database_to, owner_of

    owner = owner_of(path.parent)  # under sudo: files SQLite makes go back to the kiosk user
    db = Database(path)
    try:
        with db.write() as s:
            exists = s.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'"))
            if exists.scalar() is None:
                log.warning("%s: no audit log in this database (older schema); %s not recorded", path, act)
                return False
            record(s, act, subject, before=before, after=after)
        return True
    except Exception as exc:  # a damaged database must not turn a done backup into a failure
        log.warning("%s: %s not recorded in the audit log: %s", path, act, exc)
        return False
    finally:
        db.dispose()
        give_database_to(owner, path)
