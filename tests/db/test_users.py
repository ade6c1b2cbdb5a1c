import pytest

from kiosk.core.errors import InvalidPin, NotPermitted, PinInUse, PinThrottled, WrongPin
from kiosk.services.users import Role, UserService, hash_pin, verify_pin


def test_pin_hash_is_salted_scrypt():
    a, b = hash_pin("123456"), hash_pin("123456")
    assert a != b and a.startswith("scrypt$")
    assert verify_pin("123456", a) and not verify_pin("123457", a) and not verify_pin("1", "garbage")


def test_default_admin_once_and_pin_identifies_user(app):
    assert app.users.ensure_default_admin() is None  # created by build() already
    admin = app.users.authenticate("000000")
    assert admin.role is Role.ADMIN and admin.name == "Administrador"
    ana = app.users.create_user("Ana", Role.CASHIER, "4321", by=admin)
    assert app.users.authenticate("4321") == ana
    with pytest.raises(PinInUse):
        app.users.create_user("Beto", Role.CASHIER, "4321")
    with pytest.raises(InvalidPin):
        app.users.set_pin(ana.id, "12a4")
    with pytest.raises(NotPermitted) as err:
        UserService.require(ana, Role.MANAGER)
    assert "encargado" in str(err.value)


def test_wrong_pins_are_throttled_with_increasing_waits_and_recorded(settings):
    from kiosk.app_factory import build

    now = [1000.0]
    app = build(settings)
    users = UserService(app.db, free_attempts=5, lockout_base_s=30, lockout_max_s=900, clock=lambda: now[0])
    for attempt in range(4):
        with pytest.raises(WrongPin):
            users.authenticate("999999")
    with pytest.raises(PinThrottled) as err:  # 5th failure starts the wait
        users.authenticate("999999")
    assert "30 s" in str(err.value)
    with pytest.raises(PinThrottled):  # even the right PIN waits
        users.authenticate("000000")
    now[0] += 31
    with pytest.raises(PinThrottled) as err:  # 6th failure: the wait doubles
        users.authenticate("111111")
    assert "60 s" in str(err.value)
    now[0] += 61
    assert users.authenticate("000000").role is Role.ADMIN
    users.record(users.get(name="Administrador"), "lock")
    users.unlock("000000")
    events = [e[1] for e in users.events()]
    assert events[:3] == ["unlock", "lock", "login"] and events.count("pin_failed") == 6
    # the counter survives a restart (it lives in the database)
    for _ in range(5):
        with pytest.raises((WrongPin, PinThrottled)):
            users.authenticate("999999")
    assert UserService(app.db, clock=lambda: now[0]).wait_seconds() == 30
    app.close()
