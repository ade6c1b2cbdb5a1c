"""kiosk-admin server init and till register against a real PostgreSQL: the schema
by Alembic, the tills' group role and its rights, per-till roles, the 0600
credentials file, and a till that works alone staying exactly as before."""

from __future__ import annotations

import stat

import psycopg
import pytest
from sqlalchemy import text

from db.server.admin import ServerError, group_role, head_revision, init_server, parse_url, register_till
from kiosk.services.sync_link import CREDENTIALS_MODE, read_credentials, register
from tests.sync.tills import make_till, sell


def _dbname(url: str) -> str:
    return parse_url(url).database


def test_init_creates_the_schema_and_roles_and_is_idempotent(pg_server):
    first = init_server(pg_server)
    assert first.before is None and first.after == head_revision() == "s0003_reports"
    again = init_server(pg_server)
    assert again.before == again.after == head_revision()
    with psycopg.connect(pg_server) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"tills", "documents", "stock_movements", "categories", "products", "customers", "users",
                "settings"} <= tables
        group = group_role(_dbname(pg_server))
        assert conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (group,)).fetchone() == (False,)
        rights = {(r[0], r[1]) for r in conn.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = %s",
            (group,))}
    edited = ("categories", "products", "customers", "users", "settings")  # staff edits, never deletes
    assert rights == {("documents", "INSERT"), ("stock_movements", "INSERT"), ("tills", "SELECT"),
                      *((t, p) for t in edited for p in ("SELECT", "INSERT", "UPDATE"))}


def test_bad_urls_and_an_unreachable_server_are_explained(pg_cluster, tmp_path):
    with pytest.raises(ServerError, match="not a PostgreSQL URL"):
        init_server("mysql://a@b/c")
    with pytest.raises(ServerError, match="names no database"):
        init_server("postgresql://a:b@127.0.0.1")
    with pytest.raises(ServerError, match="cannot be reached"):
        init_server("postgresql://a:b@127.0.0.1:1/shop")
    with pytest.raises(ServerError, match="refused the password"):
        init_server(pg_cluster.url(password="wrong"))


def test_register_before_init_is_refused_with_a_clear_message(pg_server):
    with pytest.raises(ServerError, match="server init"):
        register_till(pg_server, "Caja 1", "8d1c4c4e-0d8a-4c4e-9d0a-000000000001")


def test_a_till_role_may_insert_its_own_documents_and_read_shared_data_nothing_else(server_url):
    reg = register_till(server_url, "Caja 1", "8d1c4c4e-0d8a-4c4e-9d0a-000000000001")
    other = register_till(server_url, "Caja 2", "8d1c4c4e-0d8a-4c4e-9d0a-000000000002")
    doc = ("INSERT INTO documents (uuid, till_id, kind, created_at, payload) "
           "VALUES (%s, %s, 'sale', now(), '{}') ON CONFLICT DO NOTHING")
    with psycopg.connect(reg.login_url, autocommit=True) as conn:
        conn.execute(doc, ("00000000-0000-4000-8000-000000000001", reg.till_id))
        conn.execute(doc, ("00000000-0000-4000-8000-000000000001", reg.till_id))  # a replay: nothing
        assert conn.execute("SELECT count(*) FROM tills").fetchone() == (2,)
        conn.execute("SELECT count(*) FROM products")
        for stmt, args in ((doc, ("00000000-0000-4000-8000-000000000002", other.till_id)),
                           ("SELECT * FROM documents", None), ("DELETE FROM documents", None),
                           ("UPDATE documents SET kind = 'x'", None), ("DELETE FROM products", None),
                           ("SELECT * FROM stock_movements", None),
                           ("UPDATE tills SET name = 'x'", None), ("CREATE TABLE mine (x int)", None)):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(stmt, args)
    with psycopg.connect(server_url) as conn:
        assert conn.execute("SELECT till_id FROM documents").fetchall() == [(reg.till_id,)]


def test_register_writes_a_private_credentials_file_and_queues_what_the_till_already_wrote(
        server_url, tmp_path, base_state):
    till = make_till(tmp_path, base_state, "a")
    try:
        sell(till, 2)
        with till.db.read() as s:
            assert s.execute(text("SELECT count(*) FROM sync_outbox")).scalar() == 0  # alone: nothing queued
        joined = register(till.db, till.state_dir, server_url, "Caja 1")
        assert joined.new and joined.queued > 0
        mode = stat.S_IMODE(joined.credentials.stat().st_mode)
        assert mode == CREDENTIALS_MODE == 0o600
        creds = read_credentials(till.state_dir)
        assert creds.till_id == joined.till_id and creds.till_name == "Caja 1"
        assert parse_url(creds.url).username == joined.role
        with till.db.read() as s:
            kinds = dict(s.execute(text("SELECT kind, count(*) FROM sync_outbox GROUP BY kind")).all())
        assert kinds["sale"] == 2 and kinds["stock_movement"] >= 2
        # joining again: the same till id, a new password, nothing queued twice
        again = register(till.db, till.state_dir, server_url, "Caja 1")
        assert (again.till_id, again.new, again.queued) == (joined.till_id, False, 0)
        assert read_credentials(till.state_dir).url != creds.url
        # another till cannot take the name
        other = make_till(tmp_path, base_state, "b")
        try:
            with pytest.raises(ServerError, match="already called 'Caja 1'"):
                register(other.db, other.state_dir, server_url, "Caja 1")
        finally:
            other.close()
    finally:
        till.close()
