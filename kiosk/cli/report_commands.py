"""kiosk-admin report daily — the daily report file (PDF, XLSX, CSV zip) for a business
date or a range, saved under <state>/reports/ or --to DIR."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from kiosk.cli.common import EXIT_OK, CommandError, print_json, services
from kiosk.formatting import local_today


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="reports as files")
    rsub = p.add_subparsers(dest="report_command", metavar="KIND", required=True)
    d = rsub.add_parser("daily", help="sales, cash and inventory of a day (or a range) as PDF, XLSX and CSV")
    d.add_argument("--date", type=date.fromisoformat, metavar="D", help="business date YYYY-MM-DD (default: today)")
    d.add_argument("--from", dest="first", type=date.fromisoformat, metavar="D")
    d.add_argument("--to", dest="to", action="append", default=[], metavar="D|DIR",
                   help="the range's last date (YYYY-MM-DD), or the folder for the files; both may be given")
    d.add_argument("--format", dest="formats", action="append", choices=["pdf", "xlsx", "csv"],
                   help="repeat for several (default: pdf, xlsx and csv)")
    d.add_argument("--dir", dest="folder", metavar="DIR", help="folder for the files (default: <state>/reports)")
    d.add_argument("--all-tills", action="store_true",
                   help="the whole shop (every till's documents on the shop server): totals and each till's")
    d.add_argument("--server", metavar="URL",
                   help="with --all-tills: a reader's URL (kiosk-admin server reader); default: the one this "
                        "till keeps (server reader --save)")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_daily)


def cmd_daily(args: argparse.Namespace) -> int:
    args.last = None
    for value in args.to:  # the issue's --to is the range's end or the folder: a date is the end
        try:
            day = date.fromisoformat(value)
        except ValueError:
            if args.folder and args.folder != value:
                raise CommandError("two folders given (--to and --dir)") from None
            args.folder = value
            continue
        if args.last is not None:
            raise CommandError("two end dates given with --to")
        args.last = day
    if args.date and (args.first or args.last):
        raise CommandError("give --date, or --from and --to, not both")
    if (args.first is None) != (args.last is None):
        raise CommandError("a range needs both --from and --to")
    first = args.date or args.first
    last = args.date or args.last
    if first is None:
        first = last = local_today()
    if last < first:
        raise CommandError(f"--to {last} is before --from {first}")
    folder = Path(args.folder).expanduser() if args.folder else None
    if folder is not None and folder.exists() and not folder.is_dir():
        raise CommandError(f"{folder} is not a folder")
    if args.server and not args.all_tills:
        raise CommandError("--server goes with --all-tills")
    if args.all_tills:
        return _all_tills(args, first, last, folder)
    app = services(args)
    try:
        formats = tuple(dict.fromkeys(args.formats or ["pdf", "xlsx", "csv"]))
        try:
            paths = app.reports.make(first, last, formats, folder=folder)
        except PermissionError as exc:
            raise CommandError(f"cannot write the report there: {exc}") from None
        rep_summary = app.reports.build(first, last).summary if args.json else None
    finally:
        app.close()
    if args.json:
        print_json({"from": first, "to": last, "files": [str(p) for p in paths], "summary": rep_summary})
    else:
        for p in paths:
            print(p)
    return EXIT_OK


def _all_tills(args: argparse.Namespace, first: date, last: date, folder: Path | None) -> int:
    """The shop's report from the server: on a till (its reader's login, its shop name,
    its reports folder) or, with --server, on any machine (files in --dir or here)."""
    from kiosk.cli.common import settings
    from kiosk.services.shop_report import NoReportAccess, ShopReports, reader_url

    conf = settings(args)
    try:
        url = args.server or reader_url(conf.state_dir)
    except NoReportAccess as exc:
        raise CommandError(str(exc)) from None
    formats = tuple(dict.fromkeys(args.formats or ["pdf", "xlsx", "csv"]))
    out = folder or (conf.state_dir / "reports" if conf.state_dir.is_dir() and not args.server else Path.cwd())
    reports = ShopReports(url, shop=conf.shop.name, decimals=conf.currency.decimals)
    try:
        rep, paths = reports.make(first, last, formats, folder=out)
    except NoReportAccess as exc:
        raise CommandError(str(exc)) from None
    except PermissionError as exc:
        raise CommandError(f"cannot write the report there: {exc}") from None
    if args.json:
        tills = rep.tables["tills"]
        keys = [c.key for c in tills.columns]
        print_json({"from": first, "to": last, "files": [str(p) for p in paths], "summary": rep.summary,
                    "tills": [dict(zip(keys, row, strict=True)) for row in tills.rows]})
    else:
        for p in paths:
            print(p)
    return EXIT_OK
