"""This till's link to a shop server: joining it (``kiosk-admin till register``), the
credentials file, and the ``sync_link`` row that switches the outbox on.

The till's own login URL (its role and password) is kept in ``sync-server.json`` in
the state directory, mode 0600 (its owner only), never in the database (backups of
the database are copied to USB sticks)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text, update

from db.engine import Database
from db.models import LOCAL_TILL_ID, SyncLink, Till, utcnow

CREDENTIALS_FILE = "sync-server.json"
CREDENTIALS_MODE = 0o600

# (table, outbox kind, the document's time): the same list as migration 0019_sync's
# triggers, for the documents written before the till joined a server.
DOCUMENTS = (
    ("sales", "sale", "created_at"),
    ("stock_movements", "stock_movement", "created_at"),
    ("returns", "return", "created_at"),
    ("sale_voids", "void", "created_at"),
    ("cash_movements", "cash_movement", "created_at"),
    ("till_sessions", "till_session", "opened_at"),
    ("z_reports", "z_report", "created_at"),
    ("audit_log", "audit", "created_at"),
)


@dataclass
class SyncResult:
    """What a push or a pull did: ``error`` says why it stopped (empty when it did not)."""

    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class NotRegistered(Exception):
    """This till has no shop server."""


@dataclass(frozen=True)
class Credentials:
    url: str  # postgresql://<role>:<password>@host:port/database
    till_id: int
    till_name: str


def credentials_path(state_dir: Path) -> Path:
    return Path(state_dir) / CREDENTIALS_FILE


def write_private(path: Path, data: dict) -> Path:
    """``data`` as JSON in a new 0600 file (its owner only), flushed, then renamed over the old one."""
    tmp = path.with_name(path.name + ".new")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, CREDENTIALS_MODE)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, CREDENTIALS_MODE)
    os.replace(tmp, path)
    return path


def write_credentials(state_dir: Path, creds: Credentials) -> Path:
    return write_private(credentials_path(state_dir),
                         {"url": creds.url, "till_id": creds.till_id, "till_name": creds.till_name})


def read_credentials(state_dir: Path) -> Credentials:
    path = credentials_path(state_dir)
    try:
        data = json.loads(path.read_text())
        return Credentials(str(data["url"]), int(data["till_id"]), str(data.get("till_name", "")))
    except FileNotFoundError:
        raise NotRegistered(f"this till has no shop server ({path} is missing): "
                            "kiosk-admin till register --server URL --name NAME") from None
    except PermissionError:
        raise NotRegistered(f"{path} cannot be read by this user (it is readable by its owner only)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise NotRegistered(f"{path} is damaged ({exc}): register the till again") from None


def link(db: Database) -> SyncLink | None:
    with db.read() as s:
        return s.get(SyncLink, 1)


def local_till(db: Database) -> Till:
    with db.read() as s:
        return s.get(Till, LOCAL_TILL_ID)


@dataclass(frozen=True)
class Joined:
    till_id: int
    role: str
    server: str
    credentials: Path
    queued: int  # documents written before joining, now waiting to go up
    new: bool


def register(db: Database, state_dir: Path, server_url: str, name: str) -> Joined:
    """Join the shop server at ``server_url`` (an owner's URL) as ``name``: the server
    gives this till an id and a login role; the credentials go to the 0600 file; the
    ``sync_link`` row switches the outbox on, and every document written so far is
    queued (once: a second registration queues nothing new)."""
    from db.server.admin import register_till

    me = local_till(db)
    reg = register_till(server_url, name, me.uuid)
    path = write_credentials(state_dir, Credentials(reg.login_url, reg.till_id, name.strip()))
    queued = 0
    with db.write() as s:
        row = s.get(SyncLink, 1)
        first = row is None
        if first:
            s.add(SyncLink(id=1, server_till_id=reg.till_id, server=reg.server, till_name=name.strip(),
                           registered_at=utcnow()))
        else:
            row.server_till_id, row.server, row.till_name = reg.till_id, reg.server, name.strip()
            row.last_error, row.last_error_at = "", None
        me_row = s.get(Till, LOCAL_TILL_ID)
        me_row.name = name.strip()
        if first:
            before = s.execute(text("SELECT count(*) FROM sync_outbox")).scalar()
            union = " UNION ALL ".join(f"SELECT '{kind}' AS kind, uuid, {when} AS t, id FROM {table}"
                                       for table, kind, when in DOCUMENTS)
            s.execute(text(f"INSERT INTO sync_outbox (kind, doc_uuid, created_at) "  # noqa: S608 - constants
                           f"SELECT kind, uuid, t FROM ({union}) ORDER BY t, id"))
            queued = s.execute(text("SELECT count(*) FROM sync_outbox")).scalar() - before
    return Joined(reg.till_id, reg.role, reg.server, path, queued, reg.new)


def registered(db: Database) -> bool:
    with db.read() as s:
        return s.scalar(select(SyncLink.id)) is not None


def record_error(db: Database, message: str) -> None:
    """The last push's or pull's fault, for ``sync status`` (the pusher and the puller share it)."""
    with db.write() as s:
        s.execute(update(SyncLink).where(SyncLink.id == 1).values(last_error=message, last_error_at=utcnow()))
