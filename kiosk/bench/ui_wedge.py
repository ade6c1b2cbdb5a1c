"""Child process of the ``wedge_scan`` probe: the scenario of issue 13 in the real
kiosk UI. Signs in, then for each scan changes screens (the history, then the
selling screen again) and at once has X type the code at 5 ms per character and
Enter (xdotool, real key events through SDL and Kivy, as a keyboard-wedge scanner
types), while two CPU-bound processes keep the machine busy. A scan succeeds when
the cart has one more item within 10 s and the search box is empty.

    python -m kiosk.bench.ui_wedge STATE_DIR SCANS OUT.json
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from kiosk.bench.ui_scan import unit_codes

SCAN_TIMEOUT_S = 10.0


def _type(code: str) -> None:
    env = dict(os.environ)
    subprocess.run(["xdotool", "type", "--delay", "5", code], env=env, check=True, timeout=60)
    subprocess.run(["xdotool", "key", "Return"], env=env, check=True, timeout=60)


def _focus() -> None:
    found = subprocess.run(["xdotool", "search", "--pid", str(os.getpid())], capture_output=True, text=True,
                           timeout=30).stdout.split()
    for window in found:
        subprocess.run(["xdotool", "windowfocus", "--sync", window], capture_output=True, timeout=30)


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

    from kiosk.app_factory import build
    from kiosk.bench.staff import signed_in_admin, when_lock_screen_up
    from kiosk.ui.app import KioskApp

    services = build(settings, sender=lambda payload: None)
    app = KioskApp(services, own_process=True)  # as kiosk.main starts it
    codes = unit_codes(settings.database_path, min(scans, 20)) or []
    run = {"i": 0, "ok": 0, "expect": 0, "deadline": 0.0, "typing": None}
    hogs: list[subprocess.Popen] = []

    def count() -> int:
        return sum(ln.quantity for ln in app.cart.lines)

    def start(_dt: float) -> None:
        app.signed_in(signed_in_admin(services))
        _focus()
        hogs.extend(subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2))
        Clock.schedule_once(next_scan, 0.5)

    def next_scan(_dt: float) -> None:
        if run["i"] >= scans or not codes:
            finish()
            return
        if count() >= 40:
            services.counter.clear(app.user.id)
        code = codes[run["i"] % len(codes)]
        run["i"] += 1
        run["expect"] = count() + 1
        app.show("history")
        app.show("sell")  # the screen changes; the scanner types at once
        run["deadline"] = time.monotonic() + SCAN_TIMEOUT_S
        typing = threading.Thread(target=_type, args=(code,), daemon=True)
        run["typing"] = typing
        typing.start()
        Clock.schedule_once(check, 0)

    def check(_dt: float) -> None:
        typing = run["typing"]
        done = typing is not None and not typing.is_alive()
        if done and count() == run["expect"] and app.screen("sell").query == "":
            run["ok"] += 1
            Clock.schedule_once(next_scan, 0.05)
        elif time.monotonic() > run["deadline"]:
            Clock.schedule_once(next_scan, 0.05)
        else:
            Clock.schedule_once(check, 0)

    def finish() -> None:
        for hog in hogs:
            hog.kill()
            hog.wait()
        out.write_text(json.dumps({"scans": run["i"], "ok": run["ok"]}))
        app.stop()

    app.bind(on_start=lambda *_a: when_lock_screen_up(app, start))
    try:
        app.run()
    finally:
        for hog in hogs:
            if hog.poll() is None:
                hog.kill()
                hog.wait()
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
