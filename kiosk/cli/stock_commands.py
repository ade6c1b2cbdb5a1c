"""kiosk-admin stock ledger | low | restock | adjust"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kiosk.cli.common import EXIT_OK, CommandError, print_json, print_table, services
from kiosk.i18n import format_money
from kiosk.core.adjustments import ADJUSTMENT_REASONS
from kiosk.core.permissions import Role

if TYPE_CHECKING:
    from kiosk.services.access import UserInfo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stock", help="stock ledger, low stock, restocks and adjustments")
    ssub = p.add_subparsers(dest="stock_command", metavar="ACTION", required=True)

    lg = ssub.add_parser("ledger", help="every stock movement of one product, newest first")
    lg.add_argument("sku")
    lg.add_argument("--limit", type=int, default=1000, help="at most this many movements (default 1000)")
    lg.add_argument("--json", action="store_true")
    lg.set_defaults(func=cmd_ledger)

    lo = ssub.add_parser("low", help="products at or below their low-stock level, with reorder suggestions")
    lo.add_argument("--json", action="store_true")
    lo.set_defaults(func=cmd_low)

    rs = ssub.add_parser("restock", help="record goods received")
    rs.add_argument("sku")
    rs.add_argument("quantity", help="in the product's unit of measure, e.g. 12 or 2,5 (litres)")
    rs.add_argument("--cost", help="unit cost per unit of measure, e.g. 1,60")
    rs.add_argument("--reference", default="", help="delivery note or invoice number")
    rs.add_argument("--user", help="user recorded in the ledger (default: the first admin)")
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_restock)

    ad = ssub.add_parser("adjust", help="record stock lost or found")
    ad.add_argument("sku")
    ad.add_argument("delta", help="signed, in the product's unit of measure: 3, -2, -0.5 "
                                  "(a decimal comma needs -- before it: -- -0,5)")
    ad.add_argument("--reason", required=True, choices=sorted(ADJUSTMENT_REASONS))
    ad.add_argument("--reference", default="")
    ad.add_argument("--user", help="user recorded in the ledger (default: the first admin)")
    ad.add_argument("--json", action="store_true")
    ad.set_defaults(func=cmd_adjust)


def acting_user(app, name: str | None) -> UserInfo:  # noqa: ANN001
    """Who the ledger records for a command run on the box: ``--user`` (a manager or
    admin), else the first active admin."""
    if name:
        user = app.users.get(name=name)
        if not user.active:
            raise CommandError(f"user {name!r} is deactivated")
        return user
    admins = [u for u in app.users.users() if u.role is Role.ADMIN]
    if not admins:
        raise CommandError("no active admin user; pass --user NAME")
    return admins[0]


def cmd_ledger(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        page = app.stock.ledger_for_sku(args.sku, limit=args.limit)
        p = page.product
        if args.json:
            print_json({
                "sku": p.sku, "name": p.name, "uom": p.uom.value, "stock_base": p.stock,
                "ledger_sum_base": page.ledger_sum, "movements_total": page.total_rows,
                "movements": [{"id": r.id, "time": r.time, "reason": r.reason, "detail": r.detail,
                               "quantity_base": r.quantity, "balance_base": r.balance, "user": r.user,
                               "reference": r.reference, "unit_cost_minor": r.unit_cost,
                               "sale_number": r.sale_number} for r in page.rows]})
        else:
            print(f"{p.sku}  {p.name}  stock {page.stock_text}  ({page.total_rows} movements)")
            print_table(["time", "movement", "quantity", "stock", "user", "reference"],
                        [(r.time.strftime("%Y-%m-%d %H:%M"), r.reason_label, r.quantity_text, r.balance_text,
                          r.user, r.reference) for r in page.rows], right=(2, 3))
    finally:
        app.close()
    return EXIT_OK


def cmd_low(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        items = app.stock.low_stock()
        if args.json:
            print_json([{"sku": i.product.sku, "name": i.product.name, "uom": i.product.uom.value,
                         "stock_base": i.product.stock, "low_stock_base": i.product.low_stock,
                         "sold_base": i.sold, "days": i.days, "suggested_base": i.suggested} for i in items])
        else:
            print_table(["sku", "product", "stock", "level", f"sold {app.stock.history_days} d", "order"],
                        [(i.product.sku, i.product.name, i.stock_text, i.level_text, i.sold_text, i.suggested_text)
                         for i in items], right=(2, 3, 4, 5))
            print(f"{len(items)} products at or below their low-stock level")
    finally:
        app.close()
    return EXIT_OK


def _change_out(args: argparse.Namespace, change) -> None:  # noqa: ANN001
    if args.json:
        print_json({"sku": change.sku, "name": change.name, "quantity_base": change.quantity,
                    "stock_base": change.stock, "uom": change.uom.value})
    else:
        print(change.message)


def cmd_restock(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        product = app.catalog.by_sku(args.sku)
        change = app.stock.restock(product.id, args.quantity, acting_user(app, args.user), unit_cost=args.cost,
                                   reference=args.reference)
        _change_out(args, change)
        if args.cost and not args.json:
            print(f"cost is now {format_money(app.catalog.product(product.id).cost)}")
    finally:
        app.close()
    return EXIT_OK


def cmd_adjust(args: argparse.Namespace) -> int:
    app = services(args)
    try:
        product = app.catalog.by_sku(args.sku)
        change = app.stock.adjust(product.id, args.delta, args.reason, acting_user(app, args.user),
                                  reference=args.reference)
        _change_out(args, change)
    finally:
        app.close()
    return EXIT_OK
