"""Child process of the ``scan_to_cart`` probe: runs the real kiosk UI on the
benchmark database, signs in, then feeds keyboard-wedge bursts (the code's keys and
Enter as window key events) one at a time. Each sample runs from the Enter being
dispatched to the first frame, drawn but not yet swapped, whose cart list shows the
new line.

    python -m kiosk.bench.ui_scan STATE_DIR SCANS OUT.json
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from pathlib import Path


def unit_codes(db: Path, count: int) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT b.code FROM barcodes b JOIN products p ON p.id = b.product_id "
                            "WHERE p.sale_mode = 'unit' AND p.active = 1 ORDER BY random() LIMIT ?", (count,))
        return [r[0] for r in rows]
    finally:
        conn.close()


def main(argv: list[str]) -> int:
    state, scans, out = Path(argv[0]), int(argv[1]), Path(argv[2])
    from kiosk.config import load_settings
    from kiosk.main import configure_kivy

    settings = load_settings(env={"STATE_DIRECTORY": str(state), "HOME": str(state)},
                             overrides={"printer": {"url": "none"}, "till": {"without_session": "open"},
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
    codes = unit_codes(settings.database_path, scans)
    samples: list[float] = []
    run = {"i": 0, "t0": None, "expect": None}

    def start(_dt: float) -> None:
        app.signed_in(signed_in_admin(services))
        Clock.schedule_once(next_scan, 0.5)

    def next_scan(_dt: float) -> None:
        if run["i"] >= len(codes):
            out.write_text(json.dumps({"samples_ms": samples}))
            app.stop()
            return
        if len(app.cart) >= 20:
            services.counter.clear(app.user.id)
        code = codes[run["i"]]
        run["i"] += 1
        for ch in code:  # as Kivy's SDL2 window delivers a key: its key-down, then its text
            Window.dispatch("on_key_down", ord(ch), 0, ch, [])
            Window.dispatch("on_textinput", ch)
        run["expect"] = len(app.cart) + 1
        run["t0"] = time.perf_counter()
        Window.dispatch("on_key_down", 13, 40, "\r", [])

    def flipped(*_args) -> None:
        if run["t0"] is None or len(app.cart) != run["expect"]:
            return
        line_id = app.cart.lines[-1].id
        rv = app.screen("sell").ids.cart
        if not any(getattr(v, "line_id", None) == line_id for v in rv.children[0].children):
            return
        samples.append((time.perf_counter() - run["t0"]) * 1000)
        run["t0"] = None
        Clock.schedule_once(next_scan, 0.03)

    Window.bind(on_flip=flipped)
    app.bind(on_start=lambda *_a: when_lock_screen_up(app, start))
    app.run()
    services.close()
    return 0 if len(samples) == len(codes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
