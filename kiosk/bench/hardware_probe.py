"""Printing figures: how long a receipt takes from "sale done" to "printer has it"
through the durable queue and the print thread (simulated network printer on
127.0.0.1 with DLE EOT), how long a backlog takes to clear after the paper is
replaced, and how long the on-screen preview takes to decode and draw a receipt."""

from __future__ import annotations

import time
from typing import Any

from kiosk.bench import BenchContext, percentile, probe, timed_ms

JOBS = 40
BACKLOG = 20


@probe("printing")
def printing(ctx: BenchContext) -> dict[str, Any]:
    from hardware.printer.decode import decode, render_png
    from hardware.printer.simulator import SimPrinter
    from hardware.printer.test_ticket import render_test_ticket
    from kiosk.app_factory import build
    from kiosk.config import load_settings

    sim = SimPrinter().start()
    state = ctx.workdir / "printing-state"
    settings = load_settings(env={"STATE_DIRECTORY": str(state), "HOME": str(ctx.workdir)},
                             overrides={"printer": {"url": sim.url, "status_query": "on", "retry_min_s": 0.2,
                                                    "retry_max_s": 0.5, "status_poll_s": 0}})
    app = build(settings)
    app.hardware.scale_factory = None
    payload = render_test_ticket("Bench", receipt_layout_for(settings))
    app.hardware.start()
    try:
        latencies = []
        for i in range(JOBS):
            t0 = time.perf_counter()
            app.printing.enqueue(payload, kind="test")
            while len(sim.jobs) <= i:
                time.sleep(0.0005)
            latencies.append((time.perf_counter() - t0) * 1000)
        sim.set_mode("paper_out")
        for _ in range(BACKLOG):
            app.printing.enqueue(payload, kind="test")
        time.sleep(0.3)
        t0 = time.perf_counter()
        sim.set_mode("online")
        sim.wait_for_jobs(JOBS + BACKLOG, timeout=60)
        recovery = time.perf_counter() - t0
        printed_once = len(sim.jobs) == JOBS + BACKLOG
    finally:
        app.close()
        sim.stop()
    decode_ms = [timed_ms(lambda: decode(payload)) for _ in range(20)]
    png_ms = [timed_ms(lambda: render_png(payload)) for _ in range(10)]
    return {"print_latency_p50_ms": round(percentile(latencies, 50), 2),
            "print_latency_p95_ms": round(percentile(latencies, 95), 2),
            "print_backlog_recovery_s": round(recovery, 2), "print_backlog_jobs": BACKLOG,
            "print_each_job_once": printed_once, "print_job_bytes": len(payload),
            "preview_decode_ms": round(percentile(decode_ms, 50), 2),
            "preview_png_ms": round(percentile(png_ms, 50), 2)}


def receipt_layout_for(settings):  # noqa: ANN001, ANN201
    from hardware.printer.receipt import receipt_layout

    return receipt_layout(settings)
