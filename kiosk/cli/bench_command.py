"""kiosk-admin bench: performance figures as one JSON object."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from kiosk import bench
from kiosk.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure performance on a temporary database and print the figures")
    p.add_argument("--products", type=int, default=100_000, help="catalog size (default 100000)")
    p.add_argument("--sales", type=int, default=1000, help="sales written before measuring memory")
    p.add_argument("--import-rows", type=int, default=100_000,
                   help="rows of the import_100k file (sale_during_import imports twice as many)")
    p.add_argument("--only", help="comma-separated probe names to run")
    p.add_argument("--skip", help="comma-separated probe names to leave out")
    p.add_argument("--json", action="store_true", help="print JSON only (default: a table with the budgets, "
                                                       "then the JSON)")
    p.add_argument("--key-rounds", type=int, default=2, help="rounds of the keystroke query mix (default 2)")
    p.add_argument("--ui-sales", type=int, default=100,
                   help="sales made through the UI before kiosk_rss_mb (default 100)")
    p.add_argument("--idle-seconds", type=float, default=30, help="idle_cpu_pct's idle time (default 30)")
    p.add_argument("--ui-start-runs", type=int, default=3,
                   help="kiosk starts on the benchmark catalog for ui_start_s (median of all but the first; "
                        "1: one start, and no demo starts)")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    only = set(args.only.split(",")) if args.only else None
    skip = set(args.skip.split(",")) if args.skip else None
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        ctx = bench.BenchContext(products=args.products, workdir=Path(tmp),
                                 options={"sales": args.sales, "import_rows": args.import_rows,
                                          "key_rounds": args.key_rounds,
                                          "ui_sales": args.ui_sales, "idle_seconds": args.idle_seconds,
                                          "ui_start_runs": args.ui_start_runs})
        progress = None if args.json else (lambda name: print(f"running {name} ...", file=sys.stderr))
        try:
            results = bench.run(ctx, only, skip, progress)
        except bench.UnknownProbe as exc:
            print(f"kiosk-admin bench: {exc}", file=sys.stderr)
            return EXIT_USAGE
        finally:
            app = ctx.shared.get("app")
            if app is not None:
                app.close()
    if not args.json:
        print(bench.table(results))
        for name, why in results.get("failed", {}).items():
            print(f"FAILED {name}: {why}")
        print()
    print_json(results)
    if results.get("failed"):
        print(f"kiosk-admin bench: probes failed: {', '.join(sorted(results['failed']))}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK
