"""The permission model, the PIN rules and the audit hash chain: pure code, no
database. Acts that no feature uses yet (returns, voids, discounts, cash in/out,
closing the till) are checked here, at the model level."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.config import ConfigError, load_settings
from kiosk.core.audit_chain import GENESIS, canonical_json, row_hash, verify
from kiosk.core.errors import InvalidPin
from kiosk.core.permissions import ALL_ACTS, Act, Permissions, Role
from kiosk.core.pin_policy import PinPolicy, is_pin_text, is_straight
from kiosk.core.staff_errors import WeakPin


def test_default_roles() -> None:
    p = Permissions()
    assert p.acts(Role.CASHIER) == {Act.SELL, Act.REPRINT}
    assert p.acts(Role.MANAGER) == ALL_ACTS - {Act.MANAGE_USERS, Act.CHANGE_SETTINGS}
    assert p.acts(Role.ADMIN) == ALL_ACTS
    # the acts later features build on are in the model now
    for act in (Act.RETURN, Act.VOID, Act.DISCOUNT, Act.PRICE_OVERRIDE, Act.CASH_IN_OUT, Act.CLOSE_TILL):
        assert not p.allows(Role.CASHIER, act) and p.allows(Role.MANAGER, act) and p.allows(Role.ADMIN, act)
    assert p.roles_with(Act.RETURN) == [Role.MANAGER, Role.ADMIN]
    assert p.roles_with(Act.MANAGE_USERS) == [Role.ADMIN]
    assert p.level(Act.RETURN) == 1 and p.level(Act.MANAGE_USERS) == 2 and p.level(Act.SELL) == 0


def test_config_changes_roles_but_an_admin_keeps_every_act() -> None:
    s = load_settings(env={"STATE_DIRECTORY": "/nonexistent"}, overrides={"permissions": {
        "cashier": ["sell", "reprint", "return"], "manager": ["sell", "reprint"],
        "discount_limits": {"cashier": 5}}})
    p = s.permissions.model()
    assert p.allows(Role.CASHIER, Act.RETURN) and not p.allows(Role.MANAGER, Act.RETURN)
    assert p.roles_with(Act.RETURN) == [Role.CASHIER, Role.ADMIN]
    assert p.acts(Role.ADMIN) == ALL_ACTS
    # a discount up to the role's limit needs no act; above it, the discount act
    assert p.discount_allowed(Role.CASHIER, 5) and p.discount_act(Role.CASHIER, 5) is None
    assert not p.discount_allowed(Role.CASHIER, 6) and p.discount_act(Role.CASHIER, 6) is Act.DISCOUNT
    assert Permissions().discount_allowed(Role.MANAGER, 60)  # holds the discount act


@pytest.mark.parametrize("table, message", [
    ({"cashier": ["sell", "open_the_safe"]}, "unknown act 'open_the_safe'"),
    ({"admin": ["sell"]}, "admin"),
    ({"discount_limits": {"boss": 10}}, "unknown role 'boss'"),
    ({"discount_limits": {"cashier": 150}}, "between 0 and 100"),
])
def test_bad_permission_tables_stop_start_up_naming_the_key(table, message) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env={"STATE_DIRECTORY": "/nonexistent"}, overrides={"permissions": table})
    assert "[permissions]" in str(err.value) and message in str(err.value)


@pytest.mark.parametrize("pin, error", [
    ("000000", WeakPin), ("111111", WeakPin), ("123456", WeakPin), ("654321", WeakPin), ("890123", WeakPin),
    ("12345", InvalidPin), ("123456789", InvalidPin), ("12a456", InvalidPin), (" 246813", InvalidPin),
    ("２４６８１３", InvalidPin),  # full-width digits: isdigit() says yes, no keypad can type them
    ("٢٤٦٨١٣", InvalidPin),  # Arabic-Indic digits
])
def test_weak_and_malformed_pins_are_refused(pin, error) -> None:
    with pytest.raises(error):
        PinPolicy(6, 8, "000000").check(pin)


def test_good_pins_pass_and_messages_say_why() -> None:
    policy = PinPolicy(6, 8, "000000")
    for pin in ("246813", "13579024", "112233", "908172"):
        policy.check(pin)
    with pytest.raises(WeakPin) as err:
        policy.check("000000")
    assert str(err.value) == "Ese PIN es demasiado fácil de adivinar (es el PIN de fábrica): elija otro."
    with pytest.raises(InvalidPin) as err:
        policy.check("１２")
    assert str(err.value) == "El PIN debe tener de 6 a 8 dígitos (0 a 9)."
    assert is_straight("0987") and not is_straight("1357") and not is_pin_text("１２３４")


def _row(n: int, **changes) -> dict:
    row = {"id": n, "uuid": f"u{n}", "till_id": 1, "created_at": datetime(2026, 1, 1, 10, 0, n),
           "act": "sign_in", "user_id": 1, "authorised_by": None, "subject": "x", "before": None,
           "after": canonical_json({"n": n}), "origin": "kiosk"}
    row.update(changes)
    return row


def _chain(rows: list[dict]) -> list[dict]:
    prev = GENESIS
    for r in rows:
        r["prev_hash"] = prev
        r["row_hash"] = prev = row_hash(r, prev)
    return rows


def test_hash_chain_names_the_first_changed_removed_or_inserted_row() -> None:
    rows = _chain([_row(n) for n in range(1, 6)])
    count, broken, head = verify(rows)
    assert (count, broken, head) == (5, None, rows[-1]["row_hash"])

    edited = [dict(r) for r in rows]
    edited[2]["after"] = canonical_json({"n": 99})
    assert verify(edited)[1].row_id == 3 and verify(edited)[1].reason == "content"

    removed = [r for r in rows if r["id"] != 2]
    assert verify(removed)[1].row_id == 3 and verify(removed)[1].reason == "link"

    rehashed = [dict(r) for r in rows]  # an edit whose own hash was recomputed still breaks the next link
    rehashed[1]["subject"] = "y"
    rehashed[1]["row_hash"] = row_hash(rehashed[1], rehashed[1]["prev_hash"])
    assert verify(rehashed)[1].row_id == 3 and verify(rehashed)[1].reason == "link"
