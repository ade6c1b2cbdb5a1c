"""The SQLite engine and sessions.

Every connection gets WAL, ``synchronous=FULL`` (a sale the screen shows as done
survives a power cut), foreign keys and a busy timeout. pysqlite's own implicit
BEGIN is switched off so SQLAlchemy emits ours: plain ``BEGIN`` for reads and
``BEGIN IMMEDIATE`` for writes, so a write transaction takes the write lock up front
and can never fail half-way on a lock upgrade.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 5000
# The database (with PIN hashes and the shop's sales), its WAL and SHM files (SQLite
# gives them the database's mode) and backups: the kiosk user and group only.
PRIVATE_MODE = 0o640

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


def is_busy(exc: BaseException) -> bool:
    """True when ``exc`` (sqlite3's or SQLAlchemy's wrapper of it) says another
    connection held the lock for longer than the busy timeout: nothing was written
    and the same transaction can be tried again."""
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.OperationalError):
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(orig) or "busy" in str(orig)


def apply_pragmas(conn: sqlite3.Connection) -> None:
    for pragma in PRAGMAS:
        conn.execute(pragma)


def create_private(path: Path | str) -> None:
    """Make ``path`` an empty file readable by its owner and group only, whatever the
    umask (kiosk-admin run from a root shell has 0022), before SQLite opens it; an
    existing file and its WAL/SHM companions lose any rights for others."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
    except FileExistsError:
        pass
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = p.stat().st_mode & 0o777
            if mode & ~PRIVATE_MODE:
                os.chmod(p, mode & PRIVATE_MODE)
        except FileNotFoundError:
            continue
        except PermissionError:  # not ours (read-only inspection by another user): leave it
            continue


def make_engine(path: Path | str) -> Engine:
    engine = create_engine(f"sqlite+pysqlite:///{path}",
                           connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        apply_pragmas(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


class Database:
    """Engine plus two session factories: ``read()`` and ``write()``.

    One session per user action: ``with db.write() as s: ...`` commits at the end of
    the block or rolls everything back on an exception.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if str(path) != ":memory:" and self.path.parent.is_dir():
            create_private(self.path)
        self.engine = make_engine(self.path)
        self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        self._commit_checks: list = []
        self._readers: dict[int, sqlite3.Connection] = {}  # thread id -> its reader()
        self._readers_lock = threading.Lock()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._write() as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in a BEGIN IMMEDIATE transaction, for hot paths that
        need no ORM (checkout)."""
        with self._write_engine.begin() as conn:
            yield conn

    def on_write_commit(self, fn) -> None:  # noqa: ANN001 - fn(sqlite3 connection, flags)
        """Run ``fn(conn, flags)`` before every ``write()`` transaction commits (``flags``:
        the session's ``info``) and wherever ``check_commit`` is called; an exception
        from it rolls the transaction back (kiosk/services/sync_edits.py)."""
        if not self._commit_checks:
            def before_commit(session: Session) -> None:
                session.flush()  # the ORM flushes after this hook: its pending changes first
                self.check_commit(session.connection().connection.driver_connection, session.info)

            event.listen(self._write, "before_commit", before_commit)
        self._commit_checks.append(fn)

    def check_commit(self, conn: sqlite3.Connection, flags: dict | None = None) -> None:
        """Writers on a raw connection call this just before their COMMIT."""
        for fn in self._commit_checks:
            fn(conn, flags or {})

    def raw_connection(self) -> sqlite3.Connection:
        """A plain sqlite3 connection with the same pragmas (backups, benchmarks)."""
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        apply_pragmas(conn)
        return conn

    def reader(self) -> sqlite3.Connection:
        """This thread's plain sqlite3 connection for hot one-statement reads (a scanned
        barcode): no session and no transaction around the SELECT, which sees one
        snapshot by itself; read-only. A session costs ten times the look-up itself
        (issue 18's lookup_ratio). Closed by dispose()."""
        ident = threading.get_ident()
        conn = self._readers.get(ident)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                   check_same_thread=False)  # dispose() may close it from another thread
            apply_pragmas(conn)
            conn.execute("PRAGMA query_only=ON")
            with self._readers_lock:
                alive = {t.ident for t in threading.enumerate()}
                for gone in [t for t in self._readers if t not in alive]:  # threads that ended
                    self._readers.pop(gone).close()
                self._readers[ident] = conn
        return conn

    def dispose(self) -> None:
        with self._readers_lock:
            while self._readers:
                self._readers.popitem()[1].close()
        self.engine.dispose()
