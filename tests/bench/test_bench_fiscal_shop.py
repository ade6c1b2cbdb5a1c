"""The fiscal checkout probe runs and reports its figures (measured, never asserted
against a budget)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_fiscal_checkout_probe_prints_its_figures(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "bench", "--products", "10", "--only",
                        "fiscal_checkout", "--json"], capture_output=True, text=True, env=env, timeout=600, check=True)
    figures = json.loads(r.stdout)
    for key in ("fiscal_confirm_p50_ms", "fiscal_plain_confirm_p50_ms", "fiscal_plan_p50_ms"):
        assert isinstance(figures[key], float) and figures[key] > 0, key
