"""kiosk-admin products import | resume | export"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli.common import EXIT_FAIL, EXIT_OK, print_json, services
from kiosk.cli.stock_commands import acting_user
from kiosk.core.progress import Progress

if TYPE_CHECKING:  # the services load with the command (kiosk/cli/main.py: start-up time)
    from kiosk.services.product_csv import ImportReport


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("products", help="catalog import and export as CSV")
    psub = p.add_subparsers(dest="products_command", metavar="ACTION", required=True)

    im = psub.add_parser("import", help="import products from CSV: every row is checked first, "
                                        "then all rows are imported or none")
    im.add_argument("file", type=Path)
    im.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")
    im.add_argument("--user", help="user recorded in the ledger for stock changes (default: the first admin)")
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=cmd_import)

    rs = psub.add_parser("resume", help="finish an import interrupted half-way (a crash, a power cut); "
                                        "the kiosk and 'products import' also do it on their own")
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_resume)

    ex = psub.add_parser("export", help="write the catalog as CSV (the import's format)")
    ex.add_argument("file", type=Path)
    ex.add_argument("--all", action="store_true", help="include deactivated products")
    ex.add_argument("--semicolon", action="store_true", help="separate columns with ; (Spanish spreadsheets)")
    ex.add_argument("--json", action="store_true")
    ex.set_defaults(func=cmd_export)


def _report_json(report: ImportReport) -> dict:
    return {"ok": report.ok, "applied": report.applied, "dry_run": report.dry_run, "resumed": report.resumed,
            "rows": report.rows, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "stock_changes": report.stock_changes,
            "new_categories": list(report.new_categories), "steps": report.steps,
            "problem_count": max(report.problem_count, len(report.problems)),
            "problems": [{"line": p.line, "column": p.column, "reason": p.reason} for p in report.problems]}


@contextmanager
def _shown(progress: Progress, enabled: bool) -> Iterator[None]:
    """A progress line on the terminal while the work runs (not when piped)."""
    if not enabled:
        yield
        return
    stop = threading.Event()

    from kiosk.services.product_csv import STAGE_APPLY, STAGE_CHECK, STAGE_READ

    def show() -> None:
        while not stop.wait(0.5):
            state = progress.snapshot()
            label = {STAGE_READ: "reading", STAGE_CHECK: "checking", STAGE_APPLY: "writing"}.get(state.stage, "")
            print(f"\r{label} {state.fraction:4.0%}", end="", file=sys.stderr, flush=True)

    thread = threading.Thread(target=show, name="progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        print("\r" + " " * 20 + "\r", end="", file=sys.stderr, flush=True)


def cmd_import(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        user = acting_user(app, args.user)
        progress = Progress()
        with _shown(progress, not args.json and sys.stderr.isatty()):
            resumed = app.product_csv.resume() if not args.dry_run else []
            try:
                report = app.product_csv.import_file(args.file, user, dry_run=args.dry_run, progress=progress)
            except KeyboardInterrupt:
                if app.product_csv.unfinished():
                    print("interrupted while writing: the import will be finished by the next "
                          "'kiosk-admin products import' or when the kiosk starts", file=sys.stderr)
                raise
    finally:
        app.close()
    if args.json:
        out = _report_json(report)
        if resumed:
            out["resumed_imports"] = [_report_json(r) for r in resumed]
        print_json(out)
    else:
        for earlier in resumed:
            print(earlier.summary())
        for problem in report.problems:
            print(problem.text())
        print(report.summary())
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_resume(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        reports = app.product_csv.resume()
    finally:
        app.close()
    if args.json:
        print_json({"resumed": [_report_json(r) for r in reports]})
    else:
        for report in reports:
            print(report.summary())
        if not reports:
            print("no interrupted import")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from kiosk.services.access import TECHNICIAN

    app = services(args)
    try:
        result = app.product_csv.export_file(args.file, by=TECHNICIAN, include_inactive=args.all,
                                             delimiter=";" if args.semicolon else ",")  # recorded as kiosk-admin
    finally:
        app.close()
    if args.json:
        print_json({"file": result.path, "products": result.products})
    else:
        print(f"{result.products} products written to {result.path}")
    return EXIT_OK
