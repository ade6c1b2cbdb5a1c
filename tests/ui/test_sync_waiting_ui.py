"""A till whose shop server cannot be reached shows what waits to go up: a line on the
selling screen ("3 ventas sin enviar desde 10:42") and the same on Cerrar caja's first
step; screenshots at 800x480 (and 1280x800), day and night."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from db.models import SyncLink, utcnow
from kiosk.app_factory import build
from kiosk.services.sync_link import Credentials, write_credentials
from tests.conftest import ADMIN_PIN, make_settings
from tests.sync.conftest import pg_cluster, pg_server, server_url  # noqa: F401 - the real PostgreSQL fixtures
from tests.sync.tills import sell
from tests.ui.test_screenshots import shoot

NOWHERE = "postgresql://tienda_till_2:secret@127.0.0.1:1/tienda"  # nothing listens on port 1


@pytest.fixture(scope="module")
def offline_template(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    """The demo shop as till 2 of a shop server that is away, with 3 sales waiting."""
    state = tmp_path_factory.mktemp("sync-waiting") / "state"
    shutil.copytree(demo_template, state)
    app = build(make_settings(state))
    with app.db.write() as s:
        s.add(SyncLink(id=1, server_till_id=2, server="127.0.0.1:1/tienda", till_name="Caja 2",
                       registered_at=utcnow()))
    write_credentials(state, Credentials(NOWHERE, 2, "Caja 2"))
    sell(app, 3)
    app.close()
    return state


@pytest.mark.parametrize("size", [(800, 480), (1280, 800)], ids=["800x480", "1280x800"])
@pytest.mark.parametrize("theme", ["day", "night"])
def test_the_till_shows_the_sales_waiting_for_the_shop_server(make_ui, offline_template, size, theme) -> None:  # noqa: ANN001
    ui = make_ui(template=offline_template, till={"unsent_after_min": 0})
    ui.app.theme.apply(theme)
    ui.resize(*size)
    checked: list = []
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    ui.until(lambda: "sin enviar" in ui.app.banner_text, timeout=60, what="the waiting line")  # read in a worker
    assert "3 ventas sin enviar desde " in ui.app.banner_text
    assert ui.app.banner_level == "info"
    ui.frames(3)
    shoot(ui, "sell-sync-waiting", checked)

    ui.app.show_till()
    ui.until(lambda: ui.current == "till", what="the Caja screen")
    till = ui.screen("till")
    ui.tap(till.ids.till_close)
    assert till.panel == "preclose"
    assert "Servidor de la tienda: 3 ventas sin enviar desde " in till.preclose_text
    ui.frames(3)
    shoot(ui, "till-preclose-sync-waiting", checked)
    assert not [bad for _name, bad in checked if bad]


def test_a_short_wait_is_not_shown_on_the_selling_screen_but_closing_lists_it(make_ui, offline_template) -> None:  # noqa: ANN001
    from kiosk.services.sync_status import unsent_line

    ui = make_ui(template=offline_template, till={"unsent_after_min": 60})
    assert unsent_line(ui.app.services.db, 3600) == ""
    assert unsent_line(ui.app.services.db, 0).startswith("3 ventas sin enviar desde ")
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    ui.app.show_till()
    ui.until(lambda: ui.current == "till", what="the Caja screen")
    till = ui.screen("till")
    ui.tap(till.ids.till_close)
    assert "3 ventas sin enviar desde " in till.preclose_text


def _resumen(ui):  # noqa: ANN001, ANN202
    ui.pin(ADMIN_PIN)
    ui.until(lambda: ui.current == "sell", what="the selling screen")
    ui.app.show_till()
    ui.until(lambda: ui.current == "till", what="the Caja screen")
    ui.tap(ui.screen("till").ids.till_summary)
    ui.until(lambda: ui.current == "summary", what="Resumen")
    return ui.screen("summary")


@pytest.mark.parametrize("theme", ["day", "night"])
def test_resumen_says_this_till_only_when_the_shop_server_is_away(make_ui, offline_template, theme) -> None:  # noqa: ANN001
    from kiosk.services.shop_report import save_reader_url

    ui = make_ui(template=offline_template)
    save_reader_url(ui.app.services.state_dir, NOWHERE.replace("till_2", "reader_gerente"))
    ui.app.theme.apply(theme)
    summary = _resumen(ui)
    ui.until(lambda: summary.shop_text, timeout=60, what="the shop line")  # read in a worker thread
    assert summary.shop_text == "Sin conexión: solo esta caja" and summary.shop_offline
    ui.frames(3)
    checked: list = []
    shoot(ui, "summary-shop-offline", checked)
    assert not [bad for _name, bad in checked if bad]


def test_resumen_shows_the_shops_total_and_each_tills(make_ui, demo_template, server_url, tmp_path) -> None:  # noqa: ANN001
    from db.server.admin import add_reader
    from kiosk.services.shop_report import save_reader_url
    from kiosk.services.sync_link import register
    from kiosk.services.sync_push import push
    from tests.sync.tills import make_till

    other = make_till(tmp_path, None, "other")  # Caja 1, its own database
    register(other.db, other.state_dir, server_url, "Caja 1")
    sell(other, 2)
    assert push(other.db, other.state_dir).ok
    other.close()
    state = tmp_path / "mine"
    shutil.copytree(demo_template, state)
    mine = build(make_settings(state))
    register(mine.db, mine.state_dir, server_url, "Caja 2")
    sell(mine, 1)
    assert push(mine.db, mine.state_dir).ok
    save_reader_url(state, add_reader(server_url, "gerente"))
    mine.close()
    ui = make_ui(template=state)
    summary = _resumen(ui)
    ui.until(lambda: summary.shop_text.startswith("Tienda:"), timeout=60, what="the shop line")
    assert "(3 ventas)" in summary.shop_text
    assert "Caja 1: " in summary.shop_text and "Caja 2: " in summary.shop_text and not summary.shop_offline
    ui.frames(3)
    checked: list = []
    shoot(ui, "summary-shop", checked)
    assert not [bad for _name, bad in checked if bad]
