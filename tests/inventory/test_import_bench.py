"""The import probe runs and reports its figures (timing is measured on demand with
`kiosk-admin bench`, never asserted here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"import_10k_s", "import_10k_dry_run_s", "reimport_10k_noop_s", "export_10k_s"}


def test_import_probe_reports_its_figures(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    env.pop("STATE_DIRECTORY", None)
    r = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "bench", "--products", "10", "--only", "import_10k",
                        "--json"], capture_output=True, text=True, env=env, timeout=300, check=True)
    figures = json.loads(r.stdout)
    assert KEYS <= figures.keys() and all(figures[k] > 0 for k in KEYS)
    assert figures["export_10k_products"] == 10_000


def test_long_writer_probes_report_their_figures(tmp_path: Path) -> None:
    """sale_during_import_max_ms, import_100k_s and import_peak_rss_mb, on tiny sizes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    env.pop("STATE_DIRECTORY", None)
    r = subprocess.run([sys.executable, "-m", "kiosk.cli.main", "bench", "--products", "300", "--import-rows", "1500",
                        "--only", "import_100k,sale_during_import", "--json"],
                       capture_output=True, text=True, env=env, timeout=600, check=True)
    figures = json.loads(r.stdout)
    keys = {"sale_during_import_max_ms", "import_100k_s", "import_peak_rss_mb", "sales_during_import"}
    assert keys <= figures.keys() and all(figures[k] > 0 for k in keys)
    assert figures["import_100k_rows"] == 1500 and figures["import_200k_rows"] == 3000
