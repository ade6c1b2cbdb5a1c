"""The drawer count the Abrir caja / Cerrar caja screens edit, and the Resumen arithmetic."""

from __future__ import annotations

from kiosk.core.dashboard import DayFigures, busy_hours, change_percent, hour_buckets
from kiosk.core.drawer_count import DrawerCount


def test_plus_minus_typed_and_total() -> None:
    c = DrawerCount((50000, 10000, 500))
    c = c.plus(50000).plus(50000).plus(500).minus(10000)  # minus never goes below 0
    assert c.counts == (2, 0, 1)
    assert c.total == 100500
    c = c.select(10000).press("1").press("2").press("x")
    assert c.count(10000) == 12
    c = c.press("back")
    assert c.count(10000) == 1
    assert c.as_dict() == {50000: 2, 10000: 1, 500: 1}
    assert c.press("clear").count(10000) == 0
    assert c.cleared().is_empty and c.cleared().total == 0


def test_typing_is_capped_and_needs_a_selection() -> None:
    c = DrawerCount((100,))
    assert c.press("5") == c  # nothing selected: nothing typed
    c = c.select(100)
    for k in "123456":
        c = c.press(k)
    assert c.count(100) == 1234


def test_dashboard_arithmetic() -> None:
    assert DayFigures.of([100, 200, 301]).average == 200
    assert DayFigures.of([]).average == 0
    assert hour_buckets([(9, 100), (9, 50), (23, 1)])[9] == 150
    assert change_percent(150, 100) == 50
    assert change_percent(50, 100) == -50
    assert change_percent(1, 3) == -67
    assert change_percent(10, 0) is None
    assert list(busy_hours([0] * 24)) == list(range(8, 21))
    assert busy_hours([5 if h == 6 else 0 for h in range(24)]).start == 6
