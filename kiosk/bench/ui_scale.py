"""``scale_frame_to_screen``: from a scale frame arriving on the port to the price
calculator showing it.

The probe runs the real kiosk UI in a child process (``python -m kiosk.bench.ui_scale
STATE SAMPLES OUT.json``) with the demo shop and the simulated scale on a
pseudo-terminal (Mettler-Toledo 8217, default 150 ms poll), opens the calculator of a
product sold by weight and changes the simulated weight SAMPLES times. Each sample
runs from the moment the simulator wrote the frame that completes the new reading
(the second, agreeing frame that makes it "stable") into the pty, to the first frame
drawn (before the buffer swap) whose weight panel shows that weight as stable - the
reader thread, the queue, the Clock trigger, the panel and the drawing included.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.bench import BenchContext, percentile, probe

SAMPLES = 40
PRODUCT = "POL-DET"  # a powder sold by the kilo in the demo shop


@probe("scale_frame_to_screen")
def scale_frame_to_screen(ctx: BenchContext) -> dict[str, Any]:
    from kiosk.bench.ui import _display_env

    env = _display_env(ctx)
    state = ctx.workdir / "ui-scale-state"
    out = ctx.workdir / "scale_frame_to_screen.json"
    subprocess.run([sys.executable, "-m", "kiosk.bench.ui_scale", str(state), str(SAMPLES), str(out)],
                   env=env, check=True, timeout=300, stdout=subprocess.DEVNULL)
    samples = json.loads(out.read_text())["samples_ms"]
    return {"scale_frame_to_screen_p95_ms": round(percentile(samples, 95), 2),
            "scale_frame_to_screen_p50_ms": round(percentile(samples, 50), 2),
            "scale_frame_to_screen_samples": len(samples)}


def main(argv: list[str]) -> int:  # the child process
    state, count, out = Path(argv[0]), int(argv[1]), Path(argv[2])
    state.mkdir(parents=True, exist_ok=True)
    from kiosk.config import load_settings
    from kiosk.main import configure_kivy

    settings = load_settings(env={"STATE_DIRECTORY": str(state), "HOME": str(state)},
                             overrides={"printer": {"url": "none"}, "scale": {"simulate": True}, "till": {"without_session": "open"},
                                        "ui": {"fullscreen": False, "width": 800, "height": 480}})
    os.environ["KIVY_HOME"] = str(state / "kivy")
    configure_kivy(settings)
    from kivy.clock import Clock
    from kivy.core.window import Window

    from hardware.scale.display import format_weight
    from hardware.scale.reading import WeightUnit
    from kiosk.app_factory import build
    from kiosk.bench.staff import signed_in_admin, when_lock_screen_up
    from kiosk.demo import load_demo
    from kiosk.ui.app import KioskApp

    services = build(settings)
    load_demo(services.db, settings.state_dir, settings.currency.decimals)
    app = KioskApp(services, own_process=True)  # as kiosk.main starts it
    writes: list[tuple[float, bytes]] = []
    samples: list[float] = []
    run: dict[str, Any] = {"i": 0, "grams": None, "panel": None}
    rng = random.Random(4)

    def record_writes(sim) -> None:  # noqa: ANN001
        """Time stamp every piece of bytes the simulator writes into the pty."""
        flush = sim._flush

        def timed(master: int, now: float) -> None:
            before = list(sim._outbox)
            flush(master, now)
            stamp = time.perf_counter()
            writes.extend((stamp, data) for _due, data in before[:len(before) - len(sim._outbox)])

        sim._flush = timed

    def start(_dt: float) -> None:
        app.signed_in(signed_in_admin(services))
        record_writes(app.scale.simulator)
        app.screen("sell").open_calculator(services.catalog.by_sku(PRODUCT))
        run["panel"] = app.modal.scale_panel
        Clock.schedule_once(next_weight, 1.0)

    def next_weight(_dt: float) -> None:
        if run["i"] >= count:
            out.write_text(json.dumps({"samples_ms": samples}))
            app.stop()
            return
        run["i"] += 1
        grams = 1000 + run["i"] * 7
        run["grams"] = grams
        run["text"] = format_weight(grams, WeightUnit.KG)
        run["frame"] = f"{grams / 1000:06.3f}".encode()  # what the 8217 sends for it
        Clock.schedule_once(lambda dt: app.scale.simulator.set_weight(grams), rng.uniform(0, 0.15))

    def flipped(*_args) -> None:
        panel = run["panel"]
        if run["grams"] is None or panel is None or panel.net_text != run["text"] or not panel.can_use:
            return
        shown = time.perf_counter()
        frames = [t for t, data in writes if run["frame"] in data and t <= shown]
        if frames:  # the first frame of a new weight shows "in motion"; the second confirms it
            samples.append((shown - frames[min(1, len(frames) - 1)]) * 1000)
        run["grams"] = None
        Clock.schedule_once(next_weight, 0.05)

    Window.bind(on_flip=flipped)
    app.bind(on_start=lambda *_a: when_lock_screen_up(app, start))
    app.run()
    services.close()
    return 0 if len(samples) == count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
