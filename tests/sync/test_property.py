"""A property: any interleaving of sales, staff price edits, pushes, pulls, failed
pushes (a refused password) and pushes killed between the server's commit and the
till's, on two tills, ends — once the server answers again and both push and pull —
with the server holding every document of both tills exactly once, its stock equal to
the sum of both ledgers, and both tills showing that stock and the server's prices."""

from __future__ import annotations

from collections import Counter

import psycopg
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from kiosk.services.sync_link import Credentials, read_credentials, register
from kiosk.services.sync_pull import pull
from kiosk.services.sync_push import push, waiting_count
from tests.sync.tills import SKUS, make_till, sell


class Killed(Exception):
    pass


def _kill(_batches: int) -> None:
    raise Killed  # as a power cut after the server's commit: the till never marks the batch


OPS = st.lists(st.tuples(st.sampled_from(["sell", "push", "pull", "fail", "kill", "edit"]), st.integers(0, 1),
                         st.integers(1, 3)), min_size=1, max_size=12)


def test_any_interleaving_ends_with_server_and_tills_agreeing(tmp_path, server_url):
    tills = [make_till(tmp_path, None, n) for n in ("a", "b")]
    try:
        for n, till in enumerate(tills, start=1):
            register(till.db, till.state_dir, server_url, f"Caja {n}")

        @settings(max_examples=12, database=None)
        @given(OPS)
        def run(ops: list[tuple[str, int, int]]) -> None:
            for op, who, n in ops:
                till = tills[who]
                if op == "sell":
                    sell(till, n, SKUS[n % 2])
                elif op == "push":
                    assert push(till.db, till.state_dir, batch=5 * n).ok
                elif op == "pull":
                    assert pull(till.db, till.state_dir).ok
                elif op == "edit":  # a staff edit: to the server first, down to both by the pulls
                    pid = till.catalog.by_sku(SKUS[n % 2]).id
                    d = till.inventory.product_draft(pid)
                    d.price += n
                    admin = next(u for u in till.users.users() if u.role == "admin")
                    till.inventory.update_product(pid, d, admin)
                elif op == "fail":
                    c = read_credentials(till.state_dir)
                    wrong = Credentials(c.url.replace("@", "x@", 1), c.till_id, c.till_name)
                    before = waiting_count(till.db)
                    refused = push(till.db, till.state_dir, credentials=wrong)
                    assert refused.ok == (before == 0)  # with nothing waiting, it does not connect
                    assert waiting_count(till.db) == before
                else:
                    try:
                        push(till.db, till.state_dir, batch=n, _committed=_kill)
                    except Killed:
                        pass
            for till in tills:
                assert push(till.db, till.state_dir).ok and waiting_count(till.db) == 0
            with psycopg.connect(server_url) as conn:
                server = [r[0] for r in conn.execute("SELECT uuid FROM documents")]
                stock = Counter(dict(conn.execute("SELECT sku, sum(quantity)::bigint FROM stock_movements "
                                                  "GROUP BY sku").fetchall()))
            local, ledger = [], Counter()
            for till in tills:
                with till.db.read() as s:
                    local += list(s.execute(text("SELECT doc_uuid FROM sync_outbox")).scalars())
                    ledger += Counter(dict(s.execute(text(
                        "SELECT p.sku, sum(m.quantity) FROM stock_movements m JOIN products p "
                        "ON p.id = m.product_id GROUP BY p.sku")).all()))
            assert len(server) == len(set(server)) and sorted(server) == sorted(local)
            assert stock == ledger
            # after a pull, each till shows the shop's stock and the shop's prices
            with psycopg.connect(server_url) as conn:
                prices = dict(conn.execute("SELECT sku, price FROM products").fetchall())
            for till in tills:
                assert pull(till.db, till.state_dir).ok
                for sku in SKUS:
                    assert till.catalog.by_sku(sku).stock == stock[sku]
                    assert till.catalog.by_sku(sku).price == prices.get(sku, till.catalog.by_sku(sku).price)

        run()
    finally:
        for till in tills:
            till.close()
