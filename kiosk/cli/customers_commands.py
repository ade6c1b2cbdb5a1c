"""kiosk-admin customers list | show | add | import | export | activate | deactivate"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli.common import EXIT_FAIL, EXIT_OK, print_json, print_table, services
from kiosk.cli.stock_commands import acting_user

if TYPE_CHECKING:
    from kiosk.core.customers import CustomerInfo


def id_type_label(id_type) -> str:  # noqa: ANN001
    from kiosk.core.customers import id_type_label as label  # lazy: python-stdnum and the fiscal rules

    return label(id_type)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("customers", help="customers (Colombian fiscal documents): list, add, import, export")
    csub = p.add_subparsers(dest="customers_command", metavar="ACTION", required=True)

    ls = csub.add_parser("list", help="active customers by name (--all: deactivated ones too)")
    ls.add_argument("--search", default="", help="id number (start) or words of the name")
    ls.add_argument("--all", action="store_true")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    sh = csub.add_parser("show", help="one customer: by id number, TYPE:NUMBER (CC:52123456) or #id")
    sh.add_argument("customer")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)

    ad = csub.add_parser("add", help="add a customer")
    ad.add_argument("--id-type", required=True, metavar="CODE",
                    help="DIAN's code: 13 CC, 31 NIT, 22 CE, 41 passport, 12 TI, 42 foreign id")
    ad.add_argument("--id", dest="number", required=True, metavar="NUMBER")
    ad.add_argument("--dv", default="", help="NIT check digit (computed when left out, checked when given)")
    ad.add_argument("--name", required=True, help="name or company name")
    ad.add_argument("--email", default="")
    ad.add_argument("--phone", default="")
    ad.add_argument("--address", default="")
    ad.add_argument("--city", default="", metavar="DANE", help="DANE code of the municipality (Bogotá 11001)")
    ad.add_argument("--person", choices=("legal", "natural"), help="default: legal for a NIT, else natural")
    ad.add_argument("--responsibilities", nargs="*", default=["R-99-PN"], metavar="CODE",
                    help="DIAN's codes: O-13 O-15 O-23 O-47 R-99-PN (default R-99-PN)")
    ad.add_argument("--user", help="manager or admin who adds it (default: the first admin)")
    ad.add_argument("--json", action="store_true")
    ad.set_defaults(func=cmd_add)

    for name, active in (("activate", True), ("deactivate", False)):
        a = csub.add_parser(name, help=f"{name} a customer (customers are never deleted)")
        a.add_argument("customer")
        a.add_argument("--user")
        a.set_defaults(func=cmd_set_active, active=active)

    im = csub.add_parser("import", help="import customers from CSV: every row is checked first, "
                                        "then all rows are imported or none")
    im.add_argument("file", type=Path)
    im.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")
    im.add_argument("--user")
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=cmd_import)

    ex = csub.add_parser("export", help="write the customers as CSV (the import's format)")
    ex.add_argument("file", type=Path)
    ex.add_argument("--all", action="store_true", help="include deactivated customers")
    ex.add_argument("--semicolon", action="store_true", help="separate columns with ; (Spanish spreadsheets)")
    ex.add_argument("--json", action="store_true")
    ex.set_defaults(func=cmd_export)


def customer_json(c: CustomerInfo) -> dict:
    return {"id": c.id, "uuid": c.uuid, "id_type": c.id_type.value, "id_number": c.id_number, "dv": c.dv,
            "identification": c.identification, "person": c.person, "name": c.name, "email": c.email,
            "phone": c.phone, "address": c.address, "city_code": c.city_code,
            "responsibilities": list(c.responsibilities), "active": c.active}


def _row(c: CustomerInfo) -> tuple:
    return (c.id, id_type_label(c.id_type), c.identification, c.name, c.email, c.city_code,
            "" if c.active else "inactive")


def cmd_list(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        found = app.customers.search(args.search, include_inactive=args.all, limit=100_000)
    finally:
        app.close()
    if args.json:
        print_json([customer_json(c) for c in found])
    else:
        print_table(["#", "type", "id", "name", "e-mail", "city", ""], [_row(c) for c in found], right=(0,))
        print(f"{len(found)} customers")
    return EXIT_OK


def _show(c: CustomerInfo, as_json: bool) -> None:
    if as_json:
        print_json(customer_json(c))
        return
    rows = [("customer", f"#{c.id}{'' if c.active else '  (deactivated)'}"),
            ("id", f"{id_type_label(c.id_type)} {c.identification}"), ("name", c.name), ("person", c.person),
            ("e-mail", c.email or "-"), ("phone", c.phone or "-"), ("address", c.address or "-"),
            ("city", c.city_code or "-"), ("responsibilities", ", ".join(c.responsibilities))]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")


def cmd_show(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        c = app.customers.find(args.customer)
    finally:
        app.close()
    _show(c, args.json)
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        from kiosk.core.customers import CustomerDraft, parse_id_type

        draft = CustomerDraft(id_type=parse_id_type(args.id_type), id_number=args.number, name=args.name,
                              dv=args.dv, person=args.person or "", email=args.email, phone=args.phone,
                              address=args.address, city_code=args.city,
                              responsibilities=tuple(args.responsibilities))
        c = app.customers.add(draft, acting_user(app, args.user))
    finally:
        app.close()
    _show(c, args.json)
    return EXIT_OK


def cmd_set_active(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        c = app.customers.set_active(app.customers.find(args.customer).id, args.active, acting_user(app, args.user))
    finally:
        app.close()
    print(f"{c.name}: {'active' if c.active else 'deactivated'}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        report = app.customers.import_file(args.file, acting_user(app, args.user), dry_run=args.dry_run)
    finally:
        app.close()
    if args.json:
        print_json({"ok": report.ok, "applied": report.applied, "dry_run": report.dry_run, "rows": report.rows,
                    "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                    "problems": [{"line": p.line, "column": p.column, "reason": p.reason} for p in report.problems]})
    else:
        for problem in report.problems:
            print(problem.text())
        print(report.summary())
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_export(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        count = app.customers.export_file(args.file, include_inactive=args.all,
                                          delimiter=";" if args.semicolon else ",")
    finally:
        app.close()
    if args.json:
        print_json({"file": args.file, "customers": count})
    else:
        print(f"{count} customers written to {args.file}")
    return EXIT_OK
