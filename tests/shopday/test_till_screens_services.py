"""What the Caja screens ask of TillSessions besides the CLI's acts: a cashier's cash
out over the drawer, authorised by a manager's PIN, may be forced; the X report printed;
a Z reprinted as a copy (the reprint act)."""

from __future__ import annotations

import pytest

from kiosk.core.staff_errors import ActNotPermitted
from kiosk.core.permissions import Act
from kiosk.services.access import Grant
from kiosk.services.till_sessions import CashOutOverDrawer, NoOpenSession


def count(day, table: str) -> int:  # noqa: ANN001
    from sqlalchemy import text

    with day.db.read() as s:
        return s.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()


def test_a_manager_authorises_a_cashiers_cash_out_over_the_drawer(day, cashier, manager) -> None:
    day.sessions.open(cashier, amount=1000)
    with pytest.raises(ActNotPermitted):  # a cashier lacks cash in/out
        day.sessions.cash_movement(cashier, "out", 5000, "supplier", force=True)
    authorised = cashier.with_grant(Grant(Act.CASH_IN_OUT, manager, cashier.id))
    with pytest.raises(CashOutOverDrawer):
        day.sessions.cash_movement(authorised, "out", 5000, "supplier")
    assert count(day, "cash_movements") == 0
    moved = day.sessions.cash_movement(authorised, "out", 5000, "supplier", force=True)  # the grant was not spent
    assert moved.expected_after == -4000
    with pytest.raises(ActNotPermitted):  # spent now
        day.sessions.cash_movement(authorised, "out", 1, "supplier")


def test_print_x_and_reprint_z(day, cashier, manager) -> None:
    with pytest.raises(NoOpenSession):
        day.sessions.print_x(manager)
    day.sessions.open(cashier, amount=1000)
    with pytest.raises(ActNotPermitted):  # the X shows the expected cash: a manager's
        day.sessions.print_x(cashier)
    job = day.sessions.print_x(manager)
    assert b"INFORME X" in day.printing.payload(job)
    assert day.sessions.current() is not None  # nothing reset
    z = day.sessions.close(manager, counted=1000)
    copy = day.sessions.reprint_z(z.number, cashier)  # cashiers may reprint
    text = day.printing.payload(copy).decode("cp850", errors="replace")
    assert f"INFORME Z {z.number}" in text and "COPIA" in text
    assert count(day, "z_reports") == 1
