"""kiosk-admin products import | export"""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.common import EXIT_FAIL, EXIT_OK, print_json, services
from kiosk.cli.stock_commands import acting_user
from kiosk.services.access import TECHNICIAN


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

    ex = psub.add_parser("export", help="write the catalog as CSV (the import's format)")
    ex.add_argument("file", type=Path)
    ex.add_argument("--all", action="store_true", help="include deactivated products")
    ex.add_argument("--semicolon", action="store_true", help="separate columns with ; (Spanish spreadsheets)")
    ex.add_argument("--json", action="store_true")
    ex.set_defaults(func=cmd_export)


def cmd_import(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        report = app.product_csv.import_file(args.file, acting_user(app, args.user), dry_run=args.dry_run)
    finally:
        app.close()
    if args.json:
        print_json({"ok": report.ok, "applied": report.applied, "dry_run": report.dry_run, "rows": report.rows,
                    "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                    "stock_changes": report.stock_changes, "new_categories": list(report.new_categories),
                    "problems": [{"line": p.line, "column": p.column, "reason": p.reason}
                                 for p in report.problems]})
    else:
        for problem in report.problems:
            print(problem.text())
        print(report.summary())
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_export(args: argparse.Namespace) -> int:
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
