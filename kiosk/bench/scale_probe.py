"""Scale figures: how long after the weight changes the adapter publishes it as stable
(default 150 ms poll, through a simulator on a pty; a weight needs two agreeing
frames), and how fast the frame parsers are."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from kiosk.bench import BenchContext, percentile, probe

FRAMES = {
    "toledo8217": b"\x0201.234\r",
    "mtsics": b"S S     1234.00 g\r\n",
    "cas": b"\x0201234\r",
    "magellan": b"S14401234\r",
    "epelsa": b"\x02A  1.234\r\x03",
    "adam": b"  1.234kg\r\n",
}


def _latencies(protocol: str, samples: int) -> list[float]:
    from hardware.scale.adapter import ScaleAdapter
    from hardware.scale.reading import ScaleState
    from hardware.scale.simulator import ScaleSimulator

    sim = ScaleSimulator(protocol, weight_g=1000)
    sim.start()
    adapter = ScaleAdapter(protocol, sim.path, poll_s=0.15)
    adapter.want_weight()  # as with the calculator open (an Adam is asked only then)
    adapter.start()
    arrived = threading.Event()
    target = {"g": 0}

    def on_reading(r) -> None:  # noqa: ANN001
        if r.state is ScaleState.STABLE and r.net_g == target["g"]:
            arrived.set()

    adapter.subscribe(on_reading)
    out = []
    rng = random.Random(protocol)
    try:
        for i in range(samples + 1):
            target["g"] = 1100 + i * 7
            arrived.clear()
            time.sleep(rng.uniform(0, 0.15))  # any moment of the poll cycle
            t0 = time.perf_counter()
            sim.set_weight(target["g"])
            if arrived.wait(3.0) and i:  # the first one also waits for the connection
                out.append((time.perf_counter() - t0) * 1000)
    finally:
        adapter.stop()
        sim.stop()
    return out


@probe("scale")
def scale(ctx: BenchContext) -> dict[str, Any]:
    from hardware.scale.protocol import DecoderOptions
    from hardware.scale.protocols import PROTOCOLS

    results: dict[str, Any] = {}
    toledo = _latencies("toledo8217", 20)
    results["scale_change_to_stable_p95_ms"] = round(percentile(toledo, 95), 1)
    results["scale_change_to_stable_p50_ms"] = round(percentile(toledo, 50), 1)
    for name in ("mtsics", "cas", "magellan", "epelsa", "adam"):
        results[f"scale_change_to_stable_p50_ms_{name}"] = round(percentile(_latencies(name, 5), 50), 1)
    for name, frame in FRAMES.items():
        decoder = PROTOCOLS[name].decoder(DecoderOptions())
        n = 5000
        t0 = time.perf_counter()
        for _ in range(n):
            decoder.feed(frame)
        results[f"scale_decode_us_per_frame_{name}"] = round((time.perf_counter() - t0) / n * 1e6, 1)
    return results
