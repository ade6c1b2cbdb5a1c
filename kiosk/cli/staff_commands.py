"""kiosk-admin users | set-pin | permissions | audit — users, their PINs and roles,
what each role may do, and the audit log.

These run as the technician on the box (``TECHNICIAN``: every act, recorded with the
command and the login that ran it). They change the database the running kiosk reads
at every sign-in and every act, so they take effect without a restart.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

from kiosk.cli.common import EXIT_FAIL, EXIT_OK, CommandError, print_json, print_table, services, settings
from kiosk.core.permissions import Act, Role, act_label
from kiosk.formatting import local_day_bounds, to_local

if TYPE_CHECKING:  # the services load with the command (kiosk/cli/main.py: start-up time)
    from kiosk.app_factory import Services
    from kiosk.services.users import UserInfo

ROLES = [r.value for r in Role]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="list, add, rename, change the role of, deactivate or reactivate users")
    p.add_argument("--all", action="store_true", help="(list) include deactivated users")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_users_list)
    usub = p.add_subparsers(dest="users_command", metavar="ACTION")

    u = usub.add_parser("list", help="every user: name, role, active, last sign-in")
    u.add_argument("--all", action="store_true", help="include deactivated users")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_users_list)

    u = usub.add_parser("add", help="a new user (the PIN is asked twice, not shown)")
    u.add_argument("name")
    u.add_argument("--role", required=True, help=f"one of {', '.join(ROLES)}")
    u.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
    u.set_defaults(func=cmd_users_add)

    u = usub.add_parser("rename", help="change a user's name")
    u.add_argument("name")
    u.add_argument("new_name")
    u.set_defaults(func=cmd_users_rename)

    u = usub.add_parser("role", help="change a user's role")
    u.add_argument("name")
    u.add_argument("role", help=f"one of {', '.join(ROLES)}")
    u.set_defaults(func=cmd_users_role)

    u = usub.add_parser("deactivate", help="the user can no longer sign in (history keeps the name)")
    u.add_argument("name")
    u.set_defaults(func=cmd_users_deactivate)

    u = usub.add_parser("activate", help="reactivate a user")
    u.add_argument("name")
    u.add_argument("--new-pin", action="store_true",
                   help="give a new PIN too (needed when another user has the old one meanwhile)")
    u.add_argument("--pin-stdin", action="store_true", help="read the new PIN from the first line of stdin")
    u.set_defaults(func=cmd_users_activate)

    u = usub.add_parser("unlock", help="end the wait after wrong PINs on this till")
    u.set_defaults(func=cmd_users_unlock)

    p = sub.add_parser("set-pin", help="give a user a new PIN (asked twice, not shown)")
    p.add_argument("user", help="user name or id")
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")
    p.set_defaults(func=cmd_set_pin)

    p = sub.add_parser("permissions", help="which acts each role may do ([permissions] in kiosk.toml)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_permissions)

    p = sub.add_parser("audit", help="the audit log: list it, verify its hash chain")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    a = asub.add_parser("list", help="newest first")
    a.add_argument("--since", type=date.fromisoformat, help="from this day on (YYYY-MM-DD, shop time)")
    a.add_argument("--until", type=date.fromisoformat, help="up to and including this day")
    a.add_argument("--user", help="rows where this user acted or authorised")
    a.add_argument("--act", help="one kind of row, e.g. sign_in, pin_failed, drawer_opened, price_changed")
    a.add_argument("--limit", type=int, default=200)
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_audit_list)
    a = asub.add_parser("verify", help="check the hash chain; names the first broken row (exit 1)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_audit_verify)


@contextmanager
def _app(args: argparse.Namespace) -> Iterator[Services]:
    """The application on the existing database (these commands never create one:
    a missing database is NoDatabase, naming the path). Under sudo, the files it may
    have created (WAL, PIN look-up key) go back to the kiosk user when the command
    ends (kiosk.cli.common.hand_back)."""
    app = services(args)
    try:
        yield app
    finally:
        app.close()


def _user(app: Services, name: str) -> UserInfo:
    return app.users.get(user_id=int(name)) if name.isdigit() else app.users.get(name=name)


def _read_pin(args: argparse.Namespace, prompt: str = "New PIN: ") -> str:
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass(prompt)
    if getpass.getpass("Same PIN again: ") != first:
        raise CommandError("the two PINs differ; nothing was changed")
    return first.strip()


# --- users --------------------------------------------------------------------------

def cmd_users_list(args: argparse.Namespace) -> int:
    with _app(args) as app:
        rows = app.users.rows(include_inactive=args.all)
    if args.json:
        print_json([{"id": r.id, "name": r.name, "role": r.role.value, "active": r.active,
                     "last_login": to_local(r.last_login_at).isoformat(timespec="seconds") if r.last_login_at else None,
                     "must_change_pin": r.must_change_pin} for r in rows])
    else:
        print_table(["id", "name", "role", "active", "last sign-in"],
                    [(r.id, r.name, r.role.value, "yes" if r.active else "no",
                      f"{to_local(r.last_login_at):%Y-%m-%d %H:%M}" if r.last_login_at else "-") for r in rows],
                    right=(0,))
    return EXIT_OK


def cmd_users_add(args: argparse.Namespace) -> int:
    with _app(args) as app:
        user = app.users.create_user(args.name, args.role, _read_pin(args))
    print(f"user {user.name} added ({user.role.value})")
    return EXIT_OK


def cmd_users_rename(args: argparse.Namespace) -> int:
    with _app(args) as app:
        user = app.users.rename(_user(app, args.name).id, args.new_name)
    print(f"renamed to {user.name}")
    return EXIT_OK


def cmd_users_role(args: argparse.Namespace) -> int:
    with _app(args) as app:
        user = app.users.set_role(_user(app, args.name).id, args.role)
    print(f"{user.name} is now {user.role.value}")
    return EXIT_OK


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    with _app(args) as app:
        user = _user(app, args.name)
        app.users.set_active(user.id, False)
    print(f"{user.name} deactivated")
    return EXIT_OK


def cmd_users_activate(args: argparse.Namespace) -> int:
    with _app(args) as app:
        user = _user(app, args.name)
        pin = _read_pin(args) if (args.new_pin or args.pin_stdin) else None
        app.users.set_active(user.id, True, new_pin=pin)
    print(f"{user.name} reactivated")
    return EXIT_OK


def cmd_users_unlock(args: argparse.Namespace) -> int:
    with _app(args) as app:
        failures = app.users.clear_lockout()
    print(f"wrong-PIN count cleared ({failures} failures); PINs can be typed again")
    return EXIT_OK


def cmd_set_pin(args: argparse.Namespace) -> int:
    with _app(args) as app:
        user = _user(app, args.user)
        app.users.set_pin(user.id, _read_pin(args))
    print(f"PIN changed for {user.name}")
    return EXIT_OK


# --- permissions ----------------------------------------------------------------------

def cmd_permissions(args: argparse.Namespace) -> int:
    perms = settings(args).permissions.model()
    table = perms.table()
    if args.json:
        print_json({"acts": {act.value: [r.value for r, ok in roles.items() if ok] for act, roles in table},
                    "discount_limits": {r.value: v for r, v in perms.discount_limits.items()}})
    else:
        print_table(["act", "", *ROLES], [(act.value, act_label(act, "en"), *("yes" if roles[r] else "-" for r in Role))
                                          for act, roles in table])
    return EXIT_OK


# --- audit ---------------------------------------------------------------------------

def cmd_audit_list(args: argparse.Namespace) -> int:
    from kiosk.services.audit import AuditFilter

    since = local_day_bounds(args.since)[0] if args.since else None
    until = local_day_bounds(args.until)[1] if args.until else None
    if args.act and args.act not in {a.value for a in Act} | _known_acts():
        raise CommandError(f"unknown act {args.act!r}; known: {', '.join(sorted(_known_acts()))}")
    with _app(args) as app:
        if args.user:
            _user(app, args.user)  # an unknown name is an error, not an empty list
        rows = app.audit.entries(AuditFilter(since=since, until=until, user=args.user, act=args.act,
                                             limit=args.limit))
    if args.json:
        print_json([{"id": r.id, "uuid": r.uuid, "time": to_local(r.created_at).isoformat(timespec="seconds"),
                     "till": r.till_id, "act": r.act, "user": r.user or None,
                     "authorised_by": r.authorised_by or None, "subject": r.subject, "before": r.before,
                     "after": r.after, "origin": r.origin} for r in rows])
    else:
        print_table(["id", "time", "act", "user", "authorised by", "subject", "change"],
                    [(r.id, f"{to_local(r.created_at):%Y-%m-%d %H:%M:%S}", r.act, r.user or "-",
                      r.authorised_by or "-", r.subject, r.change_text) for r in rows], right=(0,))
    return EXIT_OK


def _known_acts() -> set[str]:
    from kiosk.services.audit import ACT_LABELS

    return set(ACT_LABELS)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with _app(args) as app:
        reports = app.audit.verify()
    ok = all(r.ok for r in reports)
    if args.json:
        print_json([{"till": r.till_id, "rows": r.rows, "ok": r.ok, "head": r.head,
                     "broken": None if r.ok else {"id": r.broken.row_id, "uuid": r.broken.uuid,
                                                  "reason": r.broken.reason}} for r in reports])
    else:
        for r in reports:
            if r.ok:
                print(f"till {r.till_id}: {r.rows} rows, chain intact; newest hash {r.head}")
            else:
                why = ("its content was changed" if r.broken.reason == "content"
                       else "it does not follow the row before it (a row was removed, inserted or changed)")
                print(f"till {r.till_id}: BROKEN at row {r.broken.row_id} (uuid {r.broken.uuid}): {why}")
    return EXIT_OK if ok else EXIT_FAIL

