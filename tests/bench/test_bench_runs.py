"""The benchmark is measured on demand (make bench); here it only has to run and
report every figure the README quotes. No timing is asserted."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE_KEYS = {"lookup_p99_ms", "search_p95_ms", "checkout_p50_ms", "checkout_raw_p50_ms", "checkout_ratio", "rss_mb"}


def test_engine_benchmark_prints_its_figures_as_json(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "bench", "--products", "3000", "--sales", "40",
                        "--only", "lookup,search,checkout", "--json"],
                       capture_output=True, text=True, env=env, timeout=300, check=True)
    figures = json.loads(r.stdout)
    assert ENGINE_KEYS <= figures.keys()
    assert all(isinstance(figures[k], (int, float)) and figures[k] > 0 for k in ENGINE_KEYS)
