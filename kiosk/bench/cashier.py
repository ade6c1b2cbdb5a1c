"""What the cashier and the technician wait for (issue 18), each beside its floor:

- ``lookup_ratio``: a barcode look-up through CatalogService.lookup_barcode against an
  indexed SELECT in raw sqlite3 on the same file (budget <= 5).
- ``search_ratio``: CatalogService.search against a raw FTS5 prefix query with the same
  LIMIT (budget <= 4); p50 over the same query mix.
- ``keystroke_to_results_p95_ms``: a typed character until the selling screen's grid
  shows its results, real UI (kiosk/bench/ui_keys.py; budget <= 60).
- ``admin_start_s``: ``kiosk-admin status`` from process start to exit, median of three
  after a first run that compiles the byte code and fills the caches (translations) as
  an installed kiosk has them (budget <= 0.8).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from typing import Any

from kiosk.bench import BenchContext, median, percentile, probe, timed_ms
from kiosk.bench.engine import SEARCHES, build_app
from kiosk.bench.ui import _display_env
from kiosk.services.catalog import fts_query

KEY_ROUNDS = 2


@probe("lookup_ratio")
def lookup_ratio(ctx: BenchContext) -> dict[str, Any]:
    app = build_app(ctx)
    rng = random.Random(5)
    codes = [rng.choice(ctx.shared["codes"]) for _ in range(2000)]
    raw = sqlite3.connect(app.db.path)
    try:
        sql = ("SELECT p.id, p.sku, p.name, p.sale_mode, p.uom, p.price, p.tax_rate_bp, p.stock, p.low_stock,"
               " p.active FROM barcodes b JOIN products p ON p.id = b.product_id WHERE b.code = ?")
        for code in codes[:200]:  # warm both
            raw.execute(sql, (code,)).fetchone()
            app.catalog.lookup_barcode(code)
        service = [timed_ms(lambda c=c: app.catalog.lookup_barcode(c)) for c in codes]
        floor = [timed_ms(lambda c=c: raw.execute(sql, (c,)).fetchone()) for c in codes]
    finally:
        raw.close()
    s50, r50 = median(service), median(floor)
    return {"lookup_service_p50_ms": round(s50, 3), "lookup_raw_p50_ms": round(r50, 3),
            "lookup_ratio": round(s50 / r50, 2)}


@probe("search_ratio")
def search_ratio(ctx: BenchContext) -> dict[str, Any]:
    app = build_app(ctx)
    limit = 40
    raw = sqlite3.connect(app.db.path)
    sql = "SELECT rowid FROM product_search WHERE product_search MATCH ? LIMIT ?"
    fts = fts_query  # the same FTS5 text the service sends
    try:
        for q in SEARCHES:
            app.catalog.search(q, limit=limit)
            raw.execute(sql, (fts(q), limit)).fetchall()
        service, floor = [], []
        for _ in range(5):
            for q in SEARCHES:
                service.append(timed_ms(lambda q=q: app.catalog.search(q, limit=limit)))
                floor.append(timed_ms(lambda q=q: raw.execute(sql, (fts(q), limit)).fetchall()))
    finally:
        raw.close()
    s50, r50 = median(service), median(floor)
    return {"search_service_p50_ms": round(s50, 3), "search_raw_p50_ms": round(r50, 3),
            "search_ratio": round(s50 / r50, 2)}


@probe("keystroke")
def keystroke(ctx: BenchContext) -> dict[str, Any]:
    app = build_app(ctx)
    env = _display_env(ctx)
    out = ctx.workdir / "keystroke.json"
    rounds = int(ctx.options.get("key_rounds") or KEY_ROUNDS)
    subprocess.run([sys.executable, "-m", "kiosk.bench.ui_keys", str(app.state_dir), str(rounds), str(out)],
                   env=env, check=True, timeout=1800, stdout=subprocess.DEVNULL)
    samples = json.loads(out.read_text())["samples_ms"]
    return {"keystroke_to_results_p95_ms": round(percentile(samples, 95), 1),
            "keystroke_to_results_p50_ms": round(percentile(samples, 50), 1), "keystrokes": len(samples)}


@probe("admin_start")
def admin_start(ctx: BenchContext) -> dict[str, Any]:
    app = build_app(ctx)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "KIOSK_CONFIG")}
    # Its own cache folder, filled by the first run as on an installed kiosk (sudo
    # kiosk-admin uses root's, see hardware.printer.capabilities.cache_dir).
    env.update({"STATE_DIRECTORY": str(app.state_dir), "HOME": str(ctx.workdir),
                "CACHE_DIRECTORY": str(ctx.workdir / "admin-cache")})
    argv = [sys.executable, "-m", "kiosk.cli.main", "status"]
    times = []
    for i in range(4):
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        if i:  # the first run writes the byte code an installed kiosk already has
            times.append(time.perf_counter() - t0)
    return {"admin_start_s": round(median(times), 3)}
