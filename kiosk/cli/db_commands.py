"""kiosk-admin migrate | demo-data | config check"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from kiosk.cli.common import EXIT_FAIL, EXIT_OK, EXIT_USAGE, CommandError, print_json, services, settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="bring the database to the newest schema (backs it up first)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo-data", help="load a demo shop (the cleaning-products shop, or --shop serviteca) "
                                         "into an empty catalog")
    p.add_argument("--shop", choices=["cleaning", "serviteca"], default="cleaning",
                   help="cleaning (default) or serviteca: the Colombian car-service shop with the fiscal profile "
                        "on (its own currency, tax and [fiscal] settings over the configured ones), customers, "
                        "DIAN resolutions; with --days its documents are signed and sent to a fake DIAN service "
                        "on 127.0.0.1 started for the command")
    p.add_argument("--days", type=int, default=0, metavar="N",
                   help="also ring up the last N days before today (one till session with its Z a day; sales, "
                        "a few returns and voids) through the real services, when the shop has no sales yet")
    p.add_argument("--per-day", type=int, default=None, metavar="N", help="sales a day with --days (default 18-40)")
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
    if args.days < 0 or args.days > 400 or (args.per_day is not None and not 1 <= args.per_day <= 5000):
        raise CommandError("--days must be 0-400 and --per-day 1-5000")
    if args.shop == "serviteca":
        return cmd_demo_serviteca(args)
    from kiosk.demo import load_demo
    from kiosk.demo_history import DemoDayOpen, describe, make_history

    app = services(args, create=True)
    try:
        added = load_demo(app.db, app.state_dir, app.settings.currency.decimals)
        history, note = None, ""
        if args.days:
            if app.sales.last_number() or app.returns.returns(limit=1):
                note = "the shop already has sales; no history added"
            else:
                per_day = (args.per_day, args.per_day) if args.per_day else (18, 40)
                try:
                    history = make_history(app, args.days, per_day=per_day)
                except DemoDayOpen as exc:
                    raise CommandError(str(exc)) from None
    finally:
        app.close()
    if args.json:
        print_json({"added": added, "database": str(app.settings.database_path),
                    "history": asdict(history) if history else None, "note": note or None})
        return EXIT_OK
    if added:
        print(f"demo shop loaded: {added} products into {app.settings.database_path}")
    else:
        print("the catalog already has products; nothing loaded")
    if history is not None:
        print(f"history of {args.days} days: {describe(history)}")
    if note:
        print(note)
    return EXIT_OK


def cmd_demo_serviteca(args: argparse.Namespace) -> int:
    from kiosk.app_factory import build
    from kiosk.appliance.ownership import owner_of
    from kiosk.cli.common import _opened
    from kiosk.config import load_settings
    from kiosk.demo_history import DemoDayOpen
    from kiosk.demo_serviteca import load_serviteca, settings_overrides, start_demo_dian
    from kiosk.demo_serviteca_history import describe, make_serviteca_history
    from kiosk.fiscal.errors import SchemaUnavailable
    from kiosk.formatting import apply_locale

    s = load_settings(getattr(args, "config", None), overrides=settings_overrides())
    apply_locale(s)
    owner = owner_of(s.state_dir)
    app = build(s, create=True)
    _opened.append((owner, app))
    dian = None
    try:
        added = load_serviteca(app, app.state_dir, history_days=args.days)
        history, note = None, ""
        if args.days:
            if app.sales.last_number() or app.returns.returns(limit=1):
                note = "the shop already has sales; no history added"
            else:
                try:
                    dian = start_demo_dian(app.state_dir)
                except SchemaUnavailable as exc:
                    note = f"documents not sent to the fake DIAN service: {exc}"
                per_day = (args.per_day, args.per_day) if args.per_day else (8, 16)
                try:
                    history = make_serviteca_history(app, args.days, dian=dian, per_day=per_day)
                except DemoDayOpen as exc:
                    raise CommandError(str(exc)) from None
    finally:
        if dian is not None:
            dian.stop()
        app.close()
    if args.json:
        print_json({"shop": "serviteca", "added": added, "database": str(s.database_path),
                    "history": asdict(history) if history else None, "note": note or None})
        return EXIT_OK
    if added:
        print(f"serviteca demo loaded: {added} products into {s.database_path}")
    else:
        print("the catalog already has products; nothing loaded")
    if history is not None:
        print(f"history of {args.days} days: {describe(history)}")
    if note:
        print(note)
    return EXIT_OK


def cmd_config_check(args: argparse.Namespace) -> int:
    from hardware.printer.receipt import check_layout, receipt_layout
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
    from kiosk.fiscal.certificate import configured_certificate_problem

    cert = configured_certificate_problem(s.fiscal.on, s.dian.certificate, s.dian.certificate_password_file)
    ok = not missing and not render_error and (cert is None or cert[0] != "fail")
    printer = {"profile": s.printer.profile, "codepage_wanted": s.printer.codepage.upper(),
               "codepage": report.codepage if report else None, "missing_letters": report.missing if report else None,
               "note": report.note if report else "", "error": render_error}
    if args.json:
        print_json({"ok": ok, "valid": True, "source": str(s.source) if s.source else None,
                    "state_dir": str(s.state_dir), "state_dir_origin": s.state_dir_origin,
                    "database": str(s.database_path), "printer": printer,
                    "missing_devices": [{"setting": n.key, "node": n.node, "message": n.problem()}
                                        for n in missing],
                    "dian_certificate": None if cert is None else {"result": cert[0], "detail": cert[1]}})
    else:
        print(f"configuration OK ({s.source or 'built-in defaults'}); state directory {s.state_dir} "
              f"({s.state_dir_reason()})")
        if render_error:
            print(f"  [printer] profile: {render_error}")
        elif report is not None and report.note:
            print(f"  [printer] codepage: {report.note}")
        for n in missing:
            print(f"  {n.key}: {n.problem()}")
        if cert is not None and cert[0] != "pass":
            print(f"  [dian] certificate: {cert[1]}")
    return EXIT_OK if ok else EXIT_FAIL
