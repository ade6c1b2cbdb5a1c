"""The outbox is written in the same transaction as each document (triggers), only
while the till is registered, for every kind of document; and every kind goes up
whole to a real server."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from db.models import StockMovement, SyncLink, utcnow
from kiosk.core.cart import Cart
from kiosk.core.errors import DomainError
from kiosk.core.payments import PaymentMethod, Tender
from kiosk.services.access import TECHNICIAN
from kiosk.services.sync_link import register
from kiosk.services.sync_push import push
from tests.sync.tills import SKUS, make_till, sell


def _link(app) -> None:  # noqa: ANN001
    """What registration leaves in the till's database (no server needed here)."""
    with app.db.write() as s:
        s.add(SyncLink(id=1, server_till_id=7, server="test:5432/shop", till_name="Caja", registered_at=utcnow()))


def _outbox(app) -> list[tuple[str, str]]:  # noqa: ANN001
    with app.db.read() as s:
        return [tuple(r) for r in s.execute(text("SELECT kind, doc_uuid FROM sync_outbox ORDER BY id"))]


@pytest.fixture
def till(tmp_path):
    app = make_till(tmp_path, None, "t")
    yield app
    app.close()


def test_each_document_is_queued_in_its_own_transaction_and_a_rolled_back_one_is_not(till):
    _link(till)
    sale_id = sell(till, 1, SKUS[0], qty=2)[0]
    with till.db.read() as s:
        sale_uuid = s.execute(text("SELECT uuid FROM sales WHERE id = :i"), {"i": sale_id}).scalar()
        move_uuid = s.execute(text("SELECT uuid FROM stock_movements WHERE sale_id = :i"), {"i": sale_id}).scalar()
    queued = _outbox(till)
    assert ("sale", sale_uuid) in queued and ("stock_movement", move_uuid) in queued
    before = len(queued)
    # a sale refused (not paid in full) writes nothing, so queues nothing
    cart = Cart()
    cart.add(till.catalog.by_sku(SKUS[0]), 1)
    with pytest.raises(DomainError):
        till.sales.checkout(cart, [Tender(PaymentMethod.CASH, 1)], sale_id and 1)
    # a transaction that fails after writing a document takes its outbox row with it
    with pytest.raises(RuntimeError), till.db.write() as s:
        s.add(StockMovement(product_id=till.catalog.by_sku(SKUS[0]).id, quantity=5, reason="restock"))
        s.flush()
        assert s.execute(text("SELECT count(*) FROM sync_outbox")).scalar() == before + 1
        raise RuntimeError("power cut")
    assert len(_outbox(till)) == before


def test_a_till_working_alone_queues_nothing(till):
    sell(till, 2)
    till.sessions.cash_movement(TECHNICIAN, "in", 1000, "change")
    assert _outbox(till) == []


def test_the_outbox_is_never_deleted(till):
    _link(till)
    sell(till, 1)
    conn = till.db.raw_connection()
    try:
        import sqlite3

        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            conn.execute("DELETE FROM sync_outbox")
    finally:
        conn.close()


def test_every_kind_of_document_goes_up_whole(till, server_url):
    register(till.db, till.state_dir, server_url, "Caja 1")
    sell(till, 3, SKUS[0], qty=2)
    with till.db.read() as s:
        sale_numbers = list(s.execute(text("SELECT number FROM sales ORDER BY id DESC LIMIT 3")).scalars())
    admin = till.users.authenticate(till.settings.security.default_admin_pin)
    till.returns.make_return(admin, sale_numbers[0], [(1, 1)], "damaged")
    till.returns.void(admin, sale_numbers[1], "wrong customer")
    till.sessions.cash_movement(TECHNICIAN, "in", 1000, "change")
    till.sessions.close(TECHNICIAN, counted=0, note="test")
    result = push(till.db, till.state_dir)
    assert result.ok and result.waiting == 0
    with psycopg.connect(server_url) as conn:
        kinds = dict(conn.execute("SELECT kind, count(*) FROM documents GROUP BY kind").fetchall())
        ret = conn.execute("SELECT payload FROM documents WHERE kind = 'return'").fetchone()[0]
        void = conn.execute("SELECT payload FROM documents WHERE kind = 'void'").fetchone()[0]
        z = conn.execute("SELECT number, payload FROM documents WHERE kind = 'z_report'").fetchone()
    assert {"sale", "stock_movement", "return", "void", "cash_movement", "till_session", "z_report",
            "audit"} <= set(kinds)
    assert ret["lines"][0]["sku"] == SKUS[0] and ret["lines"][0]["quantity"] == 1 and ret["sale_uuid"]
    assert ret["payments"] and void["sale_uuid"] and void["reason"] == "wrong customer"
    assert z[0] == 1 and z[1]["session_uuid"]
