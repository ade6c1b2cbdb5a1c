"""Till sessions: Abrir caja, cash in/out, X report, Cerrar caja with a blind count and
the Z report (kiosk/services/till_sessions.py), on a real migrated database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from hardware.printer.decode import decode
from kiosk.core.staff_errors import ActNotPermitted
from kiosk.core.till_day import NegativeCount, NoteRequired
from kiosk.services.till_sessions import (
    CashOutOverDrawer,
    NoOpenSession,
    NothingToClose,
    ReasonRequired,
    SessionAlreadyOpen,
)
from tests.invariants import check_invariants
from tests.shopday.helpers import sell

REFUSED = (IntegrityError, OperationalError)  # a trigger's RAISE(ABORT)


def count(app, table: str) -> int:
    with app.db.read() as s:
        return s.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()


def job_text(app, job_id: int) -> str:
    return "\n".join(line.text for line in decode(app.printing.payload(job_id)).lines)


def test_selling_without_an_open_session_is_refused_with_the_way_to_open_it(day, cashier):
    with pytest.raises(NoOpenSession) as err:
        sell(day, cashier)
    assert "Abrir caja" in str(err.value)
    assert count(day, "sales") == 0 and count(day, "payments") == 0
    day.sessions.open(cashier, amount=10000)
    result = sell(day, cashier)
    with day.db.read() as s:
        sid = s.execute(text("SELECT session_id FROM sales WHERE id = :i"), {"i": result.sale_id}).scalar()
    assert sid == day.sessions.current().id
    check_invariants(day.db)


def test_one_open_session_per_till(day, cashier, manager):
    day.sessions.open(cashier, amount=5000)
    with pytest.raises(SessionAlreadyOpen) as err:
        day.sessions.open(manager, amount=0)
    assert "Carla" in str(err.value)
    with pytest.raises(IntegrityError), day.db.write() as s:  # the partial unique index, too
        s.execute(text("INSERT INTO till_sessions (uuid, till_id, status, business_date, opened_at, opening_float, "
                       "float_counts, auto_opened, counted_counts, note) VALUES "
                       "('x', 1, 'open', '2026-01-01', '2026-01-01 00:00:00', 0, '', 0, '', '')"))


def test_float_counted_by_denomination(day, cashier):
    with pytest.raises(NegativeCount):
        day.sessions.open(cashier, counts={1000: -1})
    assert day.sessions.current() is None
    info = day.sessions.open(cashier, counts={2000: 2, 500: 3, 25: 4})
    assert info.opening_float == 4000 + 1500 + 100
    assert day.sessions.expected_cash() == 5600


def test_cash_in_and_out_need_the_act_a_reason_and_print_a_slip_that_opens_the_drawer(day, cashier, manager):
    day.sessions.open(cashier, amount=10000)
    with pytest.raises(ActNotPermitted):
        day.sessions.cash_movement(cashier, "in", 1000, "change")
    with pytest.raises(ReasonRequired):
        day.sessions.cash_movement(manager, "in", 1000, "  ")
    moved = day.sessions.cash_movement(manager, "in", 2500, "change")
    assert moved.expected_after == 12500
    slip = decode(day.printing.payload(moved.print_job))
    assert slip.kicks, "the slip opens the drawer"
    slip_text = job_text(day, moved.print_job)
    assert "ENTRADA DE EFECTIVO" in slip_text and "Reposición de cambio" in slip_text and "$25,00" in slip_text
    out = day.sessions.cash_movement(manager, "out", 2500, "safe_drop")
    assert out.expected_after == 10000
    with day.db.read() as s:
        acts = [a for (a,) in s.execute(text("SELECT act FROM audit_log ORDER BY id"))]
    assert acts.count("cash_in") == 1 and acts.count("cash_out") == 1 and "till_opened" in acts
    with pytest.raises(REFUSED), day.db.write() as s:
        s.execute(text("UPDATE cash_movements SET amount = 1"))


def test_cash_out_larger_than_the_drawer_warns_and_needs_close_till(day, cashier, manager):
    from kiosk.core.permissions import Act
    from kiosk.services.access import Access
    from kiosk.core.permissions import Permissions, Role

    day.sessions.open(cashier, amount=1000)
    with pytest.raises(CashOutOverDrawer) as err:
        day.sessions.cash_movement(manager, "out", 5000, "supplier")
    assert "10" in str(err.value)  # names what the drawer should hold
    assert count(day, "cash_movements") == 0
    moved = day.sessions.cash_movement(manager, "out", 5000, "supplier", force=True)
    assert moved.expected_after == 1000 - 5000
    # a role with cash in/out but not close_till may not force it
    perms = Permissions({Role.CASHIER: frozenset({Act.SELL, Act.CASH_IN_OUT})})
    day.sessions.access = Access(perms)
    with pytest.raises(ActNotPermitted):
        day.sessions.cash_movement(cashier, "out", 99999, "supplier", force=True)


def test_blind_close_z_figures_and_expected_cash_equal_the_drawer_arithmetic(day, cashier, manager):
    day.sessions.open(cashier, amount=10000)
    drawer = 10000
    a = sell(day, cashier, ("ESP-DOB",), cash=1000)  # 120 -> 880 change
    drawer += 1000 - a.change
    b = sell(day, cashier, ("ESP-DOB", "SRV-DOM"), card=True)
    c = sell(day, cashier, ("ESP-DOB", "ESP-DOB"), cash=500)
    drawer += 500 - c.change
    day.sessions.cash_movement(manager, "in", 2000, "change")
    day.sessions.cash_movement(manager, "out", 700, "supplier")
    drawer += 2000 - 700
    x = day.sessions.x_report()
    assert x["figures"]["cash"]["expected"] == drawer
    assert day.sessions.x_report()["figures"] == x["figures"]  # X resets nothing
    counted = drawer + 20  # 0.20 over: below the 5.00 that needs a note
    z = day.sessions.close(manager, counted=counted, note="")
    assert z.number == 1 and z.expected == drawer and z.counted == counted
    assert z.difference == counted - drawer
    f = z.figures
    assert f["sales_count"] == 3 and (f["first_number"], f["last_number"]) == (a.number, c.number)
    assert f["gross"] == a.total + b.total + c.total == f["net"]
    assert sum(r["gross"] for r in f["by_rate"]) == f["gross"]
    assert sum(r["tax"] for r in f["by_rate"]) == f["tax_total"]
    assert {p["method"]: p["amount"] for p in f["payments"]} == {"cash": a.total + c.total, "card": b.total}
    assert f["by_cashier"] == [{"cashier": "Carla", "count": 3, "total": a.total + b.total + c.total}]
    assert f["header"]["opened_by"] == "Carla" and f["header"]["closed_by"] == "Mario"
    printed = job_text(day, z.print_job)
    assert "Z" in printed and "Mario" in printed
    assert day.sessions.current() is None
    with pytest.raises(NoOpenSession):
        sell(day, cashier)


def test_closing_twice_and_a_difference_without_a_note(day, cashier, manager):
    day.sessions.open(cashier, amount=10000)
    with pytest.raises(NoteRequired):  # 5.00 allowed without a note; 20.00 short is not
        day.sessions.close(manager, counted=8000)
    assert day.sessions.current() is not None and count(day, "z_reports") == 0
    with pytest.raises(NegativeCount):
        day.sessions.close(manager, counts={1000: -2})
    with pytest.raises(ActNotPermitted):
        day.sessions.close(cashier, counted=10000)
    z = day.sessions.close(manager, counted=8000, note="billete devuelto a proveedor")
    assert z.difference == -2000 and z.figures["note"] == "billete devuelto a proveedor"
    with pytest.raises(NothingToClose) as err:
        day.sessions.close(manager, counted=0)
    assert "1" in str(err.value)


def test_z_numbers_are_gap_free_per_till_and_z_rows_immutable(day, cashier, manager):
    numbers = []
    for _ in range(3):
        day.sessions.open(cashier, amount=0)
        sell(day, cashier)
        numbers.append(day.sessions.close(manager, counted=120).number)
    assert numbers == [1, 2, 3]
    assert [z.number for z in day.sessions.z_reports()] == [3, 2, 1]
    assert day.sessions.z_report(2).figures["sales_count"] == 1
    for sql in ("UPDATE z_reports SET figures = '{}'", "DELETE FROM z_reports",
                "UPDATE till_sessions SET counted = 0", "DELETE FROM till_sessions"):
        with pytest.raises(REFUSED), day.db.write() as s:
            s.execute(text(sql))


def test_auto_open_when_configured_says_so(day, cashier):
    day.sales.without_session = "open"
    result = sell(day, cashier)
    assert any("abri" in w.lower() or "opened" in w.lower() for w in result.warnings)
    info = day.sessions.current()
    assert info is not None and info.auto_opened and info.opening_float == 0
    with day.db.read() as s:
        assert s.execute(text("SELECT COUNT(*) FROM audit_log WHERE act = 'till_opened'")).scalar() == 1
    check_invariants(day.db)


def test_preclose_lists_parked_carts(day, cashier):
    day.sessions.open(cashier, amount=0)
    assert day.sessions.preclose().warnings() == []
