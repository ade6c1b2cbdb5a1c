"""UI figures, each measured in a child process with a real window (a private Xvfb
when there is no display):

- ``ui_start_s``: ``kiosk --windowed`` on the benchmark catalog (``--products``),
  from process start to the lock screen drawn and taking a PIN (the app writes
  $KIOSK_READY_FILE then), median of two starts after a first one that compiles the
  byte code (``--ui-start-runs``); ``ui_start_demo_s`` / ``ui_start_warm_s``:
  ``kiosk --demo --windowed`` on a fresh state directory, then again on the populated
  one (not with ``--ui-start-runs 1``).
- ``confirm_to_done_p95_ms``, ``unlock_to_catalog_ms``, ``kiosk_rss_mb``,
  ``idle_cpu_pct``: one cashier session on the benchmark catalog (see
  kiosk/bench/ui_cashier.py), shared by the four probes of those names.
- ``bare_kivy_rss_mb``: a one-label Kivy app under the same display
  (kiosk/bench/ui_bare.py).
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
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.bench import BenchContext, percentile, probe
from kiosk.bench.engine import build_app

SCANS = 200


class NoDisplay(RuntimeError):
    """No X display was given ($DISPLAY) and none could be started (Xvfb)."""


def _display_env(ctx: BenchContext) -> dict[str, str]:
    env = dict(os.environ)
    if env.get("DISPLAY"):
        return env
    server = ctx.shared.get("xvfb")
    if server is None:
        from kiosk.ui.xvfb import Xvfb

        server = Xvfb()
        try:
            server.start()
        except Exception as exc:  # noqa: BLE001 - Xvfb missing or failing: the UI figures are skipped
            raise NoDisplay(f"no display: $DISPLAY is not set and Xvfb could not start ({exc})") from exc
        ctx.shared["xvfb"] = server
        import atexit

        atexit.register(server.stop)
    env["DISPLAY"] = server.display
    return env


def _start_once(env: dict[str, str], state: Path, timeout: float = 120, demo: bool = True,
                config: Path | None = None) -> float:
    ready = state.parent / f"{state.name}.ready"
    ready.unlink(missing_ok=True)
    env = {**env, "KIOSK_READY_FILE": str(ready), "XDG_DATA_HOME": str(state.parent)}
    argv = [sys.executable, "-m", "kiosk.main", "--windowed", "--size", "800x480", "--state", str(state)]
    if demo:
        argv.append("--demo")
    if config is not None:
        argv += ["--config", str(config)]
    t0 = time.time()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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


def skipped(keys: tuple[str, ...], reason: str) -> dict[str, Any]:
    """The figures of a probe that could not run (shown as "-"), and why."""
    return {**{k: None for k in keys}, "skipped": {k: reason for k in keys}}


@probe("ui_start")
def ui_start(ctx: BenchContext) -> dict[str, Any]:
    """Process start to the lock screen drawn: on the benchmark catalog (the issue's
    figure; its database already made, as on a shop's second day) and on the demo."""
    try:
        env = _display_env(ctx)
    except NoDisplay as exc:
        return skipped(("ui_start_s",), str(exc))
    app = build_app(ctx)
    config = ctx.workdir / "ui-start.toml"
    config.write_text('[printer]\nurl = "none"\n')
    runs = max(1, int(ctx.options.get("ui_start_runs") or 3))
    starts = [_start_once(env, app.state_dir, demo=False, config=config) for _ in range(runs)]
    figures = {"ui_start_s": round(statistics.median(starts[1:] or starts), 3), "ui_start_first_s": round(starts[0], 3)}
    if runs > 1:
        state = ctx.workdir / "ui-start-state"
        figures["ui_start_demo_s"] = round(_start_once(env, state), 3)
        figures["ui_start_warm_s"] = round(_start_once(env, state), 3)  # the demo's second start
    return figures


CASHIER_KEYS = ("confirm_to_done_p95_ms", "unlock_to_catalog_ms", "kiosk_rss_mb", "idle_cpu_pct")
LOW_TILES = 8  # products of the grid's first page marked low before the session


def _cashier_session(ctx: BenchContext) -> dict[str, Any]:
    """One run of kiosk/bench/ui_cashier.py, shared by the probes of its figures."""
    if "cashier_ui" in ctx.shared:
        return ctx.shared["cashier_ui"]
    try:
        env = _display_env(ctx)
    except NoDisplay as exc:
        ctx.shared["cashier_ui"] = result = skipped(CASHIER_KEYS, str(exc))
        return result
    app = build_app(ctx)
    first_page = [p.id for p in app.catalog.search("", limit=LOW_TILES)]
    raw = sqlite3.connect(app.db.path)
    try:  # low-stock tiles on screen while idle: their mark is what used to keep the CPU busy
        with raw:
            raw.executemany("UPDATE products SET low_stock = stock WHERE id = ?", [(i,) for i in first_page])
    finally:
        raw.close()
    sales = int(ctx.options.get("ui_sales") or 100)
    idle = float(ctx.options.get("idle_seconds") or 30)
    out = ctx.workdir / "cashier_ui.json"
    subprocess.run([sys.executable, "-m", "kiosk.bench.ui_cashier", str(app.state_dir), str(sales), str(idle),
                    str(out)], env=env, check=True, timeout=1800, stdout=subprocess.DEVNULL)
    got = json.loads(out.read_text())
    samples = got["confirm_samples_ms"]
    ctx.shared["cashier_ui"] = result = {
        "confirm_to_done_p95_ms": round(percentile(samples, 95), 1),
        "confirm_to_done_p50_ms": round(percentile(samples, 50), 1), "ui_sales": len(samples),
        "unlock_to_catalog_ms": round(got["unlock_to_catalog_ms"], 1),
        "unlock_to_catalog_warm_ms": round(got["unlock_to_catalog_warm_ms"], 1),
        "kiosk_rss_mb": round(got["kiosk_rss_mb"], 1),
        "kiosk_rss_after_sale_mb": round(got["kiosk_rss_after_sale_mb"], 1),
        "idle_cpu_pct": round(got["idle_cpu_pct"], 2), "idle_seconds": idle,
        "idle_low_tiles": got["low_tiles_visible"]}
    return result


def _pick(result: dict[str, Any], *keys: str) -> dict[str, Any]:
    picked = {k: v for k, v in result.items() if any(k.startswith(p) for p in keys)}
    if "skipped" in result:
        picked["skipped"] = {k: v for k, v in result["skipped"].items() if k in picked}
    return picked


@probe("confirm_to_done")
def confirm_to_done(ctx: BenchContext) -> dict[str, Any]:
    return _pick(_cashier_session(ctx), "confirm_to_done", "ui_sales")


@probe("unlock_to_catalog")
def unlock_to_catalog(ctx: BenchContext) -> dict[str, Any]:
    return _pick(_cashier_session(ctx), "unlock_to_catalog")


@probe("kiosk_rss")
def kiosk_rss(ctx: BenchContext) -> dict[str, Any]:
    return _pick(_cashier_session(ctx), "kiosk_rss")


@probe("idle_cpu")
def idle_cpu(ctx: BenchContext) -> dict[str, Any]:
    return _pick(_cashier_session(ctx), "idle_")


@probe("bare_kivy_rss")
def bare_kivy_rss(ctx: BenchContext) -> dict[str, Any]:
    try:
        env = _display_env(ctx)
    except NoDisplay as exc:
        return skipped(("bare_kivy_rss_mb",), str(exc))
    out = ctx.workdir / "bare_kivy.json"
    subprocess.run([sys.executable, "-m", "kiosk.bench.ui_bare", str(ctx.workdir / "bare-kivy"), str(out)],
                   env=env, check=True, timeout=300, stdout=subprocess.DEVNULL)
    return {"bare_kivy_rss_mb": round(json.loads(out.read_text())["bare_kivy_rss_mb"], 1)}


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
