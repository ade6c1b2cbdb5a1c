"""UI figures, each measured in a child process with a real window (a private Xvfb
when there is no display):

- ``ui_start_s``: ``kiosk --demo --windowed`` on a fresh state directory, from
  process start to the lock screen drawn (the app writes $KIOSK_READY_FILE then);
  ``ui_start_warm_s`` is the second start on the same, already populated directory.
- ``scan_to_cart_p95_ms``: a keyboard-wedge burst received (its Enter) to the frame
  in which the new cart line is drawn, on the benchmark catalog (``--products``,
  100,000 by default); see kiosk/bench/ui_scan.py.
- ``wedge_scan_success_pct``: of 50 wedge scans typed by X (xdotool, 5 ms per
  character) right after a screen change beside two CPU-bound processes, the share
  that reached the cart with nothing left in the search box (budget 100); see
  kiosk/bench/ui_wedge.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.bench import BenchContext, percentile, probe
from kiosk.bench.engine import build_app

SCANS = 200


def _display_env(ctx: BenchContext) -> dict[str, str]:
    env = dict(os.environ)
    if env.get("DISPLAY"):
        return env
    server = ctx.shared.get("xvfb")
    if server is None:
        from kiosk.ui.xvfb import Xvfb

        server = Xvfb()
        server.start()
        ctx.shared["xvfb"] = server
        import atexit

        atexit.register(server.stop)
    env["DISPLAY"] = server.display
    return env


def _start_once(env: dict[str, str], state: Path, timeout: float = 60) -> float:
    ready = state.parent / f"{state.name}.ready"
    ready.unlink(missing_ok=True)
    env = {**env, "KIOSK_READY_FILE": str(ready), "XDG_DATA_HOME": str(state.parent)}
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.main", "--demo", "--windowed", "--state", str(state)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready.exists() and ready.read_text().strip():
                return float(ready.read_text()) - t0
            if proc.poll() is not None:
                raise RuntimeError("kiosk exited before its lock screen: "
                                   + proc.stderr.read().decode(errors="replace")[-2000:])
            time.sleep(0.01)
        raise RuntimeError(f"no lock screen within {timeout:g} s")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@probe("ui_start")
def ui_start(ctx: BenchContext) -> dict[str, Any]:
    env = _display_env(ctx)
    state = ctx.workdir / "ui-start-state"
    cold = _start_once(env, state)
    warm = _start_once(env, state)
    return {"ui_start_s": round(cold, 3), "ui_start_warm_s": round(warm, 3)}


@probe("scan_to_cart")
def scan_to_cart(ctx: BenchContext) -> dict[str, Any]:
    app = build_app(ctx)  # the benchmark catalog (ctx.products products)
    env = _display_env(ctx)
    out = ctx.workdir / "scan_to_cart.json"
    subprocess.run([sys.executable, "-m", "kiosk.bench.ui_scan", str(app.state_dir), str(SCANS), str(out)],
                   env=env, check=True, timeout=600, stdout=subprocess.DEVNULL)
    samples = json.loads(out.read_text())["samples_ms"]
    return {"scan_to_cart_p95_ms": round(percentile(samples, 95), 2),
            "scan_to_cart_p50_ms": round(percentile(samples, 50), 2), "scan_to_cart_scans": len(samples)}


WEDGE_SCANS = 50


@probe("wedge_scan")
def wedge_scan(ctx: BenchContext) -> dict[str, Any]:
    """Issue 13's scenario: wedge scans typed by X at 5 ms per character right after a
    screen change, beside two CPU-bound processes (kiosk/bench/ui_wedge.py)."""
    app = build_app(ctx)
    env = _display_env(ctx)
    out = ctx.workdir / "wedge_scan.json"
    subprocess.run([sys.executable, "-m", "kiosk.bench.ui_wedge", str(app.state_dir), str(WEDGE_SCANS), str(out)],
                   env=env, check=True, timeout=900, stdout=subprocess.DEVNULL)
    result = json.loads(out.read_text())
    return {"wedge_scan_success_pct": round(100 * result["ok"] / max(1, result["scans"]), 1),
            "wedge_scan_scans": result["scans"]}
