"""Up: the documents waiting in this till's outbox go to the shop server.

Each push reads a batch of waiting outbox rows in order, builds every document whole
(a sale with its lines, payments and taxes; a return with its lines and refunds; a
stock movement with its product's SKU), inserts them on the server in one transaction
with ``ON CONFLICT DO NOTHING`` on their UUID (a retry or a replay never doubles
anything), and once the server has committed, marks them sent here. Nothing is ever
deleted from the till. A failure is recorded in words (``sync_link.last_error``) and
the worker tries again later, backing off; selling never waits for the server."""

from __future__ import annotations

import json
import logging
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, Table, select, text, update

from db.engine import Database
from db.models import Base, SyncLink, SyncOutboxEntry, utcnow
from kiosk.services.sync_link import DOCUMENTS, Credentials, NotRegistered, read_credentials, record_error

log = logging.getLogger(__name__)

BATCH = 2000
# A whole batch in one statement: its rows as one JSON array, unpacked by the server.
# ON CONFLICT without a target: naming the uuid column would need SELECT on it, which
# tills do not have (the uuid is the only unique key, so it means the same).
INSERT_DOCUMENTS = text(
    "INSERT INTO documents (uuid, till_id, kind, number, created_at, payload) "
    "SELECT r.uuid, r.till_id, r.kind, r.number, r.created_at, r.payload "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
    "AS r(ord int, uuid varchar, till_id int, kind varchar, number int, created_at timestamp, payload jsonb) "
    "ORDER BY r.ord ON CONFLICT DO NOTHING")
INSERT_MOVEMENTS = text(
    "INSERT INTO stock_movements (uuid, till_id, sku, quantity, reason, created_at) "
    "SELECT r.uuid, r.till_id, r.sku, r.quantity, r.reason, r.created_at "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
    "AS r(uuid varchar, till_id int, sku varchar, quantity bigint, reason varchar, created_at timestamp) "
    "ON CONFLICT DO NOTHING")
TABLE_OF = {kind: table for table, kind, _when in DOCUMENTS}
TIME_OF = {kind: when for _table, kind, when in DOCUMENTS}
# A document's parts: (key in the payload, table, column pointing at the document, order)
PARTS = {
    "sale": (("lines", "sale_lines", "sale_id", "position"), ("payments", "payments", "sale_id", "id"),
             ("taxes", "sale_taxes", "sale_id", "rate_bp")),
    "return": (("lines", "return_lines", "return_id", "position"),
               ("payments", "return_payments", "return_id", "id")),
}
# Local row ids that mean nothing on the server, given as what they point at.
LINKS = (("sale_id", "sales", "uuid", "sale_uuid"), ("session_id", "till_sessions", "uuid", "session_uuid"),
         ("product_id", "products", "sku", "sku"), ("user_id", "users", "name", "user"),
         ("authorised_by", "users", "name", "authorised_by_user"))


@dataclass
class PushResult:
    pushed: int = 0
    batches: int = 0
    waiting: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def _plain(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _batch_rows(entries: list[Waiting]):  # noqa: ANN202 - a WHERE clause
    """The outbox rows of ``entries`` (the first waiting rows in id order): the waiting
    rows between the first id and the last. New rows take higher ids, so none joins."""
    return (SyncOutboxEntry.id.between(entries[0].id, entries[-1].id), SyncOutboxEntry.sent_at.is_(None))


def _in_batch(entries: list[Waiting], kind: str):  # noqa: ANN202 - a subquery
    return select(SyncOutboxEntry.doc_uuid).where(*_batch_rows(entries), SyncOutboxEntry.kind == kind)


def _dicts(conn: Connection, stmt) -> list[dict]:  # noqa: ANN001 - a Select
    """The rows as plain dicts (the column names read once, not per row)."""
    result = conn.execute(stmt)
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def _linked(conn: Connection, rows: list[dict]) -> None:
    """Add, next to each local id, what it points at (sale_uuid, session_uuid, sku, user)."""
    for column, table, target, key in LINKS:
        ids = {r[column] for r in rows if r.get(column) is not None}
        if not ids:
            continue
        t = _table(table)
        found = dict(conn.execute(select(t.c.id, t.c[target]).where(t.c.id.in_(ids))).all())
        for r in rows:
            if column in r:
                r[key] = found.get(r[column])


def build_batch(conn: Connection, entries: list[Waiting], server_till_id: int) -> tuple[list, list]:
    """The server's rows for ``entries``: documents (kind, number, time, JSON payload)
    and the stock ledger's movements."""
    docs: dict[str, dict] = {}
    for kind in dict.fromkeys(e.kind for e in entries):
        t = _table(TABLE_OF[kind])
        # The batch's documents of this kind, found through the outbox (not thousands of
        # bound UUIDs): ``entries`` are exactly the waiting rows between its first and last id.
        uuids = _in_batch(entries, kind)
        rows = _dicts(conn, select(t).where(t.c.uuid.in_(uuids)))
        for key, part_table, fk, order in PARTS.get(kind, ()):
            pt = _table(part_table)
            parts = defaultdict(list)
            part_rows = _dicts(conn, select(pt).where(pt.c[fk].in_(select(t.c.id).where(t.c.uuid.in_(uuids))))
                               .order_by(pt.c[fk], pt.c[order]))
            _linked(conn, part_rows)
            for p in part_rows:
                parts[p[fk]].append(p)
            for r in rows:
                r[key] = parts.get(r["id"], [])
        _linked(conn, rows)
        for r in rows:
            r["till_id"] = server_till_id
            docs[r["uuid"]] = {"kind": kind, "row": r}
    documents, movements = [], []
    for e in entries:
        d = docs.get(e.doc_uuid)
        if d is None:  # cannot happen (documents are never deleted); say so rather than lose it silently
            raise RuntimeError(f"outbox row {e.id}: {e.kind} {e.doc_uuid} is not in this database")
        row = d["row"]
        when = row[TIME_OF[e.kind]]
        number = row.get("number") if isinstance(row.get("number"), int) else None
        documents.append({"ord": len(documents), "uuid": e.doc_uuid, "till_id": server_till_id, "kind": e.kind,
                          "number": number, "created_at": when, "payload": row})  # dates: by json.dumps
        if e.kind == "stock_movement":
            movements.append({"uuid": e.doc_uuid, "till_id": server_till_id, "sku": row["sku"],
                              "quantity": row["quantity"], "reason": row["reason"], "created_at": when})
    return documents, movements


@dataclass(frozen=True)
class Waiting:
    id: int
    kind: str
    doc_uuid: str


def _waiting(s, limit: int) -> list[Waiting]:  # noqa: ANN001 - a Session
    rows = s.execute(select(SyncOutboxEntry.id, SyncOutboxEntry.kind, SyncOutboxEntry.doc_uuid)
                     .where(SyncOutboxEntry.sent_at.is_(None)).order_by(SyncOutboxEntry.id).limit(limit))
    return [Waiting(*r) for r in rows]


def waiting_count(db: Database) -> int:
    with db.read() as s:
        return s.execute(text("SELECT count(*) FROM sync_outbox WHERE sent_at IS NULL")).scalar()


def push(db: Database, state_dir: Path, *, batch: int = BATCH, max_batches: int | None = None,
         credentials: Credentials | None = None, _committed: Callable[[int], None] | None = None) -> PushResult:
    """Push waiting documents until none wait (or ``max_batches``); never raises for
    the server's or the network's faults: they come back in ``error`` (and in
    ``sync_link.last_error``)."""
    from db.server.admin import ServerError, explain, make_server_engine

    result = PushResult()
    try:
        creds = credentials or read_credentials(state_dir)
    except NotRegistered as exc:
        result.error = str(exc)
        return result
    engine = None
    try:
        engine = make_server_engine(creds.url)
        while max_batches is None or result.batches < max_batches:
            with db.read() as s:  # the batch and its documents in one read transaction
                entries = _waiting(s, batch)
                if not entries:
                    break
                documents, movements = build_batch(s.connection(), entries, creds.till_id)
            with engine.begin() as pg:
                pg.execute(INSERT_DOCUMENTS, {"rows": json.dumps(documents, default=_plain)})
                if movements:
                    pg.execute(INSERT_MOVEMENTS, {"rows": json.dumps(movements, default=_plain)})
            if _committed is not None:  # tests: a kill between the server's commit and ours
                _committed(result.batches)
            # The server has them (committed): now, and only now, they are sent here. A
            # crash between the two pushes them again, which the server ignores.
            now = utcnow()
            with db.write() as s:
                s.execute(update(SyncOutboxEntry).where(*_batch_rows(entries)).values(sent_at=now))
                s.execute(update(SyncLink).where(SyncLink.id == 1).values(last_push_at=now, last_error=""))
            result.pushed += len(entries)
            result.batches += 1
    except ServerError as exc:
        result.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - the network's and the server's faults, in words
        result.error = explain(exc, creds.url)
        log.warning("sync push failed: %s", result.error)
    finally:
        if engine is not None:
            engine.dispose()
    if result.error:
        record_error(db, result.error)
    result.waiting = waiting_count(db)
    return result


@dataclass
class SyncWorker:
    """Pushes (then pulls) in a thread: at once when woken (after a sale), else every ``interval``
    seconds; after a failure it waits 2, 4, 8 ... up to ``max_delay`` seconds (with a
    little jitter, so tills that lost the server together do not return together)."""

    db: Database
    state_dir: Path
    interval: float = 15.0
    max_delay: float = 300.0
    failures: int = 0
    last: PushResult | None = None
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def delay(self) -> float:
        if not self.failures:
            return self.interval
        return min(self.max_delay, 2.0 ** self.failures) * random.uniform(0.8, 1.2)  # noqa: S311

    def run_once(self) -> PushResult:
        """Push, then (when the server answered) pull the catalog's changes."""
        from kiosk.services.sync_pull import pull

        result = push(self.db, self.state_dir)
        if result.ok:
            result.error = pull(self.db, self.state_dir).error
        self.last = result
        self.failures = self.failures + 1 if result.error else 0
        return result

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - the worker must outlive any surprise
                log.exception("sync worker")
                self.failures += 1
            self._wake.wait(self.delay())
            self._wake.clear()

    def start(self) -> SyncWorker:
        self._thread = threading.Thread(target=self._run, name="sync-push", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
