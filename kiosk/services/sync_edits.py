"""Staff edits of the shared data on a registered till go to the shop server first.

The one seam: every write transaction (``Database.write``, and the CSV import's steps
on their raw connection through ``Database.check_commit``) runs ``before_commit`` below. Triggers (migration 0020_sync_down) note in ``sync_shared_changes`` each shared
row — category, product (with its barcodes), customer, user, ``shop.*`` setting — the
transaction changed, whatever screen, command or import changed it. Before the
transaction commits, those rows are upserted on the server through the till's own role
(kiosk/services/sync_shared.py) and the journal is emptied; the server's change number
then brings the same row back down on the next pull (on this till too: the same values).
When the server cannot be reached or refuses, the whole transaction is rolled back and
``SharedEditRefused`` says so — never queued as a conflicting edit. Selling writes none
of these rows and goes on offline. On a till without a server the triggers write
nothing and the hook finds nothing to do.

Two kinds of transactions keep their changes local: the pull itself (``PULLING``) and
the till's own housekeeping of users at sign-in (``local_only``: a PIN hash rehashed
with stronger parameters, the default-PIN flag), which must work offline."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from db.engine import Database
from kiosk.core.errors import DomainError
from kiosk.i18n import N_

PULLING = "sync_pull"
LOCAL_ONLY = "sync_local_only"
CONNECT_TIMEOUT_S = 5


class SharedEditRefused(DomainError):
    """The server could not take the edit: nothing was changed on this till."""

    code = "shared_edit_offline"
    template = N_("No connection to the shop server: catalog changes are made with the connection")

    def __init__(self, reason: str = "") -> None:
        super().__init__()
        self.reason = reason

    def technician(self) -> str:
        """In English with the server's answer, for kiosk-admin and the log (the
        screens show ``str()``: the message alone, in the till's language)."""
        return f"{self.message('en')} ({self.reason})" if self.reason else self.message("en")


class SharedEditRejected(SharedEditRefused):
    """The server answered but refused the edit (rights taken away, a conflict)."""

    code = "shared_edit_rejected"
    template = N_("The shop server refused the change: nothing was changed on this till")


def local_only(session: Session) -> None:
    """Keep this transaction's shared-row changes on this till (see the module's text)."""
    session.info[LOCAL_ONLY] = True


def install(db: Database, state_dir: Path) -> None:
    """Hook the edit rule into every write transaction of ``db`` (not on a database
    older than migration 0020_sync_down, opened without migrating it)."""
    with db.read() as s:
        if s.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sync_shared_changes'")).first() is None:
            return

    def before_commit(conn: sqlite3.Connection, flags: dict) -> None:
        changed = conn.execute("SELECT tbl, key FROM sync_shared_changes").fetchall()
        if not changed:
            return
        if not (flags.get(PULLING) or flags.get(LOCAL_ONLY)):
            send(conn, changed, state_dir)
        conn.execute("DELETE FROM sync_shared_changes")

    db.on_write_commit(before_commit)


def send(conn: sqlite3.Connection, changed: list, state_dir: Path) -> None:
    """Upsert the journal's rows on the server in one server transaction; raises
    ``SharedEditRefused`` (the caller's transaction then rolls back)."""
    from db.server.admin import explain, make_server_engine
    from kiosk.services.sync_link import NotRegistered, read_credentials
    from kiosk.services.sync_shared import BY_NAME, TABLES, local_rows, upsert

    try:
        creds = read_credentials(state_dir)
    except NotRegistered as exc:
        raise SharedEditRefused(str(exc)) from None
    keys: dict[str, list[str]] = {}
    for tbl, key in changed:
        keys.setdefault(tbl, []).append(key)
    rows = {t.name: local_rows(conn, t, keys[t.name]) for t in TABLES if t.name in keys}
    engine = make_server_engine(creds.url, connect_timeout=CONNECT_TIMEOUT_S)
    try:
        with engine.begin() as pg:
            for name, table_rows in rows.items():
                upsert(pg, BY_NAME[name], table_rows)
    except Exception as exc:  # noqa: BLE001 - the network's or the server's answer
        reason = explain(exc, creds.url)
        if "cannot be reached" in reason:
            raise SharedEditRefused(reason) from None
        raise SharedEditRejected(reason) from None
    finally:
        engine.dispose()
