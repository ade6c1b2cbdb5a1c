"""kiosk-admin migrate | demo-data | config check"""

from __future__ import annotations

import argparse

from kiosk.appliance.devices import missing_nodes
from kiosk.cli.common import EXIT_FAIL, EXIT_OK, print_json, services, settings
from kiosk.demo import load_demo


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
    s = settings(args)  # raises ConfigError (exit 2) with every problem listed
    missing = missing_nodes(s)  # valid, but a device it names is not there (exit 1)
    if args.json:
        print_json({"ok": not missing, "valid": True, "source": str(s.source) if s.source else None,
                    "state_dir": str(s.state_dir), "state_dir_origin": s.state_dir_origin,
                    "database": str(s.database_path),
                    "missing_devices": [{"setting": n.key, "node": n.node, "message": n.problem()}
                                        for n in missing]})
    else:
        print(f"configuration OK ({s.source or 'built-in defaults'}); state directory {s.state_dir} "
              f"({s.state_dir_reason()})")
        for n in missing:
            print(f"  {n.key}: {n.problem()}")
    return EXIT_FAIL if missing else EXIT_OK
