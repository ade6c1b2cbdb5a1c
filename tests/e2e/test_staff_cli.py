"""kiosk-admin users | set-pin | permissions | audit, and status's default_pin_in_use.
The ``app`` fixture stands for the running kiosk: it was built before each command
and must see every change at its next sign-in or act, without a restart."""

from __future__ import annotations

import io
import json
import sqlite3
import sys

import pytest

from kiosk.cli import staff_commands
from kiosk.cli.main import main
from kiosk.core.errors import PinThrottled, WrongPin
from kiosk.core.permissions import Role
from kiosk.core.staff_errors import ActNotPermitted, UserInactive
from tests.conftest import CASHIER_PIN, MANAGER_PIN


def _stdin(monkeypatch, text: str) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_users_add_list_role_rename_and_the_running_kiosk_sees_it(app, config_file, capsys, monkeypatch) -> None:
    _stdin(monkeypatch, CASHIER_PIN + "\n")
    assert main(["users", "add", "Ana", "--role", "cashier", "--pin-stdin"]) == 0
    assert "user Ana added (cashier)" in capsys.readouterr().out
    ana = app.users.authenticate(CASHIER_PIN)  # the kiosk, built before: no restart
    assert ana.name == "Ana" and ana.role is Role.CASHIER
    assert main(["users", "list", "--json"]) == 0
    rows = {u["name"]: u for u in json.loads(capsys.readouterr().out)}
    assert rows["Ana"]["role"] == "cashier" and rows["Ana"]["last_login"] is not None
    assert rows["Administrador"]["must_change_pin"] is True
    with pytest.raises(ActNotPermitted):
        app.users.create_user("X", "cashier", "580361", by=ana)
    assert main(["users", "role", "Ana", "admin"]) == 0
    assert "Ana is now admin" in capsys.readouterr().out
    assert app.users.create_user("Beto", "cashier", "580361", by=ana).name == "Beto"  # her role now, same session
    assert main(["users", "rename", "Beto", "Roberto"]) == 0
    assert main(["users"]) == 0  # plain "users" lists too
    out = capsys.readouterr().out
    assert "Roberto" in out and "Beto " not in out
    acts = [(r.act, r.origin.split(" ")[0]) for r in app.audit.entries()]
    assert ("role_changed", "kiosk-admin") in acts and ("user_created", "kiosk-admin") in acts
    app.users.authenticate(CASHIER_PIN)  # the kiosk's own rows are not marked as the command's
    assert app.audit.entries()[0].origin == "kiosk"


@pytest.mark.parametrize("argv, stdin, expected", [
    (["users", "add", "Ana", "--role", "boss", "--pin-stdin"], "580361\n", "Rol desconocido boss"),
    (["users", "add", "Ana", "--role", "cashier", "--pin-stdin"], "123456\n", "demasiado fácil"),
    (["users", "add", "Ana", "--role", "cashier", "--pin-stdin"], "12\n", "de 6 a 8 dígitos"),
    (["users", "add", "Ana", "--role", "cashier", "--pin-stdin"], "５８０３６１\n", "dígitos (0 a 9)"),
    (["users", "add", "Ana", "--role", "cashier", "--pin-stdin"], MANAGER_PIN + "\n", "ya lo usa otro usuario"),
    (["users", "add", "marta", "--role", "cashier", "--pin-stdin"], "580361\n", "Ya existe un usuario llamado Marta"),
    (["users", "role", "Nadie", "admin"], "", "Nadie"),
    (["users", "deactivate", "Administrador"], "", "único administrador activo"),
    (["set-pin", "Marta", "--pin-stdin"], "000000\n", "PIN de fábrica"),
    (["set-pin", "Nadie", "--pin-stdin"], "580361\n", "Nadie"),
])
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(app, config_file, capsys, monkeypatch, argv,
                                                                       stdin, expected) -> None:
    app.users.create_user("Marta", Role.MANAGER, MANAGER_PIN)
    before = sqlite3.connect(app.db.path).execute("SELECT count(*), group_concat(pin_hash) FROM users").fetchone()
    _stdin(monkeypatch, stdin)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err
    assert sqlite3.connect(app.db.path).execute("SELECT count(*), group_concat(pin_hash) FROM users").fetchone() == before


def test_set_pin_typed_twice_without_echo(app, config_file, capsys, monkeypatch) -> None:
    ana = app.users.create_user("Ana", "cashier", CASHIER_PIN)
    answers = iter(["580361", "580361"])
    monkeypatch.setattr(staff_commands.getpass, "getpass", lambda prompt: next(answers))
    assert main(["set-pin", str(ana.id)]) == 0
    assert "PIN changed for Ana" in capsys.readouterr().out
    assert app.users.authenticate("580361").id == ana.id
    answers = iter(["907152", "907125"])
    assert main(["set-pin", "Ana"]) == 1
    assert "the two PINs differ" in capsys.readouterr().err
    assert app.users.authenticate("580361").id == ana.id


def test_deactivate_activate_and_a_pin_taken_meanwhile(app, config_file, capsys, monkeypatch) -> None:
    app.users.create_user("Jefa", Role.ADMIN, MANAGER_PIN)
    assert main(["users", "deactivate", "Jefa"]) == 0
    with pytest.raises(UserInactive):
        app.users.authenticate(MANAGER_PIN)
    app.users.create_user("Caro", Role.CASHIER, MANAGER_PIN)
    capsys.readouterr()
    assert main(["users", "activate", "Jefa"]) == 1
    assert "Otro usuario tiene ahora el PIN de Jefa" in capsys.readouterr().err
    _stdin(monkeypatch, "580361\n")
    assert main(["users", "activate", "Jefa", "--pin-stdin"]) == 0
    assert app.users.authenticate("580361").name == "Jefa" and app.users.authenticate(MANAGER_PIN).name == "Caro"


def test_users_unlock_ends_the_wait_on_the_running_kiosk(app, config_file, capsys) -> None:
    for _ in range(4):
        with pytest.raises(WrongPin):
            app.users.authenticate("999999")
    with pytest.raises(PinThrottled):
        app.users.authenticate("999999")
    assert app.users.wait_seconds() > 0
    assert main(["users", "unlock"]) == 0
    assert "5 failures" in capsys.readouterr().out
    assert app.users.wait_seconds() == 0 and app.users.authenticate("000000").role is Role.ADMIN


def test_status_says_whether_the_default_pin_is_still_in_use(app, config_file, fake_service, capsys,
                                                            monkeypatch) -> None:
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["default_pin_in_use"] is True
    _stdin(monkeypatch, "246813\n")
    assert main(["set-pin", "Administrador", "--pin-stdin"]) == 0
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["default_pin_in_use"] is False


def test_audit_list_filters_and_verify_names_a_tampered_row(app, config_file, capsys) -> None:
    admin = app.users.authenticate("000000")
    app.users.create_user("Ana", Role.CASHIER, CASHIER_PIN, by=admin)
    app.users.authenticate(CASHIER_PIN)
    with pytest.raises(WrongPin):
        app.users.authenticate("999999")
    assert main(["audit", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["act"] for r in rows][:4] == ["pin_failed", "sign_in", "user_created", "sign_in"]
    assert main(["audit", "list", "--act", "sign_in", "--user", "ana", "--json"]) == 0
    ana_rows = json.loads(capsys.readouterr().out)
    assert [(r["act"], r["user"]) for r in ana_rows] == [("sign_in", "Ana")]
    assert main(["audit", "list", "--since", "2999-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["audit", "list", "--act", "nonsense"]) == 1
    assert "unknown act 'nonsense'" in capsys.readouterr().err
    assert main(["audit", "list", "--user", "Nadie"]) == 1
    assert main(["audit", "list"]) == 0
    assert "user_created" in capsys.readouterr().out

    assert main(["audit", "verify"]) == 0
    assert "chain intact" in capsys.readouterr().out
    conn = sqlite3.connect(app.db.path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    victim = ana_rows[0]["id"]
    conn.execute("UPDATE audit_log SET user_id = 1 WHERE id = ?", (victim,))  # blame someone else
    conn.commit()
    conn.close()
    assert main(["audit", "verify", "--json"]) == 1
    (report,) = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["broken"]["id"] == victim
    assert main(["audit", "verify"]) == 1
    assert f"BROKEN at row {victim}" in capsys.readouterr().out


def test_permissions_table(config_file, capsys) -> None:
    assert main(["permissions", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["acts"]["sell"] == ["cashier", "manager", "admin"]
    assert table["acts"]["return"] == ["manager", "admin"] and table["acts"]["manage_users"] == ["admin"]
    assert main(["permissions"]) == 0
    assert "open_drawer" in capsys.readouterr().out
