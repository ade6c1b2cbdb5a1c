"""Inventory figures: importing a 10,000-row product CSV into a fresh catalog
(budget 5 s), re-importing the same file (a no-op), a check-only run and the export."""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path
from typing import Any

from kiosk.bench import BenchContext, probe
from kiosk.bench.catalog_gen import BRANDS, CATEGORY_NAMES, MODES, SCENTS, TYPES, VARIANTS, ean13
from kiosk.config import load_settings
from kiosk.core.product_fields import COLUMNS

ROWS = 10_000


def write_csv(path: Path, rows: int, seed: int = 11) -> None:
    """A realistic import file: Spanish names with accents, semicolons and decimal
    commas as a Spanish spreadsheet saves them, a UTF-8 BOM, a barcode per product."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(COLUMNS)
        for i in range(1, rows + 1):
            mode, uom = rng.choice(MODES)
            name = f"{rng.choice(TYPES)} {rng.choice(VARIANTS)} {rng.choice(SCENTS)} {i}"
            price = rng.randint(50, 5000)
            stock = rng.randint(0, 400) if uom == "unit" else f"{rng.randint(0, 400)},{rng.randint(0, 9)}"
            out.writerow([f"I{i:06d}", ean13(500_000 + i), name, rng.choice(BRANDS), rng.choice(CATEGORY_NAMES),
                          mode, {"l": "litro", "gal": "galón", "kg": "kilo", "lb": "libra"}.get(uom, "unidad"),
                          f"{price // 100},{price % 100:02d}", f"{price // 200},{price % 100:02d}",
                          rng.choice(["0", "19"]), stock, "5", ""])


@probe("import_10k")
def import_10k(ctx: BenchContext) -> dict[str, Any]:
    from kiosk.app_factory import build

    work = ctx.workdir / "import10k"
    work.mkdir(parents=True, exist_ok=True)
    settings = load_settings(env={"STATE_DIRECTORY": str(work / "state"), "HOME": str(work)},
                             overrides={"printer": {"url": "none"}})
    app = build(settings, sender=lambda payload: None)
    try:
        admin = app.users.users()[0]
        path = work / "products.csv"
        write_csv(path, ROWS)
        t0 = time.perf_counter()
        check = app.product_csv.import_file(path, admin, dry_run=True)
        t1 = time.perf_counter()
        first = app.product_csv.import_file(path, admin)
        t2 = time.perf_counter()
        again = app.product_csv.import_file(path, admin)
        t3 = time.perf_counter()
        exported = app.product_csv.export_file(work / "export.csv", by=admin)
        t4 = time.perf_counter()
        if not (check.ok and first.applied and first.created == ROWS and again.unchanged == ROWS):
            raise RuntimeError(f"import bench went wrong: {first.summary()} / {again.summary()}")
        return {"import_10k_s": round(t2 - t1, 3), "import_10k_dry_run_s": round(t1 - t0, 3),
                "reimport_10k_noop_s": round(t3 - t2, 3), "export_10k_s": round(t4 - t3, 3),
                "export_10k_products": exported.products}
    finally:
        app.close()
