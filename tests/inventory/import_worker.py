"""Child process for the long-writer tests: imports a product CSV into a state
directory and prints its report as JSON. ``hold_s`` (optional) is the import's
target lock-holding time per transaction; a tiny one makes many steps, so a test
can kill the process between them."""

import json
import sys
from pathlib import Path

from kiosk.app_factory import build
from tests.conftest import make_settings


def main(state_dir: str, csv_path: str, hold_s: str = "") -> None:
    app = build(make_settings(Path(state_dir)))
    if hold_s:
        app.product_csv.hold_s = float(hold_s)
    admin = app.users.users()[0]
    print("ready", flush=True)
    report = app.product_csv.import_file(csv_path, admin)
    print(json.dumps({"applied": report.applied, "rows": report.rows, "created": report.created,
                      "stock_changes": report.stock_changes, "steps": report.steps}), flush=True)
    app.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
