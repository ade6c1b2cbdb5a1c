"""The manager's DIAN banner on the staff menu: how many documents wait for DIAN and
the oldest's age, contingency, rejections; screenshots at 800x480 and 1280x800, day
and night (the banner's Spanish text must fit the message strip)."""

from __future__ import annotations

import pytest

from kiosk.app_factory import build
from tests.conftest import ADMIN_PIN
from tests.fiscal_shop.shop import add_resolutions, fiscal_overrides, fiscal_settings, load_serviteca, sell
from tests.ui.test_screenshots import shoot


@pytest.fixture(scope="module")
def waiting_template(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    state = tmp_path_factory.mktemp("dian-waiting")
    app = build(fiscal_settings(state))
    boss = app.users.authenticate("000000")
    load_serviteca(app, boss)
    add_resolutions(app, boss)
    sell(app, boss, [("CAFE", 1)])
    sell(app, boss, [("CERA", 1)])
    with app.db.write_connection() as conn:  # DIAN unreachable: the till is in contingency
        conn.exec_driver_sql("INSERT INTO dian_link (id, contingency, since, failures, last_failure, updated_at) "
                             "VALUES (1, 1, CURRENT_TIMESTAMP, 3, 'HTTP 503', CURRENT_TIMESTAMP)")
    app.users.set_pin(boss.id, ADMIN_PIN)
    app.close()
    return state


@pytest.mark.parametrize("size", [(800, 480), (1280, 800)], ids=["800x480", "1280x800"])
@pytest.mark.parametrize("theme", ["day", "night"])
def test_the_staff_menu_tells_the_manager_what_waits_for_dian(make_ui, waiting_template, size, theme) -> None:  # noqa: ANN001
    ui = make_ui(template=waiting_template, **fiscal_overrides())
    ui.app.theme.apply(theme)
    ui.resize(*size)
    checked: list = []
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    ui.tap(ui.screen("sell").ids.topbar.ids.admin_entry)
    ui.until(lambda: ui.current == "staff", what="the staff menu")
    message = ui.screen("staff").ids.message
    ui.until(lambda: "DIAN" in message.text, what="the DIAN banner")
    # A banner, not a timed message: it stays however long building the screen took.
    assert message._hide is None
    assert "Contingencia DIAN" in message.text
    assert "Documentos pendientes de envío a la DIAN: 2; el más antiguo desde hace" in message.text
    assert message.level == "warn"
    ui.frames(3)
    shoot(ui, "staff-dian-banner", checked)
    assert not [bad for _name, bad in checked if bad]
    # while documents wait, the POS documents are contingency documents (type 08) when a range exists
    assert ui.app.services.dian.summary().contingency

    # DIAN took them meanwhile: the next visit takes the banner down.
    with ui.app.services.db.write_connection() as conn:
        conn.exec_driver_sql("UPDATE dian_outbox SET state = 'accepted'")
        conn.exec_driver_sql("UPDATE dian_link SET contingency = 0")
    ui.tap(ui.screen("staff").ids.menu_till)
    ui.until(lambda: ui.current == "till", what="the Caja screen")
    ui.app.show("staff")
    ui.until(lambda: ui.current == "staff", what="the staff menu again")
    assert "DIAN" not in message.text and not message.shown
