"""Setting up the shop server (PostgreSQL): its schema by Alembic, its roles and
their rights, and the tills that join it. Run with an owner's URL (the database's
owner or a superuser) by ``kiosk-admin server init`` and ``kiosk-admin till register``.

Rights: one group role per shop database (``<database>_tills``, no login) may read the
shared data (tills, categories, products, customers, users, settings), insert and
update the shared rows staff edit (never delete them), read the other tills' stock
totals (``kiosk_stock_since``) and insert documents and stock movements, nothing else; row security lets a till insert only rows carrying its own till id.
Each till logs in with its own role (``<database>_till_<id>``), a member of the group,
whose password (stored scram-sha-256 by PostgreSQL) only that till knows.

Reports across tills: a second group role (``<database>_report``, no login) may read
every till's documents and stock movements (and the shared data), nothing else; a
manager's login (``<database>_reader_<name>``, ``kiosk-admin server reader``) is a
member of it. A till's own role still reads no document at all."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "kiosk_server_version"
SHARED_TABLES = ("tills", "categories", "products", "customers", "users", "settings")
# The shared rows a till's staff may edit (insert or update, never delete): written on
# the server first, through the till's own role (kiosk/services/sync_edits.py).
EDITABLE_TABLES = ("categories", "products", "customers", "users", "settings")
DOCUMENT_TABLES = ("documents", "stock_movements")


class ServerError(Exception):
    """A problem with the server's URL or its answer, in words for the technician."""


def parse_url(url: str) -> URL:
    """``postgresql://user:password@host:port/database`` (``postgres://`` too) as a
    SQLAlchemy URL on psycopg 3."""
    try:
        u = make_url(url.strip())
    except Exception as exc:  # noqa: BLE001 - sqlalchemy raises ArgumentError and ValueError
        raise ServerError(f"not a PostgreSQL URL: {url!r} (expected postgresql://user:password@host/database)") \
            from exc
    if u.get_backend_name() not in ("postgresql", "postgres"):
        raise ServerError(f"not a PostgreSQL URL: {u.render_as_string(hide_password=True)!r} "
                          "(expected postgresql://user:password@host/database)")
    if not u.database:
        raise ServerError("the URL names no database (postgresql://user:password@host/DATABASE)")
    return u.set(drivername="postgresql+psycopg")


def shown(url: URL | str) -> str:
    """host:port/database, for messages and the till's status (never a password)."""
    u = parse_url(url) if isinstance(url, str) else url
    return f"{u.host or 'localhost'}:{u.port or 5432}/{u.database}"


def make_server_engine(url: URL | str, *, connect_timeout: int = 10) -> Engine:
    u = parse_url(url) if isinstance(url, str) else url
    return create_engine(u, connect_args={"connect_timeout": connect_timeout, "application_name": "kiosk"},
                         pool_pre_ping=True)


def _ident(text_: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", text_.lower())[:40]


def group_role(database: str) -> str:
    return f"{_ident(database)}_tills"


def till_role(database: str, till_id: int) -> str:
    return f"{_ident(database)}_till_{till_id}"


def report_role(database: str) -> str:
    return f"{_ident(database)}_report"


def reader_role(database: str, name: str) -> str:
    return f"{_ident(database)}_reader_{_ident(name)[:20]}"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _login_role(conn, role: str, password: str, group: str) -> None:  # noqa: ANN001
    """Create ``role`` (or give it a new password) as a login member of ``group``."""
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    verb = "ALTER" if exists else "CREATE"
    # A literal, not a parameter (utility statements take none); the password is
    # URL-safe base64, so it holds no quote.
    conn.exec_driver_sql(f"{verb} ROLE \"{role}\" LOGIN PASSWORD '{password}'")
    conn.exec_driver_sql(f'GRANT "{group}" TO "{role}"')


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


@dataclass(frozen=True)
class InitResult:
    server: str
    before: str | None
    after: str
    group_role: str
    report_role: str


def init_server(url: str) -> InitResult:
    """Create or upgrade the schema, then (again, idempotently) the tills' group role,
    its rights and the row-security policies, in one transaction."""
    u = parse_url(url)
    engine = make_server_engine(u)
    group = group_role(u.database)
    try:
        with engine.begin() as conn:
            before = current_revision(conn)
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            _grant(conn, u.database, group)
    except ServerError:
        raise
    except Exception as exc:  # noqa: BLE001 - connection and permission errors, in words
        raise ServerError(explain(exc, u)) from exc
    finally:
        engine.dispose()
    return InitResult(shown(u), before, head_revision(), group, report_role(u.database))


def _grant(conn: Connection, database: str, group: str) -> None:
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": group}).scalar()
    if not exists:
        conn.exec_driver_sql(f'CREATE ROLE "{group}" NOLOGIN')
    conn.exec_driver_sql(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
    conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO "{group}"')
    conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{group}"')
    reports = report_role(database)
    if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": reports}).scalar():
        conn.exec_driver_sql(f'CREATE ROLE "{reports}" NOLOGIN')
    conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO "{reports}"')
    conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{reports}"')
    for table in (*SHARED_TABLES, *DOCUMENT_TABLES, VERSION_TABLE):
        conn.exec_driver_sql(f'REVOKE ALL ON "{table}" FROM "{group}"')
        conn.exec_driver_sql(f'REVOKE ALL ON "{table}" FROM "{reports}"')
    for table in (*SHARED_TABLES, *DOCUMENT_TABLES):
        conn.exec_driver_sql(f'GRANT SELECT ON "{table}" TO "{reports}"')
    for table in SHARED_TABLES:
        conn.exec_driver_sql(f'GRANT SELECT ON "{table}" TO "{group}"')
    for table in EDITABLE_TABLES:
        conn.exec_driver_sql(f'GRANT INSERT, UPDATE ON "{table}" TO "{group}"')
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id') FROM information_schema.columns "
                                "WHERE table_schema = 'public' AND table_name = :t AND column_name = 'id'"),
                           {"t": table}).scalar()
        if seq:
            conn.exec_driver_sql(f"GRANT USAGE ON SEQUENCE {seq} TO \"{group}\"")
    conn.exec_driver_sql("REVOKE ALL ON FUNCTION kiosk_stock_since(bigint) FROM PUBLIC")
    conn.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION kiosk_stock_since(bigint) TO "{group}"')
    for table in DOCUMENT_TABLES:
        conn.exec_driver_sql(f'GRANT INSERT ON "{table}" TO "{group}"')
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        conn.exec_driver_sql(f'DROP POLICY IF EXISTS own_till ON "{table}"')
        conn.exec_driver_sql(f'CREATE POLICY own_till ON "{table}" FOR INSERT TO "{group}" '
                             "WITH CHECK (till_id = (SELECT t.id FROM tills t WHERE t.role = current_user))")
        conn.exec_driver_sql(f'DROP POLICY IF EXISTS all_tills_read ON "{table}"')
        conn.exec_driver_sql(f'CREATE POLICY all_tills_read ON "{table}" FOR SELECT TO "{reports}" USING (true)')


def add_reader(url: str, name: str) -> str:
    """A login for reports across tills (a manager's): role ``<database>_reader_<name>``
    in the report group, with a new random password (again: a new password). Returns
    its URL, with the password, for ``report daily --all-tills --server`` or the till's
    ``report-server.json``."""
    u = parse_url(url)
    if not re.fullmatch(r"[A-Za-z0-9_]{1,20}", name or ""):
        raise ServerError("a reader's name must have 1 to 20 letters, digits or underscores")
    role = reader_role(u.database, name)
    reports = report_role(u.database)
    password = secrets.token_urlsafe(24)
    engine = make_server_engine(u)
    try:
        with engine.begin() as conn:
            if current_revision(conn) is None:
                raise ServerError(f"{shown(u)} has no kiosk schema: run `kiosk-admin server init --url ...` first")
            if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": reports}).scalar():
                raise ServerError(f"{shown(u)} has no report role yet: run `kiosk-admin server init --url ...` again")
            _login_role(conn, role, password, reports)
    except ServerError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ServerError(explain(exc, u)) from exc
    finally:
        engine.dispose()
    return u.set(username=role, password=password, drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class Registration:
    till_id: int
    role: str
    login_url: str  # the till's own URL, with its password
    server: str
    new: bool


def register_till(url: str, name: str, till_uuid: str) -> Registration:
    """Join a till: its row (found again by its UUID when it registers twice, with a new
    password then) and its login role in the tills' group."""
    u = parse_url(url)
    name = name.strip()
    if not name or len(name) > 64:
        raise ServerError("a till's name must have 1 to 64 characters")
    engine = make_server_engine(u)
    group = group_role(u.database)
    password = secrets.token_urlsafe(24)
    try:
        with engine.begin() as conn:
            if current_revision(conn) is None:
                raise ServerError(f"{shown(u)} has no kiosk schema: run `kiosk-admin server init --url ...` first")
            row = conn.execute(text("SELECT id, name FROM tills WHERE uuid = :u"), {"u": till_uuid}).first()
            other = conn.execute(text("SELECT uuid FROM tills WHERE name = :n"), {"n": name}).scalar()
            if other is not None and other != till_uuid:
                raise ServerError(f"another till on {shown(u)} is already called {name!r}: choose another name")
            if row is None:
                till_id = conn.execute(text("SELECT nextval(pg_get_serial_sequence('tills', 'id'))")).scalar()
                role = till_role(u.database, till_id)
                conn.execute(text("INSERT INTO tills (id, uuid, name, role) VALUES (:i, :u, :n, :r)"),
                             {"i": till_id, "u": till_uuid, "n": name, "r": role})
            else:
                till_id = row.id
                role = till_role(u.database, till_id)
                conn.execute(text("UPDATE tills SET name = :n WHERE id = :i"), {"n": name, "i": till_id})
            _login_role(conn, role, password, group)
    except ServerError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ServerError(explain(exc, u)) from exc
    finally:
        engine.dispose()
    login = u.set(username=role, password=password, drivername="postgresql")
    return Registration(till_id, role, login.render_as_string(hide_password=False), shown(u), row is None)


def explain(exc: BaseException, url: URL | str) -> str:
    """The server's or the network's answer in one line a technician can act on."""
    where = shown(url)
    orig = getattr(exc, "orig", exc)
    msg = " ".join(str(orig).split())
    low = msg.lower()
    if "password authentication failed" in low:
        user = (parse_url(url) if isinstance(url, str) else url).username
        return (f"the server {where} refused the password of role {user!r} "
                "(wrong or changed password: register the till again)")
    if "is not permitted to log in" in low or ("role" in low and "does not exist" in low) \
            or "connect privilege" in low:
        return f"the server {where} does not accept this till's role any more ({msg}): register the till again"
    if "permission denied" in low or "must be owner" in low:
        return f"the server {where} refused: {msg}"
    if "connection refused" in low or "could not connect" in low or "timeout" in low or "timed out" in low \
            or "no route" in low or "name or service not known" in low or "server closed" in low \
            or "connection" in low and "failed" in low:
        return f"the server {where} cannot be reached ({msg})"
    return f"the server {where}: {msg}"
