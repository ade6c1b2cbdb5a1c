"""The DIAN probe runs and reports its figure (measured, never asserted against a budget)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_dian_probe_prints_build_sign_validate_figure(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "bench", "--products", "10", "--only", "dian",
                        "--json"], capture_output=True, text=True, env=env, timeout=300, check=True)
    figures = json.loads(r.stdout)
    assert isinstance(figures["dian_build_sign_p95_ms"], float) and figures["dian_build_sign_p95_ms"] > 0
    assert figures["dian_build_sign_p50_ms"] <= figures["dian_build_sign_p95_ms"]
