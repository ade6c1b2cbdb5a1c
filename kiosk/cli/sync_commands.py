"""kiosk-admin server init | sync status | sync now — the shop server (several tills,
one shop; docs/multi-till.md). ``till register`` is in till_commands.py."""

from __future__ import annotations

import argparse

from kiosk.cli.common import EXIT_FAIL, EXIT_OK, CommandError, print_json, services


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("server", help="the shop server (PostgreSQL) several tills share")
    ssub = p.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    i = ssub.add_parser("init", help="create or upgrade the server's schema and the tills' roles")
    i.add_argument("--url", required=True, metavar="URL",
                   help="an owner's URL: postgresql://owner:password@host:port/database")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_server_init)
    c = ssub.add_parser("publish", aliases=["publish-catalog"],
                        help="put this till's shared data on the server: categories, products, customers, users "
                             "(PIN hashes) and shop.* settings (unchanged rows stay as they are)")
    c.add_argument("--url", required=True, metavar="URL", help="an owner's URL, as for init")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_publish)
    r = ssub.add_parser("reader", help="a login that may read every till's documents (reports across tills)")
    r.add_argument("--url", required=True, metavar="URL", help="an owner's URL, as for init")
    r.add_argument("--name", required=True, help="the reader's name (letters, digits, _): the role is "
                                                  "<database>_reader_<name>; again: a new password")
    r.add_argument("--save", action="store_true",
                   help="keep it on this till (report-server.json, 0600) for report daily --all-tills and Resumen "
                        "instead of printing it")
    r.set_defaults(func=cmd_reader)

    p = sub.add_parser("sync", help="documents going up to the shop server")
    ysub = p.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    st = ysub.add_parser("status", help="server reachable, documents waiting and since when, last push, last error")
    st.add_argument("--json", action="store_true")
    st.add_argument("--no-check", action="store_true", help="do not try to reach the server")
    st.set_defaults(func=cmd_status)
    now = ysub.add_parser("now", help="push every waiting document now, then pull the shared data's changes")
    now.add_argument("--json", action="store_true")
    now.set_defaults(func=cmd_now)


def cmd_server_init(args: argparse.Namespace) -> int:
    from db.server.admin import ServerError, init_server

    try:
        result = init_server(args.url)
    except ServerError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print_json({"server": result.server, "before": result.before, "after": result.after,
                    "group_role": result.group_role})
    else:
        was = f"upgraded from {result.before}" if result.before and result.before != result.after else \
            ("created" if result.before is None else "already up to date")
        print(f"server {result.server}: schema {result.after} ({was}); tills' group role {result.group_role}")
    return EXIT_OK


def cmd_reader(args: argparse.Namespace) -> int:
    from db.server.admin import ServerError, add_reader

    try:
        url = add_reader(args.url, args.name)
    except ServerError as exc:
        raise CommandError(str(exc)) from None
    if args.save:
        from kiosk.services.shop_report import save_reader_url

        app = services(args)  # on a till; under sudo the file goes to the state directory's owner (hand_back)
        try:
            path = save_reader_url(app.state_dir, url)
        finally:
            app.close()
        print(f"reader's login kept in {path} (mode 0600)")
    else:
        print(url)
    return EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    from db.server.admin import ServerError
    from kiosk.services.sync_shared import publish

    app = services(args)
    try:
        counts = publish(app.db, args.url)
    except ServerError as exc:
        raise CommandError(str(exc)) from None
    finally:
        app.close()
    if args.json:
        print_json(counts)
    else:
        print("published " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    return EXIT_OK


def _dt(value: object) -> str:
    if value is None:
        return "never"
    from kiosk.formatting import to_local

    return to_local(value).strftime("%Y-%m-%d %H:%M:%S")


def cmd_status(args: argparse.Namespace) -> int:
    from kiosk.services.sync_status import sync_status, waiting_text

    app = services(args)
    try:
        st = sync_status(app.db, app.state_dir, probe=not args.no_check)
    finally:
        app.close()
    if args.json:
        print_json({**st.as_dict(), "waiting_text": waiting_text(st)})
        return EXIT_OK
    if not st.registered:
        print("this till has no shop server (it works alone); join one with: "
              "kiosk-admin till register --server URL --name NAME")
        return EXIT_OK
    reach = {None: "not checked", True: "yes"}.get(st.reachable, f"NO: {st.reachable_error}")
    age = "" if st.oldest_waiting_age_s is None else f" (oldest {st.oldest_waiting_age_s // 60} min old)"
    rows = [("server", f"{st.server}  (this till: {st.till_name!r}, id {st.till_id})"),
            ("reachable", reach),
            ("waiting", f"{st.waiting} documents, {st.waiting_sales} of them sales{age}"
             + (f" — {waiting_text(st)}" if st.waiting else "")),
            ("last push", _dt(st.last_push_at)),
            ("last pull", _dt(st.last_pull_at)),
            ("last error", f"{_dt(st.last_error_at)}: {st.last_error}" if st.last_error else "none")]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    return EXIT_OK


def cmd_now(args: argparse.Namespace) -> int:
    from kiosk.services.sync_link import registered
    from kiosk.services.sync_pull import pull
    from kiosk.services.sync_push import push

    app = services(args)
    try:
        if not registered(app.db):
            raise CommandError("this till has no shop server: kiosk-admin till register --server URL --name NAME")
        result = push(app.db, app.state_dir)
        down = pull(app.db, app.state_dir) if result.ok else None
    finally:
        app.close()
    error = result.error or (down.error if down else "")
    if args.json:
        print_json({"pushed": result.pushed, "batches": result.batches, "waiting": result.waiting,
                    **{f"pulled_{k}": v for k, v in (down.counts() if down else {}).items()},
                    "change_no": down.change_no if down else None, "error": error})
    else:
        print(f"pushed {result.pushed} documents; {result.waiting} waiting")
        if down is not None and down.ok:
            print("pulled " + ", ".join(f"{n} {name}" for name, n in down.counts().items())
                  + f" (change {down.change_no})")
        if error:
            print(f"error: {error}")
    return EXIT_OK if not error else EXIT_FAIL
