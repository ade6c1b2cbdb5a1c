"""Users and PINs through the real service on a migrated SQLite file: the first
start's PIN, the PIN rules, who a PIN belongs to, deactivation, the hashes and the
keyed look-up, and the per-till wait after wrong PINs that a cashier cannot game."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.app_factory import build
from kiosk.core.errors import InvalidPin, PinInUse, PinThrottled, WrongPin
from kiosk.core.permissions import Act, Role
from kiosk.core.staff_errors import (
    AuthorisationRefused,
    DuplicateUserName,
    LastAdmin,
    NewPinNeeded,
    UnknownRole,
    UserInactive,
    WeakPin,
)
from kiosk.services.users import SCRYPT_N, UserService, hash_pin, needs_rehash, verify_pin
from tests.conftest import CASHIER_PIN, MANAGER_PIN

DEFAULT = "000000"


def _users(app, now: list[float], **kwargs) -> UserService:  # noqa: ANN001
    """The app's user service with a clock the test moves (same database, same key)."""
    return UserService(app.db, access=app.access, clock=lambda: now[0],
                       key_path=app.settings.state_dir / "pin-lookup.key", **kwargs)


def _acts(app) -> list[str]:  # noqa: ANN001
    return [r.act for r in reversed(app.audit.entries())]


def test_hashes_are_scrypt_at_owasps_minimum_and_old_ones_are_upgraded_at_sign_in(app) -> None:
    stored = hash_pin("246813")
    assert stored.startswith(f"scrypt${2**17}$8$1$") and SCRYPT_N >= 2**17
    assert verify_pin("246813", stored) and not verify_pin("246814", stored) and not verify_pin("1", "garbage")
    ana = app.users.create_user("Ana", Role.CASHIER, CASHIER_PIN)
    weak = hash_pin(CASHIER_PIN, n=2**14)  # what earlier versions stored
    raw = sqlite3.connect(app.db.path)
    raw.execute("UPDATE users SET pin_hash = ?, pin_lookup = NULL WHERE id = ?", (weak, ana.id))
    raw.commit()
    assert app.users.authenticate(CASHIER_PIN).id == ana.id  # found by trying its hash (no look-up value)
    new_hash, lookup = raw.execute("SELECT pin_hash, pin_lookup FROM users WHERE id = ?", (ana.id,)).fetchone()
    raw.close()
    assert not needs_rehash(new_hash) and new_hash != weak and lookup.startswith(app.users.lookup.key_id + ":")


def test_first_start_admin_must_replace_the_default_pin(settings) -> None:
    app = build(settings)
    try:
        assert app.users.default_pin_in_use()
        admin = app.users.authenticate(DEFAULT)
        assert admin.role is Role.ADMIN and admin.name == "Administrador" and admin.must_change_pin
        with pytest.raises(WeakPin):
            app.users.change_own_pin(admin, DEFAULT)
        with pytest.raises(WeakPin):
            app.users.change_own_pin(admin, "123456")
        changed = app.users.change_own_pin(admin, "246813")
        assert not changed.must_change_pin and not app.users.default_pin_in_use()
        with pytest.raises(WrongPin):
            app.users.authenticate(DEFAULT)
        assert not app.users.authenticate("246813").must_change_pin
        assert app.users.ensure_default_admin() is None  # once only
    finally:
        app.close()


def test_an_existing_admin_still_on_the_default_pin_is_flagged_at_start(app) -> None:
    raw = sqlite3.connect(app.db.path)
    raw.execute("UPDATE users SET must_change_pin = 0, pin_lookup = NULL")  # as before this version
    raw.commit()
    raw.close()
    assert not app.users.default_pin_in_use()
    app.users.ensure_default_admin()  # what every start does
    assert app.users.default_pin_in_use()


def test_the_pin_identifies_the_user_and_bad_input_is_refused(app) -> None:
    admin = app.users.authenticate(DEFAULT)
    ana = app.users.create_user("Ana", Role.CASHIER, CASHIER_PIN, by=admin)
    assert app.users.authenticate(CASHIER_PIN) == ana
    with pytest.raises(PinInUse):
        app.users.create_user("Beto", Role.CASHIER, CASHIER_PIN, by=admin)
    with pytest.raises((WeakPin, InvalidPin)):
        app.users.set_pin(ana.id, "12a4", by=admin)
    with pytest.raises(UnknownRole):
        app.users.create_user("Cata", "boss", "580361", by=admin)
    with pytest.raises(DuplicateUserName):
        app.users.create_user(" ana ", Role.MANAGER, "580361", by=admin)
    with pytest.raises(InvalidPin):  # full-width digits would lock the user out: refused
        app.users.create_user("Cata", Role.CASHIER, "５８０３６１", by=admin)
    assert [u.name for u in app.users.users()] == ["Administrador", "Ana"]
    with pytest.raises(WrongPin):  # and they never match a real PIN at sign-in either
        app.users.authenticate("３１４１５９")


def test_a_deactivated_user_cannot_sign_in_and_reactivating_a_taken_pin_asks_for_a_new_one(app) -> None:
    admin = app.users.authenticate(DEFAULT)
    boss = app.users.create_user("Jefa", Role.ADMIN, MANAGER_PIN, by=admin)
    app.users.set_active(boss.id, False, by=admin)
    with pytest.raises(UserInactive) as err:
        app.users.authenticate(MANAGER_PIN)
    assert str(err.value) == "Jefa está desactivado: un administrador puede reactivarlo."
    # meanwhile a cashier gets the same PIN (allowed: the PIN is unique among *active* users)
    cashier = app.users.create_user("Caro", Role.CASHIER, MANAGER_PIN, by=admin)
    with pytest.raises(NewPinNeeded):
        app.users.set_active(boss.id, True, by=admin)
    assert app.users.authenticate(MANAGER_PIN) == cashier  # not the admin
    app.users.set_active(boss.id, True, by=admin, new_pin="580361")
    assert app.users.authenticate("580361").name == "Jefa"
    assert app.users.authenticate(MANAGER_PIN).name == "Caro"


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(app) -> None:
    admin = app.users.get(name="Administrador")
    with pytest.raises(LastAdmin):
        app.users.set_role(admin.id, Role.CASHIER)
    with pytest.raises(LastAdmin):
        app.users.set_active(admin.id, False)
    other = app.users.create_user("Otra", Role.ADMIN, MANAGER_PIN)
    app.users.set_role(admin.id, Role.MANAGER)
    assert app.users.get(user_id=admin.id).role is Role.MANAGER
    with pytest.raises(LastAdmin):
        app.users.set_active(other.id, False)


def test_sign_in_finds_the_user_by_keyed_look_up_and_survives_a_lost_key(app, tmp_path) -> None:
    app.users.create_user("Ana", Role.CASHIER, CASHIER_PIN)
    key = app.settings.state_dir / "pin-lookup.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600" and len(key.read_bytes()) == 32
    raw = sqlite3.connect(app.db.path)
    lookups = dict(raw.execute("SELECT name, pin_lookup FROM users"))
    assert all(v.startswith(app.users.lookup.key_id + ":") for v in lookups.values())
    assert CASHIER_PIN not in "".join(lookups.values())
    # The key file is lost (a backup restored on a new box): every user is still found
    # by trying their hash, and gets a look-up value under the new key.
    key.unlink()
    fresh = UserService(app.db, access=app.access, key_path=key)
    assert fresh.lookup.key_id != app.users.lookup.key_id
    assert fresh.authenticate(CASHIER_PIN).name == "Ana"
    ana_lookup = raw.execute("SELECT pin_lookup FROM users WHERE name = 'Ana'").fetchone()[0]
    raw.close()
    assert ana_lookup.startswith(fresh.lookup.key_id + ":")


# --- the wait after wrong PINs ---------------------------------------------------------------

def test_wrong_pins_wait_longer_each_time_up_to_the_cap_and_survive_a_restart(app) -> None:
    now = [1000.0]
    users = _users(app, now, free_attempts=3, lockout_base_s=30, lockout_max_s=300)
    for _ in range(2):
        with pytest.raises(WrongPin):
            users.authenticate("999999")
    waits = []
    for _ in range(6):
        with pytest.raises(PinThrottled) as err:
            users.authenticate("999999")
        waits.append(err.value.params["seconds"])
        with pytest.raises(PinThrottled):  # while waiting, even the right PIN is not tried
            users.authenticate(DEFAULT)
        now[0] += waits[-1] + 1
    assert waits == [30, 60, 120, 240, 300, 300]
    assert str(PinThrottled(seconds=300)) == "Demasiados PIN incorrectos. Intente de nuevo en 5\u00a0min\u00a000\u00a0s."
    with pytest.raises(PinThrottled):
        users.authenticate("999999")
    restarted = _users(app, now, free_attempts=3, lockout_base_s=30, lockout_max_s=300)
    assert restarted.wait_seconds() == 300  # kept in the database
    assert restarted.clear_lockout() == 9  # kiosk-admin users unlock
    assert restarted.wait_seconds() == 0 and restarted.authenticate(DEFAULT).role is Role.ADMIN
    assert _acts(app).count("pin_failed") == 9 and "lockout_cleared" in _acts(app)


def test_a_cashiers_own_pin_does_not_reset_the_count(app) -> None:
    """The 711-guess hole: four guesses, then the cashier's own PIN, repeated. Now the
    cashier's sign-in does not end a run of failures, so the wait comes."""
    now = [1000.0]
    users = _users(app, now, free_attempts=5, lockout_base_s=30, lockout_max_s=300)
    users.create_user("Carla", Role.CASHIER, CASHIER_PIN)
    users.create_user("Marta", Role.MANAGER, MANAGER_PIN)
    guesses = iter(f"{n:06d}" for n in range(100_001, 999_999, 7919))
    throttled_after = None
    for attempt in range(1, 40):
        try:
            users.authenticate(next(guesses))
        except PinThrottled:
            throttled_after = attempt
            break
        except WrongPin:
            pass
        if attempt % 4 == 0:
            assert users.authenticate(CASHIER_PIN).name == "Carla"
    assert throttled_after == 5
    # a manager signing in (the level the lock screen's guesses aim at) ends the run
    now[0] += 31
    assert users.authenticate(MANAGER_PIN).name == "Marta"
    assert users.failures() == 0


def test_brute_force_at_the_manager_prompt_hits_the_growing_wait(app) -> None:
    """At a prompt for an act, a right PIN of someone without the act is a failure
    (the signed-in cashier's own included), and only an authorisation of that level
    ends the run."""
    now = [1000.0]
    users = _users(app, now, free_attempts=3, lockout_base_s=30, lockout_max_s=300)
    carla = users.create_user("Carla", Role.CASHIER, CASHIER_PIN)
    users.create_user("Carlos", Role.CASHIER, "580361")
    users.create_user("Marta", Role.MANAGER, MANAGER_PIN)
    with pytest.raises(AuthorisationRefused) as err:
        users.authorize(CASHIER_PIN, Act.RETURN, carla)  # her own PIN
    assert str(err.value) == "PIN no aceptado: «Devolución» requiere el PIN de un encargado o administrador."
    with pytest.raises(AuthorisationRefused):
        users.authorize("580361", Act.RETURN, carla)  # a colleague's: same refusal, says nothing more
    waits = []
    for guess in ("111112", "222223", "333334", "444445", "555556"):
        with pytest.raises(PinThrottled) as err:
            users.authorize(guess, Act.RETURN, carla)
        waits.append(err.value.params["seconds"])
        now[0] += waits[-1] + 1
        assert users.authenticate(CASHIER_PIN).name == "Carla"  # signing in works, resets nothing
    assert waits == [30, 60, 120, 240, 300]
    grant = users.authorize(MANAGER_PIN, Act.RETURN, carla)
    assert grant.act is Act.RETURN and grant.authoriser.name == "Marta" and grant.for_user == carla.id
    assert users.failures() == 0
    refused = [r for r in app.audit.entries() if r.act == "authorisation_refused"]
    assert refused[-1].after == {"attempt": 1, "pin_of": "Carla"} and refused[-1].user == "Carla"
