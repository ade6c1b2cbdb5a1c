"""kiosk-admin numbering add | list | show | activate | deactivate — DIAN numbering
resolutions of this till."""

from __future__ import annotations

import argparse
from datetime import date

from kiosk.cli.common import EXIT_OK, print_json, print_table, services
from kiosk.cli.stock_commands import acting_user
from kiosk.core.numbering import NumberingKind, Resolution, ResolutionDraft, kind_label


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("numbering", help="DIAN numbering resolutions of this till (fiscal profile)")
    nsub = p.add_subparsers(dest="numbering_command", metavar="ACTION", required=True)

    ad = nsub.add_parser("add", help="add a resolution DIAN authorised for this till")
    ad.add_argument("--kind", required=True, choices=[k.value for k in NumberingKind])
    ad.add_argument("--resolution", required=True, metavar="NUMBER", help="DIAN's resolution number")
    ad.add_argument("--date", type=date.fromisoformat, metavar="DATE",
                    help="the resolution's date, YYYY-MM-DD (default: --valid-from)")
    ad.add_argument("--prefix", required=True, metavar="P", help="1 to 4 letters or digits")
    ad.add_argument("--from", dest="first", required=True, type=int, metavar="N")
    ad.add_argument("--to", dest="last", required=True, type=int, metavar="N")
    ad.add_argument("--valid-from", required=True, type=date.fromisoformat, metavar="DATE")
    ad.add_argument("--valid-to", required=True, type=date.fromisoformat, metavar="DATE")
    ad.add_argument("--technical-key", default="", metavar="K", help="the range's technical key (invoices)")
    ad.add_argument("--user", help="manager or admin who adds it (default: the first admin)")
    ad.add_argument("--json", action="store_true")
    ad.set_defaults(func=cmd_add)

    ls = nsub.add_parser("list", help="this till's resolutions with the next number and what is left")
    ls.add_argument("--kind", choices=[k.value for k in NumberingKind])
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    sh = nsub.add_parser("show", help="one resolution (by id, resolution number or prefix) and the warnings")
    sh.add_argument("resolution", nargs="?", help="default: every kind's current resolution")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)

    for name, active in (("activate", True), ("deactivate", False)):
        a = nsub.add_parser(name, help=f"{name} a resolution (they are never changed or deleted)")
        a.add_argument("resolution")
        a.add_argument("--user")
        a.set_defaults(func=cmd_set_active, active=active)


def resolution_json(r: Resolution, today: date) -> dict:
    return {"id": r.id, "till_id": r.till_id, "kind": r.kind.value, "resolution": r.resolution,
            "resolution_date": r.resolution_date, "prefix": r.prefix, "from": r.range_from, "to": r.range_to,
            "valid_from": r.valid_from, "valid_to": r.valid_to, "technical_key": r.technical_key,
            "active": r.active, "state": r.state(today), "last_used": r.last_used,
            "next": r.next_number if r.remaining else None, "remaining": r.remaining,
            "days_left": r.days_left(today)}


def _rows(resolutions: list[Resolution], today: date) -> list[tuple]:
    from kiosk.services.numbering import state_label  # with the command (kiosk/cli/main.py: start-up time)

    return [(r.id, r.kind.value, r.resolution, r.prefix, f"{r.range_from}-{r.range_to}",
             f"{r.valid_from} .. {r.valid_to}", f"{r.prefix}{r.next_number}" if r.remaining else "-", r.remaining,
             state_label(r, today)) for r in resolutions]


HEADERS = ["#", "kind", "resolution", "prefix", "range", "valid", "next", "remaining", "state"]


def cmd_add(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        draft = ResolutionDraft(kind=NumberingKind(args.kind), resolution=args.resolution,
                                resolution_date=args.date or args.valid_from, prefix=args.prefix,
                                range_from=args.first, range_to=args.last, valid_from=args.valid_from,
                                valid_to=args.valid_to, technical_key=args.technical_key)
        r = app.numbering.add(draft, acting_user(app, args.user))
        today = app.numbering.today()
    finally:
        app.close()
    if args.json:
        print_json(resolution_json(r, today))
    else:
        print(f"resolution {r.resolution} added: {kind_label(r.kind)} {r.prefix}{r.range_from} to "
              f"{r.prefix}{r.range_to}, valid {r.valid_from} to {r.valid_to}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        found = app.numbering.resolutions(NumberingKind(args.kind) if args.kind else None)
        today = app.numbering.today()
    finally:
        app.close()
    if args.json:
        print_json([resolution_json(r, today) for r in found])
    else:
        print_table(HEADERS, _rows(found, today), right=(0, 7))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from kiosk.services.numbering import state_label

    app = services(args)
    try:
        today = app.numbering.today()
        if args.resolution:
            shown = [app.numbering.find(args.resolution)]
        else:
            shown = [r for r in app.numbering.resolutions(include_inactive=False) if r.state(today) == "active"]
        warnings = app.numbering.warnings()
    finally:
        app.close()
    if args.json:
        print_json({"resolutions": [resolution_json(r, today) for r in shown],
                    "warnings": [w.as_dict() for w in warnings]})
    else:
        for r in shown:
            rows = [("resolution", f"{r.resolution} of {r.resolution_date}  (#{r.id}, {kind_label(r.kind)})"),
                    ("numbers", f"{r.prefix}{r.range_from} to {r.prefix}{r.range_to}"),
                    ("valid", f"{r.valid_from} to {r.valid_to} ({r.days_left(today)} days left)"),
                    ("next", f"{r.prefix}{r.next_number}" if r.remaining else "-"),
                    ("remaining", str(r.remaining)), ("state", state_label(r, today)),
                    ("technical key", r.technical_key or "-")]
            for key, value in rows:
                print(f"{key.ljust(13)}  {value}")
            print()
        for w in warnings:
            print(f"{w.level}: {w.text}")
    return EXIT_OK


def cmd_set_active(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        r = app.numbering.set_active(app.numbering.find(args.resolution).id, args.active,
                                     acting_user(app, args.user))
    finally:
        app.close()
    print(f"resolution {r.resolution} ({r.prefix}): {'active' if r.active else 'deactivated'}")
    return EXIT_OK
