"""kiosk-admin sales return | sales void | returns list | returns show (issue 14)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from kiosk.cli.common import EXIT_OK, CommandError, print_json, print_table, services
from kiosk.core.payments import method_label
from kiosk.core.units import to_base
from kiosk.formatting import format_quantity, format_unit_price
from kiosk.i18n import format_money
from kiosk.core.refunds import RETURN_REASONS

if TYPE_CHECKING:  # the services load with the commands that use them (kiosk-admin's start-up time)
    from kiosk.services.returns import ReturnableSale, ReturnDetail, ReturnSummary
    from kiosk.services.users import UserInfo


def sale_reference(number: int) -> str:
    from kiosk.core.receipt import sale_reference as reference  # lazy: the receipt module is heavy to import

    return reference(number)


def return_reference(number: int) -> str:
    from kiosk.core.receipt import return_reference as reference

    return reference(number)


def reason_label(reason: str) -> str:
    from kiosk.services.returns import reason_label as label

    return label(reason)


def register_sales(ssub: argparse._SubParsersAction) -> None:
    """``sales return`` and ``sales void`` (added to the ``sales`` group)."""
    r = ssub.add_parser("return", help="return lines (or part of a bulk line) of a sale")
    r.add_argument("number", type=int, help="the sale's number")
    r.add_argument("--line", action="append", required=True, metavar="POSITION:QUANTITY",
                   help="line position (as `sales show` lists them, from 1) and quantity in the line's unit, "
                        "e.g. 2:0,5 for half a litre; repeat for more lines")
    r.add_argument("--refund", choices=("cash", "card", "qr"),
                   help="refund method (default: the way the sale was paid)")
    r.add_argument("--reason", required=True, choices=sorted(RETURN_REASONS))
    r.add_argument("--note", default="")
    _user_args(r)
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_return)
    v = ssub.add_parser("void", help="void a whole sale of today at this till")
    v.add_argument("number", type=int)
    v.add_argument("--reason", required=True, help="why the sale is voided (printed and kept)")
    _user_args(v)
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_void)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("returns", help="returns (their own documents)")
    rsub = p.add_subparsers(dest="returns_command", metavar="ACTION", required=True)
    ls = rsub.add_parser("list", help="list returns (every day by default)")
    ls.add_argument("--date", type=date.fromisoformat, help="a day, YYYY-MM-DD")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    sh = rsub.add_parser("show", help="one return in detail")
    sh.add_argument("number", type=_return_number)
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)


def _return_number(text: str) -> int:
    t = text.strip().upper().removeprefix("D")
    if not t.isdigit():
        raise argparse.ArgumentTypeError(f"not a return number: {text!r}")
    return int(t)


def _user_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", required=True, help="who does it (their PIN is asked)")
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from the first line of stdin")


def signed_in(app, args: argparse.Namespace) -> UserInfo:  # noqa: ANN001
    """The ``--user`` whose PIN was typed (throttled and recorded like the lock screen)."""
    pin = sys.stdin.readline().strip() if args.pin_stdin else getpass.getpass(f"PIN of {args.user}: ").strip()
    if not pin:
        raise CommandError("no PIN given")
    user = app.users.authenticate(pin)
    if user.name.casefold() != args.user.strip().casefold():
        raise CommandError(f"that PIN is not {args.user}'s; nothing was done")
    return user


def parse_lines(sale: ReturnableSale, specs: list[str]) -> list[tuple[int, int]]:
    """["2:0,5", "1:3"] -> [(2, 500), (1, 3)] in each line's base units."""
    out = []
    for spec in specs:
        position, sep, quantity = spec.partition(":")
        if not sep or not position.strip().isdigit():
            raise CommandError(f"--line {spec!r}: write POSITION:QUANTITY, e.g. 2:0,5")
        line = sale.line(int(position))
        try:
            value = Decimal(quantity.strip().replace(",", "."))
        except InvalidOperation:
            raise CommandError(f"--line {spec!r}: {quantity!r} is not a quantity") from None
        if not value.is_finite() or value <= 0:
            raise CommandError(f"--line {spec!r}: the quantity must be more than zero")
        base = to_base(value, line.uom)
        if base <= 0:
            raise CommandError(f"--line {spec!r}: {quantity} {line.uom.value} is less than the smallest unit")
        out.append((int(position), base))
    return out


def cmd_return(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        sale = app.returns.sale(args.number)
        lines = parse_lines(sale, args.line)
        user = signed_in(app, args)
        result = app.returns.make_return(user, args.number, lines, args.reason, refund_method=args.refund,
                                         note=args.note)
        detail = app.returns.detail(result.number)
    finally:
        app.close()
    if args.json:
        print_json(_detail_json(detail) | {"print_job": result.print_job, "credit_note": result.credit_note})
    else:
        print(f"return {result.reference} of sale {sale_reference(args.number)}: refund "
              + ", ".join(f"{method_label(m)} {format_money(a)}" for m, a in result.payments))
    return EXIT_OK


def cmd_void(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        app.returns.sale(args.number)  # an unknown sale is said before the PIN is asked
        user = signed_in(app, args)
        result = app.returns.void(user, args.number, args.reason)
    finally:
        app.close()
    if args.json:
        print_json({"number": result.number, "status": "voided", "total_minor": result.total,
                    "print_job": result.print_job, "credit_note": result.credit_note})
    else:
        print(f"sale {sale_reference(result.number)} voided ({format_money(result.total)} back)")
    return EXIT_OK


def _summary_json(r: ReturnSummary) -> dict:
    return {"number": r.number, "reference": r.reference, "time": r.created_at, "sale": r.sale_number,
            "cashier": r.cashier, "authorised_by": r.authorised_by or None, "reason": r.reason,
            "total_minor": r.total, "methods": list(r.methods)}


def _detail_json(d: ReturnDetail) -> dict:
    return _summary_json(d.summary) | {
        "uuid": d.uuid, "till_id": d.till_id, "tax_minor": d.tax_total, "note": d.note,
        "lines": [{"position": ln.position, "sku": ln.sku, "name": ln.name, "quantity_base": ln.quantity,
                   "uom": ln.uom, "unit_price_minor": ln.unit_price, "refund_minor": ln.refund,
                   "tax_minor": ln.tax, "to_stock": ln.restock} for ln in d.lines],
        "payments": [{"method": m, "amount_minor": a} for m, a in d.payments]}


def cmd_list(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        rows = app.returns.returns(args.date)
    finally:
        app.close()
    if args.json:
        print_json([_summary_json(r) for r in rows])
        return EXIT_OK
    print_table(["#", "time", "sale", "cashier", "reason", "refund"],
                [(r.reference, f"{r.created_at:%Y-%m-%d %H:%M}", sale_reference(r.sale_number) if r.sale_number
                  else "-", r.cashier, reason_label(r.reason), format_money(r.total)) for r in rows], right=(5,))
    print(f"{len(rows)} returns, {format_money(sum(r.total for r in rows))}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        d = app.returns.detail(args.number)
    finally:
        app.close()
    if args.json:
        print_json(_detail_json(d))
        return EXIT_OK
    s = d.summary
    sale = sale_reference(s.sale_number) if s.sale_number else "without receipt"
    who = s.cashier + (f" (authorised by {s.authorised_by})" if s.authorised_by else "")
    print(f"Return {return_reference(s.number)}  {s.created_at:%Y-%m-%d %H:%M}  sale {sale}  {who}")
    print(f"reason: {reason_label(s.reason)}" + (f"  note: {d.note}" if d.note else ""))
    print_table(["#", "sku", "product", "quantity", "price", "refund", "to"],
                [(ln.position, ln.sku, ln.name, format_quantity(ln.quantity, ln.uom),
                  format_unit_price(ln.unit_price, ln.uom), format_money(ln.refund),
                  "stock" if ln.restock else "waste") for ln in d.lines], right=(3, 4, 5))
    for m, a in d.payments:
        print(f"  {method_label(m)}: {format_money(a)}")
    print(f"total {format_money(s.total)} (tax {format_money(d.tax_total)})")
    return EXIT_OK
