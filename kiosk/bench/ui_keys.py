"""Child process of the ``keystroke`` probe: runs the real kiosk UI on the benchmark
database, signs in, then types a query mix into the selling screen one character at a
time (as Kivy's window delivers a key: its key-down, then its text). Each sample runs
from the character being dispatched to the first frame, drawn but not yet swapped,
in which the grid shows that query's results (the selling screen's own page size).

The mix (issue 18): 1-2 letter prefixes, accented and accent-free words, two-word,
mid-word and no-hit queries. Between queries the search is cleared (not timed: the
next query's first key waits for the cleared grid's frame).

    python -m kiosk.bench.ui_keys STATE_DIR ROUNDS OUT.json
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

QUERIES = ["d", "ja", "li", "jabón", "jabon", "limón", "limon", "detergente pol", "suav lav", "ecol",
           "hipoalergénico", "gel", "manzana", "xqzw", "cloro gel", "multi", "fuerte 4"]


def main(argv: list[str]) -> int:
    state, rounds, out = Path(argv[0]), int(argv[1]), Path(argv[2])
    from kiosk.config import load_settings
    from kiosk.main import configure_kivy

    settings = load_settings(env={"STATE_DIRECTORY": str(state), "HOME": str(state)},
                             overrides={"printer": {"url": "none"},
                                        "ui": {"fullscreen": False, "width": 800, "height": 480}})
    os.environ["KIVY_HOME"] = str(state / "kivy")
    configure_kivy(settings)
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.app_factory import build
    from kiosk.bench.staff import signed_in_admin, when_lock_screen_up
    from kiosk.ui.app import KioskApp

    services = build(settings, sender=lambda payload: None)
    app = KioskApp(services, own_process=True)  # as kiosk.main starts it
    keys = [(q, i) for _ in range(rounds) for q in QUERIES for i in range(1, len(q) + 1)]
    samples: list[float] = []
    run = {"i": 0, "t0": None, "expect": None, "cleared": None}

    def start(_dt: float) -> None:
        app.signed_in(signed_in_admin(services))
        Clock.schedule_once(next_key, 0.5)

    def next_key(_dt: float) -> None:
        if run["i"] >= len(keys):
            out.write_text(json.dumps({"samples_ms": samples}))
            app.stop()
            return
        query, n = keys[run["i"]]
        run["i"] += 1
        sell = app.screen("sell")
        if n == 1 and sell.query:
            sell.clear_search()  # not timed: typing starts once the cleared grid is drawn
            run["expect"], run["cleared"] = "", lambda: Clock.schedule_once(lambda dt: type_next(query, n), 0.02)
            Clock.schedule_interval(poll, 0)
            return
        type_next(query, n)

    def type_next(query: str, n: int) -> None:
        ch = query[n - 1]
        run["expect"] = query[:n]
        run["t0"] = time.perf_counter()
        Window.dispatch("on_key_down", ord(ch), 0, ch, [])
        Window.dispatch("on_textinput", ch)
        Clock.schedule_interval(poll, 0)

    def current() -> bool:
        sell = app.screen("sell")
        rv = sell.ids.catalog
        return (sell.shown_query == run["expect"] and not rv._refresh_flags["data"]
                and not rv._refresh_trigger.is_triggered)

    def poll(_dt: float) -> bool:
        """Results equal to the previous ones change nothing on screen, so no frame
        would be drawn: once the grid holds them, ask for one (it is part of the wait)."""
        if run["t0"] is None and run["cleared"] is None:
            return False
        if current():
            Window.canvas.ask_update()
            return False
        return True

    def flipped(*_args) -> None:
        if run["cleared"] is not None and current():
            then, run["cleared"] = run["cleared"], None
            then()
            return
        if run["t0"] is None or not current():
            return
        samples.append((time.perf_counter() - run["t0"]) * 1000)
        run["t0"] = None
        Clock.schedule_once(next_key, 0.02)

    Window.bind(on_flip=flipped)
    app.bind(on_start=lambda *_a: when_lock_screen_up(app, start))
    app.run()
    services.close()
    return 0 if len(samples) == len(keys) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
