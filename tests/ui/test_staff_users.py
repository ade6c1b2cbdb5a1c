"""Users, permissions and the audit log on the real screens: an admin adds a cashier
on Usuarios, the cashier signs in and is refused a catalog change until a manager
types their PIN (good for that change once, and not for the drawer test); brute force
at the manager prompt meets the growing wait; the first start's PIN must be replaced;
the audit screen filters; screenshots of each at 800x480, 1280x800 and 480x800, day and
night, with the touch-target check."""

from __future__ import annotations

import re
import sqlite3

import pytest

from kiosk.core.permissions import Role
from kiosk.i18n import _
from tests.conftest import ADMIN_PIN, CASHIER_PIN, MANAGER_PIN
from tests.ui.conftest import ARTIFACTS, fast_printer, sign_in
from tests.ui.staff_support import audit_rows, type_on
from tests.ui.test_screenshots import MIN_TARGET, shoot


def row_view(ui, rv, title_start: str):  # noqa: ANN001, ANN201
    """The row of a RecycleView shown now whose title starts with ``title_start``."""
    ui.frames(2)
    for view in rv.children[0].children:
        if view.title.startswith(title_start) and view.get_root_window() is not None:
            return view
    raise AssertionError(f"no row {title_start!r} on screen")


def add_user_on_screen(ui, name: str, pin: str, role_id: str = "role_cashier") -> None:  # noqa: ANN001
    """Usuarios -> Nuevo usuario: the name on the on-screen keyboard, a role, then the
    PIN twice on the keypad."""
    app = ui.app
    ui.tap(ui.screen("users").ids.new_user)
    popup = app.modal
    type_on(ui, popup.ids.keyboard, name)
    ui.tap(popup.ids[role_id])
    ui.tap(popup.ids.user_save)
    pins = app.modal
    assert pins.title_text == f"PIN para {name}" and pins.ids.step_text.text.startswith("Escriba el PIN nuevo")
    ui.keypad(pin, pins.ids.keypad)
    assert pins.ids.pin_dots.text == " ".join("\u25cf" * len(pin))  # never the digits
    ui.tap(ui.find_text(_("Enter"), pins.ids.keypad))
    assert pins.ids.step_text.text == "Escriba el mismo PIN otra vez"
    ui.pin_on(pins, pin)
    ui.until(lambda: app.modal is None, timeout=30, what="the user saved")


def test_admin_adds_a_cashier_who_needs_a_manager_for_one_catalog_change(make_ui, sim_printer) -> None:
    ui = make_ui(printer=fast_printer(sim_printer.url))
    app = ui.app
    app.services.users.create_user("Marta", Role.MANAGER, MANAGER_PIN)
    sign_in(ui)
    ui.tap(ui.screen("sell").ids.topbar.ids.admin_entry)
    ui.tap(ui.screen("staff").ids.menu_users)
    assert ui.current == "users"
    add_user_on_screen(ui, "Carla", CASHIER_PIN)
    users = ui.screen("users")
    assert users.ids.message.text == "Usuario agregado: Carla (cajero)"
    assert [d["title"] for d in users.ids.rows.data] == ["Administrador", "Carla", "Marta"]
    assert ("user_created", "Administrador", None, "Carla") in audit_rows(ui.state_dir)

    # Carla signs in: she may look at the catalog, not change it.
    ui.tap(ui.find_text(_("Lock"), users))
    sign_in(ui, CASHIER_PIN)
    assert app.user.name == "Carla" and not app.can_manage
    ui.tap(ui.screen("sell").ids.topbar.ids.admin_entry)
    assert ui.current == "staff" and app.staff.name == "Carla"
    app.show("categories")
    cats = ui.screen("categories")
    ui.tap(cats.ids.new_category)
    prompt = app.modal
    assert prompt.act == "edit_catalog" and prompt.ids.auth_title.text == "Editar el catálogo"
    ui.pin_on(prompt, CASHIER_PIN)  # her own PIN: refused
    assert prompt.error_text == "PIN no aceptado: «Editar el catálogo» requiere el PIN de un encargado o administrador."
    ui.pin_on(prompt, MANAGER_PIN)
    ui.until(lambda: app.modal is not prompt and app.modal is not None, what="the category window")
    editor = app.modal
    type_on(ui, editor.ids.keyboard, "Ofertas")
    ui.tap(editor.ids.category_save)
    assert app.modal is None, app.modal.error_text
    assert cats.ids.message.text == "Categoría guardada: Ofertas"
    assert [r for r in audit_rows(ui.state_dir) if r[0] == "authorised"][-1] == ("authorised", "Carla", "Marta", "edit_catalog")

    # Once: the next change asks again ...
    ui.tap(cats.ids.new_category)
    assert app.modal is not None and app.modal.act == "edit_catalog"
    ui.tap(app.modal.ids.pin_cancel)
    # ... and the manager's PIN typed for the catalog does not open the drawer from Hardware.
    app.show("staff")
    ui.tap(ui.screen("staff").ids.menu_hardware)
    hw = ui.screen("hardware")
    ui.tap(hw.ids.hw_kick_drawer)
    assert app.modal is not None and app.modal.act == "open_drawer"
    ui.tap(app.modal.ids.pin_cancel)
    ui.wait(0.3)
    assert not sim_printer.kicks and not any(r[0] == "drawer_opened" for r in audit_rows(ui.state_dir))


def test_brute_force_at_the_manager_prompt_meets_the_growing_wait(make_ui) -> None:
    ui = make_ui(security={"free_attempts": 3, "lockout_base_s": 30})
    app = ui.app
    app.services.users.create_user("Carla", Role.CASHIER, CASHIER_PIN)
    sign_in(ui, CASHIER_PIN)
    ui.tap(ui.find_text("Abrir cajón", ui.screen("sell")))
    prompt = app.modal
    for guess in ("111112", CASHIER_PIN):  # a guess, then her own PIN: both count
        ui.pin_on(prompt, guess)
        assert prompt.error_text.startswith("PIN no aceptado") and not prompt.wait_s
    ui.pin_on(prompt, "222223")
    assert prompt.wait_s > 0 and prompt.ids.keypad.disabled
    # the countdown runs from 30 s; a loaded machine may already have counted some of it down
    waited = re.fullmatch(r"Demasiados PIN incorrectos\. Intente de nuevo en (\d+)\u00a0s\.", prompt.error_text)
    assert waited is not None and 0 < int(waited[1]) <= 30, prompt.error_text
    ui.wait(0.5)  # the refusal shake has ended
    shoot(ui, "authorise-wait", [])
    # the wait belongs to the till: the lock screen waits too, her own PIN does not end it
    ui.tap(prompt.ids.pin_cancel)
    app.lock()
    lock = ui.screen("lock")
    ui.frames(3)
    assert lock.wait_s > 0 and lock.ids.keypad.disabled and "Intente de nuevo en" in lock.error_text
    assert app.services.users.failures() == 3
    assert [r[0] for r in audit_rows(ui.state_dir)].count("authorisation_refused") == 3


def test_the_first_start_pin_must_be_replaced_before_anything_else(make_ui) -> None:
    from kiosk.services.users import hash_pin

    ui = make_ui()
    users = ui.app.services.users
    db = sqlite3.connect(ui.state_dir / "kiosk.db")  # the admin as a first start leaves it
    db.execute("UPDATE users SET pin_hash = ?, pin_lookup = ?, must_change_pin = 1 WHERE name = 'Administrador'",
               (hash_pin("000000"), users.lookup.value("000000")))
    db.commit()
    db.close()
    ui.pin("000000")
    assert ui.current == "newpin"
    new = ui.screen("newpin")
    assert "Administrador" in new.ids.new_pin_why.text
    shoot(ui, "new-pin", [])
    ui.keypad("123456", new.ids.keypad)
    ui.tap(ui.find_text(_("Enter"), new.ids.keypad))
    assert "demasiado fácil" in new.error_text and new.step == "first"
    ui.keypad("246810", new.ids.keypad)
    ui.tap(ui.find_text(_("Enter"), new.ids.keypad))
    ui.keypad("246811", new.ids.keypad)
    ui.tap(ui.find_text(_("Enter"), new.ids.keypad))
    assert new.error_text == "Los dos PIN no coinciden: escriba el PIN nuevo otra vez." and new.step == "first"
    ui.keypad("246810", new.ids.keypad)
    ui.tap(ui.find_text(_("Enter"), new.ids.keypad))
    ui.pin_on(new, "246810")
    ui.until(lambda: ui.current == "sell", timeout=30, what="the selling screen")
    assert not users.default_pin_in_use()
    ui.app.lock()
    ui.pin("000000")
    assert ui.current == "lock" and ui.screen("lock").error_text == "PIN incorrecto."
    ui.pin("246810")
    assert ui.current == "sell"


@pytest.mark.parametrize("size", [(800, 480), (1280, 800), (480, 800)], ids=["800x480", "1280x800", "480x800"])
@pytest.mark.parametrize("theme", ["day", "night"])
def test_screenshot_users_pins_and_audit(make_ui, size, theme) -> None:  # noqa: ANN001
    ui = make_ui()
    app = ui.app
    users = app.services.users
    users.create_user("Marta Lucía Rodríguez", Role.MANAGER, MANAGER_PIN)
    carla = users.create_user("Carla", Role.CASHIER, CASHIER_PIN)
    users.set_active(carla.id, False)
    app.theme.apply(theme)
    ui.resize(*size)
    checked: list = []
    sign_in(ui)
    app.open_staff()
    shoot(ui, "staff-menu-users", checked)
    ui.tap(ui.screen("staff").ids.menu_users)
    ui.frames(3)
    shoot(ui, "users", checked)
    ui.tap(row_view(ui, ui.screen("users").ids.rows, "Marta"))  # a user's window
    shoot(ui, "user-edit", checked)
    ui.tap(app.modal.ids.user_reset_pin)
    ui.keypad("1234", app.modal.ids.keypad)
    shoot(ui, "user-pin", checked)
    app.close_modal()
    from kiosk.core.permissions import Act
    from kiosk.ui.pins import AuthorisePopup

    app.open_modal(AuthorisePopup(Act.MANAGE_USERS, lambda actor: None))  # what a manager is asked here
    app.modal.error_text = "PIN no aceptado: «Gestionar usuarios» requiere el PIN de un administrador."
    shoot(ui, "authorise-users", checked)
    app.close_modal()

    app.show("staff")
    ui.tap(ui.screen("staff").ids.menu_audit)
    assert ui.current == "audit"
    audit = ui.screen("audit")
    ui.until(lambda: audit.ids.rows.data, what="the audit rows")
    shoot(ui, "audit", checked)
    ui.tap(audit.ids.filter_act)
    shoot(ui, "audit-acts", checked)
    app.modal.pick("user_deactivated")
    assert [d["title"].split("   ")[1] for d in audit.ids.rows.data] == ["Usuario desactivado"]
    ui.tap(row_view(ui, audit.ids.rows, ""))
    shoot(ui, "audit-row", checked)
    app.close_modal()
    ui.tap(audit.ids.audit_verify)
    ui.until(lambda: audit.ids.message.text.startswith("Registro de auditoría íntegro"), what="the verification")

    app.lock()
    db = sqlite3.connect(ui.state_dir / "kiosk.db")
    db.execute("UPDATE users SET must_change_pin = 1 WHERE name = 'Administrador'")
    db.commit()
    db.close()
    ui.pin(ADMIN_PIN)
    assert ui.current == "newpin"
    shoot(ui, "new-pin", checked)
    assert len(list(ARTIFACTS.glob(f"*-{size[0]}x{size[1]}-{theme}.png"))) >= 9
    problems = [(name, bad) for name, bad in checked if bad]
    assert not problems, f"touch targets under {MIN_TARGET} px: {problems}"
