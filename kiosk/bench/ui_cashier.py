"""Child process of the ``cashier_ui`` probe: the real kiosk UI on the benchmark
database, driven as a cashier would, each figure ending at a drawn frame (Window's
``on_flip``: drawn, about to be swapped):

- ``unlock_to_catalog_ms``: the PIN accepted (``KioskApp.signed_in`` with the user
  the PIN check returned; the scrypt check itself is not in it) until the selling
  screen is drawn with its grid filled, the PIN typed half a second after the lock
  screen was drawn (kiosk.bench.staff.when_lock_screen_up). The first unlock after the start is the figure;
  ``unlock_to_catalog_warm_ms`` is the median of later lock/unlock rounds.
- ``confirm_to_done`` samples: a 10-line cart on the checkout screen, card payment,
  from *Confirmar* (``CheckoutScreen.confirm``, as the button calls it) until the done
  screen is drawn showing that sale. Confirmar is pressed once the checkout screen is
  at rest (no frame for QUIET_S, as when a cashier's finger gets there), not while
  the screen change's own frames are still being drawn.
- ``kiosk_rss_mb``: the process's resident memory after the unlock and the sales, read
  with the kiosk back at rest on the selling screen (drawn, a second later: where a
  till spends its day). ``kiosk_rss_after_sale_mb`` is the same reading taken right
  after the last done screen was drawn, before the kiosk gave the sale's freed memory
  back (kiosk/memory.py, 0.3 s after the done screen): it swung 246-264 MB between runs.
- ``idle_cpu_s``: CPU time (all threads) of the selling screen left idle for IDLE
  seconds, low-stock tiles on screen (the parent marks the first page low first).

    python -m kiosk.bench.ui_cashier STATE_DIR SALES IDLE_SECONDS OUT.json
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

WARM_UNLOCKS = 3
LINES = 10
QUIET_S = 0.25  # no frame drawn for this long: the checkout screen is at rest
QUIET_MAX_S = 2.0


def rss_mb() -> float:
    """VmRSS of this process in MiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    state, sales, idle, out = Path(argv[0]), int(argv[1]), float(argv[2]), Path(argv[3])
    from kiosk.config import load_settings
    from kiosk.main import configure_kivy, load_lxml_before_the_window

    settings = load_settings(env={"STATE_DIRECTORY": str(state), "HOME": str(state)},
                             overrides={"printer": {"url": "none"},
                                        "ui": {"fullscreen": False, "width": 800, "height": 480}})
    os.environ["KIVY_HOME"] = str(state / "kivy")
    configure_kivy(settings)
    load_lxml_before_the_window()  # as the kiosk does: its memory is measured
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.app_factory import build
    from kiosk.bench.staff import signed_in_admin, when_lock_screen_up
    from kiosk.ui.app import KioskApp

    services = build(settings, sender=lambda payload: None)
    app = KioskApp(services, own_process=True)  # as kiosk.main starts it
    rng = random.Random(11)
    pool = [p for p in services.catalog.browse(limit=3000) if p.sale_mode.value == "unit"]
    figures: dict = {"confirm_samples_ms": [], "warm_unlocks_ms": []}
    run: dict = {"t0": None, "until": None, "then": None, "user": None, "sales": 0, "unlocks": 0, "last_flip": 0.0}

    def wait_drawn(until, then) -> None:  # noqa: ANN001 - the next frame where until() holds
        """A frame is asked for only once until() holds (a screen that changes draws one
        anyway): asking at once drew a frame of the screen as it was, and a frame's swap
        on a software-rendered display holds the interpreter (and so Confirmar's worker)
        for as long as it takes."""
        run["until"], run["then"] = until, then

        def ask(_dt: float) -> bool:
            if run["until"] is not until:
                return False
            if until():
                Window.canvas.ask_update()
                return False
            return True

        Clock.schedule_interval(ask, 0)

    def flipped(*_args) -> None:
        run["last_flip"] = time.perf_counter()
        if run["until"] is None or not run["until"]():
            return
        then = run["then"]
        run["until"] = run["then"] = None
        ms = (time.perf_counter() - run["t0"]) * 1000 if run["t0"] is not None else 0.0
        run["t0"] = None
        Clock.schedule_once(lambda dt: then(ms), 0.05)

    def catalog_drawn() -> bool:
        if app.sm.current != "sell":
            return False
        rv = app.screen("sell").ids.catalog
        return bool(rv.data) and not rv._refresh_flags["data"] and not rv._refresh_trigger.is_triggered

    # --- unlock ------------------------------------------------------------------------------
    def start(_dt: float) -> None:
        run["user"] = signed_in_admin(services)  # the PIN check (scrypt) happens before "accepted"
        unlock()

    def unlock() -> None:
        run["t0"] = time.perf_counter()
        app.signed_in(run["user"])
        wait_drawn(catalog_drawn, unlocked)

    def unlocked(ms: float) -> None:
        if run["unlocks"] == 0:
            figures["unlock_to_catalog_ms"] = ms
        else:
            figures["warm_unlocks_ms"].append(ms)
        run["unlocks"] += 1
        if run["unlocks"] > WARM_UNLOCKS:
            Clock.schedule_once(lambda dt: next_sale(), 0.3)
            return
        app.lock()
        wait_drawn(lambda: app.sm.current == "lock", lambda _ms: Clock.schedule_once(lambda dt: unlock(), 0.3))

    # --- sales -------------------------------------------------------------------------------
    def next_sale() -> None:
        if run["sales"] >= sales:
            figures["kiosk_rss_after_sale_mb"] = rss_mb()
            app.show("sell")
            wait_drawn(catalog_drawn, lambda _ms: Clock.schedule_once(lambda dt: idle_start(), 1.0))
            return
        run["sales"] += 1
        user = run["user"]
        for product in rng.sample(pool, LINES):
            services.counter.add(user.id, product)
        app.show("checkout")
        checkout = app.screen("checkout")
        checkout.method = "card"
        checkout.update()
        wait_drawn(lambda: app.sm.current == "checkout" and checkout.can_confirm, lambda _ms: when_quiet(confirm))

    def when_quiet(then) -> None:  # noqa: ANN001
        """As a cashier's finger would: Confirmar once the screen has stopped moving (no
        frame drawn for QUIET_S: a list's scroll bar fading after the screen change),
        at most QUIET_MAX_S after it was drawn."""
        started = time.perf_counter()

        def check(_dt: float) -> bool:
            now = time.perf_counter()
            if now - run["last_flip"] >= QUIET_S or now - started >= QUIET_MAX_S:
                then()
                return False
            return True

        Clock.schedule_interval(check, 0.02)

    def confirm() -> None:
        done = app.screen("done")
        checkout = app.screen("checkout")
        number = checkout.sale_number
        title = done.title_text
        run["t0"] = time.perf_counter()
        checkout.confirm()
        wait_drawn(lambda: app.sm.current == "done" and done.title_text != title and str(number) in done.title_text,
                   confirmed)

    def confirmed(ms: float) -> None:
        figures["confirm_samples_ms"].append(ms)
        app.show("sell")
        Clock.schedule_once(lambda dt: next_sale(), 0.05)

    # --- idle ----------------------------------------------------------------------------------
    def idle_start() -> None:
        figures["kiosk_rss_mb"] = rss_mb()
        figures["low_tiles_visible"] = sum(1 for d in app.screen("sell").ids.catalog.data[:24] if d.get("low"))
        c0, t0 = cpu_s(), time.monotonic()

        def idle_end(_dt: float) -> None:
            figures["idle_cpu_pct"] = 100 * (cpu_s() - c0) / (time.monotonic() - t0)
            figures["unlock_to_catalog_warm_ms"] = statistics.median(figures.pop("warm_unlocks_ms") or [0.0])
            out.write_text(json.dumps(figures))
            app.stop()

        Clock.schedule_once(idle_end, idle)

    Window.bind(on_flip=flipped)
    app.bind(on_start=lambda *_a: when_lock_screen_up(app, start))
    app.run()
    services.close()
    return 0 if len(figures["confirm_samples_ms"]) == sales and out.exists() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
