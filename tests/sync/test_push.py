"""Up: documents go from the tills' outboxes to a real PostgreSQL server, once each,
whatever happens to the server or the network meanwhile."""

from __future__ import annotations

import json
from collections import Counter

import psycopg
import pytest
from sqlalchemy import text

from kiosk.services.sync_link import Credentials, read_credentials, register, write_credentials
from kiosk.services.sync_push import push, waiting_count
from kiosk.services.sync_status import sync_status, waiting_text
from tests.sync.tills import SKUS, make_till, registered_tills, sell


@pytest.fixture
def two_tills(server_url, tmp_path):
    with registered_tills(tmp_path, server_url) as tills:
        yield tills


def _server(url: str, sql: str, *args) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, args or None).fetchall()


def _local_uuids(app, table: str) -> set[str]:
    with app.db.read() as s:
        return set(s.execute(text(f"SELECT uuid FROM {table}")).scalars())  # noqa: S608


def _assert_arrived_in_outbox_order(till, server_url: str) -> None:  # noqa: ANN001
    till_id = read_credentials(till.state_dir).till_id
    with till.db.read() as s:
        local_order = list(s.execute(text("SELECT doc_uuid FROM sync_outbox ORDER BY id")).scalars())
    server_order = [r[0] for r in _server(
        server_url, "SELECT uuid FROM documents WHERE till_id = %s ORDER BY received_at, ctid", till_id)]
    assert server_order == local_order


def _ledger(app) -> Counter:
    with app.db.read() as s:
        rows = s.execute(text("SELECT p.sku, sum(m.quantity) FROM stock_movements m "
                              "JOIN products p ON p.id = m.product_id GROUP BY p.sku")).all()
    return Counter(dict(rows))


def test_two_tills_selling_then_pushing_every_document_arrives_once(two_tills, server_url):
    a, b = two_tills
    sell(a, 3, SKUS[0])
    sell(b, 2, SKUS[1], qty=2)
    sell(a, 1, SKUS[1])
    for till in two_tills:
        result = push(till.db, till.state_dir, batch=7)  # several batches
        assert result.ok and result.waiting == 0 and result.batches > 1
    docs = _server(server_url, "SELECT uuid, till_id, kind FROM documents")
    assert len(docs) == len({d[0] for d in docs})
    for till in two_tills:
        till_id = read_credentials(till.state_dir).till_id
        mine = {d[0] for d in docs if d[1] == till_id}
        for table in ("sales", "stock_movements", "audit_log"):
            assert _local_uuids(till, table) <= mine
        with till.db.read() as s:
            outbox = s.execute(text("SELECT count(*), count(sent_at) FROM sync_outbox")).one()
        assert outbox[0] == outbox[1] == len(mine)  # every outbox row sent, nothing deleted
    # the server's stock is the sum of both tills' ledgers
    server_stock = Counter(dict(_server(server_url, "SELECT sku, sum(quantity)::bigint FROM stock_movements "
                                                    "GROUP BY sku")))
    assert server_stock == _ledger(a) + _ledger(b)
    # a sale arrives whole: its lines, payments and taxes, with what its ids pointed at
    sale_id = sell(a, 1, SKUS[0], qty=3)[0]
    assert push(a.db, a.state_dir).ok
    with a.db.read() as s:
        sale_uuid, number = s.execute(text("SELECT uuid, number FROM sales WHERE id = :i"), {"i": sale_id}).one()
    (kind, num, payload), = _server(server_url, "SELECT kind, number, payload FROM documents WHERE uuid = %s",
                                    sale_uuid)
    assert (kind, num) == ("sale", number)
    assert [(ln["sku"], ln["quantity"]) for ln in payload["lines"]] == [(SKUS[0], 3)]
    assert payload["payments"][0]["method"] == "card" and payload["payments"][0]["amount"] == payload["total"]
    assert payload["session_uuid"] and payload["user"] and payload["till_id"] == read_credentials(a.state_dir).till_id


def test_the_same_batch_pushed_twice_doubles_nothing(two_tills, server_url):
    a, _ = two_tills
    sell(a, 4)
    first = push(a.db, a.state_dir)
    count = _server(server_url, "SELECT count(*) FROM documents")[0][0]
    moves = _server(server_url, "SELECT count(*), sum(quantity) FROM stock_movements")[0]
    with a.db.write() as s:  # as after a crash between the server's commit and ours
        s.execute(text("UPDATE sync_outbox SET sent_at = NULL"))
    second = push(a.db, a.state_dir)
    assert first.ok and second.ok and second.pushed == first.pushed == count
    assert _server(server_url, "SELECT count(*) FROM documents")[0][0] == count
    assert _server(server_url, "SELECT count(*), sum(quantity) FROM stock_movements")[0] == moves


def test_server_stopped_then_back_selling_goes_on_and_everything_arrives_once_in_order(
        two_tills, server_url, pg_cluster):
    a, b = two_tills
    sell(a, 2)
    assert push(a.db, a.state_dir, max_batches=1, batch=3).ok  # part of it went up
    pg_cluster.stop()
    try:
        sell(a, 3)  # selling does not need the server
        sell(b, 2)
        failed = push(a.db, a.state_dir)
        assert not failed.ok and "cannot be reached" in failed.error and failed.waiting > 0
        st = sync_status(a.db, a.state_dir, probe=True)
        assert st.reachable is False and "cannot be reached" in st.last_error and st.waiting_sales == 5
        assert waiting_text(st).startswith("5 ventas sin enviar desde ")
    finally:
        pg_cluster.start()
    for till in two_tills:
        ok = push(till.db, till.state_dir, batch=4)
        assert ok.ok and ok.waiting == 0
        assert sync_status(till.db, till.state_dir).last_error == ""
    docs = _server(server_url, "SELECT uuid FROM documents")
    assert len(docs) == len(set(docs))
    for till in two_tills:
        assert _local_uuids(till, "sales") <= {d[0] for d in docs}
    # in order per till: the server received each till's documents in its outbox order
    for till in two_tills:
        _assert_arrived_in_outbox_order(till, server_url)


def test_a_wrong_password_is_said_clearly_and_selling_goes_on(two_tills, server_url, capsys, monkeypatch):
    a, _ = two_tills
    creds = read_credentials(a.state_dir)
    wrong = creds.url.replace(creds.url.split(":")[2].split("@")[0], "not-the-password")
    write_credentials(a.state_dir, Credentials(wrong, creds.till_id, creds.till_name))
    sold = sell(a, 2)
    result = push(a.db, a.state_dir)
    assert not result.ok and "refused the password" in result.error and "register the till again" in result.error
    assert result.waiting == waiting_count(a.db) > 0
    st = sync_status(a.db, a.state_dir, probe=True)
    assert st.reachable is False and "refused the password" in st.reachable_error
    assert "refused the password" in st.last_error and st.waiting_sales >= len(sold)
    # the technician sees it from kiosk-admin as well
    from kiosk.cli.main import main

    monkeypatch.setenv("STATE_DIRECTORY", str(a.state_dir))
    monkeypatch.setenv("HOME", str(a.state_dir))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    capsys.readouterr()
    assert main(["sync", "now"]) == 1
    assert "refused the password" in capsys.readouterr().out
    assert main(["sync", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["reachable"] is False and status["waiting_sales"] >= 2
    assert status["waiting_text"].startswith(f"{status['waiting_sales']} ventas sin enviar desde ")
    # registered again (new password): everything goes up
    register(a.db, a.state_dir, server_url, "Caja 1")
    assert push(a.db, a.state_dir).ok and waiting_count(a.db) == 0
    assert _local_uuids(a, "sales") <= {r[0] for r in _server(server_url, "SELECT uuid FROM documents")}


def test_a_till_without_a_server_writes_no_outbox_and_says_so(tmp_path, base_state, monkeypatch, capsys):
    till = make_till(tmp_path, base_state, "alone")
    try:
        sell(till, 2)
        assert waiting_count(till.db) == 0
        st = sync_status(till.db, till.state_dir, probe=True)
        assert not st.registered and waiting_text(st) == ""
        result = push(till.db, till.state_dir)
        assert not result.ok and "no shop server" in result.error
    finally:
        till.close()
    from kiosk.cli.main import main

    monkeypatch.setenv("STATE_DIRECTORY", str(till.state_dir))
    monkeypatch.setenv("HOME", str(till.state_dir))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    capsys.readouterr()
    assert main(["sync", "status"]) == 0
    assert "no shop server" in capsys.readouterr().out
    assert main(["sync", "now"]) == 1
    assert "no shop server" in capsys.readouterr().err


@pytest.mark.parametrize("revoke, expected", [
    ('ALTER ROLE "{role}" NOLOGIN', "does not accept this till's role any more"),
    ('REVOKE "{group}" FROM "{role}"', "does not accept this till's role any more"),
])
def test_a_revoked_till_is_told_why_and_selling_goes_on(two_tills, server_url, revoke, expected):
    from db.server.admin import group_role, parse_url

    a, _ = two_tills
    role = parse_url(read_credentials(a.state_dir).url).username
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(revoke.format(role=role, group=group_role(parse_url(server_url).database)))
    sell(a, 2)
    result = push(a.db, a.state_dir)
    assert not result.ok and expected in result.error and result.waiting > 0
    assert expected in sync_status(a.db, a.state_dir).last_error
    sell(a, 1)  # still selling
    assert waiting_count(a.db) > result.waiting


def test_the_server_killed_mid_batch_loses_and_doubles_nothing(two_tills, server_url, pg_cluster):
    """The server dies (``pg_ctl stop -m immediate``: no shutdown, like a power cut) while a
    batch's INSERT is running: that batch is rolled back there and stays waiting here; the
    next push sends it again, once, in order."""
    import threading

    from tests.hardware.scale.helpers import wait_for

    a, _b = two_tills
    sell(a, 4)
    with psycopg.connect(server_url, autocommit=True) as conn:  # the owner: stall batch 2's INSERT
        conn.execute("CREATE TABLE stall_flag (on_ boolean)")
        conn.execute("GRANT SELECT ON stall_flag TO PUBLIC")
        conn.execute("CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                     "IF EXISTS (SELECT 1 FROM stall_flag) THEN PERFORM pg_sleep(120); END IF; RETURN NULL; END $$")
        conn.execute("CREATE TRIGGER stall BEFORE INSERT ON documents FOR EACH STATEMENT EXECUTE FUNCTION stall()")

    def after_batch(n: int) -> None:  # batch 1 is on the server: the next one will stall
        if n == 0:
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute("INSERT INTO stall_flag VALUES (true)")

    def kill_when_stalled() -> None:
        def stalled() -> bool:
            rows = _server(server_url, "SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
            return bool(rows)
        wait_for(stalled, timeout=120, what="the second batch inside its INSERT")
        pg_cluster.stop("immediate")

    killer = threading.Thread(target=kill_when_stalled, daemon=True)
    killer.start()
    try:
        result = push(a.db, a.state_dir, batch=3, _committed=after_batch)
        killer.join(180)
        assert not result.ok and result.batches == 1 and result.waiting > 0
    finally:
        if not pg_cluster.running:
            pg_cluster.start()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute("DELETE FROM stall_flag")
    again = push(a.db, a.state_dir, batch=3)
    assert again.ok and again.waiting == 0
    docs = [r[0] for r in _server(server_url, "SELECT uuid FROM documents")]
    assert len(docs) == len(set(docs)) and _local_uuids(a, "sales") <= set(docs)
    _assert_arrived_in_outbox_order(a, server_url)
