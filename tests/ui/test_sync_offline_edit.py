"""A till registered with a shop server that cannot be reached: a staff edit of the
shared data is refused on screen with a clear Spanish message and changes nothing;
selling goes on (tests/sync has the same rule against a real PostgreSQL)."""

from __future__ import annotations

import shutil
import sqlite3

from kiosk.services.sync_link import Credentials, write_credentials
from tests.ui.test_staff_screens import open_staff, staff_ui

OFFLINE = "Sin conexión con el servidor de la tienda: los cambios del catálogo se hacen con conexión"


def _registered_offline(demo_template, tmp_path):  # noqa: ANN001, ANN202
    """The demo shop joined to a server whose port answers nothing (127.0.0.1:1)."""
    state = tmp_path / "registered"
    shutil.copytree(demo_template, state)
    db = sqlite3.connect(state / "kiosk.db")
    with db:
        db.execute("INSERT INTO sync_link (id, server_till_id, server, till_name, registered_at) "
                   "VALUES (1, 7, '127.0.0.1:1/tienda', 'Caja 2', datetime('now'))")
    db.close()
    write_credentials(state, Credentials("postgresql://tienda_till_7:x@127.0.0.1:1/tienda", 7, "Caja 2"))
    return state


def test_a_staff_edit_offline_is_refused_on_screen_and_changes_nothing(make_ui, demo_template, tmp_path):
    template = _registered_offline(demo_template, tmp_path)
    ui = staff_ui(lambda **kw: make_ui(template, **kw), tmp_path)
    app = ui.app
    open_staff(ui)
    ui.tap(ui.screen("staff").ids.menu_categories)
    cats = ui.screen("categories")
    ui.tap(cats.ids.new_category)
    popup = app.modal
    popup.name = "Lavado"
    ui.tap(popup.ids.category_save)
    ui.until(lambda: popup.error_text == OFFLINE, what="the refusal on screen")
    ui.screenshot("sync_offline_edit_refused")
    assert app.modal is popup  # the form stays, with what was typed
    assert "Lavado" not in [r.name for r in app.services.inventory.categories()]
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    try:
        assert db.execute("SELECT count(*) FROM sync_shared_changes").fetchone() == (0,)
    finally:
        db.close()
