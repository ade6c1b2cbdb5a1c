"""kiosk-admin till status | open | cash-in | cash-out | close | x-report | z-report |
z-reports — the shop day on this till (kiosk/services/till_sessions.py).

Acts are done as a named user whose PIN is asked (or read with --pin-stdin), checked
and audited like on the screen."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from kiosk.cli.common import EXIT_OK, CommandError, print_json, print_table, services
from kiosk.core.permissions import Act
from kiosk.core.product_fields import parse_amount
from kiosk.formatting import to_local
from kiosk.i18n import format_money

if TYPE_CHECKING:  # the services load with the commands that use them (kiosk-admin's start-up time)
    from kiosk.app_factory import Services
    from kiosk.services.access import UserInfo
    from kiosk.services.till_sessions import SessionInfo, ZInfo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("till", help="the shop day: open and close the till, cash in/out, X and Z reports")
    tsub = p.add_subparsers(dest="till_command", metavar="ACTION", required=True)

    s = tsub.add_parser("status", help="the open session (float, sales, expected cash) and the last Z")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

    def who(q: argparse.ArgumentParser) -> None:
        q.add_argument("--user", required=True, metavar="NAME", help="who does it (their PIN is asked)")
        q.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
        q.add_argument("--json", action="store_true")

    o = tsub.add_parser("open", help="Abrir caja with an opening float")
    o.add_argument("--float", dest="amount", required=True, metavar="AMOUNT", help="e.g. 100000 or 50,00")
    who(o)
    o.set_defaults(func=cmd_open)

    for name, kind in (("cash-in", "in"), ("cash-out", "out")):
        c = tsub.add_parser(name, help=f"cash {kind} of the drawer with a reason (prints a slip, opens the drawer)")
        c.add_argument("amount", metavar="AMOUNT")
        c.add_argument("--reason", required=True, metavar="R",
                       help="change | supplier | safe_drop, or any text")
        if kind == "out":
            c.add_argument("--force", action="store_true",
                           help="take it out even if the drawer should hold less (needs close_till)")
        who(c)
        c.set_defaults(func=cmd_cash, kind=kind)

    c = tsub.add_parser("close", help="Cerrar caja: the counted cash, then the Z report (printed and stored)")
    c.add_argument("--counted", required=True, metavar="AMOUNT")
    c.add_argument("--note", default="", metavar="N", help="why the count differs (needed above [till] note_over)")
    who(c)
    c.set_defaults(func=cmd_close)

    x = tsub.add_parser("x-report", help="the open session's figures now (resets nothing)")
    x.add_argument("--json", action="store_true")
    x.set_defaults(func=cmd_x)

    z = tsub.add_parser("z-report", help="one stored Z report")
    z.add_argument("number", type=int)
    z.add_argument("--json", action="store_true")
    z.set_defaults(func=cmd_z)

    zs = tsub.add_parser("z-reports", help="the Z reports of this till, newest first")
    zs.add_argument("--json", action="store_true")
    zs.set_defaults(func=cmd_zs)

    r = tsub.add_parser("register", help="join this till to a shop server (several tills, one shop)")
    r.add_argument("--server", required=True, metavar="URL",
                   help="the server's owner URL: postgresql://owner:password@host:port/database")
    r.add_argument("--name", required=True, metavar="NAME", help="this till's name in the shop, e.g. 'Caja 2'")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_register)


@contextmanager
def _app(args: argparse.Namespace) -> Iterator[Services]:
    app = services(args)
    try:
        yield app
    finally:
        app.close()


def _amount(app: Services, text: str) -> int:
    return parse_amount(text, app.settings.currency.decimals, key="amount")


def _signed_in(app: Services, args: argparse.Namespace, act: Act) -> UserInfo:
    """The named user, proved by their PIN (a wrong PIN counts towards the wait like on the screen)."""
    user = app.users.get(name=args.user)
    pin = sys.stdin.readline().strip() if args.pin_stdin else getpass.getpass(f"PIN of {user.name}: ").strip()
    if not pin:
        raise CommandError("no PIN given")
    found = app.users.authenticate(pin)
    if found.id != user.id:
        raise CommandError(f"that PIN is not {user.name}'s")
    return found


def _session_json(info: SessionInfo | None) -> dict | None:
    if info is None:
        return None
    return {"id": info.id, "uuid": info.uuid, "till_id": info.till_id, "status": info.status,
            "business_date": info.business_date, "opened_at": to_local(info.opened_at), "opened_by": info.opened_by,
            "float_minor": info.opening_float, "auto_opened": info.auto_opened}


def _z_json(z: ZInfo) -> dict:
    return {"number": z.number, "till_id": z.till_id, "session_id": z.session_id,
            "business_date": z.business_date, "created_at": to_local(z.created_at), "expected_minor": z.expected,
            "counted_minor": z.counted, "difference_minor": z.difference, "figures": z.figures,
            "print_job": z.print_job}


def cmd_status(args: argparse.Namespace) -> int:
    with _app(args) as app:
        info = app.sessions.current()
        expected = app.sessions.expected_cash()
        x = app.sessions.x_report()["figures"] if info is not None else None
        last = app.sessions.last_z_number()
        warnings = app.sessions.preclose().warnings() if info is not None else []
    if args.json:
        print_json({"open": info is not None, "session": _session_json(info), "expected_cash_minor": expected,
                    "sales_count": x["sales_count"] if x else 0, "net_minor": x["net"] if x else 0,
                    "last_z": last or None, "warnings": warnings})
        return EXIT_OK
    if info is None:
        print(f"the till is closed (last Z: {last or '-'}); open it with: kiosk-admin till open --float AMOUNT "
              "--user NAME")
        return EXIT_OK
    print(f"open since {to_local(info.opened_at):%Y-%m-%d %H:%M} by {info.opened_by or 'kiosk-admin'}"
          f"{' (opened by a sale)' if info.auto_opened else ''}")
    print(f"float {format_money(info.opening_float)}; {x['sales_count']} sales, net {format_money(x['net'])}; "
          f"expected cash {format_money(expected)}; last Z: {last or '-'}")
    for w in warnings:
        print(f"note: {w}")
    return EXIT_OK


def cmd_open(args: argparse.Namespace) -> int:
    with _app(args) as app:
        amount = _amount(app, args.amount)
        user = _signed_in(app, args, Act.SELL)
        info = app.sessions.open(user, amount=amount)
    if args.json:
        print_json(_session_json(info))
    else:
        print(f"till open: float {format_money(info.opening_float)}, by {info.opened_by}")
    return EXIT_OK


def cmd_cash(args: argparse.Namespace) -> int:
    with _app(args) as app:
        amount = _amount(app, args.amount)
        user = _signed_in(app, args, Act.CASH_IN_OUT)
        moved = app.sessions.cash_movement(user, args.kind, amount, args.reason, force=getattr(args, "force", False))
    if args.json:
        print_json({"id": moved.id, "kind": moved.kind, "amount_minor": moved.amount, "reason": moved.reason,
                    "expected_cash_minor": moved.expected_after, "print_job": moved.print_job})
    else:
        print(f"cash {moved.kind} {format_money(moved.amount)} ({moved.reason}); slip queued (job {moved.print_job})")
    return EXIT_OK


def cmd_close(args: argparse.Namespace) -> int:
    with _app(args) as app:
        counted = _amount(app, args.counted)
        user = _signed_in(app, args, Act.CLOSE_TILL)
        for w in app.sessions.preclose().warnings():
            print(f"note: {w}", file=sys.stderr)
        z = app.sessions.close(user, counted=counted, note=args.note)
    if args.json:
        print_json(_z_json(z))
    else:
        kind = "over" if z.difference > 0 else "short" if z.difference < 0 else "exact"
        print(f"Z {z.number} stored and queued for printing: expected {format_money(z.expected)}, counted "
              f"{format_money(z.counted)}, difference {format_money(z.difference)} ({kind})")
    return EXIT_OK


def cmd_x(args: argparse.Namespace) -> int:
    with _app(args) as app:
        x = app.sessions.x_report()
    if args.json:
        print_json({"kind": "X", "header": x["header"], "figures": x["figures"]})
    else:
        print("X report (nothing is reset)")
        print("\n".join(x["lines"]))
    return EXIT_OK


def cmd_z(args: argparse.Namespace) -> int:
    with _app(args) as app:
        z = app.sessions.z_report(args.number)
    if args.json:
        print_json(_z_json(z))
    else:
        print(f"Z REPORT {z.number}")
        print(z.printed_text)
    return EXIT_OK


def cmd_zs(args: argparse.Namespace) -> int:
    with _app(args) as app:
        zs = app.sessions.z_reports()
    if args.json:
        print_json([{k: v for k, v in _z_json(z).items() if k != "figures"} | {"net_minor": z.figures["net"]}
                    for z in zs])
    else:
        print_table(["Z", "date", "closed", "net", "expected", "counted", "difference"],
                    [(z.number, z.business_date, f"{to_local(z.created_at):%Y-%m-%d %H:%M}",
                      format_money(z.figures["net"]), format_money(z.expected), format_money(z.counted),
                      format_money(z.difference)) for z in zs], right=(0, 3, 4, 5, 6))
    return EXIT_OK


def cmd_register(args: argparse.Namespace) -> int:
    from db.server.admin import ServerError
    from kiosk.services.sync_link import register as join

    with _app(args) as app:
        try:
            joined = join(app.db, app.state_dir, args.server, args.name)
        except ServerError as exc:
            raise CommandError(str(exc)) from None
    if args.json:
        print_json({"till_id": joined.till_id, "role": joined.role, "server": joined.server,
                    "credentials": joined.credentials, "queued": joined.queued, "new": joined.new})
        return EXIT_OK
    print(f"{'joined' if joined.new else 'joined again (new password)'}: {args.name!r} is till {joined.till_id} "
          f"on {joined.server} (role {joined.role})")
    print(f"credentials: {joined.credentials} (readable by its owner only)")
    print(f"documents queued to go up: {joined.queued}; push them now with: kiosk-admin sync now")
    return EXIT_OK
