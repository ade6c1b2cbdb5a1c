"""The cost of PINs: one scrypt hash and check (N = 2^17, r = 8, p = 1), and a sign-in
among 20 users with the keyed look-up (one check) against trying every user's hash
(what sign-in would cost without it)."""

from __future__ import annotations

import os
import time
import traceback
from typing import Any

from kiosk.bench import BenchContext, median, probe, timed_ms

USERS = 20


@probe("pins")
def pins(ctx: BenchContext) -> dict[str, Any]:
    from kiosk.app_factory import build
    from kiosk.config import load_settings
    from kiosk.services.users import LOOKUP_KEY_FILE, UserService, hash_pin, verify_pin

    stored = hash_pin("246813")
    hash_ms = median([timed_ms(lambda: hash_pin("246813")) for _ in range(3)])
    verify_ms = median([timed_ms(lambda: verify_pin("246813", stored)) for _ in range(3)])

    state = ctx.workdir / "pins"
    settings = load_settings(env={"STATE_DIRECTORY": str(state), "HOME": str(ctx.workdir)},
                             overrides={"printer": {"url": "none"}})
    app = build(settings, sender=lambda payload: None)
    try:
        t0 = time.perf_counter()
        pins = [f"{580361 + 7919 * i:06d}"[-6:] for i in range(USERS - 1)]
        for i, pin in enumerate(pins):
            app.users.create_user(f"Usuario {i + 1}", "cashier", pin)
        setup_s = time.perf_counter() - t0
        last = pins[-1]
        keyed = median([timed_ms(lambda: app.users.authenticate(last)) for _ in range(3)])
        # The same database without the look-up key: every user's hash is tried in turn.
        (state / LOOKUP_KEY_FILE).rename(state / "key.aside")
        plain = UserService(app.db, access=app.access)
        scan = timed_ms(lambda: _wrong(plain))  # a wrong PIN: all 20 hashes tried
    finally:
        app.close()
    return {"pin_hash_ms": round(hash_ms, 1), "pin_verify_ms": round(verify_ms, 1),
            "sign_in_20_users_ms": round(keyed, 1), "wrong_pin_20_users_unkeyed_ms": round(scan, 1),
            "pins_setup_s": round(setup_s, 1)}


def _wrong(users) -> None:  # noqa: ANN001
    from kiosk.core.errors import WrongPin

    try:
        users.authenticate("999999")
    except WrongPin:
        pass


def signed_in_admin(services, pin: str = "246813"):  # noqa: ANN001, ANN201
    """The benchmarks' admin, after the first start's default PIN was replaced (as the
    kiosk requires before anything else)."""
    if services.users.default_pin_in_use():
        services.users.set_pin(services.users.users()[0].id, pin)
    return services.users.authenticate(pin)


def when_lock_screen_up(app, then, settle: float = 0.5) -> None:  # noqa: ANN001
    """Call ``then(dt)`` once the kiosk's lock screen has been drawn (``app.ready_at``)
    and ``settle`` seconds have passed: no cashier types a PIN sooner, and the kiosk's
    own after-start work (freezing its start-up objects) is done by then, as in a shop."""
    from kivy.clock import Clock

    def check(dt: float) -> bool:
        if app.ready_at is None or time.monotonic() - app.ready_at < settle:
            return True
        Clock.schedule_once(started, 0)
        return False

    def started(dt: float) -> None:
        # The kiosk logs a main-thread error and keeps running; a benchmark child that
        # cannot start its run ends at once instead of waiting out its parent's timeout.
        try:
            then(dt)
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            os._exit(3)

    Clock.schedule_interval(check, 0.05)
