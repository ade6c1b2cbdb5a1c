"""kiosk-admin migrate | demo-data | config check"""

from __future__ import annotations

import argparse
import sys

from kiosk.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, print_json, services, settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="bring the database to the newest schema (backs it up first)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo-data", help="load the demo cleaning-products shop into an empty catalog")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("config", help="configuration")
    csub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    c = csub.add_parser("check", help="validate the configuration and say what is wrong")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_config_check)


def cmd_migrate(args: argparse.Namespace) -> int:
    app = services(args, create=True)  # one of the commands that may create the database
    app.close()
    m = app.migration
    if m and m.before != m.after:
        print(f"database {app.settings.database_path}: {m.before or 'new'} -> {m.after}")
        if m.backup:
            print(f"backup taken first: {m.backup}")
    else:
        print(f"database {app.settings.database_path} is up to date ({m.after if m else '?'})")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk.demo import load_demo

    app = services(args, create=True)
    added = load_demo(app.db, app.state_dir, app.settings.currency.decimals)
    if args.json:
        print_json({"added": added, "database": str(app.settings.database_path)})
    elif added:
        print(f"demo shop loaded: {added} products into {app.settings.database_path}")
    else:
        print("the catalog already has products; nothing loaded")
    app.close()
    return EXIT_OK


def cmd_config_check(args: argparse.Namespace) -> int:
    from hardware.escpos_receipt import check_layout, receipt_layout
    from kiosk.appliance.devices import missing_nodes
    from kiosk.config import ConfigError

    try:
        s = settings(args)  # ConfigError (exit 2) lists every problem
    except ConfigError as exc:
        if not args.json:
            raise
        # Scripts (the installer) read JSON whatever the outcome; the text goes to stderr.
        print_json({"ok": False, "valid": False, "source": exc.source,
                    "problems": [{"key": key, "message": message} for key, message in exc.problems]})
        print(exc.message(), file=sys.stderr)
        return EXIT_USAGE
    missing = missing_nodes(s)  # valid, but a device it names is not there (exit 1)
    # A sample receipt rendered with the printer settings: what would fail on the first
    # sale fails here (exit 1); a code page the profile lacks is replaced, and said so.
    report, render_error = None, ""
    try:
        report = check_layout(receipt_layout(s))
    except Exception as exc:  # noqa: BLE001 - whatever a receipt would raise
        render_error = f"receipts cannot be printed with profile {s.printer.profile!r}: {exc!r}"
    ok = not missing and not render_error
    printer = {"profile": s.printer.profile, "codepage_wanted": s.printer.codepage.upper(),
               "codepage": report.codepage if report else None, "missing_letters": report.missing if report else None,
               "note": report.note if report else "", "error": render_error}
    if args.json:
        print_json({"ok": ok, "valid": True, "source": str(s.source) if s.source else None,
                    "state_dir": str(s.state_dir), "state_dir_origin": s.state_dir_origin,
                    "database": str(s.database_path), "printer": printer,
                    "missing_devices": [{"setting": n.key, "node": n.node, "message": n.problem()}
                                        for n in missing]})
    else:
        print(f"configuration OK ({s.source or 'built-in defaults'}); state directory {s.state_dir} "
              f"({s.state_dir_reason()})")
        if render_error:
            print(f"  [printer] profile: {render_error}")
        elif report is not None and report.note:
            print(f"  [printer] codepage: {report.note}")
        for n in missing:
            print(f"  {n.key}: {n.problem()}")
    return EXIT_OK if ok else EXIT_FAIL
