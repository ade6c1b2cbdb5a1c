"""The shop day on the touchscreen (Caja): Cobrar with the till closed offers Abrir
caja; the float counted note by note; a cash sale; a cash out; Cerrar caja with a
blind count that comes out short, its required note, the Z stored and printed, its
reprint; then the Resumen dashboard on days of demo history. The database is checked
directly: the Z's expected cash is the drawer arithmetic."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from kiosk.i18n import _
from kiosk.services.access import TECHNICIAN
from tests.conftest import ADMIN_PIN, make_settings
from tests.invariants import check_invariants

REFUSE = {"without_session": "refuse", "note_over": "1", "report_on_close": False}


def count_row(ui, till, value: int):  # noqa: ANN001, ANN201
    """The CountRow on screen for ``value`` (rows are recycled as data changes)."""
    ui.frames(2)
    for view in till.ids.count_rows.children[0].children:
        if view.value == value:
            return view
    raise AssertionError(f"no count row for {value}")


def tap_plus(ui, till, value: int, times: int = 1) -> None:  # noqa: ANN001
    for _i in range(times):
        row = count_row(ui, till, value)
        ui.tap(ui.find_text("+", row))


def signed_in(make_ui, template: Path | None = None):  # noqa: ANN001, ANN201
    ui = make_ui(template, till=REFUSE)
    sessions = ui.app.context.sessions
    if sessions.current() is not None:  # the demo template's morning opening
        sessions.close(TECHNICIAN, counted=sessions.expected_cash(), note="start of the test")
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    ui.frames(3)
    return ui


def test_open_sell_cash_out_and_close_short_on_the_screens(make_ui) -> None:
    ui = signed_in(make_ui)
    app = ui.app
    sessions = app.context.sessions
    sell = ui.screen("sell")
    z_before = sessions.last_z_number()

    # 1. Cobrar with the till closed: a clear window with Abrir caja; the cart is kept.
    ui.search("pano")
    ui.tap(ui.tile("Paño de microfibra"))
    ui.tap(sell.ids.charge)
    from kiosk.ui.till import NoSessionPopup

    assert isinstance(app.modal, NoSessionPopup)
    assert ui.current == "sell"
    assert _("The till is not open") in ui.visible_texts(app.modal)
    ui.screenshot("till-no-session")
    ui.tap(app.modal.ids.nosession_open)
    ui.until(lambda: ui.current == "till", what="the Caja screen")
    till = ui.screen("till")
    assert len(app.cart) == 1

    # 2. Abrir caja counted: 2 x $20, 1 x $5 (+ and -), 3 x $1 typed on the keypad.
    ui.tap(till.ids.till_open)
    assert till.panel == "count"
    tap_plus(ui, till, 2000, 2)
    tap_plus(ui, till, 500, 2)
    ui.tap(ui.find_text("\u2212", count_row(ui, till, 500)))
    ui.tap(count_row(ui, till, 100))
    ui.keypad("3", till.ids.count_keypad)
    assert till.counting.as_dict() == {2000: 2, 500: 1, 100: 3}
    assert till.total_text == "$48,00"
    ui.screenshot("till-open-count")
    ui.tap(till.ids.count_confirm)
    ui.until(lambda: ui.current == "sell", what="back to the cart")
    info = sessions.current()
    assert info is not None and info.opening_float == 4800

    # 3. The cash sale: $1,20 paid with a $10 note.
    ui.tap(sell.ids.charge)
    assert ui.current == "checkout"
    ui.tap(ui.find_text("$10,00", ui.screen("checkout").ids.notes))
    ui.confirm_sale()
    ui.tap(ui.screen("done").ids.new_sale)
    ui.until(lambda: ui.current == "sell", what="the selling screen")

    # 4. Cash out $5 (safe drop) from Inventario -> Caja.
    ui.tap(sell.ids.topbar.ids.admin_entry)
    ui.until(lambda: ui.current == "staff", what="the staff menu")
    ui.tap(ui.screen("staff").ids.menu_till)
    ui.until(lambda: ui.current == "till", what="the Caja screen")
    ui.screenshot("till-home-open")
    ui.tap(till.ids.till_cash_out)
    assert till.panel == "cash"
    ui.tap(till.ids.cash_confirm)  # no reason yet: refused with a message, nothing stored
    ui.tap(till.ids.reason_safe_drop)
    ui.keypad("5", till.ids.cash_keypad)
    ui.screenshot("till-cash-out")
    ui.tap(till.ids.cash_confirm)
    ui.until(lambda: till.panel == "home", what="the cash out stored")

    # 5. Cerrar caja: the blind count shows no expected amount before it is confirmed.
    expected = 4800 + 120 - 500
    assert sessions.expected_cash() == expected
    ui.tap(till.ids.till_close)
    if till.panel == "preclose":
        ui.tap(till.ids.preclose_continue)
    assert till.panel == "count" and till.count_mode == "close"
    shown = " ".join(ui.visible_texts(till))
    assert "$44,20" not in shown and _("Expected cash") not in shown
    tap_plus(ui, till, 2000, 2)  # $40: $4,20 short
    ui.screenshot("till-close-count")
    ui.tap(till.ids.count_confirm)
    assert till.panel == "result"
    assert till.note_required and till.difference_kind == "short"
    assert till.expected_text == "$44,20" and till.counted_text == "$40,00"
    assert sessions.current() is not None  # nothing closed without the note
    ui.tap(till.ids.result_close)  # no note: refused
    assert sessions.current() is not None
    for ch in "ERROR":
        ui.tap(ui.find_text(ch, till.ids.note_keyboard), settle=0)
    ui.frames(2)
    assert till.note == "error"
    ui.screenshot("till-close-result")
    ui.tap(till.ids.result_close)
    ui.until(lambda: bool(till.closed_text), what="the Z stored")
    assert sessions.current() is None
    assert not till.ids.result_open_again.disabled  # the till asks to open again

    # 6. The Z: stored once, with the drawer arithmetic; printed.
    z = sessions.z_reports(1)[0]
    assert z.number == z_before + 1
    assert (z.expected, z.counted, z.difference) == (expected, 4000, -420)
    cash = z.figures["cash"]
    assert cash["float"] == 4800 and cash["cash_out"] == 500
    assert cash["expected"] == cash["float"] + cash["cash_sales"] + cash["cash_in"] - cash["cash_out"] - cash.get(
        "cash_refunds", 0)
    assert z.figures["note"] == "error"
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    try:
        assert db.execute("SELECT kind, amount, reason FROM cash_movements").fetchall() == [("out", 500, "safe_drop")]
        assert db.execute("SELECT COUNT(*) FROM z_reports WHERE number = ?", (z.number,)).fetchone()[0] == 1
        assert db.execute("SELECT status, counted, difference FROM till_sessions WHERE id = ?",
                          (z.session_id,)).fetchone() == ("closed", 4000, -420)
    finally:
        db.close()
    app.wait_printing()
    ui.until(lambda: "Z" in ui.printed().decode("cp850", errors="replace"), what="the printed Z")

    # 7. Closing twice is impossible: the screen offers Abrir caja only.
    till.home()
    ui.frames(2)
    assert till.ids.till_close.disabled and till.ids.till_x.disabled and not till.ids.till_open.disabled

    # 8. The list of Z reports and a reprint.
    ui.tap(till.ids.till_z)
    assert till.panel == "zlist"
    ui.frames(2)
    row = next(v for v in till.ids.z_rows.children[0].children if v.number == z.number)
    ui.tap(row)
    assert till.panel == "report" and till.report_text == z.printed_text
    ui.screenshot("till-z-report")
    printed = len(ui.printed())
    ui.tap(till.ids.report_print)
    app.wait_printing()
    ui.until(lambda: len(ui.printed()) > printed, what="the reprinted Z")
    check_invariants(app.services.db)


def test_cash_out_over_the_drawer_warns_and_the_x_report(make_ui) -> None:
    ui = signed_in(make_ui)
    app = ui.app
    sessions = app.context.sessions
    sessions.open(TECHNICIAN, amount=1000)
    app.show_till()
    till = ui.screen("till")
    ui.until(lambda: ui.current == "till", what="the Caja screen")
    ui.tap(till.ids.till_cash_out)
    ui.tap(till.ids.reason_supplier)
    ui.keypad("20", till.ids.cash_keypad)
    ui.tap(till.ids.cash_confirm)
    ui.until(lambda: app.modal is not None, what="the warning")
    assert "$10,00" in app.modal.text  # what the drawer should hold
    ui.screenshot("till-cash-out-warning")
    ui.tap(app.modal.ids.confirm_yes)
    ui.until(lambda: till.panel == "home", what="the cash out stored")
    assert sessions.expected_cash() == 1000 - 2000

    ui.tap(till.ids.till_x)
    assert till.panel == "report"
    assert "X" in till.report_title and till.report_text
    printed = len(ui.printed())
    ui.tap(till.ids.report_print)
    app.wait_printing()
    ui.until(lambda: len(ui.printed()) > printed, what="the printed X report")
    assert sessions.current() is not None  # the X resets nothing

    # Day and night, 800x480 and 1280x800: the home panel and the count.
    for size in ((800, 480), (1280, 800)):
        ui.resize(*size)
        for _theme in range(2):
            till.home()
            ui.screenshot("till-home")
            ui.tap(till.ids.till_close)
            if till.panel == "preclose":
                ui.screenshot("till-preclose")
                ui.tap(till.ids.preclose_continue)
            ui.screenshot("till-close-count")
            app.toggle_theme()
            ui.frames(2)
    ui.resize(800, 480)


@pytest.fixture
def history_template(demo_template: Path, tmp_path: Path) -> Path:
    """The demo shop with 8 closed days of history (the same weekday last week among
    them) and an open till for today."""
    from kiosk.app_factory import build
    from kiosk.demo_history import make_history

    state = tmp_path / "history"
    shutil.copytree(demo_template, state)
    app = build(make_settings(state, till=REFUSE))
    try:
        if app.sessions.current() is not None:
            app.sessions.close(TECHNICIAN, counted=app.sessions.expected_cash(), note="template")
        make_history(app, 8, per_day=(12, 20))
        app.sessions.open(TECHNICIAN, amount=5000)
    finally:
        app.close()
    return state


def test_the_summary_dashboard_with_demo_history(make_ui, history_template: Path) -> None:
    ui = make_ui(history_template, till=REFUSE)
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    sell = ui.screen("sell")
    ui.search("pano")
    ui.tap(ui.tile("Paño de microfibra"))
    ui.tap(sell.ids.charge)
    ui.tap(ui.find_text("$10,00", ui.screen("checkout").ids.notes))
    ui.confirm_sale()
    ui.app.show_till()
    ui.until(lambda: ui.current == "till", what="the Caja screen")
    ui.tap(ui.screen("till").ids.till_summary)
    ui.until(lambda: ui.current == "summary", what="Resumen")
    summary = ui.screen("summary")
    view = ui.app.context.dashboard.view()
    assert view.today.count == 1 and view.today.total == 120
    assert view.last_week_whole.count > 0  # make_history rang up the same weekday last week
    assert "$1,20" in summary.today_text
    assert "$51,20" in summary.till_text  # float 50 + the sale's 1,20
    assert view.top_products[0][0] in summary.top_text
    assert sum(summary.ids.chart.today) == 120
    for size in ((800, 480), (1280, 800)):
        ui.resize(*size)
        for _theme in range(2):
            ui.screenshot("summary")
            ui.app.toggle_theme()
            ui.frames(2)
    ui.resize(800, 480)
